// Small statistics shared by the timing code (bench, sweep, compare, run).
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace gruscope {

// The median of timings: the upper one of the middle two for an even count, so it is always a
// time that was measured (never an average of two). 0 for no values.
inline double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    const auto mid = v.begin() + std::ptrdiff_t(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    return *mid;
}

} // namespace gruscope
