// GRU weights in Keras layout: kernel (I, 3U), recurrent_kernel (U, 3U), bias (2, 3U) when
// reset_after (row 0 input bias, row 1 recurrent bias) or (3U,) otherwise, absent without
// use_bias. Column blocks are z | r | h. Every other layout is converted at the edge.
#pragma once

#include "gruscope/array.h"
#include "gruscope/config.h"

#include <cstdint>

namespace gruscope {

struct GruWeights {
    ArrayF kernel;          // (I, 3U)
    ArrayF recurrentKernel; // (U, 3U)
    ArrayF bias;            // (2, 3U), (3U,) or empty

    int64_t inputSize() const { return kernel.rank() == 2 ? kernel.shape[0] : 0; }
    int64_t units() const { return recurrentKernel.rank() == 2 ? recurrentKernel.shape[0] : 0; }
    bool hasBias() const { return !bias.data.empty() || !bias.shape.empty(); }
};

// Throws Error(ShapeMismatch) naming the tensor, the expected and the actual shape (with a hint
// when the bias shape says the other reset_after), and Error(InvalidArgument) for NaN/Inf
// weights (naming the tensor, gate block and first index).
void checkWeights(const GruConfig& config, const GruWeights& weights);

// Fresh weights from the config's initializers for `inputSize` features, as layer.build() makes
// them (kernel, recurrent kernel, bias shapes per reset_after/use_bias).
GruWeights initializeWeights(const GruConfig& config, int64_t inputSize, uint64_t seed);

} // namespace gruscope
