// Every op of the kernel ABI with its dtypes and variants: the support matrix devices answer for
// and the op matrix of the tests is organized by.
package dev.gannet.runtime;

import java.util.List;

public final class Ops {
    private Ops() {}

    private static final List<DType> FLOAT = List.of(DType.F32, DType.F16);

    public static final List<OpInfo> ALL = List.of(
            new OpInfo("conv2d", FLOAT, List.of("pad-zero", "pad-reflect", "pad-replicate")),
            new OpInfo("conv_transpose2d", FLOAT, List.of("default")),
            new OpInfo("pad2d", FLOAT, List.of("zero", "reflect", "replicate")),
            new OpInfo("upsample2d", FLOAT, List.of("nearest", "bilinear", "area")),
            new OpInfo("pixel_shuffle", FLOAT, List.of("dcr", "crd", "dcr-inverse", "crd-inverse")),
            new OpInfo("batchnorm", FLOAT, List.of("inference", "training")),
            new OpInfo("instancenorm", FLOAT, List.of("affine", "plain")),
            new OpInfo("gram", FLOAT, List.of("default")),
            new OpInfo("pool2d", FLOAT, List.of("avg", "max", "global-avg")),
            new OpInfo("linear", FLOAT, List.of("default")),
            new OpInfo("elementwise", FLOAT, List.of("add", "mul", "affine", "clamp")),
            new OpInfo("cast", List.of(DType.F32, DType.F16, DType.U8, DType.I32), List.of("to-f32", "to-f16", "to-u8")),
            new OpInfo("reduce", FLOAT, List.of("mean-all", "mean-channel", "mse", "l1")));

    /** Whether (op, dtype, variant) is a declared form, with the reason when it is not; devices start here. */
    public static Support declared(String op, DType dtype, String variant) {
        OpInfo info = ALL.stream().filter(o -> o.name().equals(op)).findFirst().orElse(null);
        if (info == null) return Support.no("unknown op " + op);
        if (!info.dtypes().contains(dtype)) return Support.no(op + " has no " + dtype + " form");
        if (!info.variants().contains(variant)) return Support.no(op + " has no variant " + variant);
        return Support.YES;
    }

    public static OpInfo get(String name) {
        for (OpInfo o : ALL) if (o.name().equals(name)) return o;
        throw new GannetException(ErrorCode.INVALID_ARGUMENT, "unknown op '" + name + "'");
    }
}
