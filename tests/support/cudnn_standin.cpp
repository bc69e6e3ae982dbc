#include "cudnn_standin.h"

#include <cmath>

using namespace gruscope::detail;

namespace gstest {

std::string CudnnStandIn::setup(const CudnnSetup& s, CudnnWeightLayout& layout) noexcept
{
    ++m_control->counters.setups;
    m_control->lastSetup = s;
    m_setup = s;
    // Regions in a scrambled order with 7 unused floats after each.
    layout = {};
    int64_t at = 0;
    auto place = [&](WeightRegion& r, int64_t rows, int64_t cols) {
        r = {at, rows, cols};
        at += rows * cols + 7;
    };
    for (int id : {5, 0, 3, 1, 4, 2})
        place(layout.bias[id], s.U, 1);
    for (int id : {4, 2, 0, 5, 1, 3})
        place(layout.matrix[id], s.U, id < 3 ? s.I : s.U);
    layout.floats = at;
    m_layout = layout;
    m_weights.clear();
    return {};
}

std::string CudnnStandIn::uploadWeights(const std::vector<float>& w) noexcept
{
    ++m_control->counters.uploads;
    if (int64_t(w.size()) != m_layout.floats)
        return "weight space of " + std::to_string(w.size()) + " floats, expected " + std::to_string(m_layout.floats);
    m_weights = w;
    return {};
}

std::string CudnnStandIn::querySizes(const CudnnProblem& p, CudnnSizes& sizes) noexcept
{
    sizes.weightSpaceBytes = uint64_t(m_layout.floats) * sizeof(float);
    sizes.workSpaceBytes = uint64_t(p.B) * uint64_t(p.T) * 3 * uint64_t(m_setup.U) * sizeof(float);
    sizes.reserveSpaceBytes = 0;
    sizes.freeDeviceBytes = m_control->freeBytes;
    sizes.totalDeviceBytes = m_control->totalBytes;
    return {};
}

std::string CudnnStandIn::forward(const CudnnProblem& p, const float* x, const float* hx, float* y, float* hy,
                                  CudnnTimes&) noexcept
{
    ++m_control->counters.forwards;
    m_control->lastProblem = p;
    if (m_weights.empty())
        return "no weights uploaded";
    const int64_t B = p.B, T = p.T, I = m_setup.I, U = m_setup.U;
    if (int64_t(p.lengths.size()) != B)
        return "seqLengthArray has " + std::to_string(p.lengths.size()) + " entries for a batch of " + std::to_string(B);
    auto mat = [&](int id) { return m_weights.data() + m_layout.matrix[id].offset; };
    auto bias = [&](int id) { return m_weights.data() + m_layout.bias[id].offset; };
    auto sigmoid = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
    std::vector<double> h(static_cast<size_t>(U)), hn(static_cast<size_t>(U));
    for (int64_t b = 0; b < B; ++b) {
        const int64_t len = p.lengths[size_t(b)];
        if (len < 1 || len > T)
            return "CUDNN_STATUS_BAD_PARAM: sequence length " + std::to_string(len) + " of sample " + std::to_string(b);
        for (int64_t j = 0; j < U; ++j)
            h[size_t(j)] = hx ? hx[b * U + j] : 0.0;
        for (int64_t t = 0; t < T; ++t) {
            float* yt = y + (p.seqMajor ? t * B + b : b * T + t) * U;
            if (t >= len) {
                for (int64_t j = 0; j < U; ++j)
                    yt[j] = 0.0f; // paddingFill
                continue;
            }
            const float* xt = x + (p.seqMajor ? t * B + b : b * T + t) * I;
            for (int64_t j = 0; j < U; ++j) {
                double wx[3], rh[3];
                for (int g = 0; g < 3; ++g) {
                    wx[g] = bias(g)[j];
                    rh[g] = bias(3 + g)[j];
                    for (int64_t i = 0; i < I; ++i)
                        wx[g] += double(mat(g)[j * I + i]) * xt[i];
                    for (int64_t k = 0; k < U; ++k)
                        rh[g] += double(mat(3 + g)[j * U + k]) * h[size_t(k)];
                }
                const double r = sigmoid(wx[0] + rh[0]);
                const double z = sigmoid(wx[1] + rh[1]);
                const double hc = std::tanh(wx[2] + r * rh[2]);
                hn[size_t(j)] = (1.0 - z) * hc + z * h[size_t(j)];
            }
            h = hn;
            for (int64_t j = 0; j < U; ++j)
                yt[j] = float(h[size_t(j)]);
        }
        for (int64_t j = 0; j < U; ++j)
            hy[b * U + j] = float(h[size_t(j)]);
    }
    return {};
}

} // namespace gstest
