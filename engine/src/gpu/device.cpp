#include "gruscope/device.h"

#include "gruscope/version.h"

#include <cstdio>

namespace gruscope {

#ifdef GRUSCOPE_HAVE_GPU
namespace gpu {
DeviceInfo probeCudaDevice(); // gpu/cuda/probe_cuda.cpp
}
#endif

DeviceInfo DeviceInfo::assumedGpu()
{
    DeviceInfo d;
    d.present = true;
    d.cudaUsable = true;
    d.gpuBackendBuilt = true;
    d.name = "assumed GPU";
    d.reason = "a GPU is assumed present (checking as if the layer ran on a GPU machine)";
    return d;
}

DeviceInfo DeviceInfo::assumedNone(const std::string& why)
{
    DeviceInfo d;
    d.reason = why;
    return d;
}

const DeviceInfo& probeDevice()
{
    static const DeviceInfo info = [] {
#ifdef GRUSCOPE_HAVE_GPU
        return gpu::probeCudaDevice();
#else
        DeviceInfo d;
        d.reason = std::string("this GruScope was built without the GPU backend: ") + build::gpuToolchain;
        return d;
#endif
    }();
    return info;
}

std::string cudnnVersionString(long v)
{
    // cuDNN 9 encodes major·10000 + minor·100 + patch.
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld.%ld.%ld", v / 10000, (v / 100) % 100, v % 100);
    return buf;
}

std::string cudaVersionString(int v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%d.%d", v / 1000, (v % 1000) / 10);
    return buf;
}

} // namespace gruscope
