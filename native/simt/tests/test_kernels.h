// Params structs of the SIMT emulator's test kernels (test_kernels.cu), shared with the test
// driver (simt_tests.cpp). Each kernel takes one struct by value, as gannet's kernels do.
#ifndef GK_SIMT_TEST_KERNELS_H
#define GK_SIMT_TEST_KERNELS_H

#include <stdint.h>

struct gk_test_geometry_params {
    unsigned *out; // 8 values per thread: block x,y,z, thread x,y,z, blockDim product, gridDim product
};

struct gk_test_reduce_params {
    const int *x; // blockDim.x values per block
    int *out;     // one sum per block
};

struct gk_test_dynsmem_params {
    const float *x;
    float *out;
    int n;              // floats of dynamic shared memory used (reversed through it)
    unsigned *poisoned; // counts dynamic/static shared words that read as 0xffffffff before any write
};

// kind: 0 idx, 1 up, 2 down, 3 xor; type: 0 int, 1 unsigned, 2 float
struct gk_test_shfl_params {
    const uint32_t *in;
    uint32_t *out;
    int kind;
    int arg;
    int width;
    int type;
};

struct gk_test_vote_params {
    const int *pred;
    unsigned *ballot;
    int *any;
    int *all;
    int *neighbour; // after __syncwarp: the value written by lane ^ 1
};

struct gk_test_atomic_params {
    int *i_sum;
    unsigned *u_sum;
    unsigned long long *ull_sum;
    float *f_sum;
    int *i_max;
    int *i_min;
    unsigned *u_max;
    unsigned *u_min;
    int *cas_counter;
    unsigned long long *cas_ull;
    int *exch;
    unsigned *exch_u;
    float *exch_f;
    unsigned long long *exch_ull;
    unsigned *cas_u;
};

struct gk_test_math_params {
    const float *x; // inputs
    float *out;     // 16 results per input
    int *iout;      // 8 integer results per input
    int n;
};

struct gk_test_half_params {
    const float *x; // 3 per case: a, b, c
    uint16_t *out;  // 8 per case
    float *fout;    // 6 per case
    int n;
};

struct gk_test_vector_params {
    const float4 *f4;
    const int4 *i4;
    const uint2 *u2;
    const uint4 *u4;
    float4 *f4_out;
    int4 *i4_out;
    uint2 *u2_out;
    uint4 *u4_out;
    float2 *f2_out;
    int n;
};

// D = A * B + C, one warp; A, B half 16x16 with leading dimension lda/ldb (layouts as flags).
struct gk_test_wmma_params {
    const __half *a;
    const __half *b;
    const float *c;
    float *d;
    unsigned lda, ldb, ldc, ldd;
    int a_col, b_col, c_col, d_col; // col_major flags
    float scale;                    // applied to every accumulator element (elementwise loop)
    int bias_by_index;              // adds i to x[i]: depends on the (unspecified) element mapping
    int divergent_pointer;          // 1: lane 5 passes another pointer to load_matrix_sync; 2: misaligned
};

struct gk_test_cp_async_params {
    const float *x; // n floats, 16-byte aligned
    float *out;     // n floats
    int n;          // multiple of 4
    int tail;       // bytes copied of the last chunk (zfill the rest): 0..16
    int mode;       // 0 correct (wait<1>, wait<0>, barrier); 1 read before wait; 2 wait but no barrier
};

struct gk_test_order_params {
    unsigned *counter; // one per block
    unsigned *order;   // position at which each thread passed, per phase: [phase][thread]
    int phases;
};

struct gk_test_spin_params {
    int *flag;
    unsigned long long *work;
    int iterations;
};

struct gk_test_bad_params {
    int *out;
    int mode;
};

struct gk_test_recurse_params {
    int depth;
    int *out;
};

#endif
