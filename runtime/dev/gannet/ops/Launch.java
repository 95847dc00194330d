// Shared by every launcher: packs gk_tensor and gk_epilogue members and hands the launch to the
// stream, after the launcher has validated everything.
package dev.gannet.ops;

import dev.gannet.bindings.Params;
import dev.gannet.runtime.Check;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.KernelLaunch;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.StructLayout;
import java.util.ArrayList;
import java.util.List;

public final class Launch {
    private Launch() {}

    public static Params params(StructLayout layout) {
        return Params.allocate(layout, Arena.ofAuto());
    }

    /** Writes t into the gk_tensor member {@code field}; a null t leaves the member zero (NULL). */
    public static void tensor(Params p, String field, Tensor t) {
        if (t == null) return;
        long[] s = t.strides();
        p.tensor(field, t.address(), t.dtype().code(), t.shape().n(), t.shape().h(), t.shape().w(), t.shape().c(),
                s[0], s[1], s[2], s[3]);
    }

    public static void epilogue(Params p, String field, Epilogue ep) {
        String f = field + ".";
        if (ep.bias() != null) p.ptr(f + "bias", ep.bias().address());
        if (ep.scale() != null) p.ptr(f + "scale", ep.scale().address());
        if (ep.shift() != null) p.ptr(f + "shift", ep.shift().address());
        tensor(p, f + "residual", ep.residual());
        p.i32(f + "act", ep.act().code()).f32(f + "alpha", ep.act().alpha()).f32(f + "out_scale", ep.outScale())
                .f32(f + "res_scale", ep.resScale());
    }

    /** Common checks: non-null tensors, all on the stream's device. */
    public static void common(String op, Stream stream, Tensor... tensors) {
        Check.arg(stream != null, op, "stream is null");
        for (Tensor t : tensors) {
            Check.arg(t != null, op, "a tensor argument is null");
            Check.arg(t.device() == stream.device(), op, "tensor %s lives on another device than the stream (%s, %s)",
                    t, id(t.device()), id(stream.device()));
        }
    }

    private static String id(Object device) {
        return ((dev.gannet.runtime.Device) device).name() + "@" + Integer.toHexString(System.identityHashCode(device));
    }

    /** Output must not share memory with an input (kernels read and write in any order). */
    public static void noOverlap(String op, Tensor y, Tensor... inputs) {
        for (Tensor x : inputs) {
            if (x != null) Check.arg(!y.mayOverlap(x), op, "output %s overlaps input %s", y, x);
        }
    }

    public static void run(Stream stream, String op, DType dtype, String variant, Params p, String description,
                           List<Tensor> tensors) {
        stream.launch(new KernelLaunch(op, dtype, variant, p, List.copyOf(tensors), description));
    }

    public static List<Tensor> list(Tensor... ts) {
        List<Tensor> l = new ArrayList<>();
        for (Tensor t : ts) if (t != null) l.add(t);
        return l;
    }
}
