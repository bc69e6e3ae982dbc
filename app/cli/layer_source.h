// Finding the GRU a command works on: a Keras / PyTorch / NumPy weight file plus an optional
// layer name. A file with one GRU needs no name; several GRUs without a name is an error that
// lists them; a Bidirectional is named by its wrapper (both halves) or by one half.
#pragma once

#include "gruscope/weightfile.h"

#include <string>
#include <vector>

namespace cli {

struct LayerChoice {
    gruscope::WeightFileInfo file;
    std::vector<const gruscope::GruLayerInfo*> layers; // one GRU, or a Bidirectional's forward and backward halves
    std::string mergeMode;                             // for a Bidirectional
};

LayerChoice chooseLayer(const std::string& path, const std::string& layerName);

std::string listLayers(const gruscope::WeightFileInfo& info);

} // namespace cli
