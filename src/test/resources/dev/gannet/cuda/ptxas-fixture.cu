// Kernels of ptxas-fixture.txt (nvcc 13.0: nvcc -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 -Xptxas -v -c fx.cu)
extern "C" __global__ void with_smem(float *p) { __shared__ float s[1024]; s[threadIdx.x] = p[threadIdx.x]; __syncthreads(); p[threadIdx.x] = s[1023 - threadIdx.x]; }
extern "C" __global__ void __launch_bounds__(1024) spills(float *p, int k) {
  float a[64];
  #pragma unroll
  for (int i = 0; i < 64; i++) a[i] = p[i * 1024 + threadIdx.x] * k;
  float acc = 0;
  #pragma unroll
  for (int j = 0; j < 64; j++) for (int i = 0; i < 64; i++) acc += a[i] * a[(i + j) & 63];
  p[threadIdx.x] = acc;
}
__device__ float helper(float x) { return x * 2; }
extern "C" __global__ void dyn(float *p) { extern __shared__ float d[]; d[threadIdx.x] = helper(p[0]); __syncthreads(); p[1] = d[threadIdx.x ^ 1]; }
