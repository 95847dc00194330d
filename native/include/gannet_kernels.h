/* gannet kernel ABI: one params struct per op, shared by the CUDA kernels (kernels/<op>.cu, passed
 * by value), the CPU backend (native/cpu, passed by pointer) and the SIMT emulator. Java mirrors
 * every struct with a MemoryLayout (bindings/dev/gannet/bindings/GkAbi.java); AbiLayoutTest
 * compares those layouts with the table gk_abi_entries() reports, so the two cannot drift.
 *
 * Conventions
 * - Activations are NHWC. A gk_tensor is a 4-D view with element strides; a channel slice of a
 *   bigger tensor is a view (data offset by the slice start, c = slice width, sw = full width).
 * - Every pointer, shape, stride and offset has been validated in Java before the call: kernels
 *   trust them. A non-zero status means a bug or resource failure, never bad user input.
 * - `scratch` (batchnorm, instancenorm, gram, pool2d, reduce): device workspace that a GPU
 *   backend allocates per launch for cross-block partial results (split reductions); its size is
 *   decided by the backend's launch configuration. CPU kernels ignore it (Java passes NULL).
 * - Norm statistics, Gram matrices and reductions accumulate in fp32 (or wider) and their
 *   outputs and per-channel parameter arrays (bias, scale, shift, gamma, beta, running stats)
 *   are always float32, whatever the activation dtype.
 */
#ifndef GANNET_KERNELS_H
#define GANNET_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GK_ABI_VERSION 2

typedef enum gk_dtype { GK_F32 = 0, GK_F16 = 1, GK_U8 = 2, GK_I32 = 3 } gk_dtype;

typedef enum gk_status {
    GK_OK = 0,
    GK_ERR_INVALID_ARGUMENT = 1, /* a check Java should have made failed: a gannet bug */
    GK_ERR_UNSUPPORTED = 2,      /* (op, dtype, variant) not built into this backend */
    GK_ERR_OUT_OF_MEMORY = 3,    /* scratch allocation failed */
    GK_ERR_INTERNAL = 4
} gk_status;

typedef enum gk_pad_mode { GK_PAD_ZERO = 0, GK_PAD_REFLECT = 1, GK_PAD_REPLICATE = 2 } gk_pad_mode;

typedef enum gk_act {
    GK_ACT_NONE = 0,
    GK_ACT_RELU = 1,
    GK_ACT_LEAKY = 2, /* x < 0 ? alpha * x : x */
    GK_ACT_TANH = 3,
    GK_ACT_SIGMOID = 4
} gk_act;

/* A 4-D NHWC view. Strides are in elements; sc is 1 for every op except elementwise and cast,
 * where 0 strides express broadcasting. */
typedef struct gk_tensor {
    void *data;
    int32_t dtype; /* gk_dtype */
    int32_t n, h, w, c;
    int32_t reserved;
    int64_t sn, sh, sw, sc;
} gk_tensor;

/* The fused epilogue of conv2d, conv_transpose2d and linear, applied per output element of
 * channel k to the fp32 accumulator acc:
 *   t = acc + bias[k];  t = t * scale[k] + shift[k];  t = act(t, alpha);
 *   y = out_scale * t + res_scale * residual
 * NULL bias/scale/shift mean 0/1/0; residual.data == NULL means no residual (same shape as y).
 * The residual may be y itself (an in-place residual add): kernels read it before writing y. */
typedef struct gk_epilogue {
    const float *bias;
    const float *scale;
    const float *shift;
    gk_tensor residual;
    int32_t act;
    float alpha;
    float out_scale;
    float res_scale;
} gk_epilogue;

/* conv2d: y = epilogue(conv(upsample_nearest(pad(x)), w)). The input is first upsampled by the
 * integer factor `upsample` (1 = none), then padded (pad_* in upsampled pixels, mode pad_mode),
 * then convolved with stride and dilation. K = y.c, C = x.c, groups = 1.
 * w points at weights in the backend's prepared format (gk_cpu_conv_pack on the CPU; made from
 * K x R x S x C "OHWI" weights). */
typedef struct gk_conv2d_params {
    gk_tensor x;
    gk_tensor y;
    const void *w;
    int32_t r, s;
    int32_t stride_h, stride_w;
    int32_t dil_h, dil_w;
    int32_t pad_top, pad_left, pad_bottom, pad_right;
    int32_t pad_mode;
    int32_t upsample;
    gk_epilogue ep;
} gk_conv2d_params;

/* conv_transpose2d (PyTorch ConvTranspose2d semantics, groups = 1):
 *   y[n, oh, ow, k] = sum_{ih,iw,r,s,c : oh = ih*stride_h - pad_h + r*dil_h, ...} x[n,ih,iw,c] * W[k,r,s,c]
 * then the epilogue. Weights are K x R x S x C (PyTorch's (C, K, R, S) transposed at import),
 * prepared by gk_cpu_conv_pack with transposed = 1.
 * y.h = (x.h-1)*stride_h - 2*pad_h + dil_h*(r-1) + out_pad_h + 1 (likewise w). */
typedef struct gk_conv_transpose2d_params {
    gk_tensor x;
    gk_tensor y;
    const void *w;
    int32_t r, s;
    int32_t stride_h, stride_w;
    int32_t pad_h, pad_w;
    int32_t out_pad_h, out_pad_w;
    int32_t dil_h, dil_w;
    gk_epilogue ep;
} gk_conv_transpose2d_params;

/* Weight preparation for conv2d / conv_transpose2d: src is a dense K x R x S x C tensor of
 * src_dtype; dst receives the backend's prepared format (size from the backend's query). */
typedef struct gk_conv_pack_params {
    const void *src;
    void *dst;
    int32_t src_dtype;
    int32_t k, r, s, c;
    int32_t transposed;
} gk_conv_pack_params;

/* pad2d: y = x padded by (top, left, bottom, right); negative amounts crop. */
typedef struct gk_pad2d_params {
    gk_tensor x;
    gk_tensor y;
    int32_t top, left, bottom, right;
    int32_t mode; /* gk_pad_mode */
    float value;  /* fill for GK_PAD_ZERO (a constant pad) */
} gk_pad2d_params;

typedef enum gk_upsample_mode {
    GK_UPSAMPLE_NEAREST = 0,  /* integer factors: y[oh, ow] = x[oh / fh, ow / fw] */
    GK_UPSAMPLE_BILINEAR = 1, /* any size, align_corners = false, half-pixel centers, edge clamp */
    GK_UPSAMPLE_AREA = 2      /* antialiased downscale: exact box-filter average over the source
                                 area each output pixel covers (any ratio) */
} gk_upsample_mode;

typedef struct gk_upsample2d_params {
    gk_tensor x;
    gk_tensor y;
    int32_t mode;
    int32_t factor_h, factor_w; /* nearest only */
} gk_upsample2d_params;

typedef enum gk_pixel_shuffle_mode {
    GK_PS_DCR = 0, /* TF depth_to_space, ONNX DepthToSpace DCR: in channel (i*b + j)*C_out + c */
    GK_PS_CRD = 1  /* PyTorch pixel_shuffle, ONNX CRD: in channel c*b*b + i*b + j */
} gk_pixel_shuffle_mode;

/* pixel_shuffle (depth_to_space): y[n, h*b+i, w*b+j, c] = x[n, h, w, ch(i, j, c)];
 * inverse = 1 is space_to_depth, the exact inverse mapping. */
typedef struct gk_pixel_shuffle_params {
    gk_tensor x;
    gk_tensor y;
    int32_t block;
    int32_t mode;
    int32_t inverse;
    int32_t reserved;
} gk_pixel_shuffle_params;

/* batchnorm over N·H·W per channel, then the activation.
 * inference: mean/var from running_mean/running_var.
 * training: batch mean and biased variance normalize; running stats are updated PyTorch-style:
 *   running = (1 - momentum) * running + momentum * stat, with the unbiased variance;
 *   save_mean / save_invstd (may be NULL) receive the batch mean and 1/sqrt(var + eps).
 * gamma/beta NULL mean 1/0. */
typedef struct gk_batchnorm_params {
    gk_tensor x;
    gk_tensor y;
    const float *gamma;
    const float *beta;
    float *running_mean;
    float *running_var;
    float *save_mean;
    float *save_invstd;
    int32_t training;
    float momentum;
    float eps;
    int32_t act;
    float alpha;
    int32_t reserved;
    void *scratch; /* GPU workspace (see Conventions); NULL on the CPU */
} gk_batchnorm_params;

/* instancenorm: per (n, c) over H·W, biased variance, then optional affine, then activation. */
typedef struct gk_instancenorm_params {
    gk_tensor x;
    gk_tensor y;
    const float *gamma; /* NULL: no affine */
    const float *beta;
    float eps;
    int32_t act;
    float alpha;
    int32_t reserved;
    void *scratch; /* GPU workspace (see Conventions); NULL on the CPU */
} gk_instancenorm_params;

/* gram: per batch item G = scale * F^T F with F the (H·W) x C matrix of x[n]; y is F32 with
 * shape (N, 1, C, C). Only one triangle is computed, the other mirrored. Java passes
 * scale = 1 / (H·W·C) for the lesson's definition. */
typedef struct gk_gram_params {
    gk_tensor x;
    gk_tensor y;
    float scale;
    int32_t reserved;
    void *scratch; /* GPU workspace (see Conventions); NULL on the CPU */
} gk_gram_params;

typedef enum gk_pool_mode { GK_POOL_AVG = 0, GK_POOL_MAX = 1, GK_POOL_GLOBAL_AVG = 2 } gk_pool_mode;

/* pool2d: k_h x k_w windows with stride and zero padding (padded cells are excluded from both
 * the average's count and the max). GLOBAL_AVG averages all H·W into y of shape (N,1,1,C). */
typedef struct gk_pool2d_params {
    gk_tensor x;
    gk_tensor y;
    int32_t mode;
    int32_t k_h, k_w;
    int32_t stride_h, stride_w;
    int32_t pad_top, pad_left;
    int32_t reserved;
    void *scratch; /* GPU workspace (see Conventions); NULL on the CPU */
} gk_pool2d_params;

/* linear: rows are the N·H·W pixels of x (C features each), y = epilogue(x · Wᵀ) with W the
 * dense K x C matrix (PyTorch's layout) in the dtype of x. */
typedef struct gk_linear_params {
    gk_tensor x;
    gk_tensor y;
    const void *w;
    gk_epilogue ep;
} gk_linear_params;

typedef enum gk_elementwise_op {
    GK_EW_ADD = 0,   /* y = act(sa * a + sb * b) */
    GK_EW_MUL = 1,   /* y = act(sa * a * b) */
    GK_EW_AFFINE = 2,/* y = act(sa * a + sb)      (b unused) */
    GK_EW_CLAMP = 3  /* y = min(max(a, lo), hi)   (b unused) */
} gk_elementwise_op;

/* elementwise: a, b and y share y's shape; a zero stride in a or b broadcasts that dim.
 * For GK_EW_ADD / GK_EW_MUL, b may be of a different dtype only if it is F32. */
typedef struct gk_elementwise_params {
    gk_tensor a;
    gk_tensor b;
    gk_tensor y;
    int32_t op;
    int32_t act;
    float alpha;
    float sa, sb;
    float lo, hi;
    int32_t reserved;
} gk_elementwise_params;

/* cast from F32, F16, U8 or I32 to F32, F16 or U8, with an optional per-channel affine:
 *   v = (x * scale + offset - mean[c]) * inv_std[c]      (mean/inv_std NULL mean 0/1)
 * Integer outputs round half away from zero and saturate; NaN becomes 0 in U8. Strides may be 0
 * in x (broadcast), as for elementwise. */
typedef struct gk_cast_params {
    gk_tensor x;
    gk_tensor y;
    const float *mean;
    const float *inv_std;
    float scale;
    float offset;
} gk_cast_params;

typedef enum gk_reduce_op {
    GK_REDUCE_MEAN_ALL = 0,     /* y (1,1,1,1) = mean of all of a */
    GK_REDUCE_MEAN_CHANNEL = 1, /* y (1,1,1,C) = mean over N·H·W per channel */
    GK_REDUCE_MSE = 2,          /* y (1,1,1,1) = mean((a - b)^2) */
    GK_REDUCE_L1 = 3            /* y (1,1,1,1) = mean(|a - b|) */
} gk_reduce_op;

/* reduce: y is F32; accumulation in fp32 or wider. */
typedef struct gk_reduce_params {
    gk_tensor a;
    gk_tensor b;
    gk_tensor y;
    int32_t op;
    int32_t reserved;
    void *scratch; /* GPU workspace (see Conventions); NULL on the CPU */
} gk_reduce_params;

/* ---- self-description, so Java can check its mirrors -------------------------------------- */

typedef struct gk_abi_entry {
    const char *type;  /* struct name, e.g. "gk_conv2d_params" */
    const char *field; /* field name, or "" for the whole struct's size */
    int64_t offset;
    int64_t size;
} gk_abi_entry;

/* ---- the CPU backend (libgannet_cpu.so) ---------------------------------------------------- */

#define GK_CPU_FEATURE_AVX2 1
#define GK_CPU_FEATURE_FMA 2
#define GK_CPU_FEATURE_F16C 4

int32_t gk_cpu_abi_version(void);
const gk_abi_entry *gk_cpu_abi_entries(int32_t *count);
int32_t gk_cpu_features(void);               /* what the CPU has */
int32_t gk_cpu_isa(void);                    /* 1 = AVX2/FMA/F16C kernels in use, 0 = portable */
int32_t gk_cpu_set_isa(int32_t isa);         /* force the portable path (0) or request AVX2 (1); returns the ISA in use */
int32_t gk_cpu_max_threads(void);
void gk_cpu_set_threads(int32_t n);

/* The machine's own limits, for benchmark reports: FMA throughput of `threads` threads in GFLOP/s
 * (AVX2 FMA when available), and STREAM-triad bandwidth over `bytes` of arrays in GB/s. */
double gk_cpu_measure_fma_gflops(int32_t threads, double seconds);
double gk_cpu_measure_triad_gbps(int32_t threads, int64_t bytes, double seconds);

int64_t gk_cpu_conv_packed_bytes(int32_t k, int32_t r, int32_t s, int32_t c, int32_t transposed);
int gk_cpu_conv_pack(const gk_conv_pack_params *p);
int gk_cpu_conv2d(const gk_conv2d_params *p);
int gk_cpu_conv_transpose2d(const gk_conv_transpose2d_params *p);
int gk_cpu_pad2d(const gk_pad2d_params *p);
int gk_cpu_upsample2d(const gk_upsample2d_params *p);
int gk_cpu_pixel_shuffle(const gk_pixel_shuffle_params *p);
int gk_cpu_batchnorm(const gk_batchnorm_params *p);
int gk_cpu_instancenorm(const gk_instancenorm_params *p);
int gk_cpu_gram(const gk_gram_params *p);
int gk_cpu_pool2d(const gk_pool2d_params *p);
int gk_cpu_linear(const gk_linear_params *p);
int gk_cpu_elementwise(const gk_elementwise_params *p);
int gk_cpu_cast(const gk_cast_params *p);
int gk_cpu_reduce(const gk_reduce_params *p);

#ifdef __cplusplus
}
#endif

#endif /* GANNET_KERNELS_H */
