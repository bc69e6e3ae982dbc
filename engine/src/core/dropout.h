// Dropout masks as Keras draws them: inverted dropout (a kept entry is 1/(1 − rate), a dropped
// one 0), drawn once per call and reused at every timestep ("variational" dropout), except on
// tf.keras's cuDNN-compatible path, which draws a fresh mask for every timestep.
#pragma once

#include "gruscope/config.h"

#include <cstdint>
#include <random>
#include <vector>

namespace gruscope::detail {

// n mask entries into `out`.
void fillDropoutMask(std::mt19937_64& rng, double rate, float* out, int64_t n);

// Keras applies a rate only in training and only when 0 < rate < 1 (a rate of 1 is a no-op in
// the cell path).
bool dropoutActive(bool training, double rate) noexcept;

// tf.keras routes a layer through its cuDNN-compatible function (standard_gru on CPU) when these
// static conditions hold (`_could_use_gpu_kernel`); there input dropout is per timestep.
bool tfKerasCudnnCompatiblePath(const GruConfig& config) noexcept;

} // namespace gruscope::detail
