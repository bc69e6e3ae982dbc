// Configure-time check of the GPU toolchain (cmake/GpuBackend.cmake compiles this with nvcc before
// enabling CUDA): the CUDA runtime and cuDNN headers must compile under nvcc with the project's host
// compiler, C++ standard and GPU architecture, a kernel must go through cicc and ptxas, and cuDNN is
// reached only through a function pointer type, as the engine does after dlopen.
#include <cuda_runtime.h>
#include <cudnn.h>

#if CUDNN_MAJOR < 9
#error "cuDNN 9 or newer is needed"
#endif

namespace {

__global__ void gruscopeSmokeKernel(float* x, int n)
{
    const int i = int(blockIdx.x * blockDim.x + threadIdx.x);
    if (i < n)
        x[i] = x[i] * 0.5f + 1.0f;
}

} // namespace

using GruscopeSmokeCudnnGetVersion = decltype(&cudnnGetVersion);

int gruscopeSmoke(float* device, int n, GruscopeSmokeCudnnGetVersion getVersion)
{
    gruscopeSmokeKernel<<<(n + 255) / 256, 256>>>(device, n);
    const cudaError_t e = cudaGetLastError();
    return e == cudaSuccess && getVersion && getVersion() >= 90000 ? 0 : 1;
}
