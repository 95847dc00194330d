// The SIMT emulator's execution engine: runs a launch's blocks on a pool of OS worker threads and
// each block's threads as fibers on one worker. Fibers switch (hand-written x86-64 context switch,
// no syscalls) only at __syncthreads, warp collectives and wmma operations; a block without them
// runs each thread to completion on one reused stack. Every rendezvous checks that all threads
// (lanes) arrive at the same call site; a deadlock is diagnosed, naming kernel, block and thread.
// The thread schedule (forward, reverse, shuffled by seed) orders fiber starts and resumptions.
#include "simt_internal.h"

#include <algorithm>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <numeric>
#include <thread>
#include <unordered_map>

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

// ---- context switch -----------------------------------------------------------------------------
// gk_simt_switch(save, to): pushes the callee-saved registers, stores the stack pointer in *save,
// loads `to` and pops the target's registers. A new fiber's stack is prepared so that the first
// switch "returns" into gk_simt_fiber_entry with r12 = its Fiber and r13 = the function to run.
asm(R"(
    .text
    .globl gk_simt_switch
    .hidden gk_simt_switch
    .type gk_simt_switch,@function
gk_simt_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size gk_simt_switch, .-gk_simt_switch

    .globl gk_simt_fiber_entry
    .hidden gk_simt_fiber_entry
    .type gk_simt_fiber_entry,@function
gk_simt_fiber_entry:
    movq %r12, %rdi
    callq *%r13
    ud2
    .size gk_simt_fiber_entry, .-gk_simt_fiber_entry
    .section .note.GNU-stack,"",@progbits
    .text
)");
extern "C" void gk_simt_switch(void **save, void *to);
extern "C" void gk_simt_fiber_entry();

// Outside of a launch threadIdx & co read zeros instead of crashing.
static gk_simt_thread_view gk_simt_idle_view = {};
GK_SIMT_EXPORT __thread gk_simt_thread_view *gk_simt_cur = &gk_simt_idle_view; // declared extern "C" in gk_simt_device.h

namespace gk_simt {

namespace {

// ---- kernel registry ----------------------------------------------------------------------------
struct Registry {
    std::mutex m;
    std::vector<std::unique_ptr<Kernel>> list;
    std::unordered_map<std::string, Kernel *> by_name;
};

Registry &registry() {
    static Registry *r = new Registry(); // never destroyed: kernels may register from any module
    return *r;
}

} // namespace

Kernel *find_kernel(const char *name) {
    Registry &r = registry();
    std::lock_guard<std::mutex> g(r.m);
    auto it = r.by_name.find(name);
    return it == r.by_name.end() ? nullptr : it->second;
}

Kernel *kernel_at(size_t i) {
    Registry &r = registry();
    std::lock_guard<std::mutex> g(r.m);
    return i < r.list.size() ? r.list[i].get() : nullptr;
}

size_t kernel_count() {
    Registry &r = registry();
    std::lock_guard<std::mutex> g(r.m);
    return r.list.size();
}

bool is_kernel(const void *p) {
    Registry &r = registry();
    std::lock_guard<std::mutex> g(r.m);
    for (auto &k : r.list) {
        if (k.get() == p) return true;
    }
    return false;
}

namespace {

// ---- stacks -------------------------------------------------------------------------------------
size_t stack_bytes() {
    static size_t bytes = [] {
        size_t kb = 256;
        if (const char *e = getenv("GANNET_SIMT_STACK_KB")) {
            long v = strtol(e, nullptr, 10);
            if (v >= 16 && v <= 65536) kb = (size_t)v;
        }
        return kb * 1024;
    }();
    return bytes;
}

struct Stack {
    char *lo = nullptr; // lowest usable byte; the page below is the guard
    size_t size = 0;
};

Stack *new_stack() {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t size = stack_bytes();
    void *mem = mmap(nullptr, size + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED) {
        fprintf(stderr, "gannet simt: cannot map a %zu KiB fiber stack\n", size / 1024);
        abort();
    }
    // A stack overflow hits this page and fails loudly (SIGSEGV) instead of corrupting a neighbour.
    mprotect(mem, page, PROT_NONE);
    Stack *s = new Stack();
    s->lo = static_cast<char *>(mem) + page;
    s->size = size;
    return s;
}

void free_stack(Stack *s) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    munmap(s->lo - page, s->size + page);
    delete s;
}

// ---- fibers, warps, blocks ----------------------------------------------------------------------
enum FiberState : uint8_t { F_NEW, F_READY, F_RUNNING, F_WAIT_BAR, F_WAIT_WARP, F_DONE };

// Rendezvous kinds beyond gk_simt_warp_kind.
enum { K_WMMA_LOAD_A = 8, K_WMMA_LOAD_B = 9, K_WMMA_LOAD_C = 10, K_WMMA_STORE = 11, K_WMMA_MMA = 12, K_BARRIER = 13 };

const char *kind_name(int k) {
    switch (k) {
    case GK_SIMT_SHFL_IDX: return "__shfl_sync";
    case GK_SIMT_SHFL_UP: return "__shfl_up_sync";
    case GK_SIMT_SHFL_DOWN: return "__shfl_down_sync";
    case GK_SIMT_SHFL_XOR: return "__shfl_xor_sync";
    case GK_SIMT_BALLOT: return "__ballot_sync";
    case GK_SIMT_ANY: return "__any_sync";
    case GK_SIMT_ALL: return "__all_sync";
    case GK_SIMT_SYNCWARP: return "__syncwarp";
    case K_WMMA_LOAD_A: return "wmma::load_matrix_sync(matrix_a)";
    case K_WMMA_LOAD_B: return "wmma::load_matrix_sync(matrix_b)";
    case K_WMMA_LOAD_C: return "wmma::load_matrix_sync(accumulator)";
    case K_WMMA_STORE: return "wmma::store_matrix_sync";
    case K_WMMA_MMA: return "wmma::mma_sync";
    case K_BARRIER: return "__syncthreads()";
    default: return "?";
    }
}

struct AsyncCopy {
    void *dst;
    const void *src;
    int bytes;
    uint32_t group;
};

struct Block;

struct Fiber {
    gk_simt_thread_view view; // what gk_simt_cur points at
    void *sp = nullptr;
    Stack *stack = nullptr;
    Block *blk = nullptr;
    uint32_t index = 0, warp = 0, lane = 0;
    uint8_t state = F_NEW;
    int wkind = -1; // where it waits (diagnostics)
    const char *wfile = nullptr;
    int wline = 0;
    std::vector<AsyncCopy> copies;
    uint32_t committed = 0; // cp.async groups committed so far
};

struct Warp {
    uint32_t nlanes = 0;
    uint32_t arrived = 0;
    uint64_t phase = 0;
    int kind = -1;
    const char *file = nullptr;
    int line = 0;
    int mismatch = -1; // first lane that arrived at another site
    uint32_t val[32];
    int arg[32];
    int width[32];
    uint32_t res[32];
    const void *p[4][32];
    unsigned ldm[32];
    int layout[32];
};

struct LaunchRun;
struct Worker;

struct Block {
    const LaunchRun *run = nullptr;
    Worker *w = nullptr;
    uint32_t n = 0;
    Fiber *f = nullptr;
    uint32_t *q = nullptr; // ready queue (ring, capacity n)
    uint32_t qhead = 0, qcount = 0;
    uint32_t *order = nullptr;
    uint32_t bar_arrived = 0;
    const char *bar_file = nullptr;
    int bar_line = 0;
    int bar_mismatch = -1;
    uint64_t bar_phase = 0;
    Warp warps[32];
    uint32_t done = 0;
    void *sched_sp = nullptr;
    Stack *pending = nullptr; // stack of a finished fiber, released once off it
    bool failed = false;
    std::string error;
    uint3 idx{0, 0, 0};
    uint64_t linear = 0;
};

// Everything a launch's blocks share while it runs.
struct LaunchRun {
    const Launch *L = nullptr;
    uint64_t nblocks = 0;
    uint32_t nthreads = 0;
    void *kp[1] = {nullptr};
    uint64_t perm_a = 1, perm_c = 0; // block dispatch order: (a*i + c) mod nblocks
    std::atomic<uint64_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex err_m;
    std::string error;
    // wmma fragment element maps for this launch (slot -> element of the 16x16 tile)
    uint16_t map_ab[512];
    uint16_t inv_ab[256];
    uint16_t map_c[256];
    uint16_t inv_c[256];
};

// Per-OS-thread execution state, reused across launches.
struct Worker {
    std::vector<Stack *> free_stacks;
    std::vector<Fiber> fibers;
    std::vector<uint32_t> q, order;
    Block blk;
    char *smem = nullptr;
    size_t smem_cap = 0;

    Worker() : fibers(kMaxThreadsPerBlock), q(kMaxThreadsPerBlock), order(kMaxThreadsPerBlock) {}
    ~Worker() {
        for (Stack *s : free_stacks) free_stack(s);
        free(smem);
    }
    Stack *take_stack() {
        if (free_stacks.empty()) return new_stack();
        Stack *s = free_stacks.back();
        free_stacks.pop_back();
        return s;
    }
    void give_stack(Stack *s) { free_stacks.push_back(s); }
};

// Runtime thread state. Initialised non-zero on purpose: it then lives in .tdata, apart from the
// kernels' __shared__ storage in .tbss, which is poisoned before every block (see poison_tls).
struct ThreadState {
    Fiber *fiber;
    Worker *worker;
    int initialised;
};
__thread ThreadState t_state = {nullptr, nullptr, 1};

// Frees a thread's Worker when the thread exits (a pthread key keeps it out of the module's TLS).
pthread_key_t g_worker_key;
pthread_once_t g_worker_once = PTHREAD_ONCE_INIT;

Worker &this_worker() {
    if (!t_state.worker) {
        pthread_once(&g_worker_once, [] { pthread_key_create(&g_worker_key, [](void *w) { delete static_cast<Worker *>(w); }); });
        t_state.worker = new Worker();
        pthread_setspecific(g_worker_key, t_state.worker);
    }
    return *t_state.worker;
}

inline void set_current(Fiber *f) {
    t_state.fiber = f;
    gk_simt_cur = f ? &f->view : &gk_simt_idle_view;
}

uint64_t mix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

// The order in which n fibers (or lanes) start or resume; `salt` varies it per block and barrier.
void make_order(const Schedule &s, uint64_t salt, uint32_t n, uint32_t *out) {
    switch (s.mode) {
    case ScheduleMode::forward:
        for (uint32_t i = 0; i < n; i++) out[i] = i;
        break;
    case ScheduleMode::reverse:
        for (uint32_t i = 0; i < n; i++) out[i] = n - 1 - i;
        break;
    case ScheduleMode::shuffle: {
        for (uint32_t i = 0; i < n; i++) out[i] = i;
        uint64_t r = mix64(s.seed ^ mix64(salt));
        for (uint32_t i = n - 1; i > 0; i--) {
            r = mix64(r);
            uint32_t j = (uint32_t)(r % (i + 1));
            std::swap(out[i], out[j]);
        }
        break;
    }
    }
}

void push_ready(Block &B, uint32_t i) {
    Fiber &f = B.f[i];
    if (f.state != F_NEW) f.state = F_READY;
    B.q[(B.qhead + B.qcount) % B.n] = i;
    B.qcount++;
}

Fiber *pop_ready(Block &B) {
    if (B.qcount == 0) return nullptr;
    uint32_t i = B.q[B.qhead];
    B.qhead = (B.qhead + 1) % B.n;
    B.qcount--;
    return &B.f[i];
}

void fiber_main(Fiber *self);

// Lays out a fresh stack so that switching to it enters fiber_main(f) via gk_simt_fiber_entry.
void prepare(Block &B, Fiber *f) {
    f->stack = B.w->take_stack();
    uintptr_t top = (reinterpret_cast<uintptr_t>(f->stack->lo) + f->stack->size) & ~(uintptr_t)15;
    void **sp = reinterpret_cast<void **>(top);
    *--sp = reinterpret_cast<void *>(&gk_simt_fiber_entry); // popped by ret; leaves rsp 16-aligned
    *--sp = nullptr;                                        // rbp
    *--sp = nullptr;                                        // rbx
    *--sp = f;                                              // r12: argument
    *--sp = reinterpret_cast<void *>(&fiber_main);          // r13: function
    *--sp = nullptr;                                        // r14
    *--sp = nullptr;                                        // r15
    f->sp = sp;
}

void release_pending(Block &B) {
    if (B.pending) {
        B.w->give_stack(B.pending);
        B.pending = nullptr;
    }
}

// Switches from `self` (a fiber, or nullptr for the scheduler) to `next`.
inline void switch_to(Block &B, void **save, Fiber *next) {
    if (next->state == F_NEW) prepare(B, next);
    next->state = F_RUNNING;
    set_current(next);
    gk_simt_switch(save, next->sp);
}

// Gives up the CPU until the scheduler's queue brings `self` back (or the block is abandoned).
void park(Fiber *self) {
    Block &B = *self->blk;
    Fiber *next = pop_ready(B);
    if (next == self) {
        self->state = F_RUNNING;
        return;
    }
    if (next) {
        switch_to(B, &self->sp, next);
    } else {
        set_current(nullptr);
        gk_simt_switch(&self->sp, B.sched_sp);
    }
    release_pending(B);
}

std::string where(const Block &B, const Fiber *f) {
    char buf[256];
    snprintf(buf, sizeof buf, "kernel %s: block (%u,%u,%u), thread (%u,%u,%u)", B.run->L->kernel->name.c_str(), B.idx.x,
             B.idx.y, B.idx.z, f->view.thread_idx.x, f->view.thread_idx.y, f->view.thread_idx.z);
    return buf;
}

std::string thread_name(const Fiber *f) {
    char buf[64];
    snprintf(buf, sizeof buf, "(%u,%u,%u)", f->view.thread_idx.x, f->view.thread_idx.y, f->view.thread_idx.z);
    return buf;
}

std::string site(const char *file, int line) { return std::string(file ? file : "?") + ":" + std::to_string(line); }

// Ends the block with an error; the fiber is abandoned (never resumed).
[[noreturn]] void fail(Fiber *self, const char *fmt, ...) {
    Block &B = *self->blk;
    char buf[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    B.failed = true;
    B.error = where(B, self) + ": " + buf;
    set_current(nullptr);
    gk_simt_switch(&self->sp, B.sched_sp);
    __builtin_unreachable();
}

Fiber *current_fiber(const char *what) {
    Fiber *f = t_state.fiber;
    if (!f) {
        fprintf(stderr, "gannet simt: %s called outside of a kernel launch\n", what);
        abort();
    }
    return f;
}

bool same_site(const char *f1, int l1, const char *f2, int l2) {
    return l1 == l2 && (f1 == f2 || (f1 && f2 && strcmp(f1, f2) == 0));
}

void perform_copies(Fiber *f, uint32_t below_group, bool all) {
    size_t k = 0;
    for (; k < f->copies.size(); k++) {
        AsyncCopy &c = f->copies[k];
        if (!all && c.group >= below_group) break;
        if (c.bytes > 0) memcpy(c.dst, c.src, (size_t)c.bytes);
        if (c.bytes < 16) memset(static_cast<char *>(c.dst) + c.bytes, 0, 16 - (size_t)c.bytes);
    }
    f->copies.erase(f->copies.begin(), f->copies.begin() + (ptrdiff_t)k);
}

void fiber_main(Fiber *self) {
    Block &B = *self->blk;
    release_pending(B);
    B.run->L->kernel->thunk(const_cast<void **>(B.run->kp));
    // Copies still in flight land eventually on a GPU too.
    perform_copies(self, 0, true);
    self->state = F_DONE;
    B.done++;
    B.pending = self->stack;
    self->stack = nullptr;
    void *discard;
    Fiber *next = pop_ready(B);
    if (next) {
        switch_to(B, &discard, next);
    } else {
        set_current(nullptr);
        gk_simt_switch(&discard, B.sched_sp);
    }
    __builtin_unreachable();
}

// Records where a fiber waits (what the deadlock diagnosis and the site checks report).
void mark_waiting(Fiber *f, FiberState state, int kind, const char *file, int line) {
    f->state = state;
    f->wkind = kind;
    f->wfile = file;
    f->wline = line;
}

// Completes a warp rendezvous: the last lane to arrive computes every lane's result.
void complete_warp(Block &B, Warp &W, uint32_t warp);

// Arrives at a warp rendezvous and returns once all lanes have arrived (and results are ready).
void warp_arrive(Fiber *self, int kind, const char *file, int line) {
    Block &B = *self->blk;
    Warp &W = B.warps[self->warp];
    mark_waiting(self, F_WAIT_WARP, kind, file, line);
    if (W.arrived == 0) {
        W.kind = kind;
        W.file = file;
        W.line = line;
        W.mismatch = -1;
    } else if (W.mismatch < 0 && (W.kind != kind || !same_site(W.file, W.line, file, line))) {
        W.mismatch = (int)self->lane;
    }
    if (++W.arrived == W.nlanes) {
        if (W.mismatch >= 0) {
            Fiber *other = nullptr;
            uint32_t base = self->warp * 32;
            for (uint32_t l = 0; l < W.nlanes; l++) {
                Fiber *g = &B.f[base + l];
                if (!(g->wkind == W.kind && same_site(g->wfile, g->wline, W.file, W.line))) {
                    other = g;
                    break;
                }
            }
            Fiber *first = nullptr;
            for (uint32_t l = 0; l < W.nlanes; l++) {
                Fiber *g = &B.f[base + l];
                if (g->wkind == W.kind && same_site(g->wfile, g->wline, W.file, W.line)) {
                    first = g;
                    break;
                }
            }
            fail(self, "warp %u is not converged: thread %s is at %s (%s) while thread %s is at %s (%s)", self->warp,
                 thread_name(first).c_str(), kind_name(first->wkind), site(first->wfile, first->wline).c_str(),
                 thread_name(other).c_str(), kind_name(other->wkind), site(other->wfile, other->wline).c_str());
        }
        complete_warp(B, W, self->warp);
        W.arrived = 0;
        W.phase++;
        uint32_t order[32];
        make_order(B.run->L->schedule, (B.linear * 0x100000001b3ull) ^ (self->warp * 0x9e37ull) ^ (W.phase << 20),
                   W.nlanes, order);
        for (uint32_t l = 0; l < W.nlanes; l++) push_ready(B, self->warp * 32 + order[l]);
    }
    park(self);
}

Fiber *warp_entry(const char *what, unsigned mask, const char *file, int line) {
    Fiber *self = current_fiber(what);
    if (mask != 0xffffffffu) {
        fail(self, "%s at %s: mask 0x%08x; kernels use the full mask 0xffffffff of a converged warp (kernels/README.md)",
             what, site(file, line).c_str(), mask);
    }
    Warp &W = self->blk->warps[self->warp];
    if (W.nlanes != 32) {
        fail(self, "%s at %s in a warp of %u threads: blocks that use warp collectives must be multiples of 32 threads",
             what, site(file, line).c_str(), W.nlanes);
    }
    return self;
}

// ---- wmma fragments -----------------------------------------------------------------------------
// A/B fragment slot s = lane*16 + i holds tile element map_ab[s] (each element twice); accumulator
// slot s = lane*8 + i holds element map_c[s]; element e is (row e/16, col e%16).
const void *wmma_elem_addr(const void *p, int e, unsigned ldm, int col_major, size_t esize) {
    int r = e / 16, c = e % 16;
    size_t off = col_major ? (size_t)c * ldm + (size_t)r : (size_t)r * ldm + (size_t)c;
    return static_cast<const char *>(p) + off * esize;
}

void wmma_check_ptr(Fiber *self, const char *what, const void *p, unsigned ldm, unsigned ldm_multiple,
                    const char *file, int line) {
    if (reinterpret_cast<uintptr_t>(p) % 32 != 0) {
        fail(self, "%s at %s: pointer %p is not 256-bit (32-byte) aligned", what, site(file, line).c_str(), p);
    }
    if (ldm % ldm_multiple != 0) {
        fail(self, "%s at %s: ldm %u must be a multiple of %u elements (16 bytes)", what, site(file, line).c_str(), ldm,
             ldm_multiple);
    }
}

void complete_warp(Block &B, Warp &W, uint32_t warp) {
    const LaunchRun &R = *B.run;
    switch (W.kind) {
    case GK_SIMT_SHFL_IDX:
    case GK_SIMT_SHFL_UP:
    case GK_SIMT_SHFL_DOWN:
    case GK_SIMT_SHFL_XOR:
        // PTX shfl.sync semantics with CUDA's c operand: segments of `width` lanes.
        for (int lane = 0; lane < 32; lane++) {
            int width = W.width[lane];
            int segmask = (32 - width) & 0x1f;
            int cval = W.kind == GK_SIMT_SHFL_UP ? 0 : 0x1f;
            int min_lane = lane & segmask;
            int max_lane = min_lane | (cval & ~segmask);
            int b = W.arg[lane] & 0x1f;
            int j;
            bool ok;
            switch (W.kind) {
            case GK_SIMT_SHFL_UP: j = lane - b; ok = j >= max_lane; break;
            case GK_SIMT_SHFL_DOWN: j = lane + b; ok = j <= max_lane; break;
            case GK_SIMT_SHFL_XOR: j = lane ^ b; ok = j <= max_lane; break;
            default: j = min_lane | (b & ~segmask); ok = j <= max_lane; break;
            }
            W.res[lane] = W.val[ok ? j : lane];
        }
        break;
    case GK_SIMT_BALLOT:
    case GK_SIMT_ANY:
    case GK_SIMT_ALL: {
        uint32_t ballot = 0;
        for (int lane = 0; lane < 32; lane++) ballot |= (W.val[lane] ? 1u : 0u) << lane;
        uint32_t r = W.kind == GK_SIMT_BALLOT ? ballot : W.kind == GK_SIMT_ANY ? (ballot != 0) : (ballot == 0xffffffffu);
        for (int lane = 0; lane < 32; lane++) W.res[lane] = r;
        break;
    }
    case K_WMMA_LOAD_A:
    case K_WMMA_LOAD_B:
    case K_WMMA_LOAD_C:
    case K_WMMA_STORE:
        // The data moved per lane on arrival; a GPU also requires every lane to pass the same
        // pointer, ldm and layout.
        for (int lane = 1; lane < 32; lane++) {
            if (W.p[0][lane] != W.p[0][0] || W.ldm[lane] != W.ldm[0] || W.layout[lane] != W.layout[0]) {
                Fiber *self = &B.f[warp * 32 + lane];
                fail(self, "%s at %s: lane %d passed pointer %p, ldm %u but lane 0 passed %p, ldm %u (all lanes must pass the same)",
                     kind_name(W.kind), site(W.file, W.line).c_str(), lane, W.p[0][lane], W.ldm[lane], W.p[0][0], W.ldm[0]);
            }
        }
        break;
    case K_WMMA_MMA: {
        float a[256], b[256], c[256];
        for (int e = 0; e < 256; e++) {
            int sa = R.inv_ab[e];
            a[e] = __half2float(static_cast<const __half *>(W.p[1][sa / 16])[sa % 16]);
            b[e] = __half2float(static_cast<const __half *>(W.p[2][sa / 16])[sa % 16]);
            int sc = R.inv_c[e];
            c[e] = static_cast<const float *>(W.p[3][sc / 8])[sc % 8];
        }
        // The B tile's (row, col) is (k, n) in its fragment's own coordinates.
        float d[256];
        for (int m = 0; m < 16; m++) {
            for (int n = 0; n < 16; n++) {
                float acc = c[m * 16 + n];
                for (int k = 0; k < 16; k++) acc = fmaf(a[m * 16 + k], b[k * 16 + n], acc);
                d[m * 16 + n] = acc;
            }
        }
        for (int s = 0; s < 256; s++) {
            static_cast<float *>(const_cast<void *>(W.p[0][s / 8]))[s % 8] = d[R.map_c[s]];
        }
        break;
    }
    case GK_SIMT_SYNCWARP:
    default:
        break;
    }
}

// ---- TLS poisoning of static __shared__ storage ------------------------------------------------
// __shared__ variables are `static thread_local` and zero-initialised, so they sit in the .tbss
// part of their module's TLS segment; the runtime's own TLS is initialised non-zero (.tdata). Before
// each block the worker fills that .tbss range of the kernel's module with 0xff bytes (NaN as
// float and half), as a GPU's shared memory holds garbage when a block starts.
struct TlsModule {
    size_t modid = 0;
    size_t tbss_offset = 0; // within the module's TLS block
    size_t tbss_size = 0;
    bool ok = false;
};

struct tls_index_t {
    unsigned long ti_module;
    unsigned long ti_offset;
};
extern "C" void *__tls_get_addr(tls_index_t *);

} // namespace
} // namespace gk_simt

namespace gk_simt {
namespace {

std::mutex &g_tls_m = *new std::mutex();
std::unordered_map<uintptr_t, TlsModule> &g_tls_modules = *new std::unordered_map<uintptr_t, TlsModule>(); // by load address

TlsModule tls_module_of(const void *fn) {
    Dl_info info;
    if (!dladdr(fn, &info)) return {};
    uintptr_t base = reinterpret_cast<uintptr_t>(info.dli_fbase);
    std::lock_guard<std::mutex> g(g_tls_m);
    auto it = g_tls_modules.find(base);
    if (it != g_tls_modules.end()) return it->second;
    struct Ctx {
        uintptr_t base;
        TlsModule mod;
    } ctx{base, {}};
    dl_iterate_phdr(
        [](struct dl_phdr_info *pi, size_t, void *data) -> int {
            Ctx *c = static_cast<Ctx *>(data);
            // dli_fbase is the lowest mapped address; dlpi_addr the load bias (0 for a non-PIE exe).
            uintptr_t lowest = UINTPTR_MAX;
            for (int i = 0; i < pi->dlpi_phnum; i++) {
                if (pi->dlpi_phdr[i].p_type == PT_LOAD) {
                    lowest = std::min<uintptr_t>(lowest, pi->dlpi_addr + pi->dlpi_phdr[i].p_vaddr);
                }
            }
            lowest &= ~(uintptr_t)(sysconf(_SC_PAGESIZE) - 1);
            if (lowest != c->base) return 0;
            for (int i = 0; i < pi->dlpi_phnum; i++) {
                const ElfW(Phdr) &ph = pi->dlpi_phdr[i];
                if (ph.p_type == PT_TLS && pi->dlpi_tls_modid != 0) {
                    c->mod.modid = pi->dlpi_tls_modid;
                    c->mod.tbss_offset = ph.p_filesz;
                    c->mod.tbss_size = ph.p_memsz - ph.p_filesz;
                    c->mod.ok = true;
                }
            }
            return 1;
        },
        &ctx);
    g_tls_modules[base] = ctx.mod;
    return ctx.mod;
}

// The runtime's own module must keep its state out of the poisoned range.
bool runtime_tls_is_safe() {
    static int safe = -1;
    if (safe < 0) {
        TlsModule m = tls_module_of(reinterpret_cast<const void *>(&tls_module_of));
        if (!m.ok) {
            safe = 1;
        } else {
            tls_index_t ti{m.modid, 0};
            char *blockp = static_cast<char *>(__tls_get_addr(&ti));
            auto inside = [&](const void *p) {
                const char *c = static_cast<const char *>(p);
                return c >= blockp + m.tbss_offset && c < blockp + m.tbss_offset + m.tbss_size;
            };
            safe = !(inside(&t_state) || inside(&gk_simt_cur) || inside(driver_tls_address())) ? 1 : 0;
            if (!safe) fprintf(stderr, "gannet simt: runtime TLS in .tbss; static __shared__ poisoning disabled\n");
        }
    }
    return safe == 1;
}

void poison_tls(const Kernel *k) {
    TlsModule m = tls_module_of(reinterpret_cast<const void *>(k->thunk));
    if (!m.ok || m.tbss_size == 0 || !runtime_tls_is_safe()) return;
    tls_index_t ti{m.modid, 0};
    char *blockp = static_cast<char *>(__tls_get_addr(&ti));
    memset(blockp + m.tbss_offset, 0xff, m.tbss_size);
}

// ---- running a block ----------------------------------------------------------------------------
void diagnose_deadlock(Block &B) {
    // A warp rendezvous that cannot complete: name a missing lane and where it is.
    for (uint32_t w = 0; w < (B.n + 31) / 32; w++) {
        Warp &W = B.warps[w];
        if (W.arrived == 0) continue;
        for (uint32_t l = 0; l < W.nlanes; l++) {
            Fiber *g = &B.f[w * 32 + l];
            if (g->state == F_WAIT_WARP) continue;
            Fiber *waiting = nullptr;
            for (uint32_t m = 0; m < W.nlanes; m++) {
                if (B.f[w * 32 + m].state == F_WAIT_WARP) {
                    waiting = &B.f[w * 32 + m];
                    break;
                }
            }
            std::string state = g->state == F_DONE
                                    ? "which exited"
                                    : "which waits at " + std::string(kind_name(g->wkind)) + " at " + site(g->wfile, g->wline);
            B.error = where(B, waiting) + ": " + kind_name(W.kind) + " at " + site(W.file, W.line) + " is missing lane " +
                      std::to_string(l) + " of warp " + std::to_string(w) + " (thread " + thread_name(g) + "), " + state +
                      " (" + std::to_string(W.arrived) + " of 32 lanes arrived)";
            return;
        }
    }
    // A __syncthreads that some threads never reach because they exited.
    for (uint32_t i = 0; i < B.n; i++) {
        Fiber *g = &B.f[i];
        if (g->state != F_DONE) continue;
        Fiber *waiting = nullptr;
        for (uint32_t j = 0; j < B.n; j++) {
            if (B.f[j].state == F_WAIT_BAR) {
                waiting = &B.f[j];
                break;
            }
        }
        if (!waiting) break;
        B.error = where(B, waiting) + ": __syncthreads() at " + site(B.bar_file, B.bar_line) +
                  " is not reached by thread " + thread_name(g) + ", which exited (" + std::to_string(B.bar_arrived) +
                  " of " + std::to_string(B.n) + " threads wait there)";
        return;
    }
    B.error = "kernel " + B.run->L->kernel->name + ": block (" + std::to_string(B.idx.x) + "," + std::to_string(B.idx.y) +
              "," + std::to_string(B.idx.z) + ") deadlocked (" + std::to_string(B.done) + " of " + std::to_string(B.n) +
              " threads finished)";
}

void run_block(Worker &w, LaunchRun &R, uint64_t linear) {
    const Launch &L = *R.L;
    Block &B = w.blk;
    B.run = &R;
    B.w = &w;
    B.n = R.nthreads;
    B.f = w.fibers.data();
    B.q = w.q.data();
    B.order = w.order.data();
    B.qhead = B.qcount = 0;
    B.bar_arrived = 0;
    B.bar_mismatch = -1;
    B.bar_phase = 0;
    B.done = 0;
    B.pending = nullptr;
    B.failed = false;
    B.error.clear();
    B.linear = linear;
    B.idx.x = (unsigned)(linear % L.grid.x);
    B.idx.y = (unsigned)((linear / L.grid.x) % L.grid.y);
    B.idx.z = (unsigned)(linear / ((uint64_t)L.grid.x * L.grid.y));

    if (L.smem > 0) memset(w.smem, 0xff, L.smem); // dynamic shared memory starts as garbage (NaN)
    poison_tls(L.kernel);

    uint32_t nwarps = (B.n + 31) / 32;
    for (uint32_t i = 0; i < nwarps; i++) {
        Warp &W = B.warps[i];
        W.nlanes = std::min<uint32_t>(32, B.n - i * 32);
        W.arrived = 0;
        W.phase = 0;
        W.mismatch = -1;
    }
    for (uint32_t i = 0; i < B.n; i++) {
        Fiber &f = B.f[i];
        f.view.thread_idx.x = i % L.block.x;
        f.view.thread_idx.y = (i / L.block.x) % L.block.y;
        f.view.thread_idx.z = i / (L.block.x * L.block.y);
        f.view.block_idx = B.idx;
        f.view.block_dim = L.block;
        f.view.grid_dim = L.grid;
        f.view.dyn_smem = w.smem;
        f.sp = nullptr;
        f.stack = nullptr;
        f.blk = &B;
        f.index = i;
        f.warp = i / 32;
        f.lane = i % 32;
        f.state = F_NEW;
        f.wkind = -1;
        f.wfile = nullptr;
        f.wline = 0;
        f.copies.clear();
        f.committed = 0;
    }
    make_order(L.schedule, B.linear * 0x100000001b3ull, B.n, B.order);
    for (uint32_t i = 0; i < B.n; i++) push_ready(B, B.order[i]);

    while (!B.failed) {
        Fiber *f = pop_ready(B);
        if (!f) break;
        switch_to(B, &B.sched_sp, f);
        release_pending(B);
    }
    set_current(nullptr);
    if (!B.failed && B.done < B.n) {
        B.failed = true;
        diagnose_deadlock(B);
    }
    // Abandoned fibers (failure) give their stacks back; no destructors run on them (kernels hold
    // no resources).
    for (uint32_t i = 0; i < B.n; i++) {
        if (B.f[i].stack) {
            w.give_stack(B.f[i].stack);
            B.f[i].stack = nullptr;
        }
    }
    release_pending(B);
    if (B.failed) {
        std::lock_guard<std::mutex> g(R.err_m);
        if (!R.failed.exchange(true)) R.error = B.error;
    }
}

void work_on(LaunchRun &R) {
    Worker &w = this_worker();
    const Launch &L = *R.L;
    if (w.smem_cap < L.smem) {
        free(w.smem);
        w.smem_cap = (L.smem + 4095) & ~(size_t)4095;
        w.smem = static_cast<char *>(aligned_alloc(128, w.smem_cap));
    }
    for (;;) {
        if (R.failed.load(std::memory_order_relaxed)) return;
        uint64_t i = R.next.fetch_add(1, std::memory_order_relaxed);
        if (i >= R.nblocks) return;
        uint64_t b = (R.perm_a * i + R.perm_c) % R.nblocks;
        run_block(w, R, b);
    }
}

// ---- the worker pool ----------------------------------------------------------------------------
// A launch runs on the calling (stream) thread plus up to workers()-1 helper threads.
struct Job {
    LaunchRun *run;
    int active = 0;
};

class Pool {
  public:
    void run(LaunchRun &R) {
        Job job{&R};
        bool shared = false;
        {
            std::unique_lock<std::mutex> g(m_);
            if (wanted_ > 1 && R.nblocks > 1) {
                ensure_helpers_locked();
                jobs_.push_back(&job);
                shared = true;
                cv_work_.notify_all();
            }
        }
        work_on(R);
        if (shared) {
            std::unique_lock<std::mutex> g(m_);
            auto it = std::find(jobs_.begin(), jobs_.end(), &job);
            if (it != jobs_.end()) jobs_.erase(it);
            cv_done_.wait(g, [&] { return job.active == 0; });
        }
    }

    void set_wanted(int n) {
        std::lock_guard<std::mutex> g(m_);
        wanted_ = n;
        cv_work_.notify_all();
    }
    int wanted() {
        std::lock_guard<std::mutex> g(m_);
        return wanted_;
    }

  private:
    void ensure_helpers_locked() {
        while ((int)helpers_.size() < wanted_ - 1) {
            int index = (int)helpers_.size();
            helpers_.emplace_back([this, index] { helper(index); });
            helpers_.back().detach(); // lives as long as the process, like a driver's threads
        }
    }

    void helper(int index) {
        pthread_setname_np(pthread_self(), "gk-simt-worker");
        std::unique_lock<std::mutex> g(m_);
        for (;;) {
            cv_work_.wait(g, [&] { return index < wanted_ - 1 && !jobs_.empty(); });
            Job *job = jobs_.front();
            // Rotate so that concurrent launches (several streams) share the helpers.
            jobs_.pop_front();
            jobs_.push_back(job);
            job->active++;
            g.unlock();
            work_on(*job->run);
            g.lock();
            job->active--;
            // Drop a job whose blocks are all taken, so helpers do not spin on it.
            if (job->run->next.load() >= job->run->nblocks || job->run->failed.load()) {
                auto it = std::find(jobs_.begin(), jobs_.end(), job);
                if (it != jobs_.end()) jobs_.erase(it);
            }
            cv_done_.notify_all();
        }
    }

    std::mutex m_;
    std::condition_variable cv_work_, cv_done_;
    std::deque<Job *> jobs_;
    std::vector<std::thread> helpers_;
    int wanted_ = default_workers();

    static int default_workers() {
        if (const char *e = getenv("GANNET_SIMT_WORKERS")) {
            int v = atoi(e);
            if (v >= 1 && v <= 1024) return v;
        }
        cpu_set_t set;
        if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
        return std::max(1, (int)sysconf(_SC_NPROCESSORS_ONLN));
    }
};

Pool &pool() {
    static Pool *p = new Pool(); // helpers are detached; never destroyed
    return *p;
}

uint64_t gcd64(uint64_t a, uint64_t b) {
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

void make_wmma_maps(LaunchRun &R, const Schedule &s) {
    uint32_t perm[256];
    make_order(s, 0x77a1, 256, perm);
    for (int i = 0; i < 512; i++) R.map_ab[i] = (uint16_t)perm[i % 256];
    for (int i = 0; i < 256; i++) R.inv_ab[perm[i]] = (uint16_t)i;
    make_order(s, 0x77c3, 256, perm);
    for (int i = 0; i < 256; i++) {
        R.map_c[i] = (uint16_t)perm[i];
        R.inv_c[perm[i]] = (uint16_t)i;
    }
}

std::mutex &g_sched_m = *new std::mutex();
Schedule g_default_schedule = [] {
    Schedule s;
    if (const char *e = getenv("GANNET_SIMT_SCHEDULE")) {
        if (!parse_schedule(e, &s)) fprintf(stderr, "gannet simt: ignoring GANNET_SIMT_SCHEDULE=%s\n", e);
    }
    return s;
}();

} // namespace

std::string execute(const Launch &L) {
    LaunchRun R;
    R.L = &L;
    R.nblocks = (uint64_t)L.grid.x * L.grid.y * L.grid.z;
    R.nthreads = L.block.x * L.block.y * L.block.z;
    R.kp[0] = const_cast<unsigned char *>(L.params.data());
    if (R.nblocks > 1) {
        switch (L.schedule.mode) {
        case ScheduleMode::forward: R.perm_a = 1; R.perm_c = 0; break;
        case ScheduleMode::reverse: R.perm_a = R.nblocks - 1; R.perm_c = R.nblocks - 1; break;
        case ScheduleMode::shuffle: {
            uint64_t r = mix64(L.schedule.seed ^ 0xb10c);
            do {
                r = mix64(r);
                R.perm_a = 1 + r % (R.nblocks - 1);
            } while (gcd64(R.perm_a, R.nblocks) != 1);
            R.perm_c = mix64(r) % R.nblocks;
            break;
        }
        }
    }
    make_wmma_maps(R, L.schedule);
    pool().run(R);
    return R.failed.load() ? R.error : std::string();
}

void set_workers(int n) { pool().set_wanted(n); }
int workers() { return pool().wanted(); }

Schedule default_schedule() {
    std::lock_guard<std::mutex> g(g_sched_m);
    return g_default_schedule;
}

void set_default_schedule(Schedule s) {
    std::lock_guard<std::mutex> g(g_sched_m);
    g_default_schedule = s;
}

// "forward", "reverse", "shuffle" or "shuffle:SEED".
bool parse_schedule(const char *text, Schedule *out) {
    if (!text) return false;
    if (strcmp(text, "forward") == 0) {
        *out = Schedule{ScheduleMode::forward, 0};
        return true;
    }
    if (strcmp(text, "reverse") == 0) {
        *out = Schedule{ScheduleMode::reverse, 0};
        return true;
    }
    if (strncmp(text, "shuffle", 7) == 0) {
        uint64_t seed = 1;
        if (text[7] == ':') {
            char *end;
            seed = strtoull(text + 8, &end, 10);
            if (*end || end == text + 8) return false;
        } else if (text[7]) {
            return false;
        }
        *out = Schedule{ScheduleMode::shuffle, seed};
        return true;
    }
    return false;
}

} // namespace gk_simt

// ---- entry points called by kernels (through gk_simt_device.h) ----------------------------------
using namespace gk_simt;

extern "C" GK_SIMT_EXPORT void gk_simt_register_kernel(const char *name, void (*thunk)(void **), size_t param_size) {
    Registry &r = registry();
    std::lock_guard<std::mutex> g(r.m);
    if (r.by_name.count(name)) {
        fprintf(stderr, "gannet simt: kernel %s registered twice; keeping the first\n", name);
        return;
    }
    auto k = std::make_unique<Kernel>();
    k->name = name;
    k->thunk = thunk;
    k->param_size = param_size;
    r.by_name[k->name] = k.get();
    r.list.push_back(std::move(k));
}

extern "C" GK_SIMT_EXPORT void gk_simt_syncthreads(const char *file, int line) {
    Fiber *self = current_fiber("__syncthreads");
    Block &B = *self->blk;
    mark_waiting(self, F_WAIT_BAR, K_BARRIER, file, line);
    if (B.bar_arrived == 0) {
        B.bar_file = file;
        B.bar_line = line;
        B.bar_mismatch = -1;
    } else if (B.bar_mismatch < 0 && !same_site(B.bar_file, B.bar_line, file, line)) {
        B.bar_mismatch = (int)self->index;
    }
    if (++B.bar_arrived == B.n) {
        if (B.bar_mismatch >= 0) {
            Fiber *first = nullptr;
            for (uint32_t i = 0; i < B.n && !first; i++) {
                if (same_site(B.f[i].wfile, B.f[i].wline, B.bar_file, B.bar_line)) first = &B.f[i];
            }
            Fiber *other = &B.f[B.bar_mismatch];
            fail(self, "threads wait at different barriers: thread %s at __syncthreads() at %s, thread %s at __syncthreads() at %s",
                 thread_name(first).c_str(), site(first->wfile, first->wline).c_str(), thread_name(other).c_str(),
                 site(other->wfile, other->wline).c_str());
        }
        B.bar_arrived = 0;
        B.bar_phase++;
        make_order(B.run->L->schedule, (B.linear * 0x100000001b3ull) ^ (B.bar_phase * 0x51ed27ull), B.n, B.order);
        for (uint32_t i = 0; i < B.n; i++) push_ready(B, B.order[i]);
    }
    park(self);
}

extern "C" GK_SIMT_EXPORT uint32_t gk_simt_warp(int kind, unsigned mask, uint32_t value, int arg, int width,
                                                const char *file, int line) {
    Fiber *self = warp_entry(kind_name(kind), mask, file, line);
    if (kind <= GK_SIMT_SHFL_XOR && (width < 1 || width > 32 || (width & (width - 1)) != 0)) {
        fail(self, "%s at %s: width %d is not a power of two in [1, 32]", kind_name(kind), site(file, line).c_str(), width);
    }
    Warp &W = self->blk->warps[self->warp];
    W.val[self->lane] = value;
    W.arg[self->lane] = arg;
    W.width[self->lane] = width;
    warp_arrive(self, kind, file, line);
    return W.res[self->lane];
}

extern "C" GK_SIMT_EXPORT void gk_simt_wmma_load(int which, int col_major, void *frag, const void *p, unsigned ldm,
                                                 const char *file, int line) {
    int kind = K_WMMA_LOAD_A + which;
    Fiber *self = warp_entry(kind_name(kind), 0xffffffffu, file, line);
    const LaunchRun &R = *self->blk->run;
    if (which == 2) {
        wmma_check_ptr(self, kind_name(kind), p, ldm, 4, file, line);
        float *x = static_cast<float *>(frag);
        for (int i = 0; i < 8; i++) {
            x[i] = *static_cast<const float *>(wmma_elem_addr(p, R.map_c[self->lane * 8 + i], ldm, col_major, 4));
        }
    } else {
        wmma_check_ptr(self, kind_name(kind), p, ldm, 8, file, line);
        __half *x = static_cast<__half *>(frag);
        for (int i = 0; i < 16; i++) {
            x[i] = *static_cast<const __half *>(wmma_elem_addr(p, R.map_ab[self->lane * 16 + i], ldm, col_major, 2));
        }
    }
    Warp &W = self->blk->warps[self->warp];
    W.p[0][self->lane] = p;
    W.ldm[self->lane] = ldm;
    W.layout[self->lane] = col_major;
    warp_arrive(self, kind, file, line);
}

extern "C" GK_SIMT_EXPORT void gk_simt_wmma_store(float *p, const float *frag, unsigned ldm, int col_major,
                                                  const char *file, int line) {
    Fiber *self = warp_entry(kind_name(K_WMMA_STORE), 0xffffffffu, file, line);
    const LaunchRun &R = *self->blk->run;
    wmma_check_ptr(self, kind_name(K_WMMA_STORE), p, ldm, 4, file, line);
    for (int i = 0; i < 8; i++) {
        *static_cast<float *>(const_cast<void *>(wmma_elem_addr(p, R.map_c[self->lane * 8 + i], ldm, col_major, 4))) = frag[i];
    }
    Warp &W = self->blk->warps[self->warp];
    W.p[0][self->lane] = p;
    W.ldm[self->lane] = ldm;
    W.layout[self->lane] = col_major;
    warp_arrive(self, K_WMMA_STORE, file, line);
}

extern "C" GK_SIMT_EXPORT void gk_simt_wmma_mma(float *d, const __half *a, int a_col_major, const __half *b,
                                                int b_col_major, const float *c, const char *file, int line) {
    (void)a_col_major;
    (void)b_col_major; // fragments hold logical (row, col) elements whatever the memory layout
    Fiber *self = warp_entry(kind_name(K_WMMA_MMA), 0xffffffffu, file, line);
    Warp &W = self->blk->warps[self->warp];
    W.p[0][self->lane] = d;
    W.p[1][self->lane] = a;
    W.p[2][self->lane] = b;
    W.p[3][self->lane] = c;
    warp_arrive(self, K_WMMA_MMA, file, line);
}

extern "C" GK_SIMT_EXPORT void gk_simt_cp_async(void *smem, const void *gmem, int src_bytes, const char *file, int line) {
    Fiber *self = current_fiber("gk_cp_async_16");
    if (src_bytes < 0 || src_bytes > 16) {
        fail(self, "gk_cp_async_16_zfill at %s: src_bytes %d is not in [0, 16]", site(file, line).c_str(), src_bytes);
    }
    if (reinterpret_cast<uintptr_t>(smem) % 16 != 0 || (src_bytes > 0 && reinterpret_cast<uintptr_t>(gmem) % 16 != 0)) {
        fail(self, "gk_cp_async_16 at %s: addresses %p <- %p must be 16-byte aligned", site(file, line).c_str(), smem, gmem);
    }
    // Poisoned until the matching wait: reading it earlier is the bug this exposes.
    memset(smem, 0xff, 16);
    self->copies.push_back(AsyncCopy{smem, gmem, src_bytes, self->committed});
}

extern "C" GK_SIMT_EXPORT void gk_simt_cp_async_commit(void) {
    Fiber *self = current_fiber("gk_cp_async_commit");
    self->committed++;
}

extern "C" GK_SIMT_EXPORT void gk_simt_cp_async_wait(int pending, const char *file, int line) {
    (void)file;
    (void)line;
    Fiber *self = current_fiber("gk_cp_async_wait");
    if (pending < 0) {
        // cp.async.wait_all = commit the open group, then wait for every group.
        self->committed++;
        perform_copies(self, 0, true);
    } else if ((uint32_t)pending < self->committed) {
        perform_copies(self, self->committed - (uint32_t)pending, false);
    }
}
