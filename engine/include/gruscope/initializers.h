// Keras weight initializers, seeded. Distributions follow Keras (fans, limits, truncation,
// orthogonal by QR with sign correction); Keras's exact random bits are not reproduced.
#pragma once

#include "gruscope/array.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gruscope {

struct InitializerSpec {
    std::string name = "zeros";             // canonical snake_case name, see initializerNames()
    double value = 0.0;                     // constant
    double gain = 1.0;                      // orthogonal, identity
    double mean = 0.0, stddev = 0.05;       // random_normal, truncated_normal
    double minval = -0.05, maxval = 0.05;   // random_uniform
    double scale = 1.0;                     // variance_scaling
    std::string mode = "fan_in";            // variance_scaling: fan_in | fan_out | fan_avg
    std::string distribution = "truncated_normal"; // variance_scaling: truncated_normal | untruncated_normal | uniform (| normal, an alias of truncated_normal in Keras)
    std::optional<int64_t> seed;            // the initializer's own seed, as in the Keras config

    bool operator==(const InitializerSpec&) const = default;
};

// zeros, ones, constant, glorot_uniform, glorot_normal, he_uniform, he_normal, lecun_uniform,
// lecun_normal, orthogonal, random_uniform, random_normal, truncated_normal, identity,
// variance_scaling
const std::vector<std::string>& initializerNames();

// Accepts snake_case names and Keras class names ("GlorotUniform", "glorot_uniform",
// "Orthogonal", "RandomNormal", "normal"/"uniform" legacy aliases ...); "" when unknown.
std::string canonicalInitializerName(std::string_view anyName);

// The Keras class name for a canonical name ("glorot_uniform" -> "GlorotUniform").
std::string initializerClassName(const std::string& canonical);

// A spec with Keras's default parameters for that initializer.
InitializerSpec defaultInitializer(const std::string& canonical);

// Problems with a spec, each naming `argument` (e.g. "kernel_initializer"), the value and what is
// allowed. Empty when valid.
std::vector<std::string> validateInitializer(const InitializerSpec& spec, const std::string& argument);

// Fill an array of `shape` (rank 1 or 2; Keras fans: rank 1 -> fan_in = fan_out = n, rank 2 ->
// fan_in = rows, fan_out = cols). `seed` is used when spec.seed is unset; when set, spec.seed wins
// mixed with `salt` so that kernel and recurrent kernel with the same config seed still differ.
ArrayF initialize(const InitializerSpec& spec, const Shape& shape, uint64_t seed, uint64_t salt = 0);

} // namespace gruscope
