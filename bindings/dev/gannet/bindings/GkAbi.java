// Java mirrors of the structs in native/include/gannet_kernels.h. Layouts are built with C's
// alignment rules; AbiLayoutTest checks every offset and size against gk_cpu_abi_entries().
package dev.gannet.bindings;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class GkAbi {
    private GkAbi() {}

    public static final int ABI_VERSION = 2;

    // gk_status
    public static final int GK_OK = 0;
    public static final int GK_ERR_INVALID_ARGUMENT = 1;
    public static final int GK_ERR_UNSUPPORTED = 2;
    public static final int GK_ERR_OUT_OF_MEMORY = 3;
    public static final int GK_ERR_INTERNAL = 4;

    public static final StructLayout TENSOR = struct("gk_tensor",
            ADDRESS.withName("data"), i32("dtype"), i32("n"), i32("h"), i32("w"), i32("c"), i32("reserved"),
            i64("sn"), i64("sh"), i64("sw"), i64("sc"));

    public static final StructLayout EPILOGUE = struct("gk_epilogue",
            ptr("bias"), ptr("scale"), ptr("shift"), TENSOR.withName("residual"), i32("act"), f32("alpha"),
            f32("out_scale"), f32("res_scale"));

    public static final StructLayout CONV2D = struct("gk_conv2d_params",
            tensor("x"), tensor("y"), ptr("w"), i32("r"), i32("s"), i32("stride_h"), i32("stride_w"),
            i32("dil_h"), i32("dil_w"), i32("pad_top"), i32("pad_left"), i32("pad_bottom"), i32("pad_right"),
            i32("pad_mode"), i32("upsample"), EPILOGUE.withName("ep"));

    public static final StructLayout CONV_TRANSPOSE2D = struct("gk_conv_transpose2d_params",
            tensor("x"), tensor("y"), ptr("w"), i32("r"), i32("s"), i32("stride_h"), i32("stride_w"),
            i32("pad_h"), i32("pad_w"), i32("out_pad_h"), i32("out_pad_w"), i32("dil_h"), i32("dil_w"),
            EPILOGUE.withName("ep"));

    public static final StructLayout CONV_PACK = struct("gk_conv_pack_params",
            ptr("src"), ptr("dst"), i32("src_dtype"), i32("k"), i32("r"), i32("s"), i32("c"), i32("transposed"));

    public static final StructLayout PAD2D = struct("gk_pad2d_params",
            tensor("x"), tensor("y"), i32("top"), i32("left"), i32("bottom"), i32("right"), i32("mode"),
            f32("value"));

    public static final StructLayout UPSAMPLE2D = struct("gk_upsample2d_params",
            tensor("x"), tensor("y"), i32("mode"), i32("factor_h"), i32("factor_w"));

    public static final StructLayout PIXEL_SHUFFLE = struct("gk_pixel_shuffle_params",
            tensor("x"), tensor("y"), i32("block"), i32("mode"), i32("inverse"), i32("reserved"));

    public static final StructLayout BATCHNORM = struct("gk_batchnorm_params",
            tensor("x"), tensor("y"), ptr("gamma"), ptr("beta"), ptr("running_mean"), ptr("running_var"),
            ptr("save_mean"), ptr("save_invstd"), i32("training"), f32("momentum"), f32("eps"), i32("act"),
            f32("alpha"), i32("reserved"), ptr("scratch"));

    public static final StructLayout INSTANCENORM = struct("gk_instancenorm_params",
            tensor("x"), tensor("y"), ptr("gamma"), ptr("beta"), f32("eps"), i32("act"), f32("alpha"),
            i32("reserved"), ptr("scratch"));

    public static final StructLayout GRAM = struct("gk_gram_params",
            tensor("x"), tensor("y"), f32("scale"), i32("reserved"), ptr("scratch"));

    public static final StructLayout POOL2D = struct("gk_pool2d_params",
            tensor("x"), tensor("y"), i32("mode"), i32("k_h"), i32("k_w"), i32("stride_h"), i32("stride_w"),
            i32("pad_top"), i32("pad_left"), i32("reserved"), ptr("scratch"));

    public static final StructLayout LINEAR = struct("gk_linear_params",
            tensor("x"), tensor("y"), ptr("w"), EPILOGUE.withName("ep"));

    public static final StructLayout ELEMENTWISE = struct("gk_elementwise_params",
            tensor("a"), tensor("b"), tensor("y"), i32("op"), i32("act"), f32("alpha"), f32("sa"), f32("sb"),
            f32("lo"), f32("hi"), i32("reserved"));

    public static final StructLayout CAST = struct("gk_cast_params",
            tensor("x"), tensor("y"), ptr("mean"), ptr("inv_std"), f32("scale"), f32("offset"));

    public static final StructLayout REDUCE = struct("gk_reduce_params",
            tensor("a"), tensor("b"), tensor("y"), i32("op"), i32("reserved"), ptr("scratch"));

    /** Every struct by its C name, for the ABI test. */
    public static final Map<String, StructLayout> ALL = all(TENSOR, EPILOGUE, CONV2D, CONV_TRANSPOSE2D, CONV_PACK,
            PAD2D, UPSAMPLE2D, PIXEL_SHUFFLE, BATCHNORM, INSTANCENORM, GRAM, POOL2D, LINEAR, ELEMENTWISE, CAST,
            REDUCE);

    private static Map<String, StructLayout> all(StructLayout... layouts) {
        Map<String, StructLayout> m = new LinkedHashMap<>();
        for (StructLayout l : layouts) m.put(l.name().orElseThrow(), l);
        return Map.copyOf(m);
    }

    private static MemoryLayout i32(String n) { return JAVA_INT.withName(n); }
    private static MemoryLayout i64(String n) { return JAVA_LONG.withName(n); }
    private static MemoryLayout f32(String n) { return JAVA_FLOAT.withName(n); }
    private static MemoryLayout ptr(String n) { return ADDRESS.withName(n); }
    private static MemoryLayout tensor(String n) { return TENSOR.withName(n); }

    /** A struct laid out as a C compiler would: each member at its alignment, tail padding to the largest. */
    static StructLayout struct(String name, MemoryLayout... members) {
        List<MemoryLayout> out = new ArrayList<>();
        long offset = 0;
        long maxAlign = 1;
        int pad = 0;
        for (MemoryLayout m : members) {
            long a = m.byteAlignment();
            maxAlign = Math.max(maxAlign, a);
            if (offset % a != 0) {
                long p = a - offset % a;
                out.add(MemoryLayout.paddingLayout(p).withName("pad" + pad++));
                offset += p;
            }
            out.add(m);
            offset += m.byteSize();
        }
        if (offset % maxAlign != 0) {
            out.add(MemoryLayout.paddingLayout(maxAlign - offset % maxAlign).withName("pad" + pad));
        }
        return MemoryLayout.structLayout(out.toArray(MemoryLayout[]::new)).withName(name);
    }
}
