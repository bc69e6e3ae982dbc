#include "gruscope/device_choice.h"

#include "gruscope/error.h"

namespace gruscope {

DeviceInfo deviceNamed(const std::string& name)
{
    if (name == "auto")
        return probeDevice();
    if (name == "gpu")
        return DeviceInfo::assumedGpu();
    if (name == "none")
        return DeviceInfo::assumedNone("no GPU (device 'none')");
    throw Error(ErrorCode::InvalidArgument,
                "device '" + name + "': allowed are auto (this machine), gpu (assume one) and none");
}

} // namespace gruscope
