// The float32 CPU backend. Same equations as the reference backend (see cell_math.h), arranged
// for speed:
//   1. The input projections XP = x·K + b_in of a block of steps are one product, before the
//      steps of that block (the whole sequence when it fits kBlockBytes, so memory stays constant
//      in T beyond the output).
//   2. A step is one pass per thread over its share of the units: HR = h·R_(own columns) + b_rec
//      for all active samples, then the gates of those units,
//          z = σ(xz + hr_z)   r = σ(xr + hr_r)   hh = φ(xh + r ⊙ hr_h)   h' = z ⊙ h + (1 − z) ⊙ hh
//      (reset_after=False needs all of r before (r ⊙ h)·R_h, so its step has a second phase).
//   3. Weights are packed once per layer into per-thread panels (cpu_gemm.h); the time loop
//      allocates nothing; samples that are masked at a step (and not traced) are skipped, so a
//      batch of short sequences costs what its lengths add up to.
//   4. Threads: the units are split across the team (cpu_team.h) when a step is large enough to
//      pay for it. Each unit's numbers are computed the same way whatever the split, so one and
//      two threads give the same bits.
// Gate traces record the values the step used (the per-thread gate buffers), not a recomputation.
#include "backends/backend.h"
#include "backends/cpu_gemm.h"
#include "backends/cpu_team.h"

#include "gruscope/cpu_info.h"

#include <Eigen/Core>

#include <algorithm>
#include <cstring>
#include <map>
#include <new>
#include <vector>

namespace gruscope::detail {
namespace {

using cpugemm::Floats;
using cpugemm::Panel;

// Input projections held at once (all threads together): large enough for efficient products,
// small enough that each thread's share stays in its L2 cache until the steps read it (8 MiB
// made S7, 32×100×128×256, about 10% slower than 1 MiB on the 2-core machine), and constant in T:
// a 100 000-step call holds no more than a 1 000-step one.
constexpr int64_t kBlockBytes = int64_t(1) << 20;
// When a second thread pays (gruscope-cli bench, 2-core machine): at U = 64 splitting the units
// doubled the time (B=1: 0.16 vs 0.07 ms for 100 steps; B=4 and B=32 too), from U = 128 it was
// faster or even, by up to 1.4× at U ≥ 192. So a thread takes at least 64 units, and at least
// this much multiply-add work per step.
constexpr double kFlopsPerThread = 1.5e5;
constexpr int64_t kMinUnitsPerThread = 64;

struct Packs {
    std::vector<Panel> kernel, recurrent; // one per part
};

// One thread's scratch: its columns of the input projections and recurrent products, its gates.
struct PartScratch {
    Floats xp, hr;                            // block·B × ld, B × ld
    Floats preZ, preR, preH, z, r, hh;        // B × nuPad each
    std::vector<float*> rowsOut;              // output row pointers for a product
};

class CpuBackend final : public Backend {
public:
    BackendKind kind() const noexcept override { return BackendKind::Cpu; }

    void prepare(const GruConfig& config, const GruWeights& w) override
    {
        m_config = &config;
        m_weights = &w;
        m_packs.clear();
    }

    BackendSupport supports(const PreparedCall&) const override
    {
        BackendSupport s;
        s.ok = true;
        return s;
    }

    void reserve(const PreparedCall& c, RunResult& result) override
    {
        const int64_t B = c.B, T = c.T, I = c.I, U = c.U;
        m_parts = planParts(c);
        const Packs& packs = packsFor(c, m_parts);
        const int64_t bytesPerStep = std::max<int64_t>(1, B * 3 * U * int64_t(sizeof(float)));
        m_block = std::clamp<int64_t>(kBlockBytes / bytesPerStep, 1, std::max<int64_t>(T, 1));
        m_scratch.resize(size_t(m_parts));
        for (int t = 0; t < m_parts; ++t) {
            const Panel& p = packs.recurrent[size_t(t)];
            PartScratch& ps = m_scratch[size_t(t)];
            ps.xp.resize(size_t(m_block * B * p.ld()));
            ps.hr.assign(size_t(B * p.ld()), 0.0f);
            for (Floats* v : {&ps.preZ, &ps.preR, &ps.preH, &ps.z, &ps.r, &ps.hh})
                v->assign(size_t(B * p.nuPad), 0.0f);
            ps.rowsOut.resize(size_t(std::max(m_block * B, B)));
        }
        for (Floats* v : {&m_h[0], &m_h[1], &m_prev})
            v->resize(size_t(B * U));
        if (!c.config->reset_after) // r ⊙ h, the candidate product's rows
            m_rh.resize(size_t(B * U));
        m_hm.resize(c.recMaskCount ? size_t(3 * B * U) : 0);
        m_xg.resize(size_t(c.inputMaskCount * m_block * B * I));
        m_projIn.resize(size_t(3 * m_block * B));
        m_projRow.resize(size_t(m_block * B));
        m_stepIn.resize(size_t(3 * B));
        m_active.resize(size_t(B));
        m_activeMark.resize(size_t(B));
        result.scratchBytes = scratchBytes(packs);
    }

    RunStatus run(const PreparedCall& c, RunResult& result) noexcept override;

private:
    struct Loop;
    static void projectPart(void* ctx, int t) noexcept;
    static void gatesPart(void* ctx, int t) noexcept;
    static void candidatePart(void* ctx, int t) noexcept;

    static int planParts(const PreparedCall& c) noexcept
    {
        if (c.act == ActivationKind::Softmax || c.recAct == ActivationKind::Softmax)
            return 1; // softmax normalises over all units: one thread must see them all
        const double stepFlops = 2.0 * double(c.B) * 3.0 * double(c.U) * double(c.U + c.I);
        const int64_t byFlops = int64_t(stepFlops / kFlopsPerThread);
        const int64_t byUnits = c.U / kMinUnitsPerThread;
        return int(std::clamp<int64_t>(std::min({int64_t(cpuThreads()), byFlops, byUnits}), 1, 64));
    }

    const Packs& packsFor(const PreparedCall& c, int parts)
    {
        auto it = m_packs.find(parts);
        if (it != m_packs.end())
            return it->second;
        const int64_t U = c.U, I = c.I;
        const GruWeights& w = *m_weights;
        const bool bias = m_config->use_bias;
        const float* bIn = bias ? w.bias.ptr() : nullptr;
        const float* bRec = bias && m_config->reset_after ? w.bias.ptr() + 3 * U : nullptr;
        // Units split in whole vectors; the last part takes the rest.
        const int64_t chunk = cpugemm::padUnits((U + parts - 1) / parts);
        Packs packs;
        for (int t = 0; t < parts; ++t) {
            const int64_t u0 = std::min(U, t * chunk), nu = std::min(U, u0 + chunk) - u0;
            packs.kernel.push_back(cpugemm::packPanel(w.kernel.ptr(), I, U, u0, nu, bIn));
            packs.recurrent.push_back(cpugemm::packPanel(w.recurrentKernel.ptr(), U, U, u0, nu, bRec));
        }
        return m_packs.emplace(parts, std::move(packs)).first->second;
    }

    int64_t scratchBytes(const Packs& packs) const noexcept
    {
        int64_t n = 0;
        auto add = [&n](const auto& v) { n += int64_t(v.capacity() * sizeof(v[0])); };
        for (const Panel& p : packs.kernel)
            add(p.w);
        for (const Panel& p : packs.recurrent)
            add(p.w);
        for (const PartScratch& ps : m_scratch)
            for (const Floats* v : {&ps.xp, &ps.hr, &ps.preZ, &ps.preR, &ps.preH, &ps.z, &ps.r, &ps.hh})
                add(*v);
        for (const Floats* v : {&m_h[0], &m_h[1], &m_prev, &m_rh, &m_hm, &m_xg})
            add(*v);
        return n;
    }

    const GruConfig* m_config = nullptr;
    const GruWeights* m_weights = nullptr;
    std::map<int, Packs> m_packs; // by number of parts, made on first use
    int m_parts = 1;
    int64_t m_block = 1;
    // Scratch, sized by reserve() and kept between calls.
    std::vector<PartScratch> m_scratch;
    Floats m_h[2], m_prev, m_rh, m_hm, m_xg;
    std::vector<const float*> m_projIn, m_stepIn;
    std::vector<int64_t> m_projRow, m_active;
    std::vector<uint8_t> m_activeMark;
};

// What the parts of a phase share. Written by the calling thread between phases only.
struct CpuBackend::Loop {
    CpuBackend* self;
    const PreparedCall* c;
    RunResult* result;
    const Packs* packs;
    int64_t s = 0, blockStart = 0;
    int64_t projRows = 0; // rows of the current projection phase
    int64_t nActive = 0;
    const float* hCur = nullptr;
    float* hNext = nullptr;

};

// Phase 1 of a block: this part's columns of XP for the listed (step, sample) rows.
void CpuBackend::projectPart(void* ctx, int t) noexcept
{
    Loop& L = *static_cast<Loop*>(ctx);
    CpuBackend& S = *L.self;
    const PreparedCall& c = *L.c;
    const Panel& K = L.packs->kernel[size_t(t)];
    PartScratch& ps = S.m_scratch[size_t(t)];
    const int64_t n = L.projRows, ld = K.ld(), np = K.nuPad;
    if (c.inputMaskCount == 3) {
        // One dropout mask per gate: gate g projects x ⊙ m_g.
        for (int g = 0; g < 3; ++g) {
            for (int64_t i = 0; i < n; ++i)
                ps.rowsOut[size_t(i)] = ps.xp.data() + S.m_projRow[size_t(i)] * ld + g * np;
            cpugemm::gemmRows(n, S.m_projIn.data() + g * n, c.I, K.w.data() + g * np, ld, np, K.bias.data() + g * np,
                              ps.rowsOut.data());
        }
        return;
    }
    for (int64_t i = 0; i < n; ++i)
        ps.rowsOut[size_t(i)] = ps.xp.data() + S.m_projRow[size_t(i)] * ld;
    cpugemm::gemmRows(n, S.m_projIn.data(), c.I, K.w.data(), ld, ld, K.bias.data(), ps.rowsOut.data());
}

namespace {

// out = act(in) over n values: tanh and sigmoid straight from Eigen's vector kernels (the same
// ones applyActivation uses, so the same numbers), the rest in place through applyActivation.
// n is padded to whole vectors except for softmax, which must see exactly the units.
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 sees Eigen's AVX-512 exp/tanh packets through -Wmaybe-uninitialized false positives.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
void activate(ActivationKind kind, Flavor flavor, const float* in, float* out, int64_t n) noexcept
{
    Eigen::Map<const Eigen::ArrayXf> src(in, n);
    Eigen::Map<Eigen::ArrayXf> dst(out, n);
    switch (kind) {
    case ActivationKind::Tanh: dst = src.tanh(); return;
    case ActivationKind::Sigmoid: dst = src.logistic(); return;
    default:
        dst = src;
        applyActivation(kind, flavor, out, n);
        return;
    }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// A kept sample's new state for a part's units, written while its gates are still in L1:
//   h' = z ⊙ h + (1 − z) ⊙ hh, and the output is h'.
void updateRow(const PartScratch& ps, int64_t b, int64_t np, int64_t nu, const float* h, float* hn, float* pv) noexcept
{
    const float* z = ps.z.data() + b * np;
    const float* hh = ps.hh.data() + b * np;
    for (int64_t j = 0; j < nu; ++j) {
        hn[j] = z[j] * h[j] + (1.0f - z[j]) * hh[j];
        pv[j] = hn[j];
    }
}

// The rest of a step for a part's units and every sample: masked samples keep their state and
// output the previous output (or zeros with zero_output_for_mask); outputs; trace rows.
void finishPart(const PreparedCall& c, RunResult& result, int64_t s, const Panel& P, PartScratch& ps,
                const uint8_t* active, const float* hCur, float* hNext, float* prev) noexcept
{
    const int64_t B = c.B, U = c.U, u0 = P.u0, nu = P.nu, np = P.nuPad;
    for (int64_t b = 0; b < B; ++b) {
        const float* h = hCur + b * U + u0;
        float* hn = hNext + b * U + u0;
        float* pv = prev + b * U + u0;
        if (!active[b] || !c.kept(b, s)) { // (kept samples were updated by updateRow)
            std::memcpy(hn, h, size_t(nu) * sizeof(float));
            if (c.zeroOutputForMask)
                std::fill(pv, pv + nu, 0.0f);
        }
        if (c.returnSequences)
            std::memcpy(result.output.ptr() + b * c.outStrideB + s * c.outStrideS + u0, pv, size_t(nu) * sizeof(float));
        if (!c.traces(b, s))
            continue;
        Trace& tr = result.trace;
        const size_t at = size_t(c.traceRow(b, s) * U + u0);
        const size_t bytes = size_t(nu) * sizeof(float);
        std::memcpy(tr.z.ptr() + at, ps.z.data() + b * np, bytes);
        std::memcpy(tr.r.ptr() + at, ps.r.data() + b * np, bytes);
        std::memcpy(tr.hh.ptr() + at, ps.hh.data() + b * np, bytes);
        std::memcpy(tr.h.ptr() + at, hn, bytes);
        std::memcpy(tr.preZ.ptr() + at, ps.preZ.data() + b * np, bytes);
        std::memcpy(tr.preR.ptr() + at, ps.preR.data() + b * np, bytes);
        std::memcpy(tr.preH.ptr() + at, ps.preH.data() + b * np, bytes);
    }
}

} // namespace

// Phase 2 of a step: HR = h·R + b_rec for this part's columns, z and r, and for reset_after the
// candidate and the new state; for reset_after=False the r ⊙ h the candidate product needs.
void CpuBackend::gatesPart(void* ctx, int t) noexcept
{
    Loop& L = *static_cast<Loop*>(ctx);
    CpuBackend& S = *L.self;
    const PreparedCall& c = *L.c;
    const Panel& P = L.packs->recurrent[size_t(t)];
    PartScratch& ps = S.m_scratch[size_t(t)];
    const int64_t B = c.B, U = c.U, ld = P.ld(), np = P.nuPad, nu = P.nu, u0 = P.u0, n = L.nActive;
    const bool resetAfter = c.config->reset_after;
    const int gates = resetAfter ? 3 : 2;

    if (c.recMaskCount == 0) {
        for (int64_t i = 0; i < n; ++i)
            ps.rowsOut[size_t(i)] = ps.hr.data() + S.m_active[size_t(i)] * ld;
        cpugemm::gemmRows(n, S.m_stepIn.data(), U, P.w.data(), ld, gates * np, resetAfter ? P.bias.data() : nullptr,
                          ps.rowsOut.data());
    } else {
        // Recurrent dropout: gate g multiplies (h ⊙ n_g).
        for (int g = 0; g < gates; ++g) {
            for (int64_t i = 0; i < n; ++i)
                ps.rowsOut[size_t(i)] = ps.hr.data() + S.m_active[size_t(i)] * ld + g * np;
            cpugemm::gemmRows(n, S.m_stepIn.data() + g * B, U, P.w.data() + g * np, ld, np,
                              resetAfter ? P.bias.data() + g * np : nullptr, ps.rowsOut.data());
        }
    }

    const int64_t k = L.s - L.blockStart;
    for (int64_t i = 0; i < n; ++i) {
        const int64_t b = S.m_active[size_t(i)];
        const float* xp = ps.xp.data() + (k * B + b) * ld;
        const float* hr = ps.hr.data() + b * ld;
        float *pz = ps.preZ.data() + b * np, *pr = ps.preR.data() + b * np;
        float *z = ps.z.data() + b * np, *r = ps.r.data() + b * np;
        for (int64_t j = 0; j < nu; ++j) {
            pz[j] = xp[j] + hr[j];
            pr[j] = xp[np + j] + hr[np + j];
        }
        const int64_t nRec = c.recAct == ActivationKind::Softmax ? nu : np;
        activate(c.recAct, c.flavor, pz, z, nRec);
        activate(c.recAct, c.flavor, pr, r, nRec);
        const float* h = L.hCur + b * U + u0;
        if (resetAfter) {
            float* ph = ps.preH.data() + b * np;
            for (int64_t j = 0; j < nu; ++j)
                ph[j] = xp[2 * np + j] + r[j] * hr[2 * np + j];
            activate(c.act, c.flavor, ph, ps.hh.data() + b * np, c.act == ActivationKind::Softmax ? nu : np);
            if (c.kept(b, L.s))
                updateRow(ps, b, np, nu, h, L.hNext + b * U + u0, S.m_prev.data() + b * U + u0);
        } else {
            // r ⊙ h (⊙ n_h): the rows of the candidate's product, complete once every part is done.
            float* rh = S.m_rh.data() + b * U + u0;
            const float* m = c.recMaskCount ? c.recMasks.data() + size_t(2 * B * U + b * U + u0) : nullptr;
            for (int64_t j = 0; j < nu; ++j)
                rh[j] = m ? r[j] * h[j] * m[j] : r[j] * h[j];
        }
    }
    if (resetAfter)
        finishPart(c, *L.result, L.s, P, ps, S.m_activeMark.data(), L.hCur, L.hNext, S.m_prev.data());
}

// Phase 3 of a reset_after=False step: (r ⊙ h)·R_h for this part's units, the candidate, the state.
void CpuBackend::candidatePart(void* ctx, int t) noexcept
{
    Loop& L = *static_cast<Loop*>(ctx);
    CpuBackend& S = *L.self;
    const PreparedCall& c = *L.c;
    const Panel& P = L.packs->recurrent[size_t(t)];
    PartScratch& ps = S.m_scratch[size_t(t)];
    const int64_t U = c.U, ld = P.ld(), np = P.nuPad, nu = P.nu, n = L.nActive;
    for (int64_t i = 0; i < n; ++i)
        ps.rowsOut[size_t(i)] = ps.hr.data() + S.m_active[size_t(i)] * ld + 2 * np;
    const int64_t k = L.s - L.blockStart;
    cpugemm::gemmRows(n, S.m_stepIn.data(), U, P.w.data() + 2 * np, ld, np, nullptr, ps.rowsOut.data());
    for (int64_t i = 0; i < n; ++i) {
        const int64_t b = S.m_active[size_t(i)];
        const float* xp = ps.xp.data() + (k * c.B + b) * ld + 2 * np;
        const float* hr = ps.hr.data() + b * ld + 2 * np;
        float* ph = ps.preH.data() + b * np;
        for (int64_t j = 0; j < nu; ++j)
            ph[j] = xp[j] + hr[j];
        activate(c.act, c.flavor, ph, ps.hh.data() + b * np, c.act == ActivationKind::Softmax ? nu : np);
        if (c.kept(b, L.s))
            updateRow(ps, b, np, nu, L.hCur + b * U + P.u0, L.hNext + b * U + P.u0, S.m_prev.data() + b * U + P.u0);
    }
    finishPart(c, *L.result, L.s, P, ps, S.m_activeMark.data(), L.hCur, L.hNext, S.m_prev.data());
}

RunStatus CpuBackend::run(const PreparedCall& c, RunResult& result) noexcept
{
    const int64_t B = c.B, T = c.T, I = c.I, U = c.U;
    Loop L{this, &c, &result, &m_packs.at(m_parts)};
    CpuTeam::Lease team = CpuTeam::instance().lease(m_parts);
    result.threads = team ? m_parts : 1;
    std::memcpy(m_h[0].data(), c.h0.data(), size_t(B * U) * sizeof(float));
    std::fill(m_prev.begin(), m_prev.end(), 0.0f);
    int cur = 0;

    for (int64_t s = 0; s < T; ++s) {
        if (c.stop(s))
            return RunStatus::cancelled();
        L.s = s;
        // Which samples this step computes: the kept ones, and the traced ones (their gates are
        // recorded even on a masked step). The others only carry their state.
        L.nActive = 0;
        for (int64_t b = 0; b < B; ++b) {
            const bool on = c.kept(b, s) || c.traces(b, s);
            m_activeMark[size_t(b)] = on ? 1 : 0;
            if (on)
                m_active[size_t(L.nActive++)] = b;
        }

        if (s == 0 || s - L.blockStart >= m_block) {
            // Inputs of the next block of steps, for the samples that will need them.
            L.blockStart = s;
            const int64_t steps = std::min(m_block, T - s);
            const int masks = c.inputMaskCount;
            int64_t n = 0;
            for (int64_t k = 0; k < steps; ++k) {
                const int64_t t = c.timeAt(s + k);
                for (int64_t b = 0; b < B; ++b) {
                    if (!c.kept(b, s + k) && !c.traces(b, s + k))
                        continue;
                    const float* x = c.x + b * c.xStrideB + t * c.xStrideT;
                    m_projRow[size_t(n)] = k * B + b;
                    m_projIn[size_t(n)] = x;
                    // Dropout on the inputs: x ⊙ m (one mask, or one per gate g at rows of gate g).
                    for (int g = 0; g < masks; ++g) {
                        float* dst = m_xg.data() + ((g * steps + k) * B + b) * I;
                        const float* m = c.inputMasks.data() + size_t((g * B + b) * I);
                        for (int64_t i = 0; i < I; ++i)
                            dst[i] = x[i] * m[i];
                    }
                    ++n;
                }
            }
            // With dropout the rows come from the masked copies; gate g's rows at [g·n, (g+1)·n).
            for (int g = 0; g < masks; ++g)
                for (int64_t i = 0; i < n; ++i)
                    m_projIn[size_t(g * n + i)] = m_xg.data() + (g * steps * B + m_projRow[size_t(i)]) * I;
            L.projRows = n;
            team.run(m_parts, &projectPart, &L);
        }

        L.hCur = m_h[cur].data();
        L.hNext = m_h[1 - cur].data();
        if (c.recMaskCount == 0) {
            for (int64_t i = 0; i < L.nActive; ++i)
                m_stepIn[size_t(i)] = L.hCur + m_active[size_t(i)] * U;
        } else {
            // Recurrent dropout: h ⊙ n_g for each gate, rows in m_hm.
            for (int g = 0; g < 3; ++g)
                for (int64_t i = 0; i < L.nActive; ++i) {
                    const int64_t b = m_active[size_t(i)];
                    const float* h = L.hCur + b * U;
                    const float* m = c.recMasks.data() + size_t((g * B + b) * U);
                    float* dst = m_hm.data() + (g * B + b) * U;
                    for (int64_t j = 0; j < U; ++j)
                        dst[j] = h[j] * m[j];
                    m_stepIn[size_t(g * B + i)] = dst;
                }
        }
        team.run(m_parts, &gatesPart, &L);
        if (!c.config->reset_after) {
            for (int64_t i = 0; i < L.nActive; ++i)
                m_stepIn[size_t(i)] = m_rh.data() + m_active[size_t(i)] * U;
            team.run(m_parts, &candidatePart, &L);
        }

        for (int64_t b = 0; c.tracing() && b < B; ++b)
            if (c.traces(b, s))
                result.trace.kept.data[size_t(c.traceRow(b, s))] = c.kept(b, s) ? 1 : 0;
        cur = 1 - cur;
    }
    if (!c.returnSequences)
        std::memcpy(result.output.ptr(), m_prev.data(), size_t(B * U) * sizeof(float));
    std::memcpy(result.state.ptr(), m_h[cur].data(), size_t(B * U) * sizeof(float));
    if (team && !team.parallel())
        result.threads = 1; // the team fell behind (a busy machine): the call finished on this thread
    return RunStatus::ok();
}

} // namespace

std::unique_ptr<Backend> makeCpuBackend()
{
    return std::make_unique<CpuBackend>();
}

} // namespace gruscope::detail
