// Engine-internal: what GruLayer hands a backend after checking and normalising a call. Shapes,
// masks, state selection, dropout masks, the output layout and the trace plan are decided once,
// by prepareCall, for every backend; a backend runs the time loop only.
#pragma once

#include "gruscope/activations.h"
#include "gruscope/config.h"
#include "gruscope/layer.h"
#include "gruscope/weights.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace gruscope::detail {

struct PreparedCall {
    PreparedCall() = default;
    // x and mask may point into the call's own storage below, so a prepared call stays put.
    PreparedCall(const PreparedCall&) = delete;
    PreparedCall& operator=(const PreparedCall&) = delete;

    const GruConfig* config = nullptr;
    const GruWeights* weights = nullptr;
    Flavor flavor = Flavor::Keras3;
    ActivationKind act = ActivationKind::Tanh;       // φ
    ActivationKind recAct = ActivationKind::Sigmoid; // σ_r

    int64_t B = 0, T = 0, I = 0, U = 0;

    // Optional progress/cancellation (CallInputs::progress). Backends call stop(s) at the top of
    // processing step s and return Cancelled at once when it says so.
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
    // tf.keras's per-timestep input masks are applied to x itself (x then points at xStore).
    int inputMaskCount = 0;
    std::vector<float> inputMasks; // inputMaskCount × B × I
    int recMaskCount = 0;
    std::vector<float> recMasks;   // 3 × B × U
    int implementation = 2;
    bool training = false;
    GpuOptions gpu;

    bool returnSequences = false;
    bool zeroOutputForMask = false;
    // Output element (b, s, u) with return_sequences is output[b·outStrideB + s·outStrideS + u].
    int64_t outStrideB = 0, outStrideS = 0;

    // Trace plan: sampleSlot[b] = row in the trace or −1; window [traceBegin, traceEnd).
    std::vector<int64_t> sampleSlot;
    int64_t traceBegin = 0, traceEnd = 0;
    bool tracing() const noexcept { return traceEnd > traceBegin; }
    // Whether sample b at processing step s is recorded, and its row in the trace's (S, W) grid.
    bool traces(int64_t b, int64_t s) const noexcept
    {
        return s >= traceBegin && s < traceEnd && sampleSlot[size_t(b)] >= 0;
    }
    int64_t traceRow(int64_t b, int64_t s) const noexcept
    {
        return sampleSlot[size_t(b)] * (traceEnd - traceBegin) + (s - traceBegin);
    }

    // unroll=True + go_backwards + zero_output_for_mask + mask: Keras zeroes the outputs with the
    // mask in original time order afterwards (see finishCall); the backends carry outputs meanwhile.
    bool unrollQuirk = false;

    // Storage the pointers above may refer to.
    ArrayU8 maskStore; // the mask in (B, T) layout, 0/1
    ArrayF xStore;     // x with tf.keras's per-timestep dropout applied
};

// Everything a call decides before the time loop. Throws Error (shape, mask, state, trace window,
// memory) before anything is allocated that the caller would keep; fills `p` and allocates
// result.output, result.state and the trace arrays. `storedState`/`storedState64`: a stateful
// layer's carried state (may be empty). `float64Outputs`: the backend also returns float64
// copies (the memory estimate counts them).
void prepareCall(const GruConfig& config, const GruWeights& weights, const std::optional<ArrayF>& storedState,
                 const std::vector<double>& storedState64, const CallInputs& inputs, const TraceOptions& trace,
                 bool float64Outputs, PreparedCall& p, RunResult& result);

// Error(InvalidArgument) naming `what` and the first NaN/Inf element's index.
void requireFiniteArray(const char* what, const ArrayF& a);

// What every backend's output shares after the time loop: Keras's unroll quirk.
void finishCall(const PreparedCall& p, RunResult& result);

} // namespace gruscope::detail
