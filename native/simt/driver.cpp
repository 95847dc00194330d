// The CUDA driver API of the SIMT emulator: the subset gannet binds, exported by
// libgannet_simt.so under the exact (versioned) names and prototypes of CUDA 13's cuda.h (this file
// includes cuda.h, so `cuMemAlloc` below *is* cuMemAlloc_v2 and the compiler checks each
// prototype). One emulated sm_90 device with a primary context; device pointers are host
// addresses. Each stream is an OS thread running its commands in order (the legacy NULL stream
// too, with CUDA's implicit synchronisation against blocking streams); events carry timestamps;
// stream capture records launches, copies, memsets and host functions into a replayable graph.
// A failed launch (see exec.cpp) is sticky on its stream: CUDA_ERROR_LAUNCH_FAILED from then on,
// with the detail in gk_simt_last_error / gk_simt_stream_error.
#pragma GCC visibility push(default)
#include <cuda.h>
#include "gk_simt.h"
#pragma GCC visibility pop

#include "simt_internal.h"

#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <pthread.h>
#include <unistd.h>

using namespace gk_simt;

namespace {

constexpr int kDriverVersion = 13000;
constexpr size_t kPoisonLimit = 64u << 20; // fresh allocations up to this size are filled with 0xff
const char *const kDeviceName = "gannet SIMT emulator (sm_90)";

// ---- error detail -------------------------------------------------------------------------------
// Process-lifetime state is allocated and never destroyed: stream threads may still be running
// (or blocked) when the process exits, and must not find their globals gone.
std::mutex &g_err_m = *new std::mutex();
std::string &g_last_error = *new std::string();

void set_last_error(const std::string &s) {
    std::lock_guard<std::mutex> g(g_err_m);
    g_last_error = s;
}

CUresult fail(CUresult r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
CUresult fail(CUresult r, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    set_last_error(buf);
    return r;
}

// ---- context ------------------------------------------------------------------------------------
struct Context {
    int refs = 0;
};

std::mutex &g_ctx_m = *new std::mutex();
bool g_initialised = false;
Context g_primary;

// Non-zero initialiser: keeps it in .tdata (exec.cpp poisons the zero-initialised .tbss).
struct DriverTls {
    Context *current;
    std::string *error_copy; // what gk_simt_last_error/gk_simt_stream_error returned on this thread
    int initialised;
};
__thread DriverTls t_drv = {nullptr, nullptr, 1};

pthread_key_t g_copy_key;
pthread_once_t g_copy_once = PTHREAD_ONCE_INIT;

// A per-thread copy of an error text, valid until this thread's next call; NULL when empty.
const char *hand_out(const std::string &msg) {
    if (msg.empty()) return nullptr;
    if (!t_drv.error_copy) {
        pthread_once(&g_copy_once, [] { pthread_key_create(&g_copy_key, [](void *p) { delete static_cast<std::string *>(p); }); });
        t_drv.error_copy = new std::string();
        pthread_setspecific(g_copy_key, t_drv.error_copy);
    }
    *t_drv.error_copy = msg;
    return t_drv.error_copy->c_str();
}

} // namespace

const void *gk_simt::driver_tls_address() { return &t_drv; }

namespace {

CUresult check_ctx() {
    std::lock_guard<std::mutex> g(g_ctx_m);
    if (!g_initialised) return fail(CUDA_ERROR_NOT_INITIALIZED, "cuInit has not been called");
    if (!t_drv.current) return fail(CUDA_ERROR_INVALID_CONTEXT, "no current context on this thread (cuCtxSetCurrent)");
    if (t_drv.current->refs <= 0) {
        return fail(CUDA_ERROR_INVALID_CONTEXT, "the current context was released (cuDevicePrimaryCtxRelease)");
    }
    return CUDA_SUCCESS;
}

#define CHECK_CTX()                                                                                                    \
    do {                                                                                                               \
        CUresult r_ = check_ctx();                                                                                     \
        if (r_ != CUDA_SUCCESS) return r_;                                                                             \
    } while (0)

// ---- memory -------------------------------------------------------------------------------------
enum class MemKind { device, async, host };

struct Alloc {
    size_t size;
    MemKind kind;
};

std::mutex &g_mem_m = *new std::mutex();
std::map<uintptr_t, Alloc> &g_allocs = *new std::map<uintptr_t, Alloc>();
size_t g_allocated = 0;

size_t host_total_bytes() {
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    size_t phys = pages > 0 && page > 0 ? (size_t)pages * (size_t)page : (size_t)16 << 30;
    return std::min(phys, (size_t)80 << 30); // an H100 has 80 GiB; the host may have less
}

size_t host_available_bytes() {
    FILE *f = fopen("/proc/meminfo", "r");
    size_t avail = host_total_bytes();
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f)) {
            unsigned long long kb;
            if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
                avail = (size_t)kb * 1024;
                break;
            }
        }
        fclose(f);
    }
    return avail;
}

CUresult allocate(size_t bytes, MemKind kind, void **out) {
    size_t size = (bytes + 255) & ~(size_t)255;
    void *p = aligned_alloc(kind == MemKind::host ? 4096 : 256, kind == MemKind::host ? (bytes + 4095) & ~(size_t)4095 : size);
    if (!p) return fail(CUDA_ERROR_OUT_OF_MEMORY, "cannot allocate %zu bytes", bytes);
    // Fresh GPU memory holds garbage; 0xff bytes are NaN as float and half, so unwritten reads show.
    memset(p, 0xff, std::min(bytes, kPoisonLimit));
    std::lock_guard<std::mutex> g(g_mem_m);
    g_allocs[reinterpret_cast<uintptr_t>(p)] = Alloc{bytes, kind};
    g_allocated += bytes;
    *out = p;
    return CUDA_SUCCESS;
}

// Removes the allocation starting at p (of one of the kinds given) from the table.
bool forget(uintptr_t p, bool host) {
    std::lock_guard<std::mutex> g(g_mem_m);
    auto it = g_allocs.find(p);
    if (it == g_allocs.end() || (it->second.kind == MemKind::host) != host) return false;
    g_allocated -= it->second.size;
    g_allocs.erase(it);
    return true;
}

// Device-side ranges of copies and memsets must lie inside one allocation (device or pinned host).
CUresult check_range(uintptr_t p, size_t n, const char *call, const char *what) {
    std::lock_guard<std::mutex> g(g_mem_m);
    auto it = g_allocs.upper_bound(p);
    if (it != g_allocs.begin()) {
        --it;
        if (p >= it->first && p - it->first <= it->second.size && n <= it->second.size - (p - it->first)) {
            return CUDA_SUCCESS;
        }
        if (p >= it->first && p - it->first < it->second.size) {
            return fail(CUDA_ERROR_INVALID_VALUE, "%s: %s range 0x%lx + %zu bytes overruns its allocation (0x%lx, %zu bytes)",
                        call, what, (unsigned long)p, n, (unsigned long)it->first, it->second.size);
        }
    }
    return fail(CUDA_ERROR_INVALID_VALUE, "%s: %s 0x%lx is not in any allocation", call, what, (unsigned long)p);
}

// ---- streams, events, graphs --------------------------------------------------------------------
struct StreamState;
struct EventState;

struct Dep {
    std::shared_ptr<StreamState> stream;
    uint64_t seq;
};

struct Cmd {
    enum Kind { LAUNCH, COPY, SET8, SET32, RECORD, HOSTFN, FREE, WAIT } kind = WAIT;
    std::shared_ptr<Launch> launch;
    bool schedule_resolved = false;
    void *dst = nullptr;
    const void *src = nullptr;
    size_t bytes = 0;
    uint32_t value = 0;
    std::shared_ptr<EventState> event;
    uint64_t gen = 0;
    CUhostFn fn = nullptr;
    void *data = nullptr;
    std::vector<Dep> deps;
    uint64_t seq = 0;
};

struct GraphData {
    std::vector<Cmd> nodes;
};

enum class Capture { none, active, invalidated };

struct StreamState {
    unsigned flags = 0;
    bool legacy = false;
    std::mutex m;
    std::condition_variable cv;
    std::deque<Cmd> q;
    uint64_t enqueued = 0, completed = 0;
    CUresult sticky = CUDA_SUCCESS;
    std::string sticky_msg;
    bool stop = false;
    Capture capture = Capture::none;
    CUstreamCaptureMode capture_mode = CU_STREAM_CAPTURE_MODE_GLOBAL;
    std::thread::id capture_thread;
    std::unique_ptr<GraphData> graph;
    bool has_schedule = false;
    Schedule schedule;
};

struct EventState {
    unsigned flags = 0;
    std::mutex m;
    bool recorded = false;
    std::shared_ptr<StreamState> stream;
    uint64_t seq = 0;
    uint64_t gen = 0;
    int64_t time_ns = 0;
    CUresult status = CUDA_SUCCESS;
};

std::mutex &g_obj_m = *new std::mutex(); // guards the handle tables below
std::unordered_map<StreamState *, std::shared_ptr<StreamState>> &g_streams =
    *new std::unordered_map<StreamState *, std::shared_ptr<StreamState>>();
std::shared_ptr<StreamState> &g_null = *new std::shared_ptr<StreamState>();
std::unordered_map<EventState *, std::shared_ptr<EventState>> &g_events =
    *new std::unordered_map<EventState *, std::shared_ptr<EventState>>();
std::unordered_set<GraphData *> &g_graphs = *new std::unordered_set<GraphData *>();
std::unordered_set<GraphData *> &g_execs = *new std::unordered_set<GraphData *>();
std::unordered_set<void *> &g_modules = *new std::unordered_set<void *>();

int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void wait_for(const Dep &d) {
    std::unique_lock<std::mutex> g(d.stream->m);
    d.stream->cv.wait(g, [&] { return d.stream->completed >= d.seq; });
}

void run_cmd(StreamState &s, Cmd &c, bool skip) {
    switch (c.kind) {
    case Cmd::LAUNCH: {
        if (skip) break;
        std::string e = execute(*c.launch);
        if (!e.empty()) {
            set_last_error(e);
            std::lock_guard<std::mutex> g(s.m);
            if (s.sticky == CUDA_SUCCESS) {
                s.sticky = CUDA_ERROR_LAUNCH_FAILED;
                s.sticky_msg = e;
            }
        }
        break;
    }
    case Cmd::COPY:
        if (!skip && c.bytes) memmove(c.dst, c.src, c.bytes);
        break;
    case Cmd::SET8:
        if (!skip) memset(c.dst, (int)(c.value & 0xff), c.bytes);
        break;
    case Cmd::SET32:
        if (!skip) {
            uint32_t *p = static_cast<uint32_t *>(c.dst);
            for (size_t i = 0; i < c.bytes / 4; i++) p[i] = c.value;
        }
        break;
    case Cmd::RECORD: {
        std::lock_guard<std::mutex> g(c.event->m);
        if (c.event->gen == c.gen) {
            c.event->time_ns = now_ns();
            std::lock_guard<std::mutex> g2(s.m);
            c.event->status = s.sticky;
        }
        break;
    }
    case Cmd::HOSTFN:
        if (!skip) c.fn(c.data);
        break;
    case Cmd::FREE:
        free(c.dst); // in stream order, even after an error (the memory is released either way)
        break;
    case Cmd::WAIT:
        break;
    }
}

// The stream's worker; it holds a reference, so a destroyed stream drains its queue and then goes.
void stream_main(std::shared_ptr<StreamState> s) {
    pthread_setname_np(pthread_self(), s->legacy ? "gk-simt-null" : "gk-simt-stream");
    for (;;) {
        Cmd c;
        {
            std::unique_lock<std::mutex> g(s->m);
            s->cv.wait(g, [&] { return !s->q.empty() || s->stop; });
            if (s->q.empty()) return;
            c = std::move(s->q.front());
            s->q.pop_front();
        }
        for (const Dep &d : c.deps) wait_for(d);
        bool skip;
        {
            std::lock_guard<std::mutex> g(s->m);
            skip = s->sticky != CUDA_SUCCESS;
        }
        run_cmd(*s, c, skip);
        {
            std::lock_guard<std::mutex> g(s->m);
            s->completed = c.seq;
        }
        s->cv.notify_all();
    }
}

std::shared_ptr<StreamState> new_stream(unsigned flags, bool legacy) {
    auto s = std::make_shared<StreamState>();
    s->flags = flags;
    s->legacy = legacy;
    std::thread(stream_main, s).detach();
    return s;
}

std::shared_ptr<StreamState> null_stream_locked() {
    if (!g_null) g_null = new_stream(0, true);
    return g_null;
}

// The stream behind a handle: 0, CU_STREAM_LEGACY and CU_STREAM_PER_THREAD are the NULL stream.
std::shared_ptr<StreamState> get_stream(CUstream h) {
    std::lock_guard<std::mutex> g(g_obj_m);
    if (h == nullptr || h == CU_STREAM_LEGACY || h == CU_STREAM_PER_THREAD) return null_stream_locked();
    auto it = g_streams.find(reinterpret_cast<StreamState *>(h));
    return it == g_streams.end() ? nullptr : it->second;
}

#define GET_STREAM(var, h, call)                                                                                       \
    std::shared_ptr<StreamState> var = get_stream(h);                                                                  \
    if (!var) return fail(CUDA_ERROR_INVALID_HANDLE, "%s: unknown or destroyed stream %p", call, (void *)(h))

Schedule schedule_for(StreamState &s) {
    std::lock_guard<std::mutex> g(s.m);
    return s.has_schedule ? s.schedule : default_schedule();
}

// Queues one command (or records it into the stream's capture). Adds the legacy NULL stream's
// implicit dependencies. `seq_out` receives the command's position in the stream.
CUresult enqueue(const std::shared_ptr<StreamState> &s, Cmd c, const char *call, uint64_t *seq_out = nullptr) {
    {
        std::lock_guard<std::mutex> g(s->m);
        if (s->capture == Capture::active) {
            if (c.kind == Cmd::LAUNCH || c.kind == Cmd::COPY || c.kind == Cmd::SET8 || c.kind == Cmd::SET32 ||
                c.kind == Cmd::HOSTFN) {
                c.deps.clear();
                s->graph->nodes.push_back(std::move(c));
                return CUDA_SUCCESS;
            }
            s->capture = Capture::invalidated;
            return fail(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED,
                        "%s: not capturable by the emulator (it captures launches, copies, memsets and host functions of one stream)",
                        call);
        }
        if (s->capture == Capture::invalidated) {
            return fail(CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, "%s: the stream's capture was invalidated", call);
        }
        if (s->sticky != CUDA_SUCCESS) {
            return fail(s->sticky, "%s: the stream has failed before: %s", call, s->sticky_msg.c_str());
        }
    }
    if (c.kind == Cmd::LAUNCH && !c.schedule_resolved) {
        c.launch->schedule = schedule_for(*s);
        c.schedule_resolved = true;
    }
    // CUDA's legacy default stream: it waits for all blocking streams, and they wait for it.
    if (s->legacy) {
        std::vector<std::shared_ptr<StreamState>> others;
        {
            std::lock_guard<std::mutex> g(g_obj_m);
            for (auto &kv : g_streams) {
                if (!(kv.second->flags & CU_STREAM_NON_BLOCKING)) others.push_back(kv.second);
            }
        }
        for (auto &o : others) {
            std::lock_guard<std::mutex> g(o->m);
            if (o->capture == Capture::active) {
                o->capture = Capture::invalidated;
                return fail(CUDA_ERROR_STREAM_CAPTURE_IMPLICIT,
                            "%s: work on the legacy NULL stream would join a stream being captured", call);
            }
            if (o->enqueued > o->completed) c.deps.push_back(Dep{o, o->enqueued});
        }
    } else if (!(s->flags & CU_STREAM_NON_BLOCKING)) {
        std::shared_ptr<StreamState> n;
        {
            std::lock_guard<std::mutex> g(g_obj_m);
            n = null_stream_locked();
        }
        std::lock_guard<std::mutex> g(n->m);
        if (n->enqueued > n->completed) c.deps.push_back(Dep{n, n->enqueued});
    }
    {
        std::lock_guard<std::mutex> g(s->m);
        c.seq = ++s->enqueued;
        if (seq_out) *seq_out = c.seq;
        s->q.push_back(std::move(c));
    }
    s->cv.notify_all();
    return CUDA_SUCCESS;
}

CUresult sync_stream(const std::shared_ptr<StreamState> &s, uint64_t upto = UINT64_MAX) {
    std::unique_lock<std::mutex> g(s->m);
    uint64_t target = upto == UINT64_MAX ? s->enqueued : upto;
    s->cv.wait(g, [&] { return s->completed >= target; });
    if (s->sticky != CUDA_SUCCESS) return fail(s->sticky, "%s", s->sticky_msg.c_str());
    return CUDA_SUCCESS;
}

std::vector<std::shared_ptr<StreamState>> all_streams() {
    std::lock_guard<std::mutex> g(g_obj_m);
    std::vector<std::shared_ptr<StreamState>> v;
    if (g_null) v.push_back(g_null);
    for (auto &kv : g_streams) v.push_back(kv.second);
    return v;
}

// Waits for every stream; the first sticky error found is the result.
CUresult sync_all() {
    CUresult first = CUDA_SUCCESS;
    std::string msg;
    for (auto &s : all_streams()) {
        std::unique_lock<std::mutex> g(s->m);
        uint64_t target = s->enqueued;
        s->cv.wait(g, [&] { return s->completed >= target; });
        if (s->sticky != CUDA_SUCCESS && first == CUDA_SUCCESS) {
            first = s->sticky;
            msg = s->sticky_msg;
        }
    }
    if (first != CUDA_SUCCESS) return fail(first, "%s", msg.c_str());
    return CUDA_SUCCESS;
}

CUresult copy_cmd(const std::shared_ptr<StreamState> &s, void *dst, const void *src, size_t n, const char *call,
                  bool wait) {
    Cmd c;
    c.kind = Cmd::COPY;
    c.dst = dst;
    c.src = src;
    c.bytes = n;
    uint64_t seq = 0;
    CUresult r = enqueue(s, std::move(c), call, &seq);
    if (r != CUDA_SUCCESS || !wait) return r;
    return sync_stream(s, seq);
}

std::shared_ptr<EventState> get_event(CUevent h) {
    std::lock_guard<std::mutex> g(g_obj_m);
    auto it = g_events.find(reinterpret_cast<EventState *>(h));
    return it == g_events.end() ? nullptr : it->second;
}

bool event_done_locked(EventState &e) {
    std::lock_guard<std::mutex> g(e.stream->m);
    return e.stream->completed >= e.seq;
}

// ---- error names --------------------------------------------------------------------------------
struct ErrorText {
    CUresult code;
    const char *name;
    const char *text;
};

#define E(c, t) {c, #c, t}
const ErrorText kErrors[] = {
    E(CUDA_SUCCESS, "no error"),
    E(CUDA_ERROR_INVALID_VALUE, "invalid argument"),
    E(CUDA_ERROR_OUT_OF_MEMORY, "out of memory"),
    E(CUDA_ERROR_NOT_INITIALIZED, "initialization error"),
    E(CUDA_ERROR_DEINITIALIZED, "driver shutting down"),
    E(CUDA_ERROR_STUB_LIBRARY, "CUDA driver is a stub library"),
    E(CUDA_ERROR_NO_DEVICE, "no CUDA-capable device is detected"),
    E(CUDA_ERROR_INVALID_DEVICE, "invalid device ordinal"),
    E(CUDA_ERROR_INVALID_IMAGE, "device kernel image is invalid"),
    E(CUDA_ERROR_INVALID_CONTEXT, "invalid device context"),
    E(CUDA_ERROR_NO_BINARY_FOR_GPU, "no kernel image is available for execution on the device"),
    E(CUDA_ERROR_INVALID_PTX, "a PTX JIT compilation failed"),
    E(CUDA_ERROR_INVALID_SOURCE, "device kernel image is invalid"),
    E(CUDA_ERROR_FILE_NOT_FOUND, "file not found"),
    E(CUDA_ERROR_OPERATING_SYSTEM, "OS call failed or operation not supported on this OS"),
    E(CUDA_ERROR_INVALID_HANDLE, "invalid resource handle"),
    E(CUDA_ERROR_ILLEGAL_STATE, "the operation cannot be performed in the present state"),
    E(CUDA_ERROR_NOT_FOUND, "named symbol not found"),
    E(CUDA_ERROR_NOT_READY, "device not ready"),
    E(CUDA_ERROR_ILLEGAL_ADDRESS, "an illegal memory access was encountered"),
    E(CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, "too many resources requested for launch"),
    E(CUDA_ERROR_LAUNCH_TIMEOUT, "the launch timed out and was terminated"),
    E(CUDA_ERROR_CONTEXT_IS_DESTROYED, "context is destroyed"),
    E(CUDA_ERROR_ASSERT, "device-side assert triggered"),
    E(CUDA_ERROR_MISALIGNED_ADDRESS, "misaligned address"),
    E(CUDA_ERROR_LAUNCH_FAILED, "unspecified launch failure"),
    E(CUDA_ERROR_NOT_PERMITTED, "operation not permitted"),
    E(CUDA_ERROR_NOT_SUPPORTED, "operation not supported"),
    E(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "operation not permitted when stream is capturing"),
    E(CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, "operation failed due to a previous error during capture"),
    E(CUDA_ERROR_STREAM_CAPTURE_MERGE, "operation would result in a merge of separate capture sequences"),
    E(CUDA_ERROR_STREAM_CAPTURE_UNMATCHED, "capture was not ended in the same stream as it began"),
    E(CUDA_ERROR_STREAM_CAPTURE_UNJOINED, "capturing stream has unjoined work"),
    E(CUDA_ERROR_STREAM_CAPTURE_ISOLATION, "dependency created on uncaptured work in another stream"),
    E(CUDA_ERROR_STREAM_CAPTURE_IMPLICIT, "operation would make the legacy stream depend on a capturing blocking stream"),
    E(CUDA_ERROR_CAPTURED_EVENT, "operation not permitted on an event last recorded in a capturing stream"),
    E(CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD, "attempt to terminate a thread-local capture sequence from another thread"),
    E(CUDA_ERROR_TIMEOUT, "wait operation timed out"),
    E(CUDA_ERROR_UNKNOWN, "unknown error"),
};
#undef E

} // namespace

// =================================================================================================
// The driver API
// =================================================================================================
extern "C" {

CUresult CUDAAPI cuGetErrorName(CUresult error, const char **pStr) {
    if (!pStr) return CUDA_ERROR_INVALID_VALUE;
    for (const ErrorText &e : kErrors) {
        if (e.code == error) {
            *pStr = e.name;
            return CUDA_SUCCESS;
        }
    }
    *pStr = nullptr;
    return CUDA_ERROR_INVALID_VALUE;
}

CUresult CUDAAPI cuGetErrorString(CUresult error, const char **pStr) {
    if (!pStr) return CUDA_ERROR_INVALID_VALUE;
    for (const ErrorText &e : kErrors) {
        if (e.code == error) {
            *pStr = e.text;
            return CUDA_SUCCESS;
        }
    }
    *pStr = nullptr;
    return CUDA_ERROR_INVALID_VALUE;
}

CUresult CUDAAPI cuInit(unsigned int Flags) {
    if (Flags != 0) return fail(CUDA_ERROR_INVALID_VALUE, "cuInit: flags must be 0, got %u", Flags);
    std::lock_guard<std::mutex> g(g_ctx_m);
    g_initialised = true;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDriverGetVersion(int *driverVersion) {
    if (!driverVersion) return CUDA_ERROR_INVALID_VALUE;
    *driverVersion = kDriverVersion;
    return CUDA_SUCCESS;
}

static CUresult check_init() {
    std::lock_guard<std::mutex> g(g_ctx_m);
    return g_initialised ? CUDA_SUCCESS : fail(CUDA_ERROR_NOT_INITIALIZED, "cuInit has not been called");
}

#define CHECK_DEV(dev)                                                                                                 \
    do {                                                                                                               \
        CUresult r_ = check_init();                                                                                    \
        if (r_ != CUDA_SUCCESS) return r_;                                                                             \
        if ((dev) != 0) return fail(CUDA_ERROR_INVALID_DEVICE, "device %d does not exist (the emulator has device 0)", (int)(dev)); \
    } while (0)

CUresult CUDAAPI cuDeviceGetCount(int *count) {
    CUresult r = check_init();
    if (r != CUDA_SUCCESS) return r;
    if (!count) return CUDA_ERROR_INVALID_VALUE;
    *count = 1;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGet(CUdevice *device, int ordinal) {
    CUresult r = check_init();
    if (r != CUDA_SUCCESS) return r;
    if (!device) return CUDA_ERROR_INVALID_VALUE;
    if (ordinal != 0) return fail(CUDA_ERROR_INVALID_DEVICE, "device ordinal %d does not exist", ordinal);
    *device = 0;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGetName(char *name, int len, CUdevice dev) {
    CHECK_DEV(dev);
    if (!name || len <= 0) return CUDA_ERROR_INVALID_VALUE;
    snprintf(name, (size_t)len, "%s", kDeviceName);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceTotalMem(size_t *bytes, CUdevice dev) {
    CHECK_DEV(dev);
    if (!bytes) return CUDA_ERROR_INVALID_VALUE;
    *bytes = host_total_bytes();
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGetAttribute(int *pi, CUdevice_attribute attrib, CUdevice dev) {
    CHECK_DEV(dev);
    if (!pi) return CUDA_ERROR_INVALID_VALUE;
    int v;
    switch (attrib) {
    case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: v = kMaxThreadsPerBlock; break;
    case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X: v = 1024; break;
    case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y: v = 1024; break;
    case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z: v = 64; break;
    case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X: v = 2147483647; break;
    case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y: v = 65535; break;
    case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z: v = 65535; break;
    case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK: v = kStaticSmemLimit; break;
    case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: v = kOptinSmemLimit; break;
    case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR: v = kSmemPerSm; break;
    case CU_DEVICE_ATTRIBUTE_RESERVED_SHARED_MEMORY_PER_BLOCK: v = 1024; break;
    case CU_DEVICE_ATTRIBUTE_TOTAL_CONSTANT_MEMORY: v = 65536; break;
    case CU_DEVICE_ATTRIBUTE_WARP_SIZE: v = 32; break;
    case CU_DEVICE_ATTRIBUTE_MAX_PITCH: v = 2147483647; break;
    case CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK: v = 65536; break;
    case CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_MULTIPROCESSOR: v = 65536; break;
    case CU_DEVICE_ATTRIBUTE_CLOCK_RATE: v = 1980000; break;
    case CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE: v = 2619000; break;
    case CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH: v = 5120; break;
    case CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE: v = 50 * 1024 * 1024; break;
    case CU_DEVICE_ATTRIBUTE_TEXTURE_ALIGNMENT: v = 512; break;
    case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: v = 132; break;
    case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR: v = 2048; break;
    case CU_DEVICE_ATTRIBUTE_MAX_BLOCKS_PER_MULTIPROCESSOR: v = 32; break;
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: v = 9; break;
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: v = 0; break;
    case CU_DEVICE_ATTRIBUTE_INTEGRATED: v = 0; break;
    case CU_DEVICE_ATTRIBUTE_CAN_MAP_HOST_MEMORY: v = 1; break;
    case CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING: v = 1; break;
    case CU_DEVICE_ATTRIBUTE_CONCURRENT_KERNELS: v = 1; break;
    case CU_DEVICE_ATTRIBUTE_ASYNC_ENGINE_COUNT: v = 2; break;
    case CU_DEVICE_ATTRIBUTE_GPU_OVERLAP: v = 1; break;
    case CU_DEVICE_ATTRIBUTE_KERNEL_EXEC_TIMEOUT: v = 0; break;
    case CU_DEVICE_ATTRIBUTE_ECC_ENABLED: v = 0; break;
    case CU_DEVICE_ATTRIBUTE_TCC_DRIVER: v = 0; break;
    case CU_DEVICE_ATTRIBUTE_COMPUTE_MODE: v = CU_COMPUTEMODE_DEFAULT; break;
    case CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED: v = 1; break;
    case CU_DEVICE_ATTRIBUTE_STREAM_PRIORITIES_SUPPORTED: v = 0; break;
    case CU_DEVICE_ATTRIBUTE_GLOBAL_L1_CACHE_SUPPORTED: v = 1; break;
    case CU_DEVICE_ATTRIBUTE_LOCAL_L1_CACHE_SUPPORTED: v = 1; break;
    case CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY: v = 0; break;
    case CU_DEVICE_ATTRIBUTE_PAGEABLE_MEMORY_ACCESS: v = 0; break;
    case CU_DEVICE_ATTRIBUTE_CONCURRENT_MANAGED_ACCESS: v = 0; break;
    case CU_DEVICE_ATTRIBUTE_COOPERATIVE_LAUNCH: v = 0; break;
    case CU_DEVICE_ATTRIBUTE_PCI_BUS_ID: v = 0; break;
    case CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID: v = 0; break;
    case CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID: v = 0; break;
    default:
        return fail(CUDA_ERROR_INVALID_VALUE, "cuDeviceGetAttribute: attribute %d is not emulated", (int)attrib);
    }
    *pi = v;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDevicePrimaryCtxRetain(CUcontext *pctx, CUdevice dev) {
    CHECK_DEV(dev);
    if (!pctx) return CUDA_ERROR_INVALID_VALUE;
    std::lock_guard<std::mutex> g(g_ctx_m);
    g_primary.refs++;
    *pctx = reinterpret_cast<CUcontext>(&g_primary);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDevicePrimaryCtxRelease(CUdevice dev) {
    CHECK_DEV(dev);
    bool last;
    {
        std::lock_guard<std::mutex> g(g_ctx_m);
        if (g_primary.refs <= 0) return fail(CUDA_ERROR_INVALID_CONTEXT, "cuDevicePrimaryCtxRelease: the context is not retained");
        last = --g_primary.refs == 0;
    }
    if (last) {
        // The context goes away: finish its work and forget the errors of its streams.
        sync_all();
        for (auto &s : all_streams()) {
            std::lock_guard<std::mutex> g(s->m);
            s->sticky = CUDA_SUCCESS;
            s->sticky_msg.clear();
        }
    }
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuCtxSetCurrent(CUcontext ctx) {
    CUresult r = check_init();
    if (r != CUDA_SUCCESS) return r;
    if (ctx && ctx != reinterpret_cast<CUcontext>(&g_primary)) {
        return fail(CUDA_ERROR_INVALID_CONTEXT, "cuCtxSetCurrent: %p is not the emulator's context", (void *)ctx);
    }
    t_drv.current = ctx ? &g_primary : nullptr;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuCtxGetCurrent(CUcontext *pctx) {
    CUresult r = check_init();
    if (r != CUDA_SUCCESS) return r;
    if (!pctx) return CUDA_ERROR_INVALID_VALUE;
    *pctx = reinterpret_cast<CUcontext>(t_drv.current);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuCtxSynchronize(void) {
    CHECK_CTX();
    for (auto &s : all_streams()) {
        std::lock_guard<std::mutex> g(s->m);
        if (s->capture == Capture::active) {
            s->capture = Capture::invalidated;
            return fail(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "cuCtxSynchronize while a stream is being captured");
        }
    }
    return sync_all();
}

// ---- modules and functions ----------------------------------------------------------------------
CUresult CUDAAPI cuModuleLoadData(CUmodule *module, const void *image) {
    CHECK_CTX();
    if (!module || !image) return fail(CUDA_ERROR_INVALID_VALUE, "cuModuleLoadData: null module or image");
    // Any image will do: the kernels are the ones compiled into this library (and registered by
    // GK_KERNEL), whatever fatbin the caller loads.
    void *m = new int(0);
    std::lock_guard<std::mutex> g(g_obj_m);
    g_modules.insert(m);
    *module = static_cast<CUmodule>(m);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuModuleUnload(CUmodule hmod) {
    CHECK_CTX();
    std::lock_guard<std::mutex> g(g_obj_m);
    if (!g_modules.erase(hmod)) return fail(CUDA_ERROR_INVALID_HANDLE, "cuModuleUnload: unknown module %p", (void *)hmod);
    delete static_cast<int *>(static_cast<void *>(hmod));
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuModuleGetFunction(CUfunction *hfunc, CUmodule hmod, const char *name) {
    CHECK_CTX();
    if (!hfunc || !name) return CUDA_ERROR_INVALID_VALUE;
    {
        std::lock_guard<std::mutex> g(g_obj_m);
        if (!g_modules.count(hmod)) return fail(CUDA_ERROR_INVALID_HANDLE, "cuModuleGetFunction: unknown module %p", (void *)hmod);
    }
    Kernel *k = find_kernel(name);
    if (!k) return fail(CUDA_ERROR_NOT_FOUND, "cuModuleGetFunction: no kernel named %s is registered (GK_KERNEL)", name);
    *hfunc = reinterpret_cast<CUfunction>(k);
    return CUDA_SUCCESS;
}

#define GET_KERNEL(k, f, call)                                                                                         \
    if (!is_kernel(f)) return fail(CUDA_ERROR_INVALID_HANDLE, "%s: unknown function %p", call, (void *)(f));           \
    Kernel *k = reinterpret_cast<Kernel *>(f)

CUresult CUDAAPI cuFuncGetAttribute(int *pi, CUfunction_attribute attrib, CUfunction hfunc) {
    CHECK_CTX();
    if (!pi) return CUDA_ERROR_INVALID_VALUE;
    GET_KERNEL(k, hfunc, "cuFuncGetAttribute");
    switch (attrib) {
    case CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *pi = kMaxThreadsPerBlock; break;
    // Static shared memory, registers and local memory are not known on the host: the ptxas
    // report of the nvcc build has the real numbers.
    case CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES: *pi = 0; break;
    case CU_FUNC_ATTRIBUTE_CONST_SIZE_BYTES: *pi = 0; break;
    case CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES: *pi = 0; break;
    case CU_FUNC_ATTRIBUTE_NUM_REGS: *pi = 0; break;
    case CU_FUNC_ATTRIBUTE_PTX_VERSION: *pi = 90; break;
    case CU_FUNC_ATTRIBUTE_BINARY_VERSION: *pi = 90; break;
    case CU_FUNC_ATTRIBUTE_CACHE_MODE_CA: *pi = 0; break;
    case CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES: *pi = k->max_dynamic_smem.load(); break;
    case CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT: *pi = k->carveout.load(); break;
    default: return fail(CUDA_ERROR_INVALID_VALUE, "cuFuncGetAttribute: attribute %d is not emulated", (int)attrib);
    }
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuFuncSetAttribute(CUfunction hfunc, CUfunction_attribute attrib, int value) {
    CHECK_CTX();
    GET_KERNEL(k, hfunc, "cuFuncSetAttribute");
    switch (attrib) {
    case CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES:
        if (value < 0 || value > kOptinSmemLimit) {
            return fail(CUDA_ERROR_INVALID_VALUE, "cuFuncSetAttribute(%s, MAX_DYNAMIC_SHARED_SIZE_BYTES, %d): the limit is %d",
                        k->name.c_str(), value, kOptinSmemLimit);
        }
        k->max_dynamic_smem = value;
        return CUDA_SUCCESS;
    case CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT:
        if (value < -1 || value > 100) return fail(CUDA_ERROR_INVALID_VALUE, "carveout %d not in [-1, 100]", value);
        k->carveout = value;
        return CUDA_SUCCESS;
    default:
        return fail(CUDA_ERROR_INVALID_VALUE, "cuFuncSetAttribute: attribute %d is not emulated", (int)attrib);
    }
}

CUresult CUDAAPI cuLaunchKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ,
                                unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ,
                                unsigned int sharedMemBytes, CUstream hStream, void **kernelParams, void **extra) {
    CHECK_CTX();
    GET_KERNEL(k, f, "cuLaunchKernel");
    if (gridDimX == 0 || gridDimY == 0 || gridDimZ == 0 || gridDimX > 2147483647u || gridDimY > 65535 || gridDimZ > 65535) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuLaunchKernel(%s): grid (%u,%u,%u) out of range", k->name.c_str(), gridDimX,
                    gridDimY, gridDimZ);
    }
    uint64_t threads = (uint64_t)blockDimX * blockDimY * blockDimZ;
    if (blockDimX == 0 || blockDimY == 0 || blockDimZ == 0 || blockDimX > 1024 || blockDimY > 1024 || blockDimZ > 64 ||
        threads > (uint64_t)kMaxThreadsPerBlock) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuLaunchKernel(%s): block (%u,%u,%u) out of range (at most %d threads)",
                    k->name.c_str(), blockDimX, blockDimY, blockDimZ, kMaxThreadsPerBlock);
    }
    if ((int64_t)sharedMemBytes > (int64_t)k->max_dynamic_smem.load()) {
        return fail(CUDA_ERROR_INVALID_VALUE,
                    "cuLaunchKernel(%s): %u bytes of dynamic shared memory exceed the function's limit of %d "
                    "(raise it with cuFuncSetAttribute(CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES), at most %d)",
                    k->name.c_str(), sharedMemBytes, k->max_dynamic_smem.load(), kOptinSmemLimit);
    }
    const void *params = nullptr;
    if (kernelParams && extra) return fail(CUDA_ERROR_INVALID_VALUE, "cuLaunchKernel: both kernelParams and extra given");
    if (kernelParams) {
        params = kernelParams[0];
    } else if (extra) {
        size_t size = 0;
        bool have_size = false;
        for (int i = 0; extra[i] != CU_LAUNCH_PARAM_END; i += 2) {
            if (extra[i] == CU_LAUNCH_PARAM_BUFFER_POINTER) {
                params = extra[i + 1];
            } else if (extra[i] == CU_LAUNCH_PARAM_BUFFER_SIZE) {
                size = *static_cast<size_t *>(extra[i + 1]);
                have_size = true;
            } else {
                return fail(CUDA_ERROR_INVALID_VALUE, "cuLaunchKernel: unknown extra option %p", extra[i]);
            }
        }
        if (!have_size || size < k->param_size) {
            return fail(CUDA_ERROR_INVALID_VALUE, "cuLaunchKernel(%s): the extra buffer holds %zu bytes, the params %zu",
                        k->name.c_str(), size, k->param_size);
        }
    }
    if (!params) return fail(CUDA_ERROR_INVALID_VALUE, "cuLaunchKernel(%s): no kernel parameters", k->name.c_str());
    GET_STREAM(s, hStream, "cuLaunchKernel");
    auto L = std::make_shared<Launch>();
    L->kernel = k;
    L->grid = dim3(gridDimX, gridDimY, gridDimZ);
    L->block = dim3(blockDimX, blockDimY, blockDimZ);
    L->smem = sharedMemBytes;
    L->params.assign(static_cast<const unsigned char *>(params), static_cast<const unsigned char *>(params) + k->param_size);
    Cmd c;
    c.kind = Cmd::LAUNCH;
    c.launch = std::move(L);
    return enqueue(s, std::move(c), "cuLaunchKernel");
}

// ---- memory -------------------------------------------------------------------------------------
CUresult CUDAAPI cuMemAlloc(CUdeviceptr *dptr, size_t bytesize) {
    CHECK_CTX();
    if (!dptr || bytesize == 0) return fail(CUDA_ERROR_INVALID_VALUE, "cuMemAlloc: null pointer or zero size");
    void *p;
    CUresult r = allocate(bytesize, MemKind::device, &p);
    if (r == CUDA_SUCCESS) *dptr = reinterpret_cast<CUdeviceptr>(p);
    return r;
}

CUresult CUDAAPI cuMemFree(CUdeviceptr dptr) {
    CHECK_CTX();
    if (dptr == 0) return CUDA_SUCCESS;
    {
        std::lock_guard<std::mutex> g(g_mem_m);
        auto it = g_allocs.find(dptr);
        if (it == g_allocs.end() || it->second.kind == MemKind::host) {
            return fail(CUDA_ERROR_INVALID_VALUE, "cuMemFree: 0x%llx is not a live device allocation", (unsigned long long)dptr);
        }
    }
    // cuMemFree waits for the device as on a GPU, so queued work never sees freed memory.
    sync_all();
    if (!forget(dptr, false)) return fail(CUDA_ERROR_INVALID_VALUE, "cuMemFree: 0x%llx freed concurrently", (unsigned long long)dptr);
    free(reinterpret_cast<void *>(dptr));
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemAllocAsync(CUdeviceptr *dptr, size_t bytesize, CUstream hStream) {
    CHECK_CTX();
    if (!dptr || bytesize == 0) return fail(CUDA_ERROR_INVALID_VALUE, "cuMemAllocAsync: null pointer or zero size");
    GET_STREAM(s, hStream, "cuMemAllocAsync");
    {
        std::lock_guard<std::mutex> g(s->m);
        if (s->capture == Capture::active) {
            s->capture = Capture::invalidated;
            return fail(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "cuMemAllocAsync: allocation inside a capture is not emulated");
        }
    }
    void *p;
    CUresult r = allocate(bytesize, MemKind::async, &p);
    if (r == CUDA_SUCCESS) *dptr = reinterpret_cast<CUdeviceptr>(p);
    return r;
}

CUresult CUDAAPI cuMemFreeAsync(CUdeviceptr dptr, CUstream hStream) {
    CHECK_CTX();
    GET_STREAM(s, hStream, "cuMemFreeAsync");
    {
        std::lock_guard<std::mutex> g(s->m);
        if (s->capture == Capture::active) {
            s->capture = Capture::invalidated;
            return fail(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "cuMemFreeAsync: freeing inside a capture is not emulated");
        }
    }
    if (!forget(dptr, false)) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuMemFreeAsync: 0x%llx is not a live device allocation", (unsigned long long)dptr);
    }
    Cmd c;
    c.kind = Cmd::FREE;
    c.dst = reinterpret_cast<void *>(dptr);
    CUresult r = enqueue(s, c, "cuMemFreeAsync");
    if (r != CUDA_SUCCESS) free(c.dst); // the stream failed: nothing will run on it, release now
    return r;
}

CUresult CUDAAPI cuMemAllocHost(void **pp, size_t bytesize) {
    CHECK_CTX();
    if (!pp || bytesize == 0) return fail(CUDA_ERROR_INVALID_VALUE, "cuMemAllocHost: null pointer or zero size");
    return allocate(bytesize, MemKind::host, pp);
}

CUresult CUDAAPI cuMemFreeHost(void *p) {
    CHECK_CTX();
    {
        std::lock_guard<std::mutex> g(g_mem_m);
        auto it = g_allocs.find(reinterpret_cast<uintptr_t>(p));
        if (it == g_allocs.end() || it->second.kind != MemKind::host) {
            return fail(CUDA_ERROR_INVALID_VALUE, "cuMemFreeHost: %p is not a live pinned allocation", p);
        }
    }
    sync_all();
    if (!forget(reinterpret_cast<uintptr_t>(p), true)) return fail(CUDA_ERROR_INVALID_VALUE, "cuMemFreeHost: %p freed concurrently", p);
    free(p);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemGetInfo(size_t *free_bytes, size_t *total) {
    CHECK_CTX();
    if (!free_bytes || !total) return CUDA_ERROR_INVALID_VALUE;
    size_t t = host_total_bytes(), used;
    {
        std::lock_guard<std::mutex> g(g_mem_m);
        used = g_allocated;
    }
    *total = t;
    *free_bytes = std::min(host_available_bytes(), used < t ? t - used : 0);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemcpyHtoD(CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount) {
    CHECK_CTX();
    if (ByteCount == 0) return CUDA_SUCCESS;
    if (!srcHost) return fail(CUDA_ERROR_INVALID_VALUE, "cuMemcpyHtoD: null source");
    CUresult r = check_range(dstDevice, ByteCount, "cuMemcpyHtoD", "destination");
    if (r != CUDA_SUCCESS) return r;
    GET_STREAM(s, nullptr, "cuMemcpyHtoD");
    return copy_cmd(s, reinterpret_cast<void *>(dstDevice), srcHost, ByteCount, "cuMemcpyHtoD", true);
}

CUresult CUDAAPI cuMemcpyDtoH(void *dstHost, CUdeviceptr srcDevice, size_t ByteCount) {
    CHECK_CTX();
    if (ByteCount == 0) return CUDA_SUCCESS;
    if (!dstHost) return fail(CUDA_ERROR_INVALID_VALUE, "cuMemcpyDtoH: null destination");
    CUresult r = check_range(srcDevice, ByteCount, "cuMemcpyDtoH", "source");
    if (r != CUDA_SUCCESS) return r;
    GET_STREAM(s, nullptr, "cuMemcpyDtoH");
    return copy_cmd(s, dstHost, reinterpret_cast<const void *>(srcDevice), ByteCount, "cuMemcpyDtoH", true);
}

CUresult CUDAAPI cuMemcpyHtoDAsync(CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount, CUstream hStream) {
    CHECK_CTX();
    if (ByteCount == 0) return CUDA_SUCCESS;
    if (!srcHost) return fail(CUDA_ERROR_INVALID_VALUE, "cuMemcpyHtoDAsync: null source");
    CUresult r = check_range(dstDevice, ByteCount, "cuMemcpyHtoDAsync", "destination");
    if (r != CUDA_SUCCESS) return r;
    GET_STREAM(s, hStream, "cuMemcpyHtoDAsync");
    return copy_cmd(s, reinterpret_cast<void *>(dstDevice), srcHost, ByteCount, "cuMemcpyHtoDAsync", false);
}

CUresult CUDAAPI cuMemcpyDtoHAsync(void *dstHost, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream) {
    CHECK_CTX();
    if (ByteCount == 0) return CUDA_SUCCESS;
    if (!dstHost) return fail(CUDA_ERROR_INVALID_VALUE, "cuMemcpyDtoHAsync: null destination");
    CUresult r = check_range(srcDevice, ByteCount, "cuMemcpyDtoHAsync", "source");
    if (r != CUDA_SUCCESS) return r;
    GET_STREAM(s, hStream, "cuMemcpyDtoHAsync");
    return copy_cmd(s, dstHost, reinterpret_cast<const void *>(srcDevice), ByteCount, "cuMemcpyDtoHAsync", false);
}

CUresult CUDAAPI cuMemcpyDtoDAsync(CUdeviceptr dstDevice, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream) {
    CHECK_CTX();
    if (ByteCount == 0) return CUDA_SUCCESS;
    CUresult r = check_range(dstDevice, ByteCount, "cuMemcpyDtoDAsync", "destination");
    if (r == CUDA_SUCCESS) r = check_range(srcDevice, ByteCount, "cuMemcpyDtoDAsync", "source");
    if (r != CUDA_SUCCESS) return r;
    GET_STREAM(s, hStream, "cuMemcpyDtoDAsync");
    return copy_cmd(s, reinterpret_cast<void *>(dstDevice), reinterpret_cast<const void *>(srcDevice), ByteCount,
                    "cuMemcpyDtoDAsync", false);
}

CUresult CUDAAPI cuMemsetD8Async(CUdeviceptr dstDevice, unsigned char uc, size_t N, CUstream hStream) {
    CHECK_CTX();
    if (N == 0) return CUDA_SUCCESS;
    CUresult r = check_range(dstDevice, N, "cuMemsetD8Async", "destination");
    if (r != CUDA_SUCCESS) return r;
    GET_STREAM(s, hStream, "cuMemsetD8Async");
    Cmd c;
    c.kind = Cmd::SET8;
    c.dst = reinterpret_cast<void *>(dstDevice);
    c.bytes = N;
    c.value = uc;
    return enqueue(s, std::move(c), "cuMemsetD8Async");
}

CUresult CUDAAPI cuMemsetD32Async(CUdeviceptr dstDevice, unsigned int ui, size_t N, CUstream hStream) {
    CHECK_CTX();
    if (N == 0) return CUDA_SUCCESS;
    if (dstDevice % 4 != 0) return fail(CUDA_ERROR_INVALID_VALUE, "cuMemsetD32Async: 0x%llx is not 4-byte aligned", (unsigned long long)dstDevice);
    if (N > SIZE_MAX / 4) return fail(CUDA_ERROR_INVALID_VALUE, "cuMemsetD32Async: count %zu too large", N);
    CUresult r = check_range(dstDevice, N * 4, "cuMemsetD32Async", "destination");
    if (r != CUDA_SUCCESS) return r;
    GET_STREAM(s, hStream, "cuMemsetD32Async");
    Cmd c;
    c.kind = Cmd::SET32;
    c.dst = reinterpret_cast<void *>(dstDevice);
    c.bytes = N * 4;
    c.value = ui;
    return enqueue(s, std::move(c), "cuMemsetD32Async");
}

// ---- streams ------------------------------------------------------------------------------------
CUresult CUDAAPI cuStreamCreate(CUstream *phStream, unsigned int Flags) {
    CHECK_CTX();
    if (!phStream) return CUDA_ERROR_INVALID_VALUE;
    if (Flags & ~(unsigned)CU_STREAM_NON_BLOCKING) return fail(CUDA_ERROR_INVALID_VALUE, "cuStreamCreate: flags 0x%x", Flags);
    auto s = new_stream(Flags, false);
    std::lock_guard<std::mutex> g(g_obj_m);
    g_streams[s.get()] = s;
    *phStream = reinterpret_cast<CUstream>(s.get());
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamDestroy(CUstream hStream) {
    CHECK_CTX();
    std::shared_ptr<StreamState> s;
    {
        std::lock_guard<std::mutex> g(g_obj_m);
        auto it = g_streams.find(reinterpret_cast<StreamState *>(hStream));
        if (it == g_streams.end()) return fail(CUDA_ERROR_INVALID_HANDLE, "cuStreamDestroy: unknown stream %p", (void *)hStream);
        s = it->second;
        g_streams.erase(it);
    }
    // Returns at once, as CUDA's does: queued work still completes, then the worker exits.
    {
        std::lock_guard<std::mutex> g(s->m);
        s->stop = true;
    }
    s->cv.notify_all();
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamSynchronize(CUstream hStream) {
    CHECK_CTX();
    GET_STREAM(s, hStream, "cuStreamSynchronize");
    {
        std::lock_guard<std::mutex> g(s->m);
        if (s->capture == Capture::active) {
            s->capture = Capture::invalidated;
            return fail(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "cuStreamSynchronize on a stream being captured");
        }
    }
    return sync_stream(s);
}

CUresult CUDAAPI cuStreamQuery(CUstream hStream) {
    CHECK_CTX();
    GET_STREAM(s, hStream, "cuStreamQuery");
    std::lock_guard<std::mutex> g(s->m);
    if (s->capture == Capture::active) {
        s->capture = Capture::invalidated;
        return fail(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "cuStreamQuery on a stream being captured");
    }
    if (s->sticky != CUDA_SUCCESS) return fail(s->sticky, "%s", s->sticky_msg.c_str());
    return s->completed >= s->enqueued ? CUDA_SUCCESS : CUDA_ERROR_NOT_READY;
}

CUresult CUDAAPI cuStreamWaitEvent(CUstream hStream, CUevent hEvent, unsigned int Flags) {
    CHECK_CTX();
    GET_STREAM(s, hStream, "cuStreamWaitEvent");
    auto e = get_event(hEvent);
    if (!e) return fail(CUDA_ERROR_INVALID_HANDLE, "cuStreamWaitEvent: unknown event %p", (void *)hEvent);
    if (Flags != 0) return fail(CUDA_ERROR_INVALID_VALUE, "cuStreamWaitEvent: flags 0x%x", Flags);
    Cmd c;
    c.kind = Cmd::WAIT;
    {
        std::lock_guard<std::mutex> g(e->m);
        if (!e->recorded) return CUDA_SUCCESS; // waiting on a never-recorded event is a no-op
        c.deps.push_back(Dep{e->stream, e->seq});
    }
    return enqueue(s, std::move(c), "cuStreamWaitEvent");
}

CUresult CUDAAPI cuLaunchHostFunc(CUstream hStream, CUhostFn fn, void *userData) {
    CHECK_CTX();
    if (!fn) return fail(CUDA_ERROR_INVALID_VALUE, "cuLaunchHostFunc: null function");
    GET_STREAM(s, hStream, "cuLaunchHostFunc");
    Cmd c;
    c.kind = Cmd::HOSTFN;
    c.fn = fn;
    c.data = userData;
    return enqueue(s, std::move(c), "cuLaunchHostFunc");
}

// ---- capture and graphs -------------------------------------------------------------------------
CUresult CUDAAPI cuStreamBeginCapture(CUstream hStream, CUstreamCaptureMode mode) {
    CHECK_CTX();
    GET_STREAM(s, hStream, "cuStreamBeginCapture");
    if (s->legacy) return fail(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "cuStreamBeginCapture: the NULL stream cannot be captured");
    if (mode != CU_STREAM_CAPTURE_MODE_GLOBAL && mode != CU_STREAM_CAPTURE_MODE_THREAD_LOCAL &&
        mode != CU_STREAM_CAPTURE_MODE_RELAXED) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuStreamBeginCapture: mode %d", (int)mode);
    }
    std::lock_guard<std::mutex> g(s->m);
    if (s->capture != Capture::none) return fail(CUDA_ERROR_ILLEGAL_STATE, "cuStreamBeginCapture: the stream is already capturing");
    s->capture = Capture::active;
    s->capture_mode = mode;
    s->capture_thread = std::this_thread::get_id();
    s->graph.reset(new GraphData());
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamEndCapture(CUstream hStream, CUgraph *phGraph) {
    CHECK_CTX();
    if (!phGraph) return CUDA_ERROR_INVALID_VALUE;
    GET_STREAM(s, hStream, "cuStreamEndCapture");
    std::unique_ptr<GraphData> graph;
    {
        std::lock_guard<std::mutex> g(s->m);
        if (s->capture == Capture::none) return fail(CUDA_ERROR_ILLEGAL_STATE, "cuStreamEndCapture: the stream is not capturing");
        if (s->capture_mode != CU_STREAM_CAPTURE_MODE_RELAXED && s->capture_thread != std::this_thread::get_id()) {
            return fail(CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD, "cuStreamEndCapture: called from another thread than BeginCapture");
        }
        bool invalid = s->capture == Capture::invalidated;
        s->capture = Capture::none;
        graph = std::move(s->graph);
        if (invalid) {
            *phGraph = nullptr;
            return fail(CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, "cuStreamEndCapture: the capture was invalidated by an earlier call");
        }
    }
    std::lock_guard<std::mutex> g(g_obj_m);
    g_graphs.insert(graph.get());
    *phGraph = reinterpret_cast<CUgraph>(graph.release());
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGraphInstantiateWithFlags(CUgraphExec *phGraphExec, CUgraph hGraph, unsigned long long flags) {
    CHECK_CTX();
    if (!phGraphExec) return CUDA_ERROR_INVALID_VALUE;
    (void)flags;
    std::lock_guard<std::mutex> g(g_obj_m);
    GraphData *gd = reinterpret_cast<GraphData *>(hGraph);
    if (!g_graphs.count(gd)) return fail(CUDA_ERROR_INVALID_HANDLE, "cuGraphInstantiate: unknown graph %p", (void *)hGraph);
    GraphData *ex = new GraphData(*gd);
    g_execs.insert(ex);
    *phGraphExec = reinterpret_cast<CUgraphExec>(ex);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGraphLaunch(CUgraphExec hGraphExec, CUstream hStream) {
    CHECK_CTX();
    GET_STREAM(s, hStream, "cuGraphLaunch");
    std::vector<Cmd> nodes;
    {
        std::lock_guard<std::mutex> g(g_obj_m);
        GraphData *ex = reinterpret_cast<GraphData *>(hGraphExec);
        if (!g_execs.count(ex)) return fail(CUDA_ERROR_INVALID_HANDLE, "cuGraphLaunch: unknown graph exec %p", (void *)hGraphExec);
        nodes = ex->nodes;
    }
    {
        std::lock_guard<std::mutex> g(s->m);
        if (s->capture != Capture::none) {
            s->capture = Capture::invalidated;
            return fail(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "cuGraphLaunch into a capturing stream is not emulated");
        }
    }
    for (Cmd &c : nodes) {
        if (c.kind == Cmd::LAUNCH) {
            c.launch = std::make_shared<Launch>(*c.launch); // each replay gets its own schedule
            c.schedule_resolved = false;
        }
        CUresult r = enqueue(s, std::move(c), "cuGraphLaunch");
        if (r != CUDA_SUCCESS) return r;
    }
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGraphExecDestroy(CUgraphExec hGraphExec) {
    CHECK_CTX();
    std::lock_guard<std::mutex> g(g_obj_m);
    GraphData *ex = reinterpret_cast<GraphData *>(hGraphExec);
    if (!g_execs.erase(ex)) return fail(CUDA_ERROR_INVALID_HANDLE, "cuGraphExecDestroy: unknown graph exec %p", (void *)hGraphExec);
    delete ex; // queued replays hold their own copies of the nodes
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGraphDestroy(CUgraph hGraph) {
    CHECK_CTX();
    std::lock_guard<std::mutex> g(g_obj_m);
    GraphData *gd = reinterpret_cast<GraphData *>(hGraph);
    if (!g_graphs.erase(gd)) return fail(CUDA_ERROR_INVALID_HANDLE, "cuGraphDestroy: unknown graph %p", (void *)hGraph);
    delete gd;
    return CUDA_SUCCESS;
}

// ---- events -------------------------------------------------------------------------------------
CUresult CUDAAPI cuEventCreate(CUevent *phEvent, unsigned int Flags) {
    CHECK_CTX();
    if (!phEvent) return CUDA_ERROR_INVALID_VALUE;
    if (Flags & ~(unsigned)(CU_EVENT_BLOCKING_SYNC | CU_EVENT_DISABLE_TIMING)) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuEventCreate: flags 0x%x (interprocess events are not emulated)", Flags);
    }
    auto e = std::make_shared<EventState>();
    e->flags = Flags;
    std::lock_guard<std::mutex> g(g_obj_m);
    g_events[e.get()] = e;
    *phEvent = reinterpret_cast<CUevent>(e.get());
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventDestroy(CUevent hEvent) {
    CHECK_CTX();
    std::lock_guard<std::mutex> g(g_obj_m);
    if (!g_events.erase(reinterpret_cast<EventState *>(hEvent))) {
        return fail(CUDA_ERROR_INVALID_HANDLE, "cuEventDestroy: unknown event %p", (void *)hEvent);
    }
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventRecord(CUevent hEvent, CUstream hStream) {
    CHECK_CTX();
    auto e = get_event(hEvent);
    if (!e) return fail(CUDA_ERROR_INVALID_HANDLE, "cuEventRecord: unknown event %p", (void *)hEvent);
    GET_STREAM(s, hStream, "cuEventRecord");
    std::lock_guard<std::mutex> g(e->m);
    Cmd c;
    c.kind = Cmd::RECORD;
    c.event = e;
    c.gen = e->gen + 1;
    uint64_t seq = 0;
    CUresult r = enqueue(s, std::move(c), "cuEventRecord", &seq);
    if (r != CUDA_SUCCESS) return r;
    e->gen++;
    e->recorded = true;
    e->stream = s;
    e->seq = seq;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventQuery(CUevent hEvent) {
    CHECK_CTX();
    auto e = get_event(hEvent);
    if (!e) return fail(CUDA_ERROR_INVALID_HANDLE, "cuEventQuery: unknown event %p", (void *)hEvent);
    std::lock_guard<std::mutex> g(e->m);
    if (!e->recorded) return CUDA_SUCCESS;
    if (!event_done_locked(*e)) return CUDA_ERROR_NOT_READY;
    return e->status == CUDA_SUCCESS ? CUDA_SUCCESS : fail(e->status, "cuEventQuery: the event's stream had failed");
}

CUresult CUDAAPI cuEventSynchronize(CUevent hEvent) {
    CHECK_CTX();
    auto e = get_event(hEvent);
    if (!e) return fail(CUDA_ERROR_INVALID_HANDLE, "cuEventSynchronize: unknown event %p", (void *)hEvent);
    Dep d;
    {
        std::lock_guard<std::mutex> g(e->m);
        if (!e->recorded) return CUDA_SUCCESS;
        d = Dep{e->stream, e->seq};
    }
    wait_for(d);
    std::lock_guard<std::mutex> g(e->m);
    return e->status == CUDA_SUCCESS ? CUDA_SUCCESS : fail(e->status, "cuEventSynchronize: the event's stream had failed");
}

CUresult CUDAAPI cuEventElapsedTime(float *pMilliseconds, CUevent hStart, CUevent hEnd) {
    CHECK_CTX();
    if (!pMilliseconds) return CUDA_ERROR_INVALID_VALUE;
    auto a = get_event(hStart), b = get_event(hEnd);
    if (!a || !b) return fail(CUDA_ERROR_INVALID_HANDLE, "cuEventElapsedTime: unknown event");
    std::unique_lock<std::mutex> ga(a->m), gb;
    if (b != a) gb = std::unique_lock<std::mutex>(b->m);
    if ((a->flags | b->flags) & CU_EVENT_DISABLE_TIMING) {
        return fail(CUDA_ERROR_INVALID_HANDLE, "cuEventElapsedTime: an event was created with CU_EVENT_DISABLE_TIMING");
    }
    if (!a->recorded || !b->recorded) return fail(CUDA_ERROR_INVALID_HANDLE, "cuEventElapsedTime: an event was never recorded");
    if (!event_done_locked(*a) || !event_done_locked(*b)) return CUDA_ERROR_NOT_READY;
    *pMilliseconds = (float)((double)(b->time_ns - a->time_ns) / 1e6);
    return CUDA_SUCCESS;
}

// =================================================================================================
// Emulator extensions
// =================================================================================================

/* The emulator's API version (bumped when the gk_simt_* functions change). */
GK_SIMT_EXPORT int gk_simt_version(void) { return 1; }

/* Process-wide thread schedule of later launches: mode 0 forward, 1 reverse, 2 shuffled by seed. */
GK_SIMT_EXPORT CUresult gk_simt_set_schedule(int mode, unsigned long long seed) {
    if (mode < 0 || mode > 2) return fail(CUDA_ERROR_INVALID_VALUE, "gk_simt_set_schedule: mode %d not in 0..2", mode);
    set_default_schedule(Schedule{static_cast<ScheduleMode>(mode), seed});
    return CUDA_SUCCESS;
}

/* Schedule of later launches on one stream; mode -1 returns it to the process default. */
GK_SIMT_EXPORT CUresult gk_simt_set_stream_schedule(CUstream hStream, int mode, unsigned long long seed) {
    if (mode < -1 || mode > 2) return fail(CUDA_ERROR_INVALID_VALUE, "gk_simt_set_stream_schedule: mode %d", mode);
    GET_STREAM(s, hStream, "gk_simt_set_stream_schedule");
    std::lock_guard<std::mutex> g(s->m);
    s->has_schedule = mode >= 0;
    if (mode >= 0) s->schedule = Schedule{static_cast<ScheduleMode>(mode), seed};
    return CUDA_SUCCESS;
}

/* OS threads that run the blocks of one launch (default: the CPUs this process may use). */
GK_SIMT_EXPORT CUresult gk_simt_set_workers(int n) {
    if (n < 1 || n > 1024) return fail(CUDA_ERROR_INVALID_VALUE, "gk_simt_set_workers: %d not in 1..1024", n);
    set_workers(n);
    return CUDA_SUCCESS;
}

GK_SIMT_EXPORT int gk_simt_get_workers(void) { return workers(); }

/* The detail of the most recent error (a failed launch: kernel, block, thread and what went
 * wrong; or why an API call was refused), or NULL when there was none. The text is this thread's
 * copy, valid until its next call of gk_simt_last_error or gk_simt_stream_error. */
GK_SIMT_EXPORT const char *gk_simt_last_error(void) {
    std::string copy;
    {
        std::lock_guard<std::mutex> g(g_err_m);
        copy = g_last_error;
    }
    return hand_out(copy);
}

/* The sticky launch failure of one stream, as above (NULL when it has not failed). */
GK_SIMT_EXPORT const char *gk_simt_stream_error(CUstream hStream) {
    auto s = get_stream(hStream);
    if (!s) return nullptr;
    std::string copy;
    {
        std::lock_guard<std::mutex> g(s->m);
        copy = s->sticky_msg;
    }
    return hand_out(copy);
}

/* The kernels this library (and any module that registered into it) can launch. */
GK_SIMT_EXPORT int gk_simt_kernel_count(void) { return (int)kernel_count(); }

GK_SIMT_EXPORT const char *gk_simt_kernel_name(int i) {
    Kernel *k = i >= 0 ? kernel_at((size_t)i) : nullptr;
    return k ? k->name.c_str() : nullptr;
}

} // extern "C"
