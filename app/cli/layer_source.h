// Finding the GRU a command works on: a Keras / PyTorch / NumPy weight file plus an optional
// layer name. A file with one GRU needs no name; several GRUs without a name is an error that
// lists them; a Bidirectional is named by its wrapper (both halves) or by one half.
#pragma once

#include "cli_common.h"
#include "gruscope/layer.h"
#include "gruscope/isolated_parse.h"
#include "gruscope/weightfile.h"

#include <optional>
#include <string>
#include <vector>

namespace cli {

struct LayerChoice {
    gruscope::LoadedWeightFile loaded; // listed and read (in the gruscope-parse child)
    const gruscope::WeightFileInfo& file() const { return loaded.info; }
    std::vector<const gruscope::GruLayerInfo*> layers; // one GRU, or a Bidirectional's forward and backward halves
    std::string mergeMode;                             // for a Bidirectional
};

LayerChoice chooseLayer(const std::string& path, const std::string& layerName);

std::string listLayers(const gruscope::WeightFileInfo& info);

// The flavor a chosen layer's file records (a Keras version or the layer's own config), for a
// --config that names none; nullopt for files that cannot know (NumPy, PyTorch).
std::optional<FileFlavor> fileFlavor(const LayerChoice& choice, const std::string& path);

// What run and compare read from the command line: the layer (--config and/or --weights with
// --layer) and its inputs (--input, --mask, --initial-state).
struct CallSource {
    std::string command; // "run", "compare": for messages
    std::string config, weights, layer, input, mask, initialState, flavor;
    bool quiet = false, training = false;
    int64_t seed = 0;
};

struct LoadedCall {
    gruscope::GruConfig config;
    gruscope::GruWeights weights;     // the forward half of a Bidirectional
    std::string weightsFrom;          // where the weights came from, in words
    gruscope::CallInputs inputs;
    std::optional<LayerChoice> choice; // when --weights was given
    // A Bidirectional: the backward half's layer (config and weights), else empty.
    std::optional<gruscope::GruConfig> backwardConfig;
    gruscope::GruWeights backwardWeights;
};

// Reads everything; notes go to stderr unless quiet. Throws UsageError or gruscope::Error.
LoadedCall loadCall(const CallSource& source);

} // namespace cli
