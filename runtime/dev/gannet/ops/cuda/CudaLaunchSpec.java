// One cuLaunchKernel: kernel name, grid and block dimensions, dynamic shared memory bytes, and the
// params struct passed by value as the kernel's only argument.
package dev.gannet.ops.cuda;

import dev.gannet.bindings.Params;

public record CudaLaunchSpec(String kernel, Dim3 grid, Dim3 block, int sharedBytes, Params params) {
    public record Dim3(int x, int y, int z) {
        public Dim3 {
            if (x < 1 || y < 1 || z < 1) throw new IllegalArgumentException("dimensions must be >= 1: " + x + "," + y + "," + z);
        }

        public static Dim3 of(int x) {
            return new Dim3(x, 1, 1);
        }

        public static Dim3 of(int x, int y) {
            return new Dim3(x, y, 1);
        }

        public static Dim3 of(int x, int y, int z) {
            return new Dim3(x, y, z);
        }

        public long count() {
            return (long) x * y * z;
        }
    }

    public CudaLaunchSpec {
        if (kernel == null || params == null || grid == null || block == null) {
            throw new IllegalArgumentException("kernel, grid, block and params are required");
        }
        if (block.count() > 1024 || sharedBytes < 0) {
            throw new IllegalArgumentException(kernel + ": block " + block + " / shared " + sharedBytes + " out of range");
        }
    }
}
