// GPU probe for builds with the GPU backend. The CUDA runtime is linked statically and loads the
// driver itself, so a machine without a driver gets cudaErrorInsufficientDriver here instead of
// failing to start. cuDNN is opened with dlopen so that a missing library is a reason, not a
// loader error.
#include "gruscope/device.h"

#include <cuda_runtime_api.h>
#include <dlfcn.h>

#include <string>

namespace gruscope::gpu {

namespace {

std::string cudaError(cudaError_t e)
{
    return std::string(cudaGetErrorName(e)) + " (" + cudaGetErrorString(e) + ")";
}

} // namespace

DeviceInfo probeCudaDevice()
{
    DeviceInfo d;
    d.gpuBackendBuilt = true;
    cudaRuntimeGetVersion(&d.runtimeVersion);
    const cudaError_t drv = cudaDriverGetVersion(&d.driverVersion);
    if (drv != cudaSuccess || d.driverVersion == 0) {
        d.reason = "no NVIDIA driver found (the CUDA runtime reports no driver)";
        return d;
    }
    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e == cudaErrorInsufficientDriver) {
        d.reason = "the NVIDIA driver (CUDA " + cudaVersionString(d.driverVersion) + ") is older than the CUDA runtime " +
                   cudaVersionString(d.runtimeVersion) + " GruScope was built with";
        return d;
    }
    if (e != cudaSuccess) {
        d.reason = "no usable CUDA device: " + cudaError(e);
        return d;
    }
    if (count == 0) {
        d.reason = "the NVIDIA driver sees no GPU";
        return d;
    }
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess) {
        d.name = prop.name;
        d.computeMajor = prop.major;
        d.computeMinor = prop.minor;
        d.memoryBytes = uint64_t(prop.totalGlobalMem);
        d.multiProcessors = prop.multiProcessorCount;
    }
    // The cuda backend needs the device only; cuDNN matters for the cudnn backend alone.
    d.cudaUsable = true;
    void* lib = dlopen("libcudnn.so.9", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char* why = dlerror();
        d.reason = d.name + " found (the cuda backend can run), but cuDNN 9 could not be loaded: " +
                   (why ? why : "libcudnn.so.9 not found");
        return d;
    }
    using GetVersion = size_t (*)();
    auto getVersion = reinterpret_cast<GetVersion>(dlsym(lib, "cudnnGetVersion"));
    d.cudnnVersion = getVersion ? long(getVersion()) : 0;
    if (d.cudnnVersion < 90000) {
        d.reason = d.name + " found, but the loaded cuDNN reports version " + cudnnVersionString(d.cudnnVersion) + "; 9.x is needed";
        return d;
    }
    d.present = true;
    d.reason = d.name + " (compute " + std::to_string(d.computeMajor) + "." + std::to_string(d.computeMinor) +
               "), driver CUDA " + cudaVersionString(d.driverVersion) + ", runtime " + cudaVersionString(d.runtimeVersion) +
               ", cuDNN " + cudnnVersionString(d.cudnnVersion);
    return d;
}

} // namespace gruscope::gpu
