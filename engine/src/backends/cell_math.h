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
