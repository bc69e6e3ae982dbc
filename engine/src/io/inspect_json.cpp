// The JSON description of a weight file that `gruscope-cli inspect --json` prints and the Python
// module's gruscope.inspect returns: the file, each GRU (where its tensors are, shapes, the
// arguments it runs with, statistics per tensor and gate block, diagnostics), the file's own
// diagnostics and the model config it stores.
#include "gruscope/inspect.h"

#include "gruscope/error.h"
#include "gruscope/isolated_parse.h"

#include <nlohmann/json.hpp>

namespace gruscope {

namespace {

using ojson = nlohmann::ordered_json;

ojson statsJson(const TensorStats& s)
{
    ojson j;
    j["name"] = s.name;
    j["shape"] = s.shape;
    j["min"] = s.min;
    j["max"] = s.max;
    j["mean"] = s.mean;
    j["std"] = s.stddev;
    j["norm"] = s.norm;
    j["nan"] = s.nanCount;
    j["inf"] = s.infCount;
    if (!s.firstNonFinite.empty())
        j["first_non_finite"] = s.firstNonFinite;
    j["histogram"] = {{"min", s.histMin}, {"max", s.histMax}, {"counts", s.histogram}};
    return j;
}

ojson diagnosticJson(const Diagnostic& d)
{
    return {{"severity", severityName(d.severity)}, {"where", d.where}, {"message", d.message}};
}

} // namespace

const char* severityName(Diagnostic::Severity s) noexcept
{
    return s == Diagnostic::Severity::Error ? "error" : s == Diagnostic::Severity::Warning ? "warning" : "info";
}

LayerInspection inspectListedLayer(const LoadedWeightFile& loaded, const GruLayerInfo& layer)
{
    LayerInspection out;
    out.diagnostics = checkLayer(layer, loaded.info.kerasVersion);
    try {
        out.inspection = inspectWeights(layer.config, loaded.weights(layer), layer.name);
        out.diagnostics.insert(out.diagnostics.end(), out.inspection.diagnostics.begin(), out.inspection.diagnostics.end());
    } catch (const Error& e) {
        out.diagnostics.push_back({Diagnostic::Severity::Error, layer.group, e.what()});
    }
    return out;
}

std::string inspectionJson(const LoadedWeightFile& loaded, const std::string& file, const std::string& layerName, bool withTree,
                           int indent)
{
    const WeightFileInfo& info = loaded.info;
    ojson j;
    j["file"] = file;
    j["format"] = weightFormatName(info.format);
    j["format_detail"] = info.formatDetail;
    j["keras_version"] = info.kerasVersion;
    j["layers"] = ojson::array();
    for (const auto& L : info.layers) {
        if (!layerName.empty() && L.name != layerName && L.wrapper != layerName)
            continue;
        ojson lj;
        lj["name"] = L.name;
        lj["kind"] = L.kind;
        lj["group"] = L.group;
        lj["tensors"] = L.tensors;
        lj["kernel_shape"] = L.kernelShape;
        lj["recurrent_kernel_shape"] = L.recurrentShape;
        lj["bias_shape"] = L.biasShape;
        lj["dtype"] = L.dtype;
        lj["config_from_file"] = L.configFromFile;
        lj["config"] = ojson::parse(configToJson(L.config));
        if (!L.wrapper.empty())
            lj["bidirectional"] = {{"wrapper", L.wrapper}, {"direction", L.direction}, {"merge_mode", L.mergeMode}};
        const LayerInspection li = inspectListedLayer(loaded, L);
        lj["tensors_stats"] = ojson::array();
        for (const auto& s : li.inspection.tensors)
            lj["tensors_stats"].push_back(statsJson(s));
        lj["gate_blocks"] = ojson::array();
        for (const auto& s : li.inspection.blocks)
            lj["gate_blocks"].push_back(statsJson(s));
        lj["diagnostics"] = ojson::array();
        for (const auto& d : li.diagnostics)
            lj["diagnostics"].push_back(diagnosticJson(d));
        j["layers"].push_back(lj);
    }
    j["diagnostics"] = ojson::array();
    for (const auto& d : info.diagnostics)
        j["diagnostics"].push_back(diagnosticJson(d));
    if (!info.modelConfigJson.empty()) {
        try {
            j["model_config"] = ojson::parse(info.modelConfigJson);
        } catch (const std::exception&) {
            j["model_config"] = info.modelConfigJson;
        }
    }
    if (withTree) {
        if (!loaded.treeError.empty())
            throw Error(ErrorCode::BadFile, loaded.treeError);
        j["tree"] = loaded.tree;
    }
    return j.dump(indent);
}

} // namespace gruscope
