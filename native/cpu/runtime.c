/* CPU backend housekeeping: CPU feature detection, the ISA switch, threads, and the ABI table
 * Java checks its struct mirrors against. */
#include "common.h"
#include <cpuid.h>

int gk_cpu_isa_avx2 = -1;

int32_t gk_cpu_abi_version(void) { return GK_ABI_VERSION; }

int32_t gk_cpu_features(void) {
    unsigned a, b, c, d;
    int32_t f = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (c & (1u << 12)) f |= GK_CPU_FEATURE_FMA;
    if (c & (1u << 29)) f |= GK_CPU_FEATURE_F16C;
    int ymm_ok = 0;
    if (osxsave && avx) {
        unsigned lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        ymm_ok = (lo & 6) == 6;
    }
    if (!ymm_ok) return 0;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 5))) f |= GK_CPU_FEATURE_AVX2;
    return f;
}

static int avx2_available(void) {
    int need = GK_CPU_FEATURE_AVX2 | GK_CPU_FEATURE_FMA | GK_CPU_FEATURE_F16C;
    return (gk_cpu_features() & need) == need;
}

int32_t gk_cpu_isa(void) {
    if (gk_cpu_isa_avx2 < 0) gk_cpu_isa_avx2 = avx2_available();
    return gk_cpu_isa_avx2;
}

int32_t gk_cpu_set_isa(int32_t isa) {
    gk_cpu_isa_avx2 = isa && avx2_available();
    return gk_cpu_isa_avx2;
}

int gk_cpu_nthreads = 1;

__attribute__((constructor)) static void gk_cpu_init_threads(void) {
#ifdef _OPENMP
    gk_cpu_nthreads = omp_get_max_threads();
#endif
    gk_cpu_isa();
}

int32_t gk_cpu_max_threads(void) { return gk_cpu_nthreads; }

void gk_cpu_set_threads(int32_t n) {
    if (n > 0) gk_cpu_nthreads = n;
}

#define S(T) {#T, "", 0, (int64_t)sizeof(T)}
#define F(T, f) {#T, #f, (int64_t)offsetof(T, f), (int64_t)sizeof(((T *)0)->f)}

static const gk_abi_entry entries[] = {
    S(gk_tensor), F(gk_tensor, data), F(gk_tensor, dtype), F(gk_tensor, n), F(gk_tensor, h),
    F(gk_tensor, w), F(gk_tensor, c), F(gk_tensor, sn), F(gk_tensor, sh), F(gk_tensor, sw),
    F(gk_tensor, sc),
    S(gk_epilogue), F(gk_epilogue, bias), F(gk_epilogue, scale), F(gk_epilogue, shift),
    F(gk_epilogue, residual), F(gk_epilogue, act), F(gk_epilogue, alpha),
    F(gk_epilogue, out_scale), F(gk_epilogue, res_scale),
    S(gk_conv2d_params), F(gk_conv2d_params, x), F(gk_conv2d_params, y), F(gk_conv2d_params, w),
    F(gk_conv2d_params, r), F(gk_conv2d_params, s), F(gk_conv2d_params, stride_h),
    F(gk_conv2d_params, stride_w), F(gk_conv2d_params, dil_h), F(gk_conv2d_params, dil_w),
    F(gk_conv2d_params, pad_top), F(gk_conv2d_params, pad_left), F(gk_conv2d_params, pad_bottom),
    F(gk_conv2d_params, pad_right), F(gk_conv2d_params, pad_mode), F(gk_conv2d_params, upsample),
    F(gk_conv2d_params, ep),
    S(gk_conv_transpose2d_params), F(gk_conv_transpose2d_params, x),
    F(gk_conv_transpose2d_params, y), F(gk_conv_transpose2d_params, w),
    F(gk_conv_transpose2d_params, r), F(gk_conv_transpose2d_params, s),
    F(gk_conv_transpose2d_params, stride_h), F(gk_conv_transpose2d_params, stride_w),
    F(gk_conv_transpose2d_params, pad_h), F(gk_conv_transpose2d_params, pad_w),
    F(gk_conv_transpose2d_params, out_pad_h), F(gk_conv_transpose2d_params, out_pad_w),
    F(gk_conv_transpose2d_params, dil_h), F(gk_conv_transpose2d_params, dil_w),
    F(gk_conv_transpose2d_params, ep),
    S(gk_conv_pack_params), F(gk_conv_pack_params, src), F(gk_conv_pack_params, dst),
    F(gk_conv_pack_params, src_dtype), F(gk_conv_pack_params, k), F(gk_conv_pack_params, r),
    F(gk_conv_pack_params, s), F(gk_conv_pack_params, c), F(gk_conv_pack_params, transposed),
    S(gk_pad2d_params), F(gk_pad2d_params, x), F(gk_pad2d_params, y), F(gk_pad2d_params, top),
    F(gk_pad2d_params, left), F(gk_pad2d_params, bottom), F(gk_pad2d_params, right),
    F(gk_pad2d_params, mode), F(gk_pad2d_params, value),
    S(gk_upsample2d_params), F(gk_upsample2d_params, x), F(gk_upsample2d_params, y),
    F(gk_upsample2d_params, mode), F(gk_upsample2d_params, factor_h),
    F(gk_upsample2d_params, factor_w),
    S(gk_pixel_shuffle_params), F(gk_pixel_shuffle_params, x), F(gk_pixel_shuffle_params, y),
    F(gk_pixel_shuffle_params, block), F(gk_pixel_shuffle_params, mode),
    F(gk_pixel_shuffle_params, inverse),
    S(gk_batchnorm_params), F(gk_batchnorm_params, x), F(gk_batchnorm_params, y),
    F(gk_batchnorm_params, gamma), F(gk_batchnorm_params, beta),
    F(gk_batchnorm_params, running_mean), F(gk_batchnorm_params, running_var),
    F(gk_batchnorm_params, save_mean), F(gk_batchnorm_params, save_invstd),
    F(gk_batchnorm_params, training), F(gk_batchnorm_params, momentum),
    F(gk_batchnorm_params, eps), F(gk_batchnorm_params, act), F(gk_batchnorm_params, alpha),
    F(gk_batchnorm_params, scratch),
    S(gk_instancenorm_params), F(gk_instancenorm_params, x), F(gk_instancenorm_params, y),
    F(gk_instancenorm_params, gamma), F(gk_instancenorm_params, beta),
    F(gk_instancenorm_params, eps), F(gk_instancenorm_params, act),
    F(gk_instancenorm_params, alpha), F(gk_instancenorm_params, scratch),
    S(gk_gram_params), F(gk_gram_params, x), F(gk_gram_params, y), F(gk_gram_params, scale),
    F(gk_gram_params, scratch),
    S(gk_pool2d_params), F(gk_pool2d_params, x), F(gk_pool2d_params, y),
    F(gk_pool2d_params, mode), F(gk_pool2d_params, k_h), F(gk_pool2d_params, k_w),
    F(gk_pool2d_params, stride_h), F(gk_pool2d_params, stride_w), F(gk_pool2d_params, pad_top),
    F(gk_pool2d_params, pad_left), F(gk_pool2d_params, scratch),
    S(gk_linear_params), F(gk_linear_params, x), F(gk_linear_params, y), F(gk_linear_params, w),
    F(gk_linear_params, ep),
    S(gk_elementwise_params), F(gk_elementwise_params, a), F(gk_elementwise_params, b),
    F(gk_elementwise_params, y), F(gk_elementwise_params, op), F(gk_elementwise_params, act),
    F(gk_elementwise_params, alpha), F(gk_elementwise_params, sa), F(gk_elementwise_params, sb),
    F(gk_elementwise_params, lo), F(gk_elementwise_params, hi),
    S(gk_cast_params), F(gk_cast_params, x), F(gk_cast_params, y), F(gk_cast_params, mean),
    F(gk_cast_params, inv_std), F(gk_cast_params, scale), F(gk_cast_params, offset),
    S(gk_reduce_params), F(gk_reduce_params, a), F(gk_reduce_params, b), F(gk_reduce_params, y),
    F(gk_reduce_params, op), F(gk_reduce_params, scratch),
};

const gk_abi_entry *gk_cpu_abi_entries(int32_t *count) {
    *count = (int32_t)(sizeof(entries) / sizeof(entries[0]));
    return entries;
}
