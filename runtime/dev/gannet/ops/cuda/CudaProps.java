// What launch configurations depend on: the GPU's compute capability and limits, read once from
// cuDeviceGetAttribute (the SIMT emulator reports an H100-like sm_90 device).
package dev.gannet.ops.cuda;

public record CudaProps(String name, int ccMajor, int ccMinor, int smCount, int maxThreadsPerBlock,
                        int sharedPerBlock, int sharedPerBlockOptin, int sharedPerSm, int warpSize,
                        boolean emulated) {
    /** An H100 SXM as seen by the driver, for tests of launch configurations. */
    public static CudaProps h100() {
        return new CudaProps("NVIDIA H100 80GB HBM3", 9, 0, 132, 1024, 48 * 1024, 227 * 1024, 228 * 1024, 32, false);
    }

    public int cc() {
        return ccMajor * 10 + ccMinor;
    }
}
