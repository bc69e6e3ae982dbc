// The same call on several backends, side by side: timings after warm-up (host <-> device copies
// apart) and the differences from the float64 reference per processing step and per unit. What
// `gruscope-cli compare` prints and the window's compare view shows. A backend that cannot run
// the call here is a row with its reason, never a failure of the whole comparison.
#pragma once

#include "gruscope/layer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace gruscope {

struct CompareOptions {
    std::vector<BackendKind> backends{BackendKind::Cpu, BackendKind::Reference, BackendKind::Cudnn, BackendKind::Cuda};
    int warmups = 1;          // untimed calls first (a GPU backend uploads its weights then)
    int repeats = 5;          // timed calls; the median is reported
    double tolerance = 1e-5;  // |Δ| above this marks the first step past it
    uint64_t traceCapBytes = uint64_t(512) << 20; // the traced run the differences come from
};

struct CompareRow {
    BackendKind kind = BackendKind::Cpu;
    std::string name;
    bool ran = false;
    std::string reason;                // why it did not run (or an error it ran into)
    std::vector<std::string> notes;    // the backend's own notes from the traced run
    double medianSeconds = 0;          // whole call, copies included
    double medianTransferSeconds = 0;  // of which host <-> device copies (GPU backends)
    double medianDeviceSeconds = 0;    // the forward pass on the device alone (GPU backends, CUDA events)
    double minSeconds = 0;
    int timedCalls = 0;
    // Against the float64 reference: the largest |Δ| over outputs and final state, and per
    // processing step the largest |Δ| of the state h over traced samples and units.
    double maxAbsOutput = 0, maxAbsState = 0;
    std::vector<double> maxAbsPerStep;  // one per traced step (the trace's window)
    std::vector<double> maxAbsPerUnit;  // one per unit, over traced samples and steps
    int64_t firstStepOver = -1;         // first processing step whose |Δ| > tolerance, or −1
    int64_t worstStep = -1, worstUnit = -1;
    // max|Δ| of the outputs in float32 ULPs at the outputs' own scale: the spacing of floats at the
    // largest |reference output|. (Per element, an accumulated 1e-7 next to a value of 1e-5 reads
    // as thousands of ULPs and says nothing.)
    double ulpsMax = 0;
    bool traceRebuilt = false;          // the gates were rebuilt on the CPU (GPU backends)
};

struct CompareReport {
    int64_t B = 0, T = 0, I = 0, U = 0;
    int64_t traceStepBegin = 0;         // processing step of maxAbsPerStep[0]
    std::vector<int64_t> tracedSamples;
    std::vector<CompareRow> rows;       // in the order asked for
    std::string toJson(int indent = 2) const;
};

// Runs `inputs` on a fresh layer per backend (each from `config` and `weights`; a stateful layer
// starts from no stored state every time). Throws Error only for problems of the inputs
// themselves (shapes, NaN), which no backend could run.
CompareReport compareBackends(const GruConfig& config, const GruWeights& weights, const CallInputs& inputs,
                              const CompareOptions& options = {});

} // namespace gruscope
