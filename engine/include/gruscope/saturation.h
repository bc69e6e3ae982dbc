// Saturation and memory of a GRU's units, from a run's trace: how often each unit's gates sit
// near 0 or 1, how long it remembers, and which units do nothing useful.
//
// Keras GRU: h_t = z ⊙ h_{t−1} + (1 − z) ⊙ h~_t. With z near 1 a unit keeps its state, with z
// near 0 it replaces it by the candidate; r near 0 makes the candidate ignore h_{t−1}. Over the
// steps the mask kept (masked steps only repeat the previous state, so they say nothing about the
// unit), of one traced sample or of all of them:
//   lowZ  = #{z < low} / n      highZ = #{z > high} / n      (likewise r, and |h~| > high)
//   z̄    = Σ z / n
//   τ     = −1 / ln z̄  steps: the e-folding time of the state when the unit only kept it,
//           h_{t+k} ≈ z̄^k · h_t = e^{−k/τ} · h_t. z̄ ≥ 1 → τ = ∞, z̄ ≤ 0 → τ = 0.
// The CLI (`run --saturation`) and the window's "Saturation & memory" view both show these.
#pragma once

#include "gruscope/trace.h"

#include <cstdint>
#include <string>
#include <vector>

namespace gruscope {

// Every threshold of the analysis, in one place.
struct SaturationThresholds {
    // A logistic gate below 0.1 or above 0.9 has a slope σ' < 0.09, under 40 % of its largest
    // (0.25 at 0.5): it is saturated, and its gradient mostly gone. For the candidate, |tanh| > 0.9
    // likewise leaves tanh' < 0.19 of its largest (1).
    double low = 0.1;
    double high = 0.9;
    // "Always": all but the odd step. 95 % tolerates a few transients (the first steps from a
    // zero state, a spike in the input) without calling a working unit broken.
    double most = 0.95;
    // Dead: h moves by less than this over all the kept steps of each sample (its range, max − min,
    // rather than its largest step, so that a slow drift is not called dead). 1e-4 is far above
    // float32 rounding of a state in [−1, 1] (~6e-8) and far below anything visible on a plot.
    double deadRange = 1e-4;
};

enum SaturationFlag : unsigned {
    kSatNone = 0,
    kSatDead = 1u << 0,        // h (nearly) constant over the steps: the unit carries no signal
    kSatStuck = 1u << 1,       // z > high on ≥ most of the steps: takes < 10 % of the candidate a step
    kSatAlwaysReset = 1u << 2, // r < low on ≥ most of the steps: the candidate ignores the past
};

struct UnitSaturation {
    double lowZ = 0, highZ = 0, lowR = 0, highR = 0; // fractions of the steps, 0..1
    double satHh = 0;                                // fraction with |h~| > high (tanh saturated)
    double zMean = 0;                                // z̄
    double tau = 0;                                  // −1/ln z̄ steps (∞ when z̄ ≥ 1)
    double hRange = 0;                               // largest max − min of h within a sample
    unsigned flags = kSatNone;
};

struct SaturationOptions {
    int slot = -1; // row of trace.samples to use; −1: every traced sample
    SaturationThresholds thresholds;
};

struct SaturationReport {
    std::vector<UnitSaturation> units; // U entries, empty when there is nothing to analyse
    std::vector<int64_t> samples;      // the batch indices the steps came from
    int64_t steps = 0;                 // (sample, step) pairs used: the kept steps, per unit
    SaturationThresholds thresholds;
    std::string message;               // why `units` is empty, in words

    bool valid() const noexcept { return !units.empty(); }
    int count(SaturationFlag flag) const noexcept;
};

// τ = −1/ln z̄ with its edges: ∞ for z̄ ≥ 1, 0 for z̄ ≤ 0, NaN for NaN.
double memoryTimeConstant(double zMean) noexcept;

// Never throws: a trace that was not recorded, an unknown slot or no kept step gives an empty
// report with the reason in `message`.
SaturationReport analyzeSaturation(const Trace& trace, const SaturationOptions& options = {});

// "dead, stuck", or "" — the flags in words, in a fixed order.
std::string saturationFlagNames(unsigned flags);

} // namespace gruscope
