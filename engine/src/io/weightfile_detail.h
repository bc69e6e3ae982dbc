// Engine-internal pieces shared by the weight-file readers.
#pragma once

#include "gruscope/weightfile.h"
#include "h5/h5_file.h"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gruscope::io {

// A layer's entry in a model config: {"class_name": ..., "config": {...}}.
struct LayerConfig {
    std::string className;
    nlohmann::json config;
};

// Every layer config in a model config (Sequential, Functional, Keras 1 lists, nested models),
// keyed by layer name, in the order met.
std::vector<std::pair<std::string, LayerConfig>> collectLayerConfigs(const nlohmann::json& modelConfig);

// A Keras GRU/CuDNNGRU/Keras 1 GRU layer config turned into a GruConfig for `flavor`, filling
// what old Keras versions left out with their defaults and saying so in `assumptions`.
GruConfig gruConfigFromKeras(const std::string& className, const nlohmann::json& config, Flavor flavor,
                             std::vector<std::string>& assumptions, std::vector<Diagnostic>& diagnostics,
                             const std::string& where);

// Arguments inferred from shapes alone (no config in the file).
GruConfig inferGruConfig(const Shape& kernel, const Shape& recurrent, const Shape& bias, Flavor flavor,
                         std::vector<std::string>& assumptions);

// Attribute lists that tf.keras splits into name0, name1, ... when they pass 64 KiB.
std::optional<std::vector<std::string>> splitStrings(const h5::File& f, const std::string& path, const std::string& attr);

std::string joinH5(const std::string& a, const std::string& b);

// Legacy HDF5 (Keras 1/2, tf.keras, Keras 3 legacy) and Keras 3 .weights.h5 readers. `config` is
// the model config when the caller has one (a .keras archive's config.json).
void readLegacyH5(const h5::File& f, WeightFileInfo& info);
void readKeras3WeightsH5(const h5::File& f, const nlohmann::json* modelConfig, WeightFileInfo& info);

// A .keras archive's members after the archive checks (sizes, names, nesting). config.json and
// metadata.json are read whole; model.weights.h5 is either left in place (stored, as Keras writes
// it: weightsOffset) or read whole (deflated, or when setArchiveWeightsInMemory(true)).
struct ArchiveMembers {
    std::string path;
    std::string configJson;
    std::string metadataJson;
    std::string weightsName; // "model.keras:model.weights.h5", for messages
    uint64_t weightsBytes = 0;
    bool weightsInPlace = false;
    uint64_t weightsOffset = 0;        // when in place: where its bytes start in the archive
    std::vector<std::byte> weightsH5;  // when not in place: its bytes, CRC verified
    bool deflated = false;
};
ArchiveMembers readKerasArchive(const std::string& path, const WeightReadLimits& limits);
// Opens model.weights.h5 as readKerasArchive left it (taking weightsH5 when it was read whole).
h5::File openArchiveWeights(ArchiveMembers& members, const h5::Limits& limits);
// Reads stored model.weights.h5 members whole too (with their CRC), as before they were opened in
// place; for tests that compare the two ways. Process-wide; off by default.
void setArchiveWeightsInMemory(bool inMemory) noexcept;

bool fileStartsWithZip(const std::string& path);

// PyTorch nn.GRU state dicts (.safetensors, or .npz with weight_ih_l0 ...) and Keras-layout .npz
// (kernel, recurrent_kernel, bias). `tryReadTensorFile` fills `info` and returns true when the
// file is one of these; false when it is not (an HDF5 or .keras file); throws Error for a file
// that claims to be one but is broken.
bool tryReadTensorFile(const std::string& path, const WeightReadLimits& limits, WeightFileInfo& info);
// Reads a layer listed by tryReadTensorFile, converting PyTorch's r, z, n row blocks to Keras's
// z, r, h column blocks (transposed; bias_ih → row 0, bias_hh → row 1).
GruWeights readTensorFileWeights(const WeightFileInfo& file, const GruLayerInfo& layer, const WeightReadLimits& limits);

} // namespace gruscope::io
