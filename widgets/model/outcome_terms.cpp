#include "model/outcome_terms.h"

#include <string>

namespace gsui {

using namespace gruscope;

EquationTerms equationTermsFor(const RunOutcome& o, int64_t sample, int64_t step, int64_t unit)
{
    EquationTerms bad;
    bad.sample = sample;
    bad.step = step;
    bad.unit = unit;
    if (!o.weights || o.U <= 0 || o.T <= 0) {
        bad.message = "no run yet";
        return bad;
    }
    if (sample < 0 || sample >= o.B) {
        bad.message = "sample " + std::to_string(sample) + " is outside 0.." + std::to_string(o.B - 1);
        return bad;
    }
    if (step < 0 || step >= o.T) {
        bad.message = "step " + std::to_string(step) + " is outside 0.." + std::to_string(o.T - 1);
        return bad;
    }
    if (unit < 0 || unit >= o.U) {
        bad.message = unit < 0 ? "no unit selected" : "unit " + std::to_string(unit) + " is outside 0.." + std::to_string(o.U - 1);
        return bad;
    }
    const Trace& tr = o.result.trace;
    const int slot = o.traceSlot(sample);
    if (slot < 0) {
        bad.message = "sample " + std::to_string(sample) + " was not traced by this run";
        return bad;
    }
    if (!o.stepTraced(step)) {
        bad.message = "step " + std::to_string(step) + " is outside the traced window " + std::to_string(tr.stepBegin) +
                      ".." + std::to_string(tr.stepEnd - 1);
        return bad;
    }
    // h_{t−1} comes from the trace of the previous step (h0 at s = 0); a window that starts later
    // than s − 1 does not have it.
    if (step > 0 && step - 1 < tr.stepBegin) {
        bad.message = "the state before step " + std::to_string(step) + " was not traced";
        return bad;
    }

    EquationInputs in;
    in.config = o.config;
    in.weights = o.weights.get();
    in.sample = sample;
    in.step = step;
    in.timeIndex = o.timeIndex(step);
    in.unit = unit;
    in.x = o.inputAt(sample, step);
    in.hPrev = o.stateBefore(slot, sample, step);
    in.training = o.training;
    auto row = [&](const ArrayF& a) {
        std::vector<double> v(size_t(o.U));
        for (int64_t u = 0; u < o.U; ++u)
            v[size_t(u)] = o.traced(a, slot, step, u);
        return v;
    };
    in.traceZ = row(tr.z);
    in.traceR = row(tr.r);
    in.traceHh = row(tr.hh);
    in.traceH = row(tr.h);
    in.tracePreZ = row(tr.preZ);
    in.tracePreR = row(tr.preR);
    in.tracePreH = row(tr.preH);
    in.kept = tr.kept.data.empty() || tr.kept.data[size_t(int64_t(slot) * tr.steps() + (step - tr.stepBegin))] != 0;
    return computeEquationTerms(in);
}

} // namespace gsui
