// What GPU (if any) this process can use. Probing never throws and never crashes: no driver, no
// device, no cuDNN or a build without the GPU backend all become a reason in words.
#pragma once

#include <cstdint>
#include <string>

namespace gruscope {

struct DeviceInfo {
    bool present = false;      // a CUDA device is usable and cuDNN 9 loaded (the cudnn backend can run)
    bool cudaUsable = false;   // a CUDA device is usable (the cuda backend can run; cuDNN not needed)
    bool gpuBackendBuilt = false;
    std::string name;          // "NVIDIA H100 80GB HBM3"
    int computeMajor = 0, computeMinor = 0;
    int driverVersion = 0;     // CUDA driver API version, e.g. 13000
    int runtimeVersion = 0;    // CUDA runtime version the program was built with
    long cudnnVersion = 0;     // e.g. 91900 for 9.19.0
    uint64_t memoryBytes = 0;  // the device's global memory
    int multiProcessors = 0;
    std::string reason;        // why not present, in words; a one-line summary when present

    // A made-up description for eligibility checks without a GPU ("assume a GPU is present").
    static DeviceInfo assumedGpu();
    static DeviceInfo assumedNone(const std::string& why = "no GPU (assumed)");
};

// Probes once per process (cached) and returns the result.
const DeviceInfo& probeDevice();

// "9.19.0" from 91900; "13.0" from 13000.
std::string cudnnVersionString(long version);
std::string cudaVersionString(int version);

} // namespace gruscope
