// EquationTerms: every number in the GRU equations for one (sample b, processing step s, unit j),
// recomputed in double precision from the step's input, the weights and the state the step
// started from, next to the engine's own traced values. The window's equation view shows them
// (widgets/model/outcome_terms.h fills EquationInputs from a run); the CLI can use them as well.
//
// Keras GRU, column blocks z | r | h of kernel K (I, 3U) and recurrent_kernel R (U, 3U):
//   z  = σ( x·K_z + b_in,z + h·R_z + b_rec,z )
//   r  = σ( x·K_r + b_in,r + h·R_r + b_rec,r )
//   reset_after=True:  h~ = φ( x·K_h + b_in,h + r ⊙ (h·R_h + b_rec,h) )   bias (2, 3U)
//   reset_after=False: h~ = φ( x·K_h + b_h + (r ⊙ h)·R_h )                bias (3U,), no b_rec
//   h' = z ⊙ h + (1 − z) ⊙ h~
// σ is recurrent_activation, φ is activation; without use_bias every b is 0. On a masked step the
// cell is evaluated but Keras keeps the previous state: h' = h_{t−1}.
#pragma once

#include "gruscope/activations.h"
#include "gruscope/config.h"
#include "gruscope/weights.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace gruscope {

// One gate's sum and value for unit j.
struct GateTerms {
    double xK = 0;    // x_t · K[:, g·U + j]
    double hR = 0;    // h_{t−1} · R[:, g·U + j]; for h~ with reset_after=False: (r ⊙ h_{t−1}) · R_h[:, j]
    double bIn = 0;   // input bias b_in (reset_after) or the single bias b (reset_after=False)
    double bRec = 0;  // recurrent bias b_rec (reset_after only, else 0)
    double pre = 0;   // the sum fed to the activation
    double value = 0; // the activation of `pre`
    // The engine's own numbers from the run's trace (float32), for comparison.
    double tracePre = std::numeric_limits<double>::quiet_NaN();
    double traceValue = std::numeric_limits<double>::quiet_NaN();
};

// What the terms are computed from: one step of a traced run, or numbers chosen by hand.
struct EquationInputs {
    GruConfig config;
    const GruWeights* weights = nullptr;
    int64_t sample = 0, step = 0, timeIndex = 0, unit = 0;
    std::vector<double> x;     // x_t, I values
    std::vector<double> hPrev; // h_{t−1}, U values
    // The engine's traced vectors at this step (U values each); r is needed whole for
    // reset_after=False, where the candidate's recurrent term is (r ⊙ h)·R_h.
    std::vector<double> traceZ, traceR, traceHh, traceH, tracePreZ, tracePreR, tracePreH;
    bool kept = true;      // the mask kept this step
    bool training = false; // dropout only applies in training
};

struct EquationTerms {
    bool valid = false;
    std::string message; // why there is nothing to show (valid = false), e.g. "sample 3 was not traced"

    int64_t sample = 0, step = 0, timeIndex = 0, unit = 0;
    int64_t units = 0, features = 0;
    bool resetAfter = true, useBias = true;
    std::string activation, recurrentActivation; // Keras names
    Flavor flavor = Flavor::Keras3;

    std::vector<double> x;     // x_t
    std::vector<double> hPrev; // h_{t−1} (the whole vector)
    double hPrevJ = 0;         // h_{t−1}[j]

    GateTerms z, r, hh;
    double hNew = 0;  // z·h_{t−1}[j] + (1 − z)·h~: the cell's output before masking
    double hOut = 0;  // the state after the step: hNew when kept, h_{t−1}[j] when masked
    double traceH = std::numeric_limits<double>::quiet_NaN(); // the engine's h after the step

    bool kept = true;
    // False when training with dropout: the random masks are not in the outcome, so only the
    // engine's pre-activations and gates can be shown (z/r/hh/hOut then hold the trace values).
    bool recomputed = true;
    // Which values were taken from the trace instead of recomputed (softmax is not elementwise).
    bool gatesFromTrace = false;     // z and r (recurrent_activation = softmax)
    bool candidateFromTrace = false; // h~ (activation = softmax)
    std::vector<std::string> notes;  // what the reader should know, in words
};

// The computation itself. Never throws: missing weights or an out-of-range unit give valid = false
// with the reason in `message`.
EquationTerms computeEquationTerms(const EquationInputs& in);

} // namespace gruscope
