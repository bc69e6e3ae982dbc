// Bidirectional(GRU) as Keras runs it: the forward layer on the input, the backward layer (its
// go_backwards set) on the same input, the backward output sequence flipped back to input time
// order, then merged: concat (last axis), sum, mul, ave, or none (both returned).
#pragma once

#include "gruscope/layer.h"

#include <string>

namespace gruscope {

struct BidirectionalResult {
    ArrayF output;         // merged output; for merge mode "none" the forward output
    ArrayF backwardOutput; // merge mode "none" only: the backward output (in input time order)
    RunResult forward;     // each half's own result (the backward one in processing order)
    RunResult backward;
};

// Keras forces zero_output_for_mask = return_sequences on both halves; this does the same.
// Throws Error(InvalidArgument) for an unknown merge mode or halves that do not match (units,
// return_sequences, direction).
BidirectionalResult runBidirectional(GruLayer& forward, GruLayer& backward, const std::string& mergeMode,
                                     const CallInputs& inputs, BackendKind backend = BackendKind::Auto,
                                     const TraceOptions& trace = {});

} // namespace gruscope
