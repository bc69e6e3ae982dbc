// Keras GRU weight files: find every GRU layer in a file (any Keras layout, detected by content),
// with its arguments (from the file's model config, or inferred and said so), and read its
// weights in Keras layout. Listing reads metadata and shapes only, never weight data.
#pragma once

#include "gruscope/array.h"
#include "gruscope/config.h"
#include "gruscope/weights.h"

#include <cstdint>
#include <string>
#include <vector>

namespace gruscope {

enum class WeightFormat {
    LegacyH5,        // Keras 1/2, tf.keras and Keras 3 legacy HDF5 (full model or weights only)
    Keras3WeightsH5, // Keras 3 .weights.h5 (layers/<name>/cell/vars/0..2)
    Keras3Archive,   // Keras 3 .keras zip (config.json + model.weights.h5)
    TorchSafetensors,// PyTorch nn.GRU state dict as .safetensors (weight_ih_l0, ...)
    TorchNpz,        // the same state dict saved with numpy.savez
    NumpyNpz,        // kernel / recurrent_kernel / bias in Keras layout
    Unknown,
};

const char* weightFormatName(WeightFormat format) noexcept;

struct WeightReadLimits {
    int64_t maxElements = int64_t(1) << 28; // per tensor; larger tensors are refused before reading
    int64_t maxArchiveMemberBytes = int64_t(2) << 30;
};

struct Diagnostic {
    enum class Severity { Info, Warning, Error };
    Severity severity = Severity::Info;
    std::string where;   // path inside the file ("model_weights/gru", "config.json")
    std::string message; // what was expected and what was found

    bool operator==(const Diagnostic&) const = default;
};

// One GRU as stored: where its tensors are and what arguments it runs with.
struct GruLayerInfo {
    std::string name;        // the model's name for it ("gru_2"; "bidirectional/forward_gru")
    std::string kind;        // "GRU", "CuDNNGRU", "GRU (Keras 1)"
    std::string group;       // the group that holds its tensors
    std::vector<std::string> tensors; // dataset paths: kernel, recurrent kernel, bias (as stored; Keras 1: nine)
    Shape kernelShape, recurrentShape, biasShape;
    std::string dtype;       // stored element type ("float32", "float16", ...)
    GruConfig config;
    bool configFromFile = false;
    std::vector<std::string> assumptions; // what was inferred rather than read

    // Bidirectional wrappers: the wrapper's name, this layer's direction and the merge mode.
    std::string wrapper;
    std::string direction; // "" | "forward" | "backward"
    std::string mergeMode; // "concat", "sum", "mul", "ave", "none"
};

struct WeightFileInfo {
    std::string path;
    WeightFormat format = WeightFormat::Unknown;
    std::string formatDetail;  // "tf.keras 2.4.0 full model", "Keras 3 .keras (stored)", ...
    std::string kerasVersion;  // as recorded in the file, "" when absent
    std::string backend;
    std::string modelConfigJson; // the model's config as stored ("" when the file has none)
    std::vector<GruLayerInfo> layers;
    std::vector<Diagnostic> diagnostics;

    const GruLayerInfo* find(const std::string& name) const;
};

// Lists the GRU layers of a file. Throws Error(BadFile) naming the file and the object for
// unreadable or hostile files, Error(Unsupported) for files that are valid but hold no layout
// GruScope reads; a file without any GRU is not an error (layers is empty, with a diagnostic).
WeightFileInfo openWeightFile(const std::string& path, const WeightReadLimits& limits = {});

// The layer's weights in Keras layout (kernel (I, 3U), recurrent_kernel (U, 3U), bias), with the
// conversions Keras itself applies: CuDNNGRU's (6U,) bias to (2, 3U), Keras 1's nine arrays
// concatenated, float16/bfloat16/float64 to float32.
GruWeights readGruWeights(const WeightFileInfo& file, const GruLayerInfo& layer, const WeightReadLimits& limits = {});

// The file's HDF5 tree (or, for a .keras archive, its members and the tree of model.weights.h5):
// one line per group or dataset, with shapes, dtypes and attributes (long values shortened).
// At most `maxLines` lines; a final line says how many were left out. The same walk gives the tree
// as nodes: readFileTree in gruscope/file_tree.h.
std::vector<std::string> describeFileTree(const std::string& path, int maxLines = 500);

} // namespace gruscope
