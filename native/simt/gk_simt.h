/* The SIMT emulator's extensions to the CUDA driver API, exported by libgannet_simt.so next to
 * the cu* functions (see driver.cpp). Java binds them by these names; C callers include this. */
#ifndef GK_SIMT_H
#define GK_SIMT_H

#include <cuda.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The emulator API's version (bumped when these functions change). */
int gk_simt_version(void);

/* Thread schedule of later launches, process-wide: mode 0 forward, 1 reverse, 2 shuffled by seed.
 * The schedule orders the start of a block's threads, their resumption after every barrier and
 * warp collective, the dispatch of blocks and the wmma fragment element mapping. Also set by
 * GANNET_SIMT_SCHEDULE=forward|reverse|shuffle[:seed]. */
CUresult gk_simt_set_schedule(int mode, unsigned long long seed);

/* The same for later launches on one stream (captured at cuLaunchKernel / cuGraphLaunch time);
 * mode -1 returns the stream to the process-wide schedule. */
CUresult gk_simt_set_stream_schedule(CUstream stream, int mode, unsigned long long seed);

/* OS threads that run the blocks of one launch, 1..1024 (default: the CPUs this process may use,
 * or GANNET_SIMT_WORKERS). */
CUresult gk_simt_set_workers(int n);
int gk_simt_get_workers(void);

/* The most recent error's detail (a failed launch names kernel, block, thread and what went
 * wrong; a refused call says why), or NULL if there was none. The text is the calling thread's
 * copy, valid until its next call of gk_simt_last_error or gk_simt_stream_error. */
const char *gk_simt_last_error(void);

/* One stream's sticky launch failure, as above (NULL when the stream has not failed). */
const char *gk_simt_stream_error(CUstream stream);

/* The kernels that cuModuleGetFunction can find. */
int gk_simt_kernel_count(void);
const char *gk_simt_kernel_name(int i);

#ifdef __cplusplus
}
#endif

#endif
