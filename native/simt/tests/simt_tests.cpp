// The SIMT emulator's own tests: named checks that launch the test kernels (test_kernels.cu)
// through the emulated CUDA driver API and compare with values computed plainly on the host, plus
// the driver's stream, event, capture and error semantics. Run by SimtEmulatorTest (one process
// per check); by hand:
//   gk_simt_tests --list | --run NAME | (no argument: every check) | --perf (timings, no checks)
// Output: one line per check, "PASS name[: detail]", "FAIL name: why" or "SKIP name: why".
#include <cuda.h>
#include <cuda_fp16.h>
#include <vector_types.h>

#include "gk_simt.h"
#include "test_kernels.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <numeric>
#include <random>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace {

// ---- harness ------------------------------------------------------------------------------------
struct Failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};
struct Skipped : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::string fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char *f, ...) {
    char buf[2048];
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    return buf;
}

#define REQUIRE(cond, ...)                                                                                             \
    do {                                                                                                               \
        if (!(cond)) throw Failure(std::string("line ") + std::to_string(__LINE__) + ": " + fmt(__VA_ARGS__));         \
    } while (0)

std::string last_error() {
    const char *e = gk_simt_last_error();
    return e ? e : "";
}

std::string stream_error(CUstream s) {
    const char *e = gk_simt_stream_error(s);
    return e ? e : "";
}

const char *err_name(CUresult r) {
    const char *n = nullptr;
    cuGetErrorName(r, &n);
    return n ? n : "?";
}

void cu(CUresult r, const char *call, int line) {
    if (r != CUDA_SUCCESS) {
        throw Failure(fmt("line %d: %s returned %s (%s)", line, call, err_name(r), last_error().c_str()));
    }
}
#define CU(call) cu((call), #call, __LINE__)

#define REQUIRE_RESULT(call, expected)                                                                                 \
    do {                                                                                                               \
        CUresult r_ = (call);                                                                                          \
        REQUIRE(r_ == (expected), "%s returned %s, expected %s (%s)", #call, err_name(r_), err_name(expected),         \
                last_error().c_str());                                                                                 \
    } while (0)

struct Check {
    std::string name;
    std::function<std::string()> fn; // returns a detail line (may be empty)
    bool needs_init;
};

std::vector<Check> &checks() {
    static std::vector<Check> v;
    return v;
}

struct Reg {
    Reg(const char *name, std::function<std::string()> fn, bool needs_init = true) {
        checks().push_back(Check{name, std::move(fn), needs_init});
    }
};

#define CHECK(name)                                                                                                    \
    static std::string check_##name();                                                                                 \
    static Reg reg_##name(#name, check_##name);                                                                        \
    static std::string check_##name()

// A check that starts from an uninitialised driver (so it needs a process of its own).
#define CHECK_FRESH(name)                                                                                              \
    static std::string check_##name();                                                                                 \
    static Reg reg_##name(#name, check_##name, false);                                                                 \
    static std::string check_##name()

CUmodule g_module;

CUfunction fn(const char *name) {
    CUfunction f;
    CU(cuModuleGetFunction(&f, g_module, name));
    return f;
}

template <typename P>
CUresult try_launch(const char *kernel, dim3 grid, dim3 block, unsigned smem, const P &p, CUstream s = nullptr) {
    void *args[] = {const_cast<P *>(&p)};
    return cuLaunchKernel(fn(kernel), grid.x, grid.y, grid.z, block.x, block.y, block.z, smem, s, args, nullptr);
}

template <typename P> void launch(const char *kernel, dim3 grid, dim3 block, unsigned smem, const P &p, CUstream s = nullptr) {
    CUresult r = try_launch(kernel, grid, block, smem, p, s);
    if (r != CUDA_SUCCESS) throw Failure(fmt("launch of %s: %s (%s)", kernel, err_name(r), last_error().c_str()));
}

void await(CUstream s = nullptr) { CU(cuStreamSynchronize(s)); }

// Device memory holding n elements of T.
template <typename T> struct Dev {
    CUdeviceptr d = 0;
    size_t n = 0;
    explicit Dev(size_t count) : n(count) { CU(cuMemAlloc(&d, std::max<size_t>(1, n) * sizeof(T))); }
    Dev(const std::vector<T> &v) : Dev(v.size()) { put(v); }
    ~Dev() {
        if (d) cuMemFree(d);
    }
    Dev(const Dev &) = delete;
    T *ptr() const { return reinterpret_cast<T *>(d); }
    void put(const std::vector<T> &v) { CU(cuMemcpyHtoD(d, v.data(), v.size() * sizeof(T))); }
    void fill(const T &x) { put(std::vector<T>(n, x)); }
    std::vector<T> get() const {
        std::vector<T> v(n);
        CU(cuMemcpyDtoH(v.data(), d, n * sizeof(T)));
        return v;
    }
};

struct Stream {
    CUstream s = nullptr;
    explicit Stream(unsigned flags = 0) { CU(cuStreamCreate(&s, flags)); }
    ~Stream() {
        if (s) cuStreamDestroy(s);
    }
    operator CUstream() const { return s; }
};

const char *kScheduleNames[] = {"forward", "reverse", "shuffle"};

void schedule(int mode, unsigned long long seed = 0) { CU(gk_simt_set_schedule(mode, seed)); }

// Restores the forward schedule whatever a check did.
struct ScheduleGuard {
    ~ScheduleGuard() { gk_simt_set_schedule(0, 0); }
};

uint32_t fbits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}
float bitsf(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}

bool contains(const std::string &s, const std::string &part) { return s.find(part) != std::string::npos; }

// ---- checks: thread geometry and barriers -------------------------------------------------------
CHECK(geometry) {
    dim3 grid(3, 2, 2), block(8, 4, 2);
    size_t threads = 12 * 64;
    Dev<unsigned> out(8 * threads);
    gk_test_geometry_params p{out.ptr()};
    launch("gk_simt_test_geometry", grid, block, 0, p);
    await();
    auto v = out.get();
    for (unsigned bz = 0; bz < 2; bz++)
        for (unsigned by = 0; by < 2; by++)
            for (unsigned bx = 0; bx < 3; bx++)
                for (unsigned tz = 0; tz < 2; tz++)
                    for (unsigned ty = 0; ty < 4; ty++)
                        for (unsigned tx = 0; tx < 8; tx++) {
                            size_t bl = bx + 3 * (by + 2 * bz), tl = tx + 8 * (ty + 4 * tz);
                            const unsigned *o = &v[8 * (bl * 64 + tl)];
                            unsigned want[8] = {bx, by, bz, tx, ty, tz, 64, 12 + 32000};
                            for (int k = 0; k < 8; k++) {
                                REQUIRE(o[k] == want[k], "block (%u,%u,%u) thread (%u,%u,%u) field %d: %u, expected %u",
                                        bx, by, bz, tx, ty, tz, k, o[k], want[k]);
                            }
                        }
    return "3x2x2 blocks of 8x4x2 threads";
}

std::vector<int> random_ints(size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> d(-1000, 1000);
    std::vector<int> v(n);
    for (int &x : v) x = d(rng);
    return v;
}

std::vector<int> block_sums(const std::vector<int> &x, int block) {
    std::vector<int> s(x.size() / block, 0);
    for (size_t i = 0; i < x.size(); i++) s[i / block] += x[i];
    return s;
}

std::vector<int> run_reduce(const char *kernel, const std::vector<int> &x, int block, int mode, unsigned long long seed) {
    ScheduleGuard guard;
    schedule(mode, seed);
    Dev<int> dx(x), out(x.size() / block);
    gk_test_reduce_params p{dx.ptr(), out.ptr()};
    launch(kernel, dim3((unsigned)(x.size() / block)), dim3(block), 0, p);
    await();
    return out.get();
}

CHECK(barrier_reduction) {
    for (int block : {32, 256, 1024}) {
        auto x = random_ints((size_t)block * 6, 7);
        auto want = block_sums(x, block);
        for (int mode = 0; mode < 3; mode++) {
            auto got = run_reduce("gk_simt_test_reduce", x, block, mode, 11);
            REQUIRE(got == want, "block %d, %s schedule: the block sums differ from the host's", block, kScheduleNames[mode]);
        }
    }
    return "tree reduction with __syncthreads: host sums under forward, reverse and shuffled schedules";
}

// The racy kernel: the reduction with the loop's barrier removed.
CHECK(racy_reduction_caught) {
    const int block = 256;
    auto x = random_ints(block * 4, 3);
    auto want = block_sums(x, block);
    std::vector<std::vector<int>> results;
    std::string detail;
    for (auto [mode, seed] : std::vector<std::pair<int, unsigned long long>>{{0, 0}, {1, 0}, {2, 1}, {2, 2}}) {
        results.push_back(run_reduce("gk_simt_test_reduce_racy", x, block, mode, seed));
    }
    bool differ = false;
    for (auto &r : results) differ |= r != results[0];
    bool wrong = false;
    for (auto &r : results) wrong |= r != want;
    REQUIRE(differ, "the racy reduction gave the same result under every schedule: the race went unnoticed");
    REQUIRE(wrong, "the racy reduction matched the host sums under every schedule");
    return fmt("block 0 sums: forward %d, reverse %d, shuffle:1 %d, shuffle:2 %d, host %d", results[0][0], results[1][0],
               results[2][0], results[3][0], want[0]);
}

CHECK(dynamic_shared_memory) {
    const int n = 1000, blocks = 3;
    std::vector<float> x(n * blocks);
    for (size_t i = 0; i < x.size(); i++) x[i] = (float)i * 0.5f;
    Dev<float> dx(x), out(x.size());
    Dev<unsigned> poisoned(3);
    poisoned.fill(0);
    gk_test_dynsmem_params p{dx.ptr(), out.ptr(), n, poisoned.ptr()};
    launch("gk_simt_test_dynsmem", dim3(blocks), dim3(128), n * 4, p);
    await();
    auto v = out.get();
    for (int b = 0; b < blocks; b++)
        for (int i = 0; i < n; i++) REQUIRE(v[b * n + i] == x[b * n + n - 1 - i], "block %d element %d", b, i);
    auto pz = poisoned.get();
    REQUIRE(pz[2] == 0, "dynamic shared memory is not 16-byte aligned");
    REQUIRE(pz[0] == 128 * blocks, "dynamic shared memory: %u of %d unwritten words read as poison (0xffffffff)", pz[0], 128 * blocks);
    REQUIRE(pz[1] == 64 * blocks, "static __shared__: %u of %d unwritten words read as poison (0xffffffff)", pz[1], 64 * blocks);

    // Above 48 KiB a GPU needs the function's opt-in; the emulator too.
    CUfunction f = fn("gk_simt_test_dynsmem");
    int dflt = 0;
    CU(cuFuncGetAttribute(&dflt, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, f));
    REQUIRE(dflt == 48 * 1024, "default dynamic shared memory limit %d", dflt);
    const int big = 60000 / 4;
    std::vector<float> xb(big, 1.0f);
    Dev<float> dxb(xb), outb(big);
    gk_test_dynsmem_params pb{dxb.ptr(), outb.ptr(), big, poisoned.ptr()};
    REQUIRE_RESULT(try_launch("gk_simt_test_dynsmem", dim3(1), dim3(128), big * 4, pb), CUDA_ERROR_INVALID_VALUE);
    REQUIRE(contains(last_error(), "cuFuncSetAttribute"), "the refusal does not say what to do: %s", last_error().c_str());
    CU(cuFuncSetAttribute(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, big * 4));
    launch("gk_simt_test_dynsmem", dim3(1), dim3(128), big * 4, pb);
    await();
    REQUIRE(outb.get() == xb, "60000-byte dynamic shared memory round trip");
    REQUIRE_RESULT(cuFuncSetAttribute(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 227 * 1024 + 1), CUDA_ERROR_INVALID_VALUE);
    CU(cuFuncSetAttribute(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 48 * 1024));
    return "reversal through GK_DYNAMIC_SMEM, unwritten shared memory reads as 0xff bytes, 48 KiB opt-in enforced";
}

// ---- checks: warp collectives -------------------------------------------------------------------
// CUDA's documented semantics (Programming Guide, warp shuffle functions), written plainly.
uint32_t ref_shfl(const std::vector<uint32_t> &in, int t, int kind, int arg, int width) {
    int base = t / 32 * 32, lane = t % 32, src = lane;
    switch (kind) {
    case 0: src = lane / width * width + arg % width; break;
    case 1: src = lane % width >= arg ? lane - arg : lane; break;
    case 2: src = lane % width + arg < width ? lane + arg : lane; break;
    case 3: src = lane ^ arg; if (src >= (lane / width + 1) * width) src = lane; break; // later groups: own value
    }
    return in[base + src];
}

CHECK(warp_shuffles) {
    const int threads = 64;
    std::vector<uint32_t> in(threads);
    for (int t = 0; t < threads; t++) in[t] = fbits(1.5f + (float)t * 0.25f); // distinct float bit patterns
    Dev<uint32_t> din(in), dout(threads);
    int cases = 0;
    for (int type = 0; type < 3; type++)
        for (int kind = 0; kind < 4; kind++)
            for (int width : {32, 16, 8, 4, 2, 1})
                for (int arg : {0, 1, 3, 5, 8, 17, 31}) {
                    gk_test_shfl_params p{din.ptr(), dout.ptr(), kind, arg, width, type};
                    launch("gk_simt_test_shfl", dim3(1), dim3(threads), 0, p);
                    auto out = dout.get();
                    for (int t = 0; t < threads; t++) {
                        uint32_t want = ref_shfl(in, t, kind, arg, width);
                        REQUIRE(out[t] == want, "type %d kind %d width %d arg %d thread %d: 0x%08x, expected 0x%08x", type,
                                kind, width, arg, t, out[t], want);
                    }
                    cases++;
                }
    return fmt("%d cases of __shfl_sync/up/down/xor (int, unsigned, float) against CUDA's documented semantics", cases);
}

CHECK(warp_votes_and_syncwarp) {
    const int threads = 128;
    std::vector<std::vector<int>> preds = {std::vector<int>(threads, 0), std::vector<int>(threads, 1), random_ints(threads, 5)};
    for (int &x : preds[2]) x = x > 0 ? x : 0;
    preds[2][33] = 0;
    for (int w = 0; w < 32; w++) preds[2][64 + w] = 1;   // warp 2 all true
    for (int w = 0; w < 32; w++) preds[2][96 + w] = 0;   // warp 3 all false
    for (auto &pred : preds) {
        Dev<int> dp(pred), any(threads), all(threads), nb(threads);
        Dev<unsigned> ballot(threads);
        gk_test_vote_params p{dp.ptr(), ballot.ptr(), any.ptr(), all.ptr(), nb.ptr()};
        launch("gk_simt_test_vote", dim3(1), dim3(threads), 0, p);
        auto b = ballot.get();
        auto an = any.get(), al = all.get(), ne = nb.get();
        for (int t = 0; t < threads; t++) {
            unsigned want = 0;
            for (int l = 0; l < 32; l++) want |= (pred[t / 32 * 32 + l] != 0 ? 1u : 0u) << l;
            REQUIRE(b[t] == want, "ballot thread %d: 0x%08x, expected 0x%08x", t, b[t], want);
            REQUIRE(an[t] == (want != 0), "any thread %d", t);
            REQUIRE(al[t] == (want == 0xffffffffu), "all thread %d", t);
            REQUIRE(ne[t] == 1000 + (t ^ 1), "__syncwarp neighbour of thread %d: %d", t, ne[t]);
        }
    }
    return "__ballot_sync, __any_sync, __all_sync on 4 warps, shared memory exchanged across __syncwarp";
}

// ---- checks: atomics, math, half, vectors -------------------------------------------------------
CHECK(atomics) {
    const int blocks = 8, threads = 256, n = blocks * threads;
    int before = gk_simt_get_workers();
    std::string detail;
    for (int workers : {1, 4}) {
        CU(gk_simt_set_workers(workers));
        Dev<int> i_sum(1), i_max(1), i_min(1), cas(1), exch(2);
        Dev<unsigned> u_sum(1), u_max(1), u_min(1), exch_u(2), cas_u(1);
        Dev<unsigned long long> ull_sum(1), cas_ull(1), exch_ull(2);
        Dev<float> f_sum(1), exch_f(2);
        i_sum.fill(0); u_sum.fill(0); ull_sum.fill(0); f_sum.fill(0.0f);
        i_max.fill(-1000000); i_min.fill(1000000); u_max.fill(0); u_min.fill(0xffffffffu);
        cas.fill(0); cas_ull.fill(0); cas_u.fill(0);
        exch.put({-1, 0}); exch_u.put({7777u, 0u}); exch_f.put({-1.0f, 0.0f}); exch_ull.put({99ull, 0ull});
        gk_test_atomic_params p{i_sum.ptr(), u_sum.ptr(), ull_sum.ptr(), f_sum.ptr(), i_max.ptr(), i_min.ptr(),
                                u_max.ptr(), u_min.ptr(), cas.ptr(), cas_ull.ptr(), exch.ptr(), exch_u.ptr(),
                                exch_f.ptr(), exch_ull.ptr(), cas_u.ptr()};
        launch("gk_simt_test_atomics", dim3(blocks), dim3(threads), 0, p);
        await();
        long long sum = 0, fsum = 0;
        int imax = -1000000, imin = 1000000;
        unsigned umax = 0, umin = 0xffffffffu;
        for (int t = 0; t < n; t++) {
            sum += t;
            fsum += t % 7;
            imax = std::max(imax, (t * 37) % 1001 - 500);
            imin = std::min(imin, (t * 37) % 1001 - 500);
            umax = std::max(umax, (unsigned)((t * 53) % 4099));
            umin = std::min(umin, (unsigned)((t * 53) % 4099) + 3u);
        }
        REQUIRE(i_sum.get()[0] == sum, "int atomicAdd %d vs %lld", i_sum.get()[0], sum);
        REQUIRE(u_sum.get()[0] == (unsigned)sum, "unsigned atomicAdd");
        REQUIRE(ull_sum.get()[0] == (unsigned long long)sum * 4000000000ull, "unsigned long long atomicAdd");
        REQUIRE(f_sum.get()[0] == (float)fsum, "float atomicAdd %f vs %lld", f_sum.get()[0], fsum);
        REQUIRE(i_max.get()[0] == imax && i_min.get()[0] == imin, "int atomicMax/Min");
        REQUIRE(u_max.get()[0] == umax && u_min.get()[0] == umin, "unsigned atomicMax/Min");
        REQUIRE(cas.get()[0] == n && cas_ull.get()[0] == 3ull * n && cas_u.get()[0] == 2u * n, "atomicCAS counters");
        auto e = exch.get();
        REQUIRE((long long)e[0] + e[1] == sum - 1, "int atomicExch: taken %d + left %d", e[1], e[0]);
        auto eu = exch_u.get();
        REQUIRE((unsigned)(eu[0] + eu[1]) == (unsigned)(sum + 7777), "unsigned atomicExch");
        auto ef = exch_f.get();
        REQUIRE((double)ef[0] + ef[1] == (double)(sum - 1), "float atomicExch");
        auto el = exch_ull.get();
        REQUIRE(el[0] + el[1] == (unsigned long long)sum + 99ull, "unsigned long long atomicExch");
    }
    CU(gk_simt_set_workers(before));
    REQUIRE_RESULT(gk_simt_set_workers(0), CUDA_ERROR_INVALID_VALUE);
    return fmt("%d threads in %d blocks on 1 and 4 workers: add/max/min/CAS/exch of every listed type", n, blocks);
}

CHECK(math) {
    std::vector<float> x = {-2.75f, -1.5f, -0.5f, 0.0f, 0.3f, 0.5f, 1.0f, 2.5f, 3.49f, 7.0f};
    int n = (int)x.size();
    Dev<float> dx(x), out(16 * n);
    Dev<int> iout(8 * n);
    gk_test_math_params p{dx.ptr(), out.ptr(), iout.ptr(), n};
    launch("gk_simt_test_math", dim3(1), dim3(32), 0, p);
    auto o = out.get();
    auto io = iout.get();
    auto near = [](double got, double want) { return std::fabs(got - want) <= 2e-6 * std::max(1.0, std::fabs(want)); };
    for (int i = 0; i < n; i++) {
        double v = x[i];
        const float *r = &o[16 * i];
        double want[13] = {std::exp(v), std::exp(v), std::tanh(v), std::sqrt(std::fabs(v)), 1.0 / std::sqrt(std::fabs(v) + 1.0),
                           std::fabs(v), std::max(v, 0.25), std::min(v, 0.25), std::floor(v), std::ceil(v),
                           v < 0 ? -std::floor(-v + 0.5) : std::floor(v + 0.5), v * 3.0 + 0.5, v / 4.0};
        for (int k = 0; k < 13; k++) REQUIRE(near(r[k], want[k]), "x=%g function %d: %.9g, expected %.9g", v, k, r[k], want[k]);
        REQUIRE(std::isinf(r[13]) && r[13] > 0, "INFINITY");
        const int *ir = &io[8 * i];
        REQUIRE(ir[0] == (v == 0.0), "isnan(x/0) for x=%g", v);
        REQUIRE(ir[1] == (v != 0.0), "isinf(x/0) for x=%g", v);
        int xi = (int)v;
        REQUIRE(ir[2] == std::min(xi, 2) && ir[3] == std::max(xi, 2), "int min/max");
        REQUIRE(ir[4] == std::min(i, 3) && ir[5] == std::max(i, 3), "unsigned min/max");
        REQUIRE(ir[6] == std::min(xi, -1) && ir[7] == std::max(i, 5), "long long min/max");
    }
    return "the listed math functions against double-precision host values";
}

// Round-to-nearest-even of a double to IEEE half bits, written out (not cuda_fp16's).
uint16_t ref_half(double v) {
    uint16_t sign = std::signbit(v) ? 0x8000 : 0;
    double a = std::fabs(v);
    if (std::isnan(v)) return 0x7e00;
    if (a >= 65520.0) return sign | 0x7c00;
    int e;
    std::frexp(a, &e); // a = m * 2^e, m in [0.5, 1)
    int exp = e - 1;   // a = 1.f * 2^exp
    double ulp = exp < -14 ? std::ldexp(1.0, -24) : std::ldexp(1.0, exp - 10);
    double q = a / ulp, fl = std::floor(q), r = q - fl;
    double m = r > 0.5 || (r == 0.5 && std::fmod(fl, 2.0) == 1.0) ? fl + 1 : fl;
    double rounded = m * ulp;
    if (rounded == 0) return sign;
    std::frexp(rounded, &e);
    exp = e - 1;
    if (exp < -14) return sign | (uint16_t)(rounded / std::ldexp(1.0, -24));
    uint16_t frac = (uint16_t)((rounded / std::ldexp(1.0, exp) - 1.0) * 1024.0);
    return sign | (uint16_t)((exp + 15) << 10) | frac;
}

double half_value(uint16_t h) {
    int exp = (h >> 10) & 31, frac = h & 1023;
    if (exp == 31) return frac ? NAN : (h & 0x8000 ? -INFINITY : INFINITY);
    double v = exp == 0 ? std::ldexp(frac, -24) : std::ldexp(1024 + frac, exp - 25);
    return h & 0x8000 ? -v : v;
}

CHECK(half_precision) {
    const double u = std::ldexp(1.0, -10);
    // (a, b, c): the first triple tells a fused (one rounding) __hfma2 from a*b then +c.
    std::vector<double> cases = {1 + u, 1 + u, -(1 + 2 * u), 1.0 / 3, 3.0, -1.0, 65504.0, 0.5, -65504.0,
                                 1e-7, 3.0e-5, 2.0, -2.5, 100.25, 0.1, 1000.0, 70.0, -1e5, 6.1e-5, 1.0, 0.0};
    int n = (int)cases.size() / 3;
    std::vector<float> x(cases.begin(), cases.end());
    Dev<float> dx(x);
    Dev<uint16_t> out(8 * n);
    Dev<float> fout(6 * n);
    gk_test_half_params p{dx.ptr(), out.ptr(), fout.ptr(), n};
    launch("gk_simt_test_half", dim3(1), dim3(32), 0, p);
    auto o = out.get();
    auto f = fout.get();
    for (int i = 0; i < n; i++) {
        double a = half_value(ref_half(x[3 * i])), b = half_value(ref_half(x[3 * i + 1])), c = half_value(ref_half(x[3 * i + 2]));
        uint16_t want[7] = {ref_half(x[3 * i]), ref_half(a + b), ref_half(b + c), ref_half(a * b), ref_half(b * c),
                            ref_half(a * b + c), ref_half(b * c + a)};
        for (int k = 0; k < 7; k++) {
            REQUIRE(o[8 * i + k] == want[k], "case %d (%g, %g, %g) result %d: 0x%04x, expected 0x%04x", i, x[3 * i],
                    x[3 * i + 1], x[3 * i + 2], k, o[8 * i + k], want[k]);
        }
        REQUIRE(f[6 * i] == (float)a && f[6 * i + 1] == (float)a && f[6 * i + 2] == (float)b, "half to float, case %d", i);
        REQUIRE(f[6 * i + 3] == (float)half_value(want[5]) && f[6 * i + 4] == (float)half_value(want[6]),
                "__low2float/__high2float, case %d", i);
    }
    REQUIRE(o[5] == 0x0010, "__hfma2 is not fused: (1+2^-10)^2 - (1+2^-9) gave 0x%04x, expected 2^-20 = 0x0010", o[5]);
    return fmt("%d cases: conversions, __hadd2, __hmul2, single-rounding __hfma2 against a plain rounding", n);
}

CHECK(vector_types) {
    const int n = 37;
    std::vector<float4> f4(n);
    std::vector<int4> i4(n);
    std::vector<uint2> u2(n);
    std::vector<uint4> u4(n);
    for (int i = 0; i < n; i++) {
        f4[i] = make_float4(i + 0.5f, i + 1.5f, i + 2.5f, i + 3.5f);
        i4[i] = make_int4(i, -i, 2 * i, 3 * i);
        u2[i] = make_uint2(i * 7u, i * 11u);
        u4[i] = make_uint4(i, i + 1u, i + 2u, i + 3u);
    }
    Dev<float4> df4(f4), of4(n);
    Dev<int4> di4(i4), oi4(n);
    Dev<uint2> du2(u2), ou2(n);
    Dev<uint4> du4(u4), ou4(n);
    Dev<float2> of2(n);
    gk_test_vector_params p{df4.ptr(), di4.ptr(), du2.ptr(), du4.ptr(), of4.ptr(), oi4.ptr(), ou2.ptr(), ou4.ptr(), of2.ptr(), n};
    launch("gk_simt_test_vector", dim3(2), dim3(32), 0, p);
    auto rf4 = of4.get();
    auto ri4 = oi4.get();
    auto ru2 = ou2.get();
    auto ru4 = ou4.get();
    auto rf2 = of2.get();
    for (int i = 0; i < n; i++) {
        REQUIRE(rf4[i].x == f4[i].w && rf4[i].w == f4[i].x && rf4[i].y == f4[i].z, "float4 %d", i);
        REQUIRE(ri4[i].x == i4[i].x + 1 && ri4[i].w == i4[i].w + 4, "int4 %d", i);
        REQUIRE(ru2[i].x == u2[i].y && ru2[i].y == u2[i].x, "uint2 %d", i);
        REQUIRE(ru4[i].z == (u4[i].z ^ 3u), "uint4 %d", i);
        REQUIRE(rf2[i].x == f4[i].x + f4[i].y && rf2[i].y == f4[i].z + f4[i].w, "float2 %d", i);
    }
    return "float4/int4/uint2/uint4/float2 loads, __ldg, make_* and 16-byte stores";
}

// ---- checks: wmma -------------------------------------------------------------------------------
struct WmmaCase {
    int a_col, b_col, c_col, d_col;
    unsigned lda, ldb, ldc, ldd;
    bool with_c;
};

// Runs one tile and returns D as a plain 16x16 row-major matrix.
std::vector<float> run_wmma(const WmmaCase &w, const std::vector<float> &A, const std::vector<float> &B,
                            const std::vector<float> &C, float scale, int bias_by_index, CUstream s = nullptr,
                            CUresult *result = nullptr, int divergent = 0) {
    std::vector<__half> a(16 * w.lda, __float2half(0.f)), b(16 * w.ldb, __float2half(0.f));
    std::vector<float> c(16 * w.ldc, 0.f);
    for (int r = 0; r < 16; r++)
        for (int k = 0; k < 16; k++) {
            a[w.a_col ? k * w.lda + r : r * w.lda + k] = __float2half(A[r * 16 + k]);
            b[w.b_col ? k * w.ldb + r : r * w.ldb + k] = __float2half(B[r * 16 + k]); // B is K x N: (r=k, k=n)
            c[w.c_col ? k * w.ldc + r : r * w.ldc + k] = C[r * 16 + k];
        }
    a.resize(a.size() + 32 * w.lda, __float2half(0.f)); // room for the divergent lane's pointer
    Dev<__half> da(a), db(b);
    Dev<float> dc(c), dd(16 * w.ldd);
    gk_test_wmma_params p{da.ptr(), db.ptr(), w.with_c ? dc.ptr() : nullptr, dd.ptr(), w.lda, w.ldb, w.ldc, w.ldd,
                          w.a_col, w.b_col, w.c_col, w.d_col, scale, bias_by_index, divergent};
    CUresult r = try_launch("gk_simt_test_wmma", dim3(1), dim3(32), 0, p, s);
    if (r == CUDA_SUCCESS) r = cuStreamSynchronize(s);
    if (result) {
        *result = r;
        if (r != CUDA_SUCCESS) return {};
    } else if (r != CUDA_SUCCESS) {
        throw Failure(fmt("wmma launch: %s (%s)", err_name(r), last_error().c_str()));
    }
    auto d = dd.get();
    std::vector<float> D(256);
    for (int r2 = 0; r2 < 16; r2++)
        for (int n = 0; n < 16; n++) D[r2 * 16 + n] = d[w.d_col ? n * w.ldd + r2 : r2 * w.ldd + n];
    return D;
}

std::vector<float> quarters(unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> d(-8, 8);
    std::vector<float> v(256);
    for (float &x : v) x = d(rng) * 0.25f;
    return v;
}

CHECK(wmma) {
    ScheduleGuard guard;
    auto A = quarters(1), B = quarters(2), C = quarters(3);
    std::vector<float> want(256), want0(256);
    for (int m = 0; m < 16; m++)
        for (int n = 0; n < 16; n++) {
            double acc = 0;
            for (int k = 0; k < 16; k++) acc += (double)A[m * 16 + k] * B[k * 16 + n];
            want[m * 16 + n] = (float)(2.0 * (acc + C[m * 16 + n]));
            want0[m * 16 + n] = (float)(2.0 * acc);
        }
    int cases = 0;
    for (int mode = 0; mode < 3; mode++) {
        schedule(mode, 5);
        for (int bits = 0; bits < 16; bits++) {
            WmmaCase w{bits & 1, (bits >> 1) & 1, (bits >> 2) & 1, (bits >> 3) & 1, 16, 24, 20, 32, true};
            REQUIRE(run_wmma(w, A, B, C, 2.0f, 0) == want, "layouts a_col=%d b_col=%d c_col=%d d_col=%d, %s schedule", w.a_col,
                    w.b_col, w.c_col, w.d_col, kScheduleNames[mode]);
            cases++;
        }
        WmmaCase z{0, 1, 0, 0, 32, 16, 16, 16, false};
        REQUIRE(run_wmma(z, A, B, C, 2.0f, 0) == want0, "fill_fragment(0) accumulator, %s schedule", kScheduleNames[mode]);
    }
    return fmt("%d layout/ld cases of D = 2(AB + C) plus fill_fragment, exact against a host product, 3 schedules", cases);
}

CHECK(wmma_mapping_assumption_caught) {
    ScheduleGuard guard;
    auto A = quarters(4), B = quarters(5), C = quarters(6);
    WmmaCase w{0, 0, 0, 0, 16, 16, 16, 16, true};
    schedule(0);
    auto fwd = run_wmma(w, A, B, C, 1.0f, 1);
    schedule(1);
    auto rev = run_wmma(w, A, B, C, 1.0f, 1);
    REQUIRE(fwd != rev, "a kernel that adds x[i] += i (assuming an element mapping) gave the same result under two schedules");
    return "an epilogue indexed by fragment element gives schedule-dependent results";
}

CHECK(wmma_divergent_pointer_caught) {
    Stream s;
    auto A = quarters(4);
    WmmaCase w{0, 0, 0, 0, 16, 16, 16, 16, true};
    CUresult r;
    run_wmma(w, A, A, A, 1.0f, 0, s, &r, 1);
    REQUIRE(r == CUDA_ERROR_LAUNCH_FAILED, "expected CUDA_ERROR_LAUNCH_FAILED, got %s", err_name(r));
    std::string e = stream_error(s);
    REQUIRE(contains(e, "gk_simt_test_wmma") && contains(e, "load_matrix_sync") && contains(e, "lane 5") &&
                contains(e, "all lanes must pass the same"),
            "error detail: %s", e.c_str());
    return e;
}

CHECK(wmma_alignment_and_ldm_caught) {
    Stream s;
    auto A = quarters(4);
    CUresult r;
    run_wmma(WmmaCase{0, 0, 0, 0, 16, 16, 16, 16, true}, A, A, A, 1.0f, 0, s, &r, 2);
    REQUIRE(r == CUDA_ERROR_LAUNCH_FAILED, "misaligned pointer: %s", err_name(r));
    std::string e = stream_error(s);
    REQUIRE(contains(e, "not 256-bit (32-byte) aligned"), "detail: %s", e.c_str());
    Stream s2;
    run_wmma(WmmaCase{0, 0, 0, 0, 16, 12, 16, 16, true}, A, A, A, 1.0f, 0, s2, &r, 0);
    REQUIRE(r == CUDA_ERROR_LAUNCH_FAILED, "ldm 12: %s", err_name(r));
    std::string e2 = stream_error(s2);
    REQUIRE(contains(e2, "ldm 12 must be a multiple of 8"), "detail: %s", e2.c_str());
    return e + " | " + e2;
}

// ---- checks: cp.async ---------------------------------------------------------------------------
std::vector<float> run_cp_async(int n, int tail, int mode, int sched, CUresult *r, Stream &s) {
    ScheduleGuard guard;
    schedule(sched, 9);
    std::vector<float> x(n);
    for (int i = 0; i < n; i++) x[i] = 1.0f + (float)i;
    Dev<float> dx(x), out(2 * n);
    gk_test_cp_async_params p{dx.ptr(), out.ptr(), n, tail, mode};
    *r = try_launch("gk_simt_test_cp_async", dim3(1), dim3(256), 0, p, s);
    if (*r == CUDA_SUCCESS) *r = cuStreamSynchronize(s);
    return *r == CUDA_SUCCESS ? out.get() : std::vector<float>();
}

CHECK(cp_async) {
    Stream s;
    int cases = 0;
    for (int n : {4, 64, 1024})
        for (int tail : {16, 12, 4, 0})
            for (int sched = 0; sched < 3; sched++) {
                CUresult r;
                auto out = run_cp_async(n, tail, 0, sched, &r, s);
                REQUIRE(r == CUDA_SUCCESS, "launch: %s", stream_error(s).c_str());
                int chunks = n / 4;
                for (int t = 0; t < chunks; t++) {
                    int m = chunks - 1 - t;
                    for (int k = 0; k < 4; k++) {
                        bool copied = m < chunks - 1 || 4 * k < tail;
                        float want = copied ? 1.0f + (float)(4 * m + k) : 0.0f;
                        REQUIRE(out[4 * t + k] == want, "n %d tail %d %s: element %d is %g, expected %g", n, tail,
                                kScheduleNames[sched], 4 * t + k, out[4 * t + k], want);
                        REQUIRE(out[n + 4 * t + k] == 0.0f, "zero-filled group, element %d", 4 * t + k);
                    }
                }
                cases++;
            }
    return fmt("%d cases: two commit groups, wait<1>, wait_all, zfill of 16/12/4/0 bytes, 3 schedules", cases);
}

// Reading before the wait, or after the wait but without the barrier, must show.
CHECK(cp_async_misuse_caught) {
    Stream s;
    std::string detail;
    for (int mode : {1, 2}) {
        for (int sched = 0; sched < 3; sched++) {
            CUresult r;
            auto out = run_cp_async(64, 16, mode, sched, &r, s);
            REQUIRE(r == CUDA_SUCCESS, "launch: %s", stream_error(s).c_str());
            int bad = 0;
            for (int i = 0; i < 64; i++) bad += out[i] != 1.0f + (float)(4 * (15 - i / 4) + i % 4);
            REQUIRE(bad > 0, "mode %d (%s) read only correct values: the misuse went unnoticed", mode, kScheduleNames[sched]);
            if (sched == 0) detail += fmt("%s: %d of 64 values wrong; ", mode == 1 ? "read before wait" : "no barrier", bad);
        }
    }
    return detail;
}

// ---- checks: what the emulator reports ----------------------------------------------------------
std::string run_bad(int mode, int threads) {
    Stream s;
    Dev<int> out(1024);
    gk_test_bad_params p{out.ptr(), mode};
    launch("gk_simt_test_bad", dim3(2), dim3(threads), 0, p, s);
    CUresult r = cuStreamSynchronize(s);
    REQUIRE(r == CUDA_ERROR_LAUNCH_FAILED, "mode %d: cuStreamSynchronize returned %s, expected CUDA_ERROR_LAUNCH_FAILED",
            mode, err_name(r));
    std::string e = stream_error(s);
    REQUIRE(contains(e, "kernel gk_simt_test_bad") && contains(e, "block (") && contains(e, "thread ("),
            "mode %d: the detail does not name kernel, block and thread: %s", mode, e.c_str());
    REQUIRE(last_error() == e, "gk_simt_last_error differs from the stream's: %s", last_error().c_str());
    // Sticky on the stream: later work is refused, other streams still run.
    REQUIRE_RESULT(try_launch("gk_simt_test_bad", dim3(1), dim3(32), 0, gk_test_bad_params{out.ptr(), 99}, s),
                   CUDA_ERROR_LAUNCH_FAILED);
    REQUIRE_RESULT(cuStreamQuery(s), CUDA_ERROR_LAUNCH_FAILED);
    Stream other;
    launch("gk_simt_test_bad", dim3(1), dim3(32), 0, gk_test_bad_params{out.ptr(), 99}, other);
    CU(cuStreamSynchronize(other));
    return e;
}

CHECK(divergent_barrier_exit_caught) {
    std::string e = run_bad(0, 64);
    REQUIRE(contains(e, "__syncthreads() at") && contains(e, "thread (40,0,0), which exited") && contains(e, "40 of 64"),
            "detail: %s", e.c_str());
    return e;
}

CHECK(divergent_barrier_sites_caught) {
    std::string e = run_bad(1, 64);
    REQUIRE(contains(e, "different barriers") && contains(e, "test_kernels.cu:"), "detail: %s", e.c_str());
    return e;
}

CHECK(warp_missing_lane_caught) {
    std::string e = run_bad(2, 64);
    REQUIRE(contains(e, "__shfl_xor_sync") && contains(e, "missing lane 3 of warp 1") && contains(e, "thread (35,0,0)") &&
                contains(e, "exited"),
            "detail: %s", e.c_str());
    std::string e5 = run_bad(5, 64);
    REQUIRE(contains(e5, "missing lane 7 of warp 0") && contains(e5, "waits at __syncthreads()"), "detail: %s", e5.c_str());
    return e + " | " + e5;
}

CHECK(warp_partial_mask_caught) {
    std::string e = run_bad(3, 64);
    REQUIRE(contains(e, "mask 0x0000ffff"), "detail: %s", e.c_str());
    return e;
}

CHECK(warp_not_converged_caught) {
    std::string e = run_bad(4, 32);
    REQUIRE(contains(e, "not converged"), "detail: %s", e.c_str());
    return e;
}

CHECK(warp_collective_in_partial_warp_caught) {
    std::string e = run_bad(2, 48); // warp 1 has 16 threads
    REQUIRE(contains(e, "warp of 16 threads"), "detail: %s", e.c_str());
    return e;
}

CHECK(cp_async_arguments_caught) {
    std::string e = run_bad(6, 64);
    REQUIRE(contains(e, "gk_cp_async_16 at") && contains(e, "must be 16-byte aligned"), "detail: %s", e.c_str());
    std::string e2 = run_bad(7, 64);
    REQUIRE(contains(e2, "src_bytes 17 is not in [0, 16]"), "detail: %s", e2.c_str());
    return e + " | " + e2;
}

// ---- checks: schedules --------------------------------------------------------------------------
std::vector<unsigned> run_order(int mode, unsigned long long seed, CUstream s = nullptr, bool set_process = true) {
    ScheduleGuard guard;
    if (set_process) schedule(mode, seed);
    const int n = 64, phases = 3, blocks = 2;
    Dev<unsigned> counter(blocks), order((size_t)blocks * phases * n);
    gk_test_order_params p{counter.ptr(), order.ptr(), phases};
    launch("gk_simt_test_order", dim3(blocks), dim3(16, 2, 2), 0, p, s);
    await(s);
    return order.get();
}

CHECK(schedules) {
    const int n = 64;
    auto fwd = run_order(0, 0), rev = run_order(1, 0), sh1 = run_order(2, 1), sh1b = run_order(2, 1), sh2 = run_order(2, 2);
    for (size_t i = 0; i < fwd.size(); i++) {
        REQUIRE(fwd[i] == i % n, "forward: thread %zu passed at %u", i % n, fwd[i]);
        REQUIRE(rev[i] == n - 1 - i % n, "reverse: thread %zu passed at %u", i % n, rev[i]);
    }
    REQUIRE(sh1 == sh1b, "the same seed gave different shuffles");
    REQUIRE(sh1 != sh2 && sh1 != fwd && sh1 != rev, "shuffles are not shuffled");
    for (int ph = 0; ph < 6; ph++) {
        std::vector<unsigned> v(sh1.begin() + ph * n, sh1.begin() + (ph + 1) * n);
        std::sort(v.begin(), v.end());
        for (int t = 0; t < n; t++) REQUIRE(v[t] == (unsigned)t, "shuffle phase %d is not a permutation", ph);
    }
    REQUIRE(!std::equal(sh1.begin(), sh1.begin() + n, sh1.begin() + n), "the shuffle does not change after a barrier");
    // Per stream, captured at launch time.
    Stream s;
    CU(gk_simt_set_stream_schedule(s, 1, 0));
    auto srev = run_order(0, 0, s, true);
    REQUIRE(srev == rev, "the stream's reverse schedule did not override the process's forward one");
    CU(gk_simt_set_stream_schedule(s, -1, 0));
    REQUIRE(run_order(0, 0, s, true) == fwd, "stream schedule -1 did not return to the process default");
    REQUIRE_RESULT(gk_simt_set_schedule(3, 0), CUDA_ERROR_INVALID_VALUE);
    return "forward/reverse orders exact, shuffles deterministic per seed and per barrier, per-stream override";
}

// ---- checks: the driver API ---------------------------------------------------------------------
CHECK(device_properties) {
    int count = 0;
    CU(cuDeviceGetCount(&count));
    REQUIRE(count == 1, "count %d", count);
    CUdevice dev;
    CU(cuDeviceGet(&dev, 0));
    REQUIRE_RESULT(cuDeviceGet(&dev, 1), CUDA_ERROR_INVALID_DEVICE);
    char name[128];
    CU(cuDeviceGetName(name, sizeof name, 0));
    REQUIRE(std::string(name) == "gannet SIMT emulator (sm_90)", "name %s", name);
    struct {
        CUdevice_attribute a;
        int v;
    } want[] = {{CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, 132},
                {CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, 1024},
                {CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK, 48 * 1024},
                {CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, 227 * 1024},
                {CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR, 228 * 1024},
                {CU_DEVICE_ATTRIBUTE_WARP_SIZE, 32},
                {CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, 9},
                {CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, 0}};
    for (auto &w : want) {
        int v = -1;
        CU(cuDeviceGetAttribute(&v, w.a, 0));
        REQUIRE(v == w.v, "attribute %d: %d, expected %d", (int)w.a, v, w.v);
    }
    int drv = 0;
    CU(cuDriverGetVersion(&drv));
    REQUIRE(drv == 13000, "driver version %d", drv);
    size_t total = 0, free_b = 0, total2 = 0;
    CU(cuDeviceTotalMem(&total, 0));
    CU(cuMemGetInfo(&free_b, &total2));
    REQUIRE(total > 0 && total == total2 && free_b <= total, "memory: total %zu / %zu, free %zu", total, total2, free_b);
    int v = gk_simt_version();
    REQUIRE(v >= 1, "gk_simt_version %d", v);
    return fmt("%s, %zu MiB, emulator API %d", name, total >> 20, v);
}

CHECK(error_codes) {
    const char *s = nullptr;
    CU(cuGetErrorName(CUDA_ERROR_LAUNCH_FAILED, &s));
    REQUIRE(std::string(s) == "CUDA_ERROR_LAUNCH_FAILED", "%s", s);
    CU(cuGetErrorString(CUDA_ERROR_LAUNCH_FAILED, &s));
    REQUIRE(std::string(s) == "unspecified launch failure", "%s", s);
    CU(cuGetErrorName(CUDA_ERROR_NOT_READY, &s));
    REQUIRE(std::string(s) == "CUDA_ERROR_NOT_READY", "%s", s);
    REQUIRE_RESULT(cuGetErrorName((CUresult)12345, &s), CUDA_ERROR_INVALID_VALUE);
    REQUIRE(s == nullptr, "unknown code gave a name");
    CUfunction f;
    REQUIRE_RESULT(cuModuleGetFunction(&f, g_module, "gk_no_such_kernel"), CUDA_ERROR_NOT_FOUND);
    REQUIRE(contains(last_error(), "gk_no_such_kernel"), "%s", last_error().c_str());
    Dev<int> out(64);
    gk_test_bad_params p{out.ptr(), 99};
    REQUIRE_RESULT(try_launch("gk_simt_test_bad", dim3(1), dim3(1025), 0, p), CUDA_ERROR_INVALID_VALUE);
    REQUIRE_RESULT(try_launch("gk_simt_test_bad", dim3(1), dim3(32, 32, 2), 0, p), CUDA_ERROR_INVALID_VALUE);
    REQUIRE_RESULT(try_launch("gk_simt_test_bad", dim3(0), dim3(32), 0, p), CUDA_ERROR_INVALID_VALUE);
    REQUIRE_RESULT(try_launch("gk_simt_test_bad", dim3(1), dim3(32), 0, p, reinterpret_cast<CUstream>(0x1234)),
                   CUDA_ERROR_INVALID_HANDLE);
    REQUIRE_RESULT(cuLaunchKernel(fn("gk_simt_test_bad"), 1, 1, 1, 32, 1, 1, 0, nullptr, nullptr, nullptr), CUDA_ERROR_INVALID_VALUE);
    // The "extra" form of the parameters works too.
    size_t size = sizeof p;
    void *extra[] = {CU_LAUNCH_PARAM_BUFFER_POINTER, &p, CU_LAUNCH_PARAM_BUFFER_SIZE, &size, CU_LAUNCH_PARAM_END};
    CU(cuLaunchKernel(fn("gk_simt_test_bad"), 1, 1, 1, 32, 1, 1, 0, nullptr, nullptr, extra));
    await();
    REQUIRE(out.get()[31] == 31, "launch through extra");
    // A thread without a current context.
    CUresult other = CUDA_SUCCESS, after = CUDA_ERROR_UNKNOWN;
    CUcontext ctx;
    CU(cuCtxGetCurrent(&ctx));
    std::thread([&] {
        CUdeviceptr d;
        other = cuMemAlloc(&d, 16);
        cuCtxSetCurrent(ctx);
        after = cuMemAlloc(&d, 16);
        if (after == CUDA_SUCCESS) cuMemFree(d);
    }).join();
    REQUIRE(other == CUDA_ERROR_INVALID_CONTEXT, "no context: %s", err_name(other));
    REQUIRE(after == CUDA_SUCCESS, "after cuCtxSetCurrent: %s", err_name(after));
    CUmodule m2;
    REQUIRE_RESULT(cuModuleLoadData(&m2, nullptr), CUDA_ERROR_INVALID_VALUE);
    CU(cuModuleLoadData(&m2, "any image"));
    CU(cuModuleUnload(m2));
    REQUIRE_RESULT(cuModuleUnload(m2), CUDA_ERROR_INVALID_HANDLE);
    return "error names and strings, invalid launches, missing kernels, contexts per thread";
}

CHECK_FRESH(not_initialised) {
    int n;
    REQUIRE_RESULT(cuDeviceGetCount(&n), CUDA_ERROR_NOT_INITIALIZED);
    CUdeviceptr d;
    REQUIRE_RESULT(cuMemAlloc(&d, 16), CUDA_ERROR_NOT_INITIALIZED);
    REQUIRE_RESULT(cuInit(1), CUDA_ERROR_INVALID_VALUE);
    CU(cuInit(0));
    REQUIRE_RESULT(cuMemAlloc(&d, 16), CUDA_ERROR_INVALID_CONTEXT);
    CUcontext ctx;
    CU(cuDevicePrimaryCtxRetain(&ctx, 0));
    CU(cuCtxSetCurrent(ctx));
    CU(cuMemAlloc(&d, 16));
    CU(cuMemFree(d));
    CU(cuDevicePrimaryCtxRelease(0));
    REQUIRE_RESULT(cuMemAlloc(&d, 16), CUDA_ERROR_INVALID_CONTEXT);
    REQUIRE_RESULT(cuDevicePrimaryCtxRelease(0), CUDA_ERROR_INVALID_CONTEXT);
    return "NOT_INITIALIZED before cuInit, INVALID_CONTEXT without a (retained) context";
}

CHECK(memory) {
    CUdeviceptr d;
    CU(cuMemAlloc(&d, 1000));
    REQUIRE(d % 256 == 0, "alignment");
    std::vector<uint32_t> v(250);
    CU(cuMemcpyDtoH(v.data(), d, 1000));
    for (uint32_t x : v) REQUIRE(x == 0xffffffffu, "fresh memory is not poisoned: 0x%08x", x);
    CU(cuMemsetD32Async(d, 0x3f800000u, 250, nullptr));
    CU(cuMemsetD8Async(d + 996, 0x11, 4, nullptr));
    CU(cuMemcpyDtoH(v.data(), d, 1000));
    REQUIRE(bitsf(v[0]) == 1.0f && v[248] == 0x3f800000u && v[249] == 0x11111111u, "memset D32/D8");
    REQUIRE_RESULT(cuMemsetD32Async(d + 2, 0, 1, nullptr), CUDA_ERROR_INVALID_VALUE);
    REQUIRE_RESULT(cuMemcpyHtoD(d + 8, v.data(), 1000), CUDA_ERROR_INVALID_VALUE);
    REQUIRE(contains(last_error(), "overruns"), "%s", last_error().c_str());
    REQUIRE_RESULT(cuMemcpyDtoH(v.data(), 0x10, 4), CUDA_ERROR_INVALID_VALUE);
    CUdeviceptr d2;
    CU(cuMemAlloc(&d2, 1000));
    CU(cuMemcpyDtoDAsync(d2, d, 1000, nullptr));
    std::vector<uint32_t> w(250);
    CU(cuMemcpyDtoH(w.data(), d2, 1000));
    REQUIRE(w == v, "DtoD");
    CU(cuMemFree(d));
    REQUIRE_RESULT(cuMemFree(d), CUDA_ERROR_INVALID_VALUE);
    CU(cuMemFree(d2));
    // Stream-ordered allocation.
    Stream s;
    CUdeviceptr a;
    CU(cuMemAllocAsync(&a, 4096, s));
    CU(cuMemsetD8Async(a, 7, 4096, s));
    std::vector<uint8_t> h(4096);
    CU(cuMemcpyDtoHAsync(h.data(), a, 4096, s));
    CU(cuMemFreeAsync(a, s));
    REQUIRE_RESULT(cuMemFreeAsync(a, s), CUDA_ERROR_INVALID_VALUE);
    CU(cuStreamSynchronize(s));
    REQUIRE(std::all_of(h.begin(), h.end(), [](uint8_t x) { return x == 7; }), "stream-ordered allocation");
    // Pinned host memory.
    void *p;
    CU(cuMemAllocHost(&p, 100));
    CU(cuMemFreeHost(p));
    REQUIRE_RESULT(cuMemFreeHost(p), CUDA_ERROR_INVALID_VALUE);
    REQUIRE_RESULT(cuMemAlloc(&d, 0), CUDA_ERROR_INVALID_VALUE);
    return "poisoned fresh memory, memsets, range-checked copies, double frees refused, async and pinned allocation";
}

// Waits up to 10 s for a flag; false on timeout.
bool wait_flag(std::atomic<int> &f, int value) {
    for (int i = 0; i < 10000; i++) {
        if (f.load() == value) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
}

struct HostCall {
    std::function<void()> fn;
    static void CUDA_CB call(void *p) { static_cast<HostCall *>(p)->fn(); }
};

CHECK(streams) {
    // In order: 64 alternating memsets and copies must leave each slot with its own value.
    Stream s;
    Dev<uint32_t> a(16), b(64 * 16);
    for (int i = 0; i < 64; i++) {
        CU(cuMemsetD32Async(a.d, 1000u + i, 16, s));
        CU(cuMemcpyDtoDAsync(b.d + (size_t)i * 64, a.d, 64, s));
    }
    await(s);
    auto v = b.get();
    for (int i = 0; i < 64; i++) REQUIRE(v[i * 16 + 15] == 1000u + i, "slot %d holds %u", i, v[i * 16 + 15]);

    // Streams are independent: A's host function waits for B's, which must run meanwhile.
    Stream sa, sb;
    std::atomic<int> flag{0};
    bool a_saw = false;
    HostCall ha{[&] { a_saw = wait_flag(flag, 1); }}, hb{[&] { flag = 1; }};
    CU(cuLaunchHostFunc(sa, HostCall::call, &ha));
    CU(cuLaunchHostFunc(sb, HostCall::call, &hb));
    await(sa);
    await(sb);
    REQUIRE(a_saw, "stream A's host function never saw stream B's: the streams do not run concurrently");

    // Params are copied at launch: changing them afterwards does not matter. (The buffers are
    // filled first: a synchronous copy would wait for the gated blocking stream.)
    Dev<unsigned> out(8 * 32), other(8 * 32);
    out.fill(0);
    std::atomic<int> gate{0};
    HostCall hg{[&] { wait_flag(gate, 1); }};
    CU(cuLaunchHostFunc(s, HostCall::call, &hg));
    gk_test_geometry_params gp{out.ptr()};
    launch("gk_simt_test_geometry", dim3(1), dim3(32), 0, gp, s);
    gp.out = other.ptr();
    REQUIRE_RESULT(cuStreamQuery(s), CUDA_ERROR_NOT_READY);
    gate = 1;
    await(s);
    REQUIRE(out.get()[8 * 31 + 3] == 31, "the launch did not use the params as they were at cuLaunchKernel");
    REQUIRE_RESULT(cuStreamQuery(s), CUDA_SUCCESS);

    // cuStreamDestroy returns at once; the stream's queued work still runs.
    CUstream doomed;
    CU(cuStreamCreate(&doomed, CU_STREAM_NON_BLOCKING));
    std::atomic<int> gate2{0};
    HostCall hold{[&] { wait_flag(gate2, 1); }};
    CU(cuLaunchHostFunc(doomed, HostCall::call, &hold));
    CU(cuMemsetD32Async(a.d, 77, 16, doomed));
    CU(cuStreamDestroy(doomed));
    REQUIRE_RESULT(cuStreamQuery(doomed), CUDA_ERROR_INVALID_HANDLE);
    REQUIRE(a.get()[0] != 77, "the destroyed stream's memset ran before its gate opened");
    gate2 = 1;
    bool landed = false;
    for (int i = 0; i < 10000 && !landed; i++) {
        landed = a.get()[0] == 77;
        if (!landed) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    REQUIRE(landed, "work queued before cuStreamDestroy never ran");
    return "in-order execution, concurrent streams, params copied at launch, query, destroy with queued work";
}

CHECK(legacy_stream) {
    // Work on a blocking stream is finished before the NULL stream's synchronous copy runs.
    Stream blocking, nonblocking(CU_STREAM_NON_BLOCKING);
    Dev<uint32_t> buf(4);
    buf.fill(1);
    HostCall sleep{[] { std::this_thread::sleep_for(std::chrono::milliseconds(100)); }};
    CU(cuLaunchHostFunc(blocking, HostCall::call, &sleep));
    CU(cuMemsetD32Async(buf.d, 2, 4, blocking));
    REQUIRE(buf.get()[0] == 2, "the NULL stream did not wait for the blocking stream");
    // A non-blocking stream is not waited for.
    std::atomic<int> gate{0};
    HostCall hold{[&] { wait_flag(gate, 1); }};
    CU(cuLaunchHostFunc(nonblocking, HostCall::call, &hold));
    CU(cuMemsetD32Async(buf.d, 3, 4, nonblocking));
    uint32_t seen = buf.get()[0];
    gate = 1;
    await(nonblocking);
    REQUIRE(seen == 2, "the NULL stream waited for a non-blocking stream (saw %u)", seen);
    REQUIRE(buf.get()[0] == 3, "non-blocking stream's memset");
    // And a blocking stream waits for earlier NULL-stream work.
    std::atomic<int> gate2{0};
    HostCall hold2{[&] { wait_flag(gate2, 1); }};
    CU(cuLaunchHostFunc(nullptr, HostCall::call, &hold2));
    CU(cuMemsetD32Async(buf.d, 4, 4, nullptr));
    CU(cuMemsetD32Async(buf.d, 5, 4, blocking));
    gate2 = 1;
    await(blocking);
    std::vector<uint32_t> h(4);
    CU(cuMemcpyDtoH(h.data(), buf.d, 16));
    REQUIRE(h[0] == 5, "the blocking stream ran before the NULL stream's earlier memset (value %u)", h[0]);
    return "legacy NULL stream: implicit waits with blocking streams, none with non-blocking ones";
}

CHECK(events) {
    Stream sa, sb;
    CUevent start, end, notime, never;
    CU(cuEventCreate(&start, 0));
    CU(cuEventCreate(&end, 0));
    CU(cuEventCreate(&notime, CU_EVENT_DISABLE_TIMING));
    CU(cuEventCreate(&never, 0));
    REQUIRE_RESULT(cuEventQuery(never), CUDA_SUCCESS);
    std::atomic<int> gate{0};
    int value = 0, seen = -1;
    HostCall hold{[&] {
        wait_flag(gate, 1);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        value = 42;
    }};
    HostCall read{[&] { seen = value; }};
    CU(cuEventRecord(start, sa));
    CU(cuLaunchHostFunc(sa, HostCall::call, &hold));
    CU(cuEventRecord(end, sa));
    CU(cuEventRecord(notime, sa));
    CU(cuStreamWaitEvent(sb, end, 0));
    CU(cuLaunchHostFunc(sb, HostCall::call, &read));
    REQUIRE_RESULT(cuEventQuery(end), CUDA_ERROR_NOT_READY);
    float ms = 0;
    REQUIRE_RESULT(cuEventElapsedTime(&ms, start, end), CUDA_ERROR_NOT_READY);
    gate = 1;
    CU(cuEventSynchronize(end));
    REQUIRE_RESULT(cuEventQuery(end), CUDA_SUCCESS);
    CU(cuEventElapsedTime(&ms, start, end));
    REQUIRE(ms >= 19.0f && ms < 10000.0f, "elapsed %.3f ms around a 20 ms host function", ms);
    await(sb);
    REQUIRE(seen == 42, "stream B ran before the event it waits for (saw %d)", seen);
    REQUIRE_RESULT(cuEventElapsedTime(&ms, start, notime), CUDA_ERROR_INVALID_HANDLE);
    REQUIRE_RESULT(cuEventElapsedTime(&ms, start, never), CUDA_ERROR_INVALID_HANDLE);
    CU(cuStreamWaitEvent(sb, never, 0)); // never recorded: nothing to wait for
    await(sb);
    for (CUevent e : {start, end, notime, never}) CU(cuEventDestroy(e));
    REQUIRE_RESULT(cuEventDestroy(start), CUDA_ERROR_INVALID_HANDLE);
    return fmt("timestamps (%.1f ms around a 20 ms host function), cross-stream waits, queries", ms);
}

CHECK(capture_and_replay) {
    Stream s, t;
    Dev<uint32_t> buf(64);
    Dev<unsigned long long> work(1);
    buf.fill(0);
    work.fill(0);
    int calls = 0;
    HostCall count{[&] { calls++; }};
    std::vector<uint32_t> host(64, 0);
    gk_test_spin_params sp{nullptr, work.ptr(), 10};
    CU(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_GLOBAL));
    CU(cuMemsetD32Async(buf.d, 7, 64, s));
    launch("gk_simt_test_busy", dim3(3), dim3(32), 0, sp, s);
    CU(cuMemcpyDtoHAsync(host.data(), buf.d, 256, s));
    CU(cuLaunchHostFunc(s, HostCall::call, &count));
    CUgraph g;
    CU(cuStreamEndCapture(s, &g));
    // Nothing ran during capture.
    REQUIRE(calls == 0 && host[0] == 0 && work.get()[0] == 0 && buf.get()[0] == 0, "captured work ran during capture");
    CUgraphExec ex;
    CU(cuGraphInstantiateWithFlags(&ex, g, 0));
    for (int i = 0; i < 3; i++) CU(cuGraphLaunch(ex, s));
    CU(cuGraphLaunch(ex, t));
    await(s);
    await(t);
    unsigned long long per = 0;
    for (int th = 0; th < 32; th++)
        for (int i = 0; i < 10; i++) per += (unsigned long long)i * (th + 1);
    REQUIRE(calls == 4 && host[63] == 7, "replays: %d host calls, copy %u", calls, host[63]);
    REQUIRE(work.get()[0] == 4 * 3 * per, "kernel replays: %llu, expected %llu", work.get()[0], 4 * 3 * per);
    CU(cuGraphExecDestroy(ex));
    CU(cuGraphDestroy(g));
    REQUIRE_RESULT(cuGraphDestroy(g), CUDA_ERROR_INVALID_HANDLE);

    // What invalidates a capture.
    CU(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_GLOBAL));
    REQUIRE_RESULT(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_GLOBAL), CUDA_ERROR_ILLEGAL_STATE);
    REQUIRE_RESULT(cuStreamSynchronize(s), CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED);
    REQUIRE_RESULT(cuMemsetD32Async(buf.d, 1, 1, s), CUDA_ERROR_STREAM_CAPTURE_INVALIDATED);
    REQUIRE_RESULT(cuStreamEndCapture(s, &g), CUDA_ERROR_STREAM_CAPTURE_INVALIDATED);
    REQUIRE(g == nullptr, "an invalidated capture returned a graph");
    REQUIRE_RESULT(cuStreamEndCapture(s, &g), CUDA_ERROR_ILLEGAL_STATE);
    CU(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_GLOBAL));
    REQUIRE_RESULT(cuMemsetD32Async(buf.d, 1, 1, nullptr), CUDA_ERROR_STREAM_CAPTURE_IMPLICIT);
    REQUIRE_RESULT(cuStreamEndCapture(s, &g), CUDA_ERROR_STREAM_CAPTURE_INVALIDATED);
    REQUIRE_RESULT(cuStreamBeginCapture(nullptr, CU_STREAM_CAPTURE_MODE_GLOBAL), CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED);
    CU(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL));
    CUresult other = CUDA_SUCCESS;
    std::thread([&] {
        CUcontext ctx;
        cuDevicePrimaryCtxRetain(&ctx, 0);
        cuCtxSetCurrent(ctx);
        CUgraph g2;
        other = cuStreamEndCapture(s, &g2);
        cuDevicePrimaryCtxRelease(0);
    }).join();
    REQUIRE(other == CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD, "end from another thread: %s", err_name(other));
    CU(cuStreamEndCapture(s, &g));
    CU(cuGraphDestroy(g));
    return "memset + kernel + copy + host function captured, replayed 4 times on two streams; invalidation rules";
}

// Every kernel of the nvcc build's ptxas report must be launchable here, and vice versa.
CHECK(product_kernels_registered) {
    const char *path = getenv("GK_SIMT_PTXAS_REPORT");
    if (!path || !*path) throw Skipped("GK_SIMT_PTXAS_REPORT is not set (the nvcc build's report)");
    std::ifstream in(path);
    if (!in) throw Skipped(fmt("no ptxas report at %s (nvcc absent)", path));
    std::set<std::string> report, registered;
    std::regex entry("Compiling entry function '([A-Za-z0-9_]+)' for 'sm_90'");
    std::string line;
    while (std::getline(in, line)) {
        std::smatch m;
        if (std::regex_search(line, m, entry)) report.insert(m[1]);
    }
    for (int i = 0; i < gk_simt_kernel_count(); i++) {
        std::string n = gk_simt_kernel_name(i);
        if (n.rfind("gk_simt_test_", 0) != 0) registered.insert(n);
    }
    if (report.empty() && registered.empty()) throw Skipped("the kernels/ op files hold no kernels yet");
    for (const auto &k : report) {
        CUfunction f;
        REQUIRE(cuModuleGetFunction(&f, g_module, k.c_str()) == CUDA_SUCCESS, "%s is in the fatbin but not registered (GK_KERNEL)", k.c_str());
    }
    for (const auto &k : registered) REQUIRE(report.count(k), "%s is registered but not in the nvcc build's report", k.c_str());
    return fmt("%zu kernels in both", report.size());
}

// A stack overflow in a kernel must end the process loudly (guard page), not corrupt memory.
CHECK(stack_guard) {
    // Moderate recursion (about 80 KiB) fits a fiber's stack.
    Dev<int> out(32);
    launch("gk_simt_test_recurse", dim3(1), dim3(32), 0, gk_test_recurse_params{20, out.ptr()});
    await();
    int v = out.get()[0];
    REQUIRE(v == 20 * 21 / 2, "recursion result %d", v);
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    REQUIRE(len > 0, "readlink");
    self[len] = 0;
    pid_t pid;
    char arg0[] = "gk_simt_tests", arg1[] = "--overflow-child";
    char *argv[] = {arg0, arg1, nullptr};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    REQUIRE(posix_spawn(&pid, self, &fa, nullptr, argv, environ) == 0, "spawn");
    posix_spawn_file_actions_destroy(&fa);
    int status = 0;
    waitpid(pid, &status, 0);
    REQUIRE(WIFSIGNALED(status) && (WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS),
            "a 4 MiB recursion did not die by SIGSEGV (status 0x%x)", status);
    return "80 KiB of recursion runs; 4 MiB dies by SIGSEGV on the guard page";
}

// ---- timing -------------------------------------------------------------------------------------
// CPU time of the whole process (all threads): on a shared machine wall-clock time mostly measures
// the other processes; both are printed.
struct Clock {
    std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
    double cpu0 = cpu_now();
    static double cpu_now() {
        timespec ts;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
    }
    // "cpu X, wall Y" per unit, in `scale` units (1e9: ns, 1e6: us).
    std::string per(double units, double scale, const char *unit) const {
        double w = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count();
        double c = cpu_now() - cpu0;
        return fmt("%.1f %s CPU (%.1f %s wall)", c / units * scale, unit, w / units * scale, unit);
    }
};

void perf() {
    Dev<int> out(1024);
    const int launches = 2000;
    Clock c1;
    for (int i = 0; i < launches; i++) {
        launch("gk_simt_test_empty", dim3(1), dim3(32), 0, gk_test_bad_params{out.ptr(), 0});
        await();
    }
    printf("launch + cuStreamSynchronize of an empty 1x32 kernel: %s\n", c1.per(launches, 1e6, "us").c_str());
    Clock c2;
    for (int i = 0; i < launches; i++) launch("gk_simt_test_empty", dim3(1), dim3(32), 0, gk_test_bad_params{out.ptr(), 0});
    await();
    printf("queued launches of an empty 1x32 kernel: %s per launch\n", c2.per(launches, 1e6, "us").c_str());
    Clock c3;
    launch("gk_simt_test_empty", dim3(4096), dim3(256), 0, gk_test_bad_params{out.ptr(), 0});
    await();
    printf("empty kernel, 4096 blocks of 256 threads: %s per thread (%d workers)\n", c3.per(4096.0 * 256, 1e9, "ns").c_str(),
           gk_simt_get_workers());
    const int barriers = 200;
    CU(gk_simt_set_workers(1));
    for (int threads : {128, 256, 1024}) {
        int blocks = 4096 / threads;
        Clock cb;
        launch("gk_simt_test_barriers", dim3(blocks), dim3(threads), 0, gk_test_bad_params{out.ptr(), barriers});
        await();
        std::string b = cb.per(4096.0 * barriers, 1e9, "ns");
        Clock cs;
        launch("gk_simt_test_shuffles", dim3(blocks), dim3(threads), 0, gk_test_bad_params{out.ptr(), barriers});
        await();
        std::string sh = cs.per(4096.0 * barriers, 1e9, "ns");
        printf("blocks of %4d threads, 1 worker: __syncthreads %s per thread (one fiber switch each); "
               "__shfl_xor_sync %s per lane\n", threads, b.c_str(), sh.c_str());
    }
}

CUcontext g_ctx;

void init() {
    CU(cuInit(0));
    CU(cuDevicePrimaryCtxRetain(&g_ctx, 0));
    CU(cuCtxSetCurrent(g_ctx));
    CU(cuModuleLoadData(&g_module, "the emulator accepts any image"));
}

int run(const Check &c) {
    try {
        if (c.needs_init) init();
        std::string detail = c.fn();
        printf("PASS %s%s%s\n", c.name.c_str(), detail.empty() ? "" : ": ", detail.c_str());
        return 0;
    } catch (const Skipped &e) {
        printf("SKIP %s: %s\n", c.name.c_str(), e.what());
        return 0;
    } catch (const std::exception &e) {
        printf("FAIL %s: %s\n", c.name.c_str(), e.what());
        return 1;
    }
}

} // namespace

int main(int argc, char **argv) {
    setvbuf(stdout, nullptr, _IOLBF, 0);
    auto &all = checks();
    std::string a1 = argc > 1 ? argv[1] : "";
    if (a1 == "--list") {
        for (auto &c : all) printf("%s\n", c.name.c_str());
        return 0;
    }
    if (a1 == "--overflow-child") {
        init();
        Dev<int> out(32);
        launch("gk_simt_test_recurse", dim3(1), dim3(32), 0, gk_test_recurse_params{1000, out.ptr()});
        await();
        return 0; // not reached: the guard page stops it
    }
    if (a1 == "--perf") {
        try {
            init();
            perf();
            return 0;
        } catch (const std::exception &e) {
            fprintf(stderr, "%s\n", e.what());
            return 1;
        }
    }
    if (a1 == "--run") {
        if (argc < 3) {
            fprintf(stderr, "usage: %s --run NAME\n", argv[0]);
            return 2;
        }
        for (auto &c : all) {
            if (c.name == argv[2]) return run(c);
        }
        fprintf(stderr, "no check named %s\n", argv[2]);
        return 2;
    }
    if (!a1.empty()) {
        fprintf(stderr, "usage: %s [--list | --run NAME | --perf]\n", argv[0]);
        return 2;
    }
    // Every check in this process (the not-initialised one needs a fresh process).
    int failed = 0;
    bool initialised = false;
    for (auto &c : all) {
        if (!c.needs_init) {
            printf("SKIP %s: needs a fresh process (--run %s)\n", c.name.c_str(), c.name.c_str());
            continue;
        }
        Check once = c;
        if (initialised) once.needs_init = false;
        failed += run(once);
        initialised = true;
    }
    return failed ? 1 : 0;
}
