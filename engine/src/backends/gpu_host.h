// Host-side pieces the GPU backends share: sequence lengths from a mask, the memory check made
// before anything is allocated on the device, and gate traces rebuilt on the CPU from the states
// the GPU returned (the device computes states only; z, r and h~ follow from them and the weights).
#pragma once

#include "backends/cell_math.h"
#include "core/prepared_call.h"

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace gruscope::detail {

// The first checks of every GPU backend, in this order: built (an executor exists), a usable
// device (`deviceUsable`: cudnn needs cuDNN loaded, cuda the device only), every dimension within
// the int sizes the device code takes. A refusal comes back in `s` (DeviceUnavailable for the
// first two); true means the backend goes on with its own checks.
bool gpuCallPossible(bool built, bool deviceUsable, const DeviceInfo& device, const PreparedCall& call,
                     const char* intSizesOf, BackendSupport& s);

// Kept steps per sample: for a right-padded mask, the length of each sequence; T without a mask.
std::vector<int32_t> keptLengths(const PreparedCall& call);

// Throws Error(ResourceLimit) naming every buffer when `parts` do not fit in `freeBytes`.
void requireDeviceMemory(const char* backend, const std::vector<std::pair<std::string, uint64_t>>& parts,
                         uint64_t freeBytes, uint64_t totalBytes, const std::string& device);

// Fills the trace plan's arrays: for each traced sample b and step s of the window, the cell is
// evaluated in float64 from the state before the step (h0 at s = 0, else stateAfter(b, s − 1))
// and the call's input and dropout masks; h is stateAfter(b, s). Marks the trace as rebuilt.
class TraceRebuilder {
public:
    void reserve(const PreparedCall& call);
    void rebuild(const PreparedCall& call, const std::function<const float*(int64_t b, int64_t s)>& stateAfter,
                 RunResult& result) noexcept;

private:
    CellMath m_cell;
    CellValues m_v;
    std::vector<double> m_hPrev;
};

} // namespace gruscope::detail
