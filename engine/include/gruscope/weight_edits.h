// What-if edits of a GRU's weights, as the window's What if panel makes them. In Keras layout
// (columns z | r | h, U each) unit j's gates read column j, U + j and 2U + j of the kernel K, the
// recurrent kernel R and the bias; row j of R is how h_j feeds every gate:
//   z = σ(x·K_z + b_z + h·R_z),  r = σ(x·K_r + b_r + h·R_r),
//   h~ = tanh(x·K_h + b_h + r ⊙ (h·R_h))  (reset_after=False: (r ⊙ h)·R_h),
//   h' = z ⊙ h + (1 − z) ⊙ h~.
// Every edit checks its indices and throws Error(InvalidArgument) naming the one out of range.
#pragma once

#include "gruscope/config.h"
#include "gruscope/weights.h"

#include <cstdint>
#include <string>

namespace gruscope {

struct WeightEdit {
    enum class Kind {
        Set,       // one weight: tensor[row, column] = value
        ScaleBias, // every bias entry of one gate (both rows with reset_after) times factor
        SetBias,   // every unit's bias of one gate = value; with reset_after's two rows the input
                   // row takes the value and the recurrent row 0, so b_in + b_rec = value for z and
                   // r (for h~ b_rec sits inside r ⊙ (h·R_h + b_rec): 0 leaves r scaling h·R_h alone)
        Ablate,    // unit j silenced: its h~ columns (K, R, bias) and its row of R zeroed, so
                   // h~_j = tanh(0) = 0, h_j stays at its initial state, and no unit reads it
        Hold,      // unit j holds its state: z_j's columns zeroed and b_z = +20, so z_j = σ(20) ≈ 1
                   // and h'_j = h_j
    };
    enum class Tensor { Kernel, RecurrentKernel, Bias };

    Kind kind = Kind::Set;
    Tensor tensor = Tensor::Kernel;
    int64_t row = 0, column = 0; // Set
    float value = 0;             // Set, SetBias
    int gate = 0;                // ScaleBias, SetBias: 0 z, 1 r, 2 h
    double factor = 1;           // ScaleBias
    int64_t unit = 0;            // Ablate, Hold
};

// "kernel[0, 6] (r of unit 2) = 0.75", "bias of z × 1.5", "bias of r = -10", "ablate unit 3",
// "hold unit 1".
std::string describeWeightEdit(const WeightEdit& edit, int64_t units);

// Applies the edit to `weights` (of a layer with `units` units).
void applyWeightEdit(GruWeights& weights, int64_t units, const WeightEdit& edit);

} // namespace gruscope
