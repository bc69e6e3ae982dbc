// The device an eligibility check is made for, by the name a user types: one parser for the
// CLI's --device and the Python module's device=, so that both accept and refuse the same words.
#pragma once

#include "gruscope/device.h"

#include <string>

namespace gruscope {

// "auto": probe this machine (probeDevice); "gpu": assume an NVIDIA GPU with cuDNN, to ask what
// Keras would do on one; "none": assume no GPU. Anything else throws Error(InvalidArgument)
// naming the three.
DeviceInfo deviceNamed(const std::string& name);

} // namespace gruscope
