// Looking at weights: statistics per tensor and per gate block (z, r, h; input and recurrent
// bias rows), checks that explain what is wrong (shapes, bias variant, NaN/Inf, dead gate blocks,
// stored dtype), and differences between two weight sets.
#pragma once

#include "gruscope/config.h"
#include "gruscope/weightfile.h"
#include "gruscope/weights.h"

#include <cstdint>
#include <string>
#include <vector>

namespace gruscope {

struct TensorStats {
    std::string name;  // "kernel", "kernel[z]", "bias[input, r]"
    Shape shape;
    int64_t count = 0;
    double min = 0, max = 0, mean = 0, stddev = 0, norm = 0; // over finite values
    int64_t nanCount = 0, infCount = 0;
    std::string firstNonFinite; // "[3, 17]" or ""
    double histMin = 0, histMax = 0;
    std::vector<int64_t> histogram; // equal-width bins over [histMin, histMax]
};

struct Inspection {
    std::vector<TensorStats> tensors; // kernel, recurrent_kernel, bias
    std::vector<TensorStats> blocks;  // per gate block of each tensor (and bias row)
    std::vector<Diagnostic> diagnostics;
};

// `where` names the layer in diagnostics ("model.h5: gru_1").
Inspection inspectWeights(const GruConfig& config, const GruWeights& weights, const std::string& where, int bins = 20);

// Diagnostics on a listed layer before its data is read: shapes against its config, the bias
// shape against reset_after, stored dtype conversions, tf.keras-only arguments under Keras 3.
std::vector<Diagnostic> checkLayer(const GruLayerInfo& layer, const std::string& kerasVersion);

struct LoadedWeightFile;

// "error", "warning", "info".
const char* severityName(Diagnostic::Severity severity) noexcept;

// One listed layer of a read file: checkLayer's diagnostics, then the statistics of its weights
// and their diagnostics (or the error reading them, as a diagnostic).
struct LayerInspection {
    Inspection inspection;
    std::vector<Diagnostic> diagnostics;
};
LayerInspection inspectListedLayer(const LoadedWeightFile& loaded, const GruLayerInfo& layer);

// The whole description as JSON (what `gruscope-cli inspect --json` prints): file, format,
// keras_version, layers (all, or those named `layer` or wrapped by it) with config, shapes,
// tensors_stats, gate_blocks and diagnostics; the file's diagnostics; model_config; with
// `withTree` the file tree (Error(BadFile) when it could not be read). `file` is the path as the
// user gave it.
std::string inspectionJson(const LoadedWeightFile& loaded, const std::string& file, const std::string& layer = "",
                           bool withTree = false, int indent = 2);

struct BlockDiff {
    std::string name;       // "kernel[z]", "recurrent_kernel[h]", "bias[recurrent, r]"
    double maxAbs = 0;      // max |a − b|
    double relNorm = 0;     // ‖a − b‖ / ‖a‖ (0 when both are zero)
    int64_t changed = 0;    // entries with |a − b| > tolerance
    int64_t signFlips = 0;  // entries whose sign differs (both non-zero)
    int64_t count = 0;
};

struct UnitChange {
    int64_t unit = 0;
    double norm = 0; // ‖Δ‖ over every weight that feeds that unit's gates (its three columns)
};

struct WeightDiff {
    std::vector<BlockDiff> blocks;
    std::vector<UnitChange> mostChanged; // descending
    bool identical = true;
};

// Throws Error(ShapeMismatch) when the two sets have different shapes.
WeightDiff diffWeights(const GruWeights& a, const GruWeights& b, double tolerance = 0.0, int topUnits = 10);

} // namespace gruscope
