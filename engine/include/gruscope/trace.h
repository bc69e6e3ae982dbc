// Per-step gate traces. For sample b and processing step s (after go_backwards reversal):
//   z, r   gates, hh the candidate h~, h the layer state after the step,
//   preZ, preR, preH the sums fed to the activations:
//     reset_after:      preZ = x·K_z + b_in_z + h·R_z + b_rec_z,  preH = x·K_h + b_in_h + r ⊙ (h·R_h + b_rec_h)
//     reset_after=False: preZ = x·K_z + b_z + h·R_z,                preH = x·K_h + b_h + (r ⊙ h)·R_h
// On a masked step the cell is still evaluated (its z, r, hh are recorded) but Keras discards the
// result: h then repeats the previous state, and kept = 0.
#pragma once

#include "gruscope/array.h"

#include <cstdint>
#include <string>
#include <vector>

namespace gruscope {

struct TraceOptions {
    bool enabled = false;
    std::vector<int64_t> samples; // batch indices to record; empty = all
    int64_t stepBegin = 0;        // processing-order window [stepBegin, stepEnd)
    int64_t stepEnd = -1;         // -1 = to the last step
    uint64_t memoryCapBytes = uint64_t(1) << 30; // a trace that would be larger records what fits
};

struct Trace {
    std::vector<int64_t> samples;   // recorded batch indices (S)
    int64_t stepBegin = 0;          // recorded window [stepBegin, stepEnd) in processing order (W steps)
    int64_t stepEnd = 0;
    int64_t units = 0;
    std::vector<int64_t> timeIndex; // W entries: the input time index each recorded step read
    ArrayF z, r, hh, h;             // (S, W, U)
    ArrayF preZ, preR, preH;        // (S, W, U)
    ArrayU8 kept;                   // (S, W): 1 where the mask kept the step (1 without a mask)
    bool truncated = false;         // the window was shortened to respect the memory cap
    // GPU backends: the gates were recomputed on the CPU from the states the GPU returned and the
    // weights (float64 sums, rounded to float32), not read back from the device.
    bool rebuilt = false;
    std::string note;               // why, in words

    bool recorded() const noexcept { return !samples.empty() && stepEnd > stepBegin; }
    int64_t steps() const noexcept { return stepEnd - stepBegin; }
    // Bytes a trace of S samples × W steps × U units takes.
    static uint64_t bytesFor(int64_t samples, int64_t steps, int64_t units) noexcept;
};

} // namespace gruscope
