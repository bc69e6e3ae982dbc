// The float32 CPU backend (Eigen). Same equations as the reference backend (see
// reference.cpp), arranged for speed:
//   1. The input projection XP = x·K + b_in is computed for a block of timesteps with one GEMM
//      (the whole sequence when it fits the block budget), outside the time loop.
//   2. Per step, one GEMM HR = h·R (+ b_rec) gives the recurrent parts of all three gates for all
//      samples (for reset_after=False only z and r; (r⊙h)·R_h follows once r is known).
//   3. Gate math is fused row by row on preallocated buffers: the time loop allocates nothing.
// The block budget keeps the extra memory of step 1 at a fraction of the inputs and outputs, so
// peak memory stays close to inputs + weights + outputs + trace.
#include "backends/backend.h"

#include <Eigen/Core>

#include <algorithm>
#include <cstring>
#include <new>
#include <vector>

namespace gruscope::detail {
namespace {

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapRow = Eigen::Map<RowMat>;
using MapRowC = Eigen::Map<const RowMat>;
using MapRowCS = Eigen::Map<const RowMat, 0, Eigen::OuterStride<>>;
using MapRowS = Eigen::Map<RowMat, 0, Eigen::OuterStride<>>;
using ArrF = Eigen::Map<Eigen::ArrayXf>;
using ArrFC = Eigen::Map<const Eigen::ArrayXf>;

// Threads for one matrix product of `flops`: Eigen's fork/join costs more than it saves on the
// small per-step products (below about a million flops), so those stay on one core.
int threadsFor(double flops) noexcept
{
#ifdef GRUSCOPE_HAVE_OPENMP
    return flops >= 1e6 ? 0 : 1; // 0: Eigen's default, all cores
#else
    (void)flops;
    return 1;
#endif
}

// Apply an activation to B rows of U values; softmax must see one row at a time.
void applyRows(ActivationKind kind, Flavor flavor, float* p, int64_t B, int64_t U) noexcept
{
    if (kind == ActivationKind::Softmax) {
        for (int64_t b = 0; b < B; ++b)
            applyActivation(kind, flavor, p + b * U, U);
    } else {
        applyActivation(kind, flavor, p, B * U);
    }
}

class CpuBackend final : public Backend {
public:
    BackendKind kind() const noexcept override { return BackendKind::Cpu; }

    void prepare(const GruConfig& config, const GruWeights& w) override
    {
        // Rᵀ (3U × U, row-major), made once per layer: HRᵀ = Rᵀ·Hᵀ lets Eigen use its fast
        // row-major matrix-vector kernel at batch 1 and avoids re-packing R at every step.
        const int64_t U = config.units, G = 3 * U;
        m_rt = MapRowC(w.recurrentKernel.ptr(), U, G).transpose();
        m_bIn = Eigen::RowVectorXf::Zero(G);
        m_bRec = Eigen::RowVectorXf::Zero(G);
        if (config.use_bias) {
            m_bIn = Eigen::Map<const Eigen::RowVectorXf>(w.bias.ptr(), G);
            if (config.reset_after)
                m_bRec = Eigen::Map<const Eigen::RowVectorXf>(w.bias.ptr() + G, G);
        }
    }

    BackendSupport supports(const PreparedCall&) const override
    {
        BackendSupport s;
        s.ok = true;
        return s;
    }

    void reserve(const PreparedCall& c, RunResult&) override
    {
        const int64_t B = c.B, T = c.T, I = c.I, U = c.U, G = 3 * U;
        // Block of processing steps whose input projection is computed at once. Budget: at least
        // 4 MiB, at most a quarter of (inputs + outputs), never more than the whole sequence.
        const int64_t bytesPerStep = B * G * int64_t(sizeof(float));
        const int64_t ioBytes = (B * T * I + B * T * U) * int64_t(sizeof(float));
        const int64_t budget = std::max<int64_t>(int64_t(4) << 20, ioBytes / 4);
        m_block = std::clamp<int64_t>(bytesPerStep > 0 ? budget / bytesPerStep : T, 1, std::max<int64_t>(T, 1));
        // Without dropout masks and with the whole sequence in one block, x is projected in place:
        // rows of x are (b, t) for batch-major input and (t, b) for time-major input.
        m_direct = m_block >= T && c.inputMaskCount == 0;
        m_xp.resize(m_direct ? B * T : m_block * B, G);
        if (!m_direct)
            m_xg.resize(m_block * B, I);
        for (RowMat* m : { &m_h, &m_z, &m_rg, &m_hh, &m_preZ, &m_preR, &m_preH, &m_prev })
            m->resize(B, U);
        m_hr.resize(B, G);
        if (c.recMaskCount || !c.config->reset_after) {
            m_hm.resize(B, U);
            m_rhm.resize(B, U);
            m_hrh.resize(B, U);
        }
    }

    RunStatus run(const PreparedCall& c, RunResult& result) noexcept override
    {
        // Eigen's large products may take a temporary buffer from the heap.
        try {
            return loop(c, result);
        } catch (const std::bad_alloc&) {
            return RunStatus::failed(ErrorCode::ResourceLimit, "out of memory in a matrix product");
        }
    }

private:
    RunStatus loop(const PreparedCall& c, RunResult& result)
    {
        const int64_t B = c.B, T = c.T, I = c.I, U = c.U, G = 3 * U;
        const GruWeights& w = *c.weights;
        const bool resetAfter = c.config->reset_after;
        MapRowC K(w.kernel.ptr(), I, G);
        MapRowC R(w.recurrentKernel.ptr(), U, G);
        const RowMat& Rt = m_rt;
        const Eigen::RowVectorXf& bIn = m_bIn;
        const Eigen::RowVectorXf& bRec = m_bRec;
        const Eigen::Index gates2 = 2 * U;
        const int64_t block = m_block;
        const bool timeMajor = c.timeMajor;
        const bool direct = m_direct;
        RowMat &XP = m_xp, &Xg = m_xg, &H = m_h, &HR = m_hr, &Z = m_z, &Rg = m_rg, &HH = m_hh, &PreZ = m_preZ,
               &PreR = m_preR, &PreH = m_preH, &Prev = m_prev, &Hm = m_hm, &RHm = m_rhm, &HRh = m_hrh;
        Prev.setZero();
        std::memcpy(H.data(), c.h0.data(), size_t(B * U) * sizeof(float));

        const int stepThreads = threadsFor(2.0 * double(B) * double(U) * double(G));
        Eigen::setNbThreads(threadsFor(2.0 * double(B) * double(T) * double(I) * double(G)));
        if (direct) {
            MapRowCS X(c.x, B * T, I, Eigen::OuterStride<>(I));
            XP.noalias() = X * K;
            XP.rowwise() += bIn;
        }
        auto xpRow = [&](int64_t b, int64_t s, int64_t blockStart) -> const float* {
            if (!direct)
                return XP.data() + ((s - blockStart) * B + b) * G;
            const int64_t t = c.timeAt(s);
            const int64_t row = timeMajor ? t * B + b : b * T + t;
            return XP.data() + row * G;
        };

        int64_t blockStart = 0;
        Eigen::setNbThreads(stepThreads);
        for (int64_t s = 0; s < T; ++s) {
            if (c.stop(s))
                return RunStatus::cancelled();
            if (!direct && (s - blockStart >= block || s == 0)) {
                blockStart = s;
                Eigen::setNbThreads(threadsFor(2.0 * double(B) * double(block) * double(I) * double(G)));
                projectBlock(c, K, bIn, s, std::min(block, T - s), Xg, XP);
                Eigen::setNbThreads(stepThreads);
            }

            // Recurrent products for all samples: HR = h·R + b_rec (reset_after) or h·R[:, :2U].
            if (c.recMaskCount == 0) {
                // HR (B × 3U, row-major) viewed as HRᵀ (3U × B, column-major): HRᵀ = Rᵀ·Hᵀ.
                Eigen::Map<Eigen::MatrixXf> HRt(HR.data(), G, B);
                if (resetAfter) {
                    if (B == 1)
                        HRt.col(0).noalias() = Rt * H.row(0).transpose();
                    else
                        HRt.noalias() = Rt * H.transpose();
                    HR.rowwise() += bRec;
                } else {
                    Eigen::Map<Eigen::MatrixXf, 0, Eigen::OuterStride<>> HRt2(
                        HR.data(), gates2, B, Eigen::OuterStride<>(G));
                    if (B == 1)
                        HRt2.col(0).noalias() = Rt.topRows(gates2) * H.row(0).transpose();
                    else
                        HRt2.noalias() = Rt.topRows(gates2) * H.transpose();
                }
            } else {
                for (int g = 0; g < (resetAfter ? 3 : 2); ++g) {
                    MapRowC m(c.recMasks.data() + size_t(g * B * U), B, U);
                    Hm = H.cwiseProduct(m);
                    HR.middleCols(g * U, U).noalias() = Hm * R.middleCols(g * U, U);
                    HR.middleCols(g * U, U).rowwise() += bRec.segment(g * U, U);
                }
            }

            // z and r for every sample.
            for (int64_t b = 0; b < B; ++b) {
                const float* xp = xpRow(b, s, blockStart);
                const float* hr = HR.data() + b * G;
                float* pz = PreZ.data() + b * U;
                float* pr = PreR.data() + b * U;
                for (int64_t j = 0; j < U; ++j) {
                    pz[j] = xp[j] + hr[j];
                    pr[j] = xp[U + j] + hr[U + j];
                }
            }
            Z = PreZ;
            Rg = PreR;
            applyRows(c.recAct, c.flavor, Z.data(), B, U);
            applyRows(c.recAct, c.flavor, Rg.data(), B, U);

            // Candidate pre-activation.
            if (resetAfter) {
                for (int64_t b = 0; b < B; ++b) {
                    const float* xp = xpRow(b, s, blockStart) + 2 * U;
                    const float* hr = HR.data() + b * G + 2 * U;
                    const float* r = Rg.data() + b * U;
                    float* ph = PreH.data() + b * U;
                    for (int64_t j = 0; j < U; ++j)
                        ph[j] = xp[j] + r[j] * hr[j];
                }
            } else {
                // (r ⊙ h ⊙ n_h)·R_h
                if (c.recMaskCount) {
                    MapRowC m(c.recMasks.data() + size_t(2 * B * U), B, U);
                    RHm = Rg.cwiseProduct(H).cwiseProduct(m);
                } else {
                    RHm = Rg.cwiseProduct(H);
                }
                {
                    Eigen::Map<Eigen::MatrixXf> HRht(HRh.data(), U, B); // (B × U) row-major as (U × B)
                    HRht.noalias() = Rt.bottomRows(U) * RHm.transpose();
                }
                for (int64_t b = 0; b < B; ++b) {
                    const float* xp = xpRow(b, s, blockStart) + 2 * U;
                    const float* hr = HRh.data() + b * U;
                    float* ph = PreH.data() + b * U;
                    for (int64_t j = 0; j < U; ++j)
                        ph[j] = xp[j] + hr[j];
                }
            }
            HH = PreH;
            applyRows(c.act, c.flavor, HH.data(), B, U);

            // h' = z ⊙ h + (1 − z) ⊙ hh, then Keras's masking of state and output.
            for (int64_t b = 0; b < B; ++b) {
                float* h = H.data() + b * U;
                float* prev = Prev.data() + b * U;
                const float* z = Z.data() + b * U;
                const float* hh = HH.data() + b * U;
                if (c.kept(b, s)) {
                    for (int64_t j = 0; j < U; ++j) {
                        h[j] = z[j] * h[j] + (1.0f - z[j]) * hh[j];
                        prev[j] = h[j];
                    }
                } else if (c.zeroOutputForMask) {
                    std::fill(prev, prev + U, 0.0f);
                }
                if (c.returnSequences)
                    std::memcpy(
                        result.output.ptr() + b * c.outStrideB + s * c.outStrideS, prev, size_t(U) * sizeof(float));
            }

            if (c.tracing() && s >= c.traceBegin && s < c.traceEnd) {
                // Copy the rows of the traced samples: gates, candidate, state and the sums.
                Trace& tr = result.trace;
                const int64_t W = c.traceEnd - c.traceBegin;
                for (int64_t b = 0; b < B; ++b) {
                    const int64_t slot = c.sampleSlot[size_t(b)];
                    if (slot < 0)
                        continue;
                    const size_t at = size_t((slot * W + (s - c.traceBegin)) * U);
                    const size_t bytes = size_t(U) * sizeof(float);
                    std::memcpy(tr.z.ptr() + at, Z.data() + b * U, bytes);
                    std::memcpy(tr.r.ptr() + at, Rg.data() + b * U, bytes);
                    std::memcpy(tr.hh.ptr() + at, HH.data() + b * U, bytes);
                    std::memcpy(tr.h.ptr() + at, H.data() + b * U, bytes);
                    std::memcpy(tr.preZ.ptr() + at, PreZ.data() + b * U, bytes);
                    std::memcpy(tr.preR.ptr() + at, PreR.data() + b * U, bytes);
                    std::memcpy(tr.preH.ptr() + at, PreH.data() + b * U, bytes);
                    tr.kept.data[size_t(slot * W + (s - c.traceBegin))] = c.kept(b, s) ? 1 : 0;
                }
            }
        }
        if (!c.returnSequences)
            std::memcpy(result.output.ptr(), Prev.data(), size_t(B * U) * sizeof(float));
        std::memcpy(result.state.ptr(), H.data(), size_t(B * U) * sizeof(float));
        return RunStatus::ok();
    }

    // Prepared once per layer.
    RowMat m_rt;
    Eigen::RowVectorXf m_bIn, m_bRec;
    // Scratch, sized by reserve() and kept between calls: the time loop allocates nothing.
    int64_t m_block = 1;
    bool m_direct = false;
    RowMat m_xp, m_xg, m_h, m_hr, m_z, m_rg, m_hh, m_preZ, m_preR, m_preH, m_prev, m_hm, m_rhm, m_hrh;

    // Gather x for steps [s0, s0+n) in processing order (dropout applied) and project them.
    static void projectBlock(const PreparedCall& c, const MapRowC& K, const Eigen::RowVectorXf& bIn, int64_t s0,
        int64_t n, RowMat& Xg, RowMat& XP) noexcept
    {
        const int64_t B = c.B, I = c.I, U = c.U;
        const int gathers = c.inputMaskCount == 3 ? 3 : 1;
        for (int g = 0; g < gathers; ++g) {
            for (int64_t k = 0; k < n; ++k) {
                const int64_t t = c.timeAt(s0 + k);
                for (int64_t b = 0; b < B; ++b) {
                    const float* x = c.x + b * c.xStrideB + t * c.xStrideT;
                    float* dst = Xg.data() + (k * B + b) * I;
                    if (c.inputMaskCount == 0) {
                        std::memcpy(dst, x, size_t(I) * sizeof(float));
                    } else {
                        const float* m = c.inputMasks.data() + size_t((g * B + b) * I);
                        for (int64_t i = 0; i < I; ++i)
                            dst[i] = x[i] * m[i];
                    }
                }
            }
            auto rows = Xg.topRows(n * B);
            if (gathers == 1) {
                XP.topRows(n * B).noalias() = rows * K;
            } else {
                XP.topRows(n * B).middleCols(g * U, U).noalias() = rows * K.middleCols(g * U, U);
            }
        }
        XP.topRows(n * B).rowwise() += bIn;
    }
};

} // namespace

std::unique_ptr<Backend> makeCpuBackend()
{
    return std::make_unique<CpuBackend>();
}

} // namespace gruscope::detail
