// Engine-internal: what GruLayer hands a backend after checking and normalising a call, and the
// interface every backend implements. A backend runs the time loop only; shapes, masks, state
// selection, dropout masks and the trace plan are decided once, here, for all of them.
#pragma once

#include "gruscope/activations.h"
#include "gruscope/config.h"
#include "gruscope/layer.h"
#include "gruscope/weights.h"

#include <cstdint>
#include <vector>

namespace gruscope::detail {

struct PreparedCall {
    const GruConfig* config = nullptr;
    const GruWeights* weights = nullptr;
    const float* recurrentT = nullptr; // Rᵀ (3U × U, row-major), prepared once per layer
    Flavor flavor = Flavor::Keras3;
    ActivationKind act = ActivationKind::Tanh;     // φ
    ActivationKind recAct = ActivationKind::Sigmoid; // σ_r

    int64_t B = 0, T = 0, I = 0, U = 0;

    // Optional progress/cancellation (CallInputs::progress). Backends call stop(s) at the top of
    // processing step s and return at once when it says so; GruLayer::call then throws Cancelled.
    CallProgress* progress = nullptr;
    bool stop(int64_t s) const noexcept
    {
        if (!progress)
            return false;
        progress->stepsDone.store(s, std::memory_order_relaxed);
        return progress->cancel.load(std::memory_order_relaxed);
    }

    // Input element (b, t, i) is x[b·xStrideB + t·xStrideT + i] (t in original time).
    const float* x = nullptr;
    int64_t xStrideB = 0, xStrideT = 0;
    bool timeMajor = false; // x is (T, B, I): xStrideT = B·I, xStrideB = I

    // mask[b·T + t] (original time), 1 = keep; null when there is no mask.
    const uint8_t* mask = nullptr;

    // Processing step s reads time index t = goBackwards ? T−1−s : s.
    bool goBackwards = false;
    int64_t timeAt(int64_t s) const noexcept { return goBackwards ? T - 1 - s : s; }
    bool kept(int64_t b, int64_t s) const noexcept { return !mask || mask[b * T + timeAt(s)]; }

    std::vector<float> h0;    // (B, U) initial state
    std::vector<double> h064; // the same in float64 when the reference backend produced it (stateful)

    // Dropout, inverted (kept entries are 1/(1−rate), dropped 0), the same at every step:
    //   inputMaskCount 0: none; 1: one (B, I) mask on x; 3: one per gate z, r, h (implementation 1)
    //   recMaskCount 0: none; 3: one (B, U) mask per gate on h_{t−1} (implementation 1)
    int inputMaskCount = 0;
    std::vector<float> inputMasks; // inputMaskCount × B × I
    int recMaskCount = 0;
    std::vector<float> recMasks;   // 3 × B × U
    int implementation = 2;

    bool returnSequences = false;
    bool zeroOutputForMask = false;
    // Output element (b, s, u) with return_sequences is output[b·outStrideB + s·outStrideS + u].
    int64_t outStrideB = 0, outStrideS = 0;

    // Trace plan: sampleSlot[b] = row in the trace or −1; window [traceBegin, traceEnd).
    std::vector<int64_t> sampleSlot;
    int64_t traceBegin = 0, traceEnd = 0;
    bool tracing() const noexcept { return traceEnd > traceBegin; }
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual const char* name() const noexcept = 0;
    // Fill result.output (allocated to Keras's shape), result.state (B, U) and, when the plan asks,
    // result.trace arrays (allocated). Must not throw for valid prepared calls.
    virtual void run(const PreparedCall& call, RunResult& result) = 0;
};

// Backend factories (defined beside each backend).
std::unique_ptr<Backend> makeReferenceBackend();
std::unique_ptr<Backend> makeCpuBackend();

} // namespace gruscope::detail
