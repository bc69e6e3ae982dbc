// Activation functions by their Keras names. Each applies to one vector of `units` values at a
// time (softmax needs the whole vector); everything else is elementwise.
#pragma once

#include "gruscope/flavor.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gruscope {

enum class ActivationKind {
    Tanh, Sigmoid, HardSigmoid, Linear, Relu, Relu6, Elu, Selu, Gelu, Silu, Softplus, Softsign,
    Exponential, HardSilu, LeakyRelu, LogSigmoid, Mish, Celu, Softmax,
};

// Keras names and aliases: "swish" -> Silu, "hard_swish" -> HardSilu, "linear"/"None"/"" ->
// Linear. nullopt when unknown.
std::optional<ActivationKind> activationFromName(std::string_view name) noexcept;

const char* activationName(ActivationKind kind) noexcept; // canonical Keras name

// Canonical names accepted in both activation slots, in display order.
const std::vector<std::string>& activationNames();

// The formula in words/math for the flavor, e.g. "clip(0.2·x + 0.5, 0, 1)".
std::string activationFormula(ActivationKind kind, Flavor flavor);

// In-place on n contiguous values. Flavor matters for hard_sigmoid and hard_silu (Keras 3:
// relu6(x + 3) / 6; tf.keras: clip(0.2·x + 0.5, 0, 1)).
void applyActivation(ActivationKind kind, Flavor flavor, float* values, int64_t n) noexcept;
void applyActivation(ActivationKind kind, Flavor flavor, double* values, int64_t n) noexcept;

// Scalar form of the elementwise activations (softmax is not elementwise: it returns x).
double activationScalar(ActivationKind kind, Flavor flavor, double x) noexcept;

} // namespace gruscope
