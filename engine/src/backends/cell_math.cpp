#include "backends/cell_math.h"

#include <algorithm>

namespace gruscope::detail {

void CellValues::resize(int64_t U)
{
    for (auto* v : {&preZ, &preR, &preH, &z, &r, &hh, &hNew})
        v->resize(size_t(U));
}

void CellMath::reserve(const PreparedCall& c, CellValues& out)
{
    for (int g = 0; g < 3; ++g) {
        m_xg[g].resize(size_t(c.I));
        m_hg[g].resize(size_t(c.U));
    }
    out.resize(c.U);
}

void CellMath::eval(const PreparedCall& c, int64_t b, int64_t s, const double* h, CellValues& o) noexcept
{
    const int64_t B = c.B, I = c.I, U = c.U, G = 3 * U;
    const GruWeights& w = *c.weights;
    const bool resetAfter = c.config->reset_after;
    const bool useBias = c.config->use_bias;
    auto K = [&](int64_t i, int64_t col) { return double(w.kernel.data[size_t(i * G + col)]); };
    auto R = [&](int64_t k, int64_t col) { return double(w.recurrentKernel.data[size_t(k * G + col)]); };
    auto bIn = [&](int64_t col) { return useBias ? double(w.bias.data[size_t(col)]) : 0.0; };
    auto bRec = [&](int64_t col) { return useBias && resetAfter ? double(w.bias.data[size_t(G + col)]) : 0.0; };

    const float* x = c.x + b * c.xStrideB + c.timeAt(s) * c.xStrideT;
    for (int g = 0; g < 3; ++g) {
        for (int64_t i = 0; i < I; ++i) {
            double m = 1.0;
            if (c.inputMaskCount == 1)
                m = c.inputMasks[size_t(b * I + i)];
            else if (c.inputMaskCount == 3)
                m = c.inputMasks[size_t((g * B + b) * I + i)];
            m_xg[g][size_t(i)] = double(x[i]) * m;
        }
        for (int64_t k = 0; k < U; ++k) {
            const double m = c.recMaskCount ? c.recMasks[size_t((g * B + b) * U + k)] : 1.0;
            m_hg[g][size_t(k)] = h[k] * m;
        }
    }
    for (int64_t j = 0; j < U; ++j) {
        double xz = bIn(j), xr = bIn(U + j), rz = bRec(j), rr = bRec(U + j);
        for (int64_t i = 0; i < I; ++i) {
            xz += m_xg[0][size_t(i)] * K(i, j);
            xr += m_xg[1][size_t(i)] * K(i, U + j);
        }
        for (int64_t k = 0; k < U; ++k) {
            rz += m_hg[0][size_t(k)] * R(k, j);
            rr += m_hg[1][size_t(k)] * R(k, U + j);
        }
        o.preZ[size_t(j)] = xz + rz;
        o.preR[size_t(j)] = xr + rr;
    }
    std::copy(o.preZ.begin(), o.preZ.end(), o.z.begin());
    std::copy(o.preR.begin(), o.preR.end(), o.r.begin());
    applyActivation(c.recAct, c.flavor, o.z.data(), U);
    applyActivation(c.recAct, c.flavor, o.r.data(), U);
    for (int64_t j = 0; j < U; ++j) {
        double xh = bIn(2 * U + j);
        for (int64_t i = 0; i < I; ++i)
            xh += m_xg[2][size_t(i)] * K(i, 2 * U + j);
        double rec = 0.0;
        if (resetAfter) {
            rec = bRec(2 * U + j);
            for (int64_t k = 0; k < U; ++k)
                rec += m_hg[2][size_t(k)] * R(k, 2 * U + j);
            o.preH[size_t(j)] = xh + o.r[size_t(j)] * rec;
        } else {
            for (int64_t k = 0; k < U; ++k)
                rec += o.r[size_t(k)] * m_hg[2][size_t(k)] * R(k, 2 * U + j);
            o.preH[size_t(j)] = xh + rec;
        }
    }
    std::copy(o.preH.begin(), o.preH.end(), o.hh.begin());
    applyActivation(c.act, c.flavor, o.hh.data(), U);
    for (int64_t j = 0; j < U; ++j)
        o.hNew[size_t(j)] = o.z[size_t(j)] * h[j] + (1.0 - o.z[size_t(j)]) * o.hh[size_t(j)];
}

} // namespace gruscope::detail
