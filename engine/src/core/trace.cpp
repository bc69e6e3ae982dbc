#include "gruscope/trace.h"

namespace gruscope {

uint64_t Trace::bytesFor(int64_t samples, int64_t steps, int64_t units) noexcept
{
    // Seven float series (z, r, hh, h and three pre-activation sums) plus one byte of mask.
    const uint64_t cells = uint64_t(samples) * uint64_t(steps);
    return cells * (7 * uint64_t(units) * sizeof(float) + 1);
}

} // namespace gruscope
