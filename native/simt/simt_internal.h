// Internal interface of the SIMT emulator's parts: the kernel registry and launch records
// (exec.cpp: fibers, blocks, barriers, warp collectives, the worker pool) shared with the driver
// API (driver.cpp: contexts, memory, streams, events, graphs). Not seen by kernels.
#ifndef GK_SIMT_INTERNAL_H
#define GK_SIMT_INTERNAL_H

#include "gk_simt_device.h"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#define GK_SIMT_EXPORT __attribute__((visibility("default")))

namespace gk_simt {

// The emulated device's limits (an H100 SXM, sm_90).
constexpr int kMaxThreadsPerBlock = 1024;
constexpr int kStaticSmemLimit = 48 * 1024;         // per block without opt-in
constexpr int kOptinSmemLimit = 227 * 1024;         // per block with cuFuncSetAttribute
constexpr int kSmemPerSm = 228 * 1024;

enum class ScheduleMode : int { forward = 0, reverse = 1, shuffle = 2 };

struct Schedule {
    ScheduleMode mode = ScheduleMode::forward;
    uint64_t seed = 0;
};

// One registered kernel (GK_KERNEL); a CUfunction points at one of these.
struct Kernel {
    std::string name;
    void (*thunk)(void **) = nullptr;
    size_t param_size = 0;
    std::atomic<int> max_dynamic_smem{kStaticSmemLimit};
    std::atomic<int> carveout{-1};
};

Kernel *find_kernel(const char *name);
Kernel *kernel_at(size_t i);
size_t kernel_count();
bool is_kernel(const void *p);

// One kernel launch as queued on a stream: everything copied at cuLaunchKernel time.
struct Launch {
    Kernel *kernel = nullptr;
    dim3 grid{1, 1, 1};
    dim3 block{1, 1, 1};
    unsigned smem = 0;
    std::vector<unsigned char> params; // the params struct, copied (a GPU copies it at launch too)
    Schedule schedule;
};

// Runs a launch to completion on the worker pool; returns "" or the failure's description
// (naming the kernel, block and thread).
std::string execute(const Launch &launch);

// Worker pool size (blocks of one launch run in parallel on this many OS threads).
void set_workers(int n);
int workers();

// Process-wide default schedule (GANNET_SIMT_SCHEDULE or gk_simt_set_schedule).
Schedule default_schedule();
void set_default_schedule(Schedule s);
bool parse_schedule(const char *text, Schedule *out);

// The driver's thread-local state, which must stay out of the poisoned __shared__ range.
const void *driver_tls_address();

} // namespace gk_simt

#endif // GK_SIMT_INTERNAL_H
