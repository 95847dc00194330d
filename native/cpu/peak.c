/* The machine's own limits that benchmarks report against: FMA throughput (many independent
 * AVX2 FMA chains per thread, so neither latency nor memory limits it) and STREAM-triad bandwidth. */
#include "common.h"
#include <stdlib.h>
#include <time.h>
#include <immintrin.h>

#ifndef _OPENMP
static double omp_get_wtime(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}
#endif

static double thread_cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

#define CHAINS 12 /* > latency x FMA ports (4 x 2 on current cores): every port stays busy */
#define INNER 4096

/* Runs FMA chains until `seconds` pass; returns the FMAs done (each is 8 lanes x 2 flops). */
static GK_AVX2_TARGET int64_t fma_avx2(double seconds, float *sink) {
    __m256 a[CHAINS];
    for (int i = 0; i < CHAINS; i++) a[i] = _mm256_set1_ps(1.f + 0.01f * i);
    /* a = a*m + c converges to c/(1-m): no overflow, no denormals, never constant-folded. */
    const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-6f);
    int64_t rounds = 0;
    double t0 = omp_get_wtime();
    do {
        for (int k = 0; k < INNER; k++) {
#pragma GCC unroll 12
            for (int i = 0; i < CHAINS; i++) a[i] = _mm256_fmadd_ps(a[i], m, c);
        }
        rounds++;
    } while (omp_get_wtime() - t0 < seconds);
    __m256 s = a[0];
    for (int i = 1; i < CHAINS; i++) s = _mm256_add_ps(s, a[i]);
    float tmp[8];
    _mm256_storeu_ps(tmp, s);
    *sink = tmp[0];
    return rounds * INNER * CHAINS * 8;
}

/* The portable twin: 8-lane arrays gcc vectorizes for the baseline ISA. */
static int64_t fma_portable(double seconds, float *sink) {
    float a[CHAINS][8];
    for (int i = 0; i < CHAINS; i++)
        for (int j = 0; j < 8; j++) a[i][j] = 1.f + 0.01f * i;
    int64_t rounds = 0;
    double t0 = omp_get_wtime();
    do {
        for (int k = 0; k < INNER; k++)
            for (int i = 0; i < CHAINS; i++)
                for (int j = 0; j < 8; j++) a[i][j] = a[i][j] * 0.999999f + 1e-6f;
        rounds++;
    } while (omp_get_wtime() - t0 < seconds);
    float s = 0.f;
    for (int i = 0; i < CHAINS; i++)
        for (int j = 0; j < 8; j++) s += a[i][j];
    *sink = s;
    return rounds * INNER * CHAINS * 8;
}

/* Each thread's rate is taken over the CPU time it was given, not the wall time: on a machine shared
 * with other work a descheduled thread would otherwise report the neighbours' load, not the cores'
 * limit. The threads still run at once, so shared clocks and power limits are in the figure. */
double gk_cpu_measure_fma_gflops(int32_t threads, double seconds) {
    if (threads < 1) threads = 1;
    if (!(seconds > 0)) seconds = 0.1;
    const int avx2 = gk_cpu_isa_avx2 == 1;
    double rate = 0;
    float sum = 0;
#pragma omp parallel num_threads(threads) reduction(+ : rate, sum)
    {
        float s;
#pragma omp barrier
        double w0 = omp_get_wtime(), c0 = thread_cpu_seconds();
        int64_t fmas = avx2 ? fma_avx2(seconds, &s) : fma_portable(seconds, &s);
        double cpu = thread_cpu_seconds() - c0, wall = omp_get_wtime() - w0;
        double t = cpu > 0 && cpu <= wall ? cpu : wall;
        if (t > 0) rate += 2.0 * (double)fmas / t * 1e-9;
        sum += s;
    }
    volatile float sink = sum; /* keeps the chains' results live */
    (void)sink;
    return rate;
}

/* Each thread streams its own share of the arrays, pass after pass, with no barrier between passes
 * (a barrier per pass would measure the scheduler when other work shares the cores); rates are
 * summed over threads, each over the CPU time it was given, as for the FMA peak. */
double gk_cpu_measure_triad_gbps(int32_t threads, int64_t bytes, double seconds) {
    if (threads < 1) threads = 1;
    if (!(seconds > 0)) seconds = 0.1;
    int64_t n = bytes / 3 / (int64_t)sizeof(double);
    if (n < 1024 * (int64_t)threads) n = 1024 * (int64_t)threads;
    size_t sz = (((size_t)n * sizeof(double)) + 63) & ~(size_t)63;
    double *a = aligned_alloc(64, sz), *b = aligned_alloc(64, sz), *c = aligned_alloc(64, sz);
    if (!a || !b || !c) {
        free(a);
        free(b);
        free(c);
        return -1;
    }
    volatile double scalar = 3.0; /* read per pass: the passes cannot be merged */
    double rate = 0;
#pragma omp parallel num_threads(threads) reduction(+ : rate)
    {
        int nt = 1, id = 0;
#ifdef _OPENMP
        nt = omp_get_num_threads();
        id = omp_get_thread_num();
#endif
        const int64_t lo = n * id / nt, hi = n * (id + 1) / nt;
        for (int64_t i = lo; i < hi; i++) { /* first touch by the thread that streams it */
            a[i] = 0;
            b[i] = 1;
            c[i] = 2;
        }
#pragma omp barrier
        int64_t passes = 0;
        double w0 = omp_get_wtime(), c0 = thread_cpu_seconds(), wall;
        do {
            const double sc = scalar;
            for (int64_t i = lo; i < hi; i++) a[i] = b[i] + sc * c[i];
            passes++;
            wall = omp_get_wtime() - w0;
        } while (wall < seconds);
        double cpu = thread_cpu_seconds() - c0;
        double t = cpu > 0 && cpu <= wall ? cpu : wall;
        if (t > 0) rate += 3.0 * (double)(hi - lo) * sizeof(double) * (double)passes / t * 1e-9;
    }
    volatile double keep = a[n / 2];
    (void)keep;
    free(a);
    free(b);
    free(c);
    return rate;
}
