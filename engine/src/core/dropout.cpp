#include "core/dropout.h"

namespace gruscope::detail {

void fillDropoutMask(std::mt19937_64& rng, double rate, float* out, int64_t n)
{
    const double keep = 1.0 - rate;
    const float scale = float(1.0 / keep);
    for (int64_t i = 0; i < n; ++i) {
        const double u = double(rng() >> 11) * (1.0 / 9007199254740992.0); // 53 random bits → [0, 1)
        out[i] = u < keep ? scale : 0.0f;
    }
}

bool dropoutActive(bool training, double rate) noexcept
{
    return training && rate > 0.0 && rate < 1.0;
}

bool tfKerasCudnnCompatiblePath(const GruConfig& c) noexcept
{
    return activationFromName(c.activation) == ActivationKind::Tanh &&
           activationFromName(c.recurrent_activation) == ActivationKind::Sigmoid && c.effectiveRecurrentDropout() == 0.0 &&
           !c.unroll && c.use_bias && c.reset_after;
}

} // namespace gruscope::detail
