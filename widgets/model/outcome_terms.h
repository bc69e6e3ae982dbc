// The equation terms of one (sample, processing step, unit) of a run the window made: the
// engine's computeEquationTerms, fed with that step's input, the state it started from and the
// run's own trace (so the view can show the recomputed numbers beside the engine's).
#pragma once

#include "model/document.h"

#include "gruscope/equation_terms.h"

namespace gsui {

// Never throws: out-of-range indices, an untraced sample or step give valid = false with the
// reason in `message`.
gruscope::EquationTerms equationTermsFor(const RunOutcome& outcome, int64_t sample, int64_t step, int64_t unit);

} // namespace gsui
