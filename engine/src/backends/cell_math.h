// One GRU cell evaluation in float64, straight from the equations. The reference backend runs it
// at every step; the GPU backends run it on the CPU to rebuild gate traces from the states the
// GPU returned. For sample b at processing step s (x = x_t, previous state h, dropout masks m, n):
//   xz = (x⊙m_z)·K_z + b_in_z     xr = (x⊙m_r)·K_r + b_in_r     xh = (x⊙m_h)·K_h + b_in_h
//   reset_after:       z = σ(xz + (h⊙n_z)·R_z + b_rec_z)   r = σ(xr + (h⊙n_r)·R_r + b_rec_r)
//                      hh = φ(xh + r ⊙ ((h⊙n_h)·R_h + b_rec_h))
//   reset_after=False: z = σ(xz + (h⊙n_z)·R_z)   r = σ(xr + (h⊙n_r)·R_r)   hh = φ(xh + (r ⊙ h ⊙ n_h)·R_h)
//   h' = z ⊙ h + (1 − z) ⊙ hh
#pragma once

#include "core/prepared_call.h"

#include <vector>

namespace gruscope::detail {

struct CellValues {
    std::vector<double> preZ, preR, preH, z, r, hh, hNew; // U values each
    void resize(int64_t U);
};

// Writes one traced step (sample b, processing step s) of the call's trace plan: the cell's values
// and the state h after the step (U values, float or double), rounded to float32.
template <class H>
void recordTraceStep(const PreparedCall& c, int64_t b, int64_t s, const CellValues& v, const H* h, Trace& tr) noexcept
{
    const int64_t U = c.U;
    const size_t row = size_t(c.traceRow(b, s) * U);
    for (int64_t j = 0; j < U; ++j) {
        const size_t k = size_t(j);
        tr.z.data[row + k] = float(v.z[k]);
        tr.r.data[row + k] = float(v.r[k]);
        tr.hh.data[row + k] = float(v.hh[k]);
        tr.h.data[row + k] = float(h[j]);
        tr.preZ.data[row + k] = float(v.preZ[k]);
        tr.preR.data[row + k] = float(v.preR[k]);
        tr.preH.data[row + k] = float(v.preH[k]);
    }
    tr.kept.data[size_t(c.traceRow(b, s))] = c.kept(b, s) ? 1 : 0;
}

class CellMath {
public:
    // Sizes the scratch for the call; the evaluations then allocate nothing.
    void reserve(const PreparedCall& call, CellValues& out);
    // Evaluates the cell for sample b at processing step s from hPrev (U values).
    void eval(const PreparedCall& call, int64_t b, int64_t s, const double* hPrev, CellValues& out) noexcept;

private:
    std::vector<double> m_xg[3], m_hg[3];
};

} // namespace gruscope::detail
