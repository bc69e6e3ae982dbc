// The float64 reference backend: the GRU equations written out element by element (CellMath, see
// cell_math.h), no fusion, no reordering tricks. It is the oracle the other backends are checked
// against.
// Masking (Keras generic loop): a kept step takes h' as state and output; a masked step keeps the
// state and outputs the previous output (zeros before the first step), or zeros with
// zero_output_for_mask.
#include "backends/backend.h"
#include "backends/cell_math.h"

#include <algorithm>
#include <vector>

namespace gruscope::detail {
namespace {

class ReferenceBackend final : public Backend {
public:
    BackendKind kind() const noexcept override { return BackendKind::Reference; }
    void prepare(const GruConfig&, const GruWeights&) override { }
    BackendSupport supports(const PreparedCall&) const override
    {
        BackendSupport s;
        s.ok = true;
        return s;
    }

    void reserve(const PreparedCall& c, RunResult& result) override
    {
        m_cell.reserve(c, m_v);
        m_h.resize(size_t(c.B * c.U));
        m_prevOut.resize(size_t(c.B * c.U));
        result.output64 = ArrayD(result.output.shape, 0.0);
        result.state64 = ArrayD({ c.B, c.U }, 0.0);
    }

    RunStatus run(const PreparedCall& c, RunResult& result) noexcept override
    {
        const int64_t B = c.B, T = c.T, U = c.U;
        std::vector<double>& h = m_h;
        if (c.h064.empty())
            std::copy(c.h0.begin(), c.h0.end(), h.begin());
        else
            std::copy(c.h064.begin(), c.h064.end(), h.begin());
        std::fill(m_prevOut.begin(), m_prevOut.end(), 0.0);
        ArrayD& out64 = result.output64;

        for (int64_t s = 0; s < T; ++s) {
            if (c.stop(s))
                return RunStatus::cancelled();
            for (int64_t b = 0; b < B; ++b) {
                double* hb = h.data() + b * U;
                double* prev = m_prevOut.data() + b * U;
                m_cell.eval(c, b, s, hb, m_v);
                const bool keep = c.kept(b, s);
                for (int64_t j = 0; j < U; ++j) {
                    double o;
                    if (keep) {
                        hb[j] = m_v.hNew[size_t(j)];
                        o = hb[j];
                    } else {
                        o = c.zeroOutputForMask ? 0.0 : prev[j];
                    }
                    prev[j] = o;
                    if (c.returnSequences)
                        out64.data[size_t(b * c.outStrideB + s * c.outStrideS + j)] = o;
                }
                if (c.traces(b, s))
                    recordTraceStep(c, b, s, m_v, hb, result.trace);
            }
        }
        if (!c.returnSequences)
            std::copy(m_prevOut.begin(), m_prevOut.end(), out64.data.begin());
        std::copy(h.begin(), h.end(), result.state64.data.begin());
        for (size_t i = 0; i < out64.data.size(); ++i)
            result.output.data[i] = float(out64.data[i]);
        for (size_t i = 0; i < h.size(); ++i)
            result.state.data[i] = float(h[i]);
        return RunStatus::ok();
    }

private:
    // Scratch sized by reserve(): the loop allocates nothing.
    CellMath m_cell;
    CellValues m_v;
    std::vector<double> m_h, m_prevOut;
};

} // namespace

std::unique_ptr<Backend> makeReferenceBackend()
{
    return std::make_unique<ReferenceBackend>();
}

} // namespace gruscope::detail
