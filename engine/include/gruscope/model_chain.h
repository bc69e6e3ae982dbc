// Whole models: the GRU layers of a file run as the model runs them between each other. Stacked
// GRUs feed each other in order; a Bidirectional runs both halves and merges them as its
// merge_mode says; layers that are the identity at inference (Dropout and its kin) pass their
// input on; any other layer (Dense, Embedding, Concatenate, ...) is named and the chain stops
// there, with the reason. The plan comes from the model config the file stores; a file without
// one (weights only) chains its GRUs in the order it stores them, and says so.
#pragma once

#include "gruscope/bidirectional.h"
#include "gruscope/weightfile.h"

#include <functional>
#include <string>
#include <vector>

namespace gruscope {

struct ChainStage {
    std::string name;                 // the layer's (or the Bidirectional wrapper's) name
    std::vector<size_t> layers;       // indices into WeightFileInfo::layers: one GRU, or forward + backward
    std::string mergeMode;            // Bidirectional only
    std::vector<std::string> passed;  // identity layers between the previous stage and this one
};

struct ModelChain {
    std::vector<ChainStage> stages;
    std::vector<std::string> before; // what comes before the first stage and is not run ("embedding (Embedding)")
    std::string stop;                // why the chain ends where it does ("" when the model ends there)
    std::vector<std::string> notes;  // how the plan was made
};

// Plans the chain of `info`, from the stage named `start` ("" = the first GRU of the model).
// Throws Error(InvalidArgument) when `start` names no GRU or Bidirectional of the file, and
// Error(Unsupported) when the file has no GRU.
ModelChain planModelChain(const WeightFileInfo& info, const std::string& start = "");

struct ChainStageResult {
    std::string name;
    ArrayF output;          // as the model passes it on (merged for a Bidirectional)
    ArrayF backwardOutput;  // merge_mode "none": the backward half's output
    RunResult result;       // the (forward) layer's own result
};

// Runs the chain on `inputs` (the first stage's input, mask and initial state; the mask goes on
// to every stage, as Keras propagates it through layers that return sequences). `weightsOf`
// gives the weights of WeightFileInfo::layers[i]. Throws Error from any stage, naming it.
std::vector<ChainStageResult> runModelChain(const ModelChain& chain, const WeightFileInfo& info,
                                            const std::function<GruWeights(size_t)>& weightsOf, const CallInputs& inputs,
                                            BackendKind backend = BackendKind::Auto);

// One line per stage and the reason the chain stops, for the CLI and the window.
std::string describeModelChain(const ModelChain& chain, const WeightFileInfo& info);

} // namespace gruscope
