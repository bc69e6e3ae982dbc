// The float64 reference backend: the GRU equations written out element by element, no fusion,
// no reordering tricks. It is the oracle the other backends are checked against.
//
// For sample b at processing step s (input x = x_t, previous state h, dropout masks m):
//   xz = (x⊙m_z)·K_z + b_in_z     xr = (x⊙m_r)·K_r + b_in_r     xh = (x⊙m_h)·K_h + b_in_h
//   reset_after:       rz = (h⊙n_z)·R_z + b_rec_z   rr = (h⊙n_r)·R_r + b_rec_r   rh = (h⊙n_h)·R_h + b_rec_h
//                      z = σ(xz + rz)   r = σ(xr + rr)   hh = φ(xh + r ⊙ rh)
//   reset_after=False: z = σ(xz + (h⊙n_z)·R_z)   r = σ(xr + (h⊙n_r)·R_r)   hh = φ(xh + (r ⊙ h ⊙ n_h)·R_h)
//   h' = z ⊙ h + (1 − z) ⊙ hh
// Masking (Keras generic loop): a kept step takes h' as state and output; a masked step keeps the
// state and outputs the previous output (zeros before the first step), or zeros with
// zero_output_for_mask.
#include "backends/backend.h"

#include <algorithm>
#include <vector>

namespace gruscope::detail {
namespace {

class ReferenceBackend final : public Backend {
public:
    const char* name() const noexcept override { return "reference"; }

    void run(const PreparedCall& c, RunResult& result) override
    {
        const int64_t B = c.B, T = c.T, I = c.I, U = c.U, G = 3 * U;
        const GruWeights& w = *c.weights;
        const bool resetAfter = c.config->reset_after;
        const bool useBias = c.config->use_bias;
        auto K = [&](int64_t i, int64_t col) { return double(w.kernel.data[size_t(i * G + col)]); };
        auto R = [&](int64_t k, int64_t col) { return double(w.recurrentKernel.data[size_t(k * G + col)]); };
        auto bIn = [&](int64_t col) { return useBias ? double(w.bias.data[size_t(col)]) : 0.0; };
        auto bRec = [&](int64_t col) { return useBias && resetAfter ? double(w.bias.data[size_t(G + col)]) : 0.0; };

        std::vector<double> h = c.h064.empty() ? std::vector<double>(c.h0.begin(), c.h0.end()) : c.h064;
        std::vector<double> prevOut(size_t(B * U), 0.0);
        std::vector<double> xg[3], hg[3];
        for (int g = 0; g < 3; ++g) {
            xg[g].resize(size_t(I));
            hg[g].resize(size_t(U));
        }
        const size_t n = static_cast<size_t>(U);
        std::vector<double> preZ(n), preR(n), preH(n), z(n), r(n), hh(n), hNew(n);

        ArrayD out64(result.output.shape, 0.0);
        for (int64_t s = 0; s < T; ++s) {
            if (c.stop(s))
                return;
            const int64_t t = c.timeAt(s);
            for (int64_t b = 0; b < B; ++b) {
                const float* x = c.x + b * c.xStrideB + t * c.xStrideT;
                for (int g = 0; g < 3; ++g) {
                    for (int64_t i = 0; i < I; ++i) {
                        double m = 1.0;
                        if (c.inputMaskCount == 1)
                            m = c.inputMasks[size_t(b * I + i)];
                        else if (c.inputMaskCount == 3)
                            m = c.inputMasks[size_t((g * B + b) * I + i)];
                        xg[g][size_t(i)] = double(x[i]) * m;
                    }
                    for (int64_t k = 0; k < U; ++k) {
                        const double m = c.recMaskCount ? c.recMasks[size_t((g * B + b) * U + k)] : 1.0;
                        hg[g][size_t(k)] = h[size_t(b * U + k)] * m;
                    }
                }
                for (int64_t j = 0; j < U; ++j) {
                    double xz = bIn(j), xr = bIn(U + j), rz = bRec(j), rr = bRec(U + j);
                    for (int64_t i = 0; i < I; ++i) {
                        xz += xg[0][size_t(i)] * K(i, j);
                        xr += xg[1][size_t(i)] * K(i, U + j);
                    }
                    for (int64_t k = 0; k < U; ++k) {
                        rz += hg[0][size_t(k)] * R(k, j);
                        rr += hg[1][size_t(k)] * R(k, U + j);
                    }
                    preZ[size_t(j)] = xz + rz;
                    preR[size_t(j)] = xr + rr;
                }
                z = preZ;
                r = preR;
                applyActivation(c.recAct, c.flavor, z.data(), U);
                applyActivation(c.recAct, c.flavor, r.data(), U);
                for (int64_t j = 0; j < U; ++j) {
                    double xh = bIn(2 * U + j);
                    for (int64_t i = 0; i < I; ++i)
                        xh += xg[2][size_t(i)] * K(i, 2 * U + j);
                    double rec = 0.0;
                    if (resetAfter) {
                        rec = bRec(2 * U + j);
                        for (int64_t k = 0; k < U; ++k)
                            rec += hg[2][size_t(k)] * R(k, 2 * U + j);
                        preH[size_t(j)] = xh + r[size_t(j)] * rec;
                    } else {
                        for (int64_t k = 0; k < U; ++k)
                            rec += r[size_t(k)] * hg[2][size_t(k)] * R(k, 2 * U + j);
                        preH[size_t(j)] = xh + rec;
                    }
                }
                hh = preH;
                applyActivation(c.act, c.flavor, hh.data(), U);
                for (int64_t j = 0; j < U; ++j)
                    hNew[size_t(j)] = z[size_t(j)] * h[size_t(b * U + j)] + (1.0 - z[size_t(j)]) * hh[size_t(j)];

                const bool keep = c.kept(b, s);
                for (int64_t j = 0; j < U; ++j) {
                    double o;
                    if (keep) {
                        h[size_t(b * U + j)] = hNew[size_t(j)];
                        o = hNew[size_t(j)];
                    } else {
                        o = c.zeroOutputForMask ? 0.0 : prevOut[size_t(b * U + j)];
                    }
                    prevOut[size_t(b * U + j)] = o;
                    if (c.returnSequences)
                        out64.data[size_t(b * c.outStrideB + s * c.outStrideS + j)] = o;
                }

                if (c.tracing() && s >= c.traceBegin && s < c.traceEnd && c.sampleSlot[size_t(b)] >= 0) {
                    Trace& tr = result.trace;
                    const int64_t W = c.traceEnd - c.traceBegin;
                    const size_t row = size_t((c.sampleSlot[size_t(b)] * W + (s - c.traceBegin)) * U);
                    for (int64_t j = 0; j < U; ++j) {
                        tr.z.data[row + size_t(j)] = float(z[size_t(j)]);
                        tr.r.data[row + size_t(j)] = float(r[size_t(j)]);
                        tr.hh.data[row + size_t(j)] = float(hh[size_t(j)]);
                        tr.h.data[row + size_t(j)] = float(h[size_t(b * U + j)]);
                        tr.preZ.data[row + size_t(j)] = float(preZ[size_t(j)]);
                        tr.preR.data[row + size_t(j)] = float(preR[size_t(j)]);
                        tr.preH.data[row + size_t(j)] = float(preH[size_t(j)]);
                    }
                    tr.kept.data[size_t(c.sampleSlot[size_t(b)] * W + (s - c.traceBegin))] = keep ? 1 : 0;
                }
            }
        }
        if (!c.returnSequences)
            std::copy(prevOut.begin(), prevOut.end(), out64.data.begin());
        result.state64 = ArrayD({B, U}, 0.0);
        std::copy(h.begin(), h.end(), result.state64.data.begin());
        for (size_t i = 0; i < out64.data.size(); ++i)
            result.output.data[i] = float(out64.data[i]);
        for (size_t i = 0; i < h.size(); ++i)
            result.state.data[i] = float(h[i]);
        result.output64 = std::move(out64);
    }
};

} // namespace

std::unique_ptr<Backend> makeReferenceBackend()
{
    return std::make_unique<ReferenceBackend>();
}

} // namespace gruscope::detail
