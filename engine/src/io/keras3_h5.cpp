// Keras 3 .weights.h5 (also the model.weights.h5 inside a .keras archive). Tensors live at
// layers/<name>/cell/vars/0..2 (kernel, recurrent kernel, bias), where <name> is not the layer's
// name but its class in snake_case made unique within its container (gru, gru_1, ...), and a
// Bidirectional's halves at layers/<name>/forward_layer and .../backward_layer.
#include "weightfile_detail.h"

#include "gruscope/error.h"

#include <cctype>
#include <map>

namespace gruscope::io {

using nlohmann::json;

bool jsonDeeperThan(const json& root, size_t maxDepth); // keras_config.cpp
constexpr size_t kMaxModelConfigDepth = 256;

namespace {

// keras.src.utils.naming.to_snake_case
std::string toSnakeCase(const std::string& name)
{
    std::string clean;
    for (char c : name)
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '_')
            clean += c;
    std::string out;
    for (size_t i = 0; i < clean.size(); ++i) {
        const char c = clean[i];
        const bool upper = std::isupper(static_cast<unsigned char>(c));
        if (upper && i > 0) {
            const char prev = clean[i - 1];
            const bool nextLower = i + 1 < clean.size() && std::islower(static_cast<unsigned char>(clean[i + 1]));
            if (std::islower(static_cast<unsigned char>(prev)) || nextLower)
                out += '_';
        }
        out += char(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

// Map weight-group paths ("/layers/gru_1") to their layer configs, as Keras names them.
void mapContainer(const json& layers, const std::string& prefix, std::map<std::string, LayerConfig>& out, int depth)
{
    if (!layers.is_array() || depth > 16)
        return;
    std::map<std::string, int> used;
    for (const auto& l : layers) {
        if (!l.is_object() || !l.contains("class_name") || !l["class_name"].is_string())
            continue;
        const std::string cls = l["class_name"].get<std::string>();
        std::string name = toSnakeCase(cls);
        auto it = used.find(name);
        if (it != used.end())
            name += "_" + std::to_string(++it->second);
        else
            used[name] = 0;
        const std::string path = prefix + "/layers/" + name;
        const json cfg = l.contains("config") ? l["config"] : json();
        out[path] = LayerConfig{cls, cfg};
        if (cfg.is_object() && cfg.contains("layers"))
            mapContainer(cfg["layers"], path, out, depth + 1);
    }
}

struct Found {
    std::string group; // e.g. /layers/bidirectional/forward_layer
    std::vector<std::string> tensors;
    Shape k, r, b;
    std::string dtype;
};

void walk(const h5::File& f, const std::string& group, std::vector<Found>& found, int depth, int& visited)
{
    if (depth > 16 || ++visited > 100000)
        return;
    const std::string vars = group + "/cell/vars";
    if (f.isGroup(vars) && f.isDataset(vars + "/0") && f.isDataset(vars + "/1")) {
        Found x;
        x.group = group;
        x.tensors = {vars + "/0", vars + "/1"};
        if (f.isDataset(vars + "/2"))
            x.tensors.push_back(vars + "/2");
        const auto ki = f.datasetInfo(x.tensors[0]);
        x.k = ki.shape;
        x.dtype = ki.typeName;
        x.r = f.datasetInfo(x.tensors[1]).shape;
        if (x.tensors.size() == 3)
            x.b = f.datasetInfo(x.tensors[2]).shape;
        // r[1] == 3·r[0], written without the product: a corrupt file's dimensions can be huge.
        const bool gruShapes = x.r.size() == 2 && x.r[0] > 0 && x.r[1] % 3 == 0 && x.r[1] / 3 == x.r[0] && x.k.size() == 2 &&
                               x.k[1] == x.r[1] &&
                               (x.b.empty() || x.b == Shape{2, x.r[1]} || x.b == Shape{x.r[1]});
        if (gruShapes) {
            found.push_back(std::move(x));
            return;
        }
    }
    for (const auto& child : f.children(group)) {
        if (child == "vars")
            continue;
        const std::string p = group + "/" + child;
        if (f.kind(p) == h5::Kind::Group)
            walk(f, p, found, depth + 1, visited);
    }
}

} // namespace

void readKeras3WeightsH5(const h5::File& f, const json* modelConfig, WeightFileInfo& info)
{
    if (!f.isGroup("/layers") && !f.isGroup("/_layer_checkpoint_dependencies"))
        throw Error(ErrorCode::Unsupported, f.name() + ": an HDF5 file with neither Keras 2 attributes (layer_names) nor a "
                                                       "Keras 3 layers/ group: not a Keras weight file");
    std::map<std::string, LayerConfig> byPath;
    // Fuzzing fix: mapContainer copies layer configs, and copying JSON recurses once per level; a
    // config.json nested ~100000 deep overflowed the stack. Such a config is ignored, with a warning,
    // and not passed on in modelConfigJson (whose readers dump it).
    if (modelConfig && jsonDeeperThan(*modelConfig, kMaxModelConfigDepth)) {
        info.modelConfigJson.clear();
        info.diagnostics.push_back({Diagnostic::Severity::Warning, "config.json",
                                    "the model config is nested more than " + std::to_string(kMaxModelConfigDepth) +
                                        " levels deep; it is ignored and arguments are inferred"});
        modelConfig = nullptr;
    }
    if (modelConfig && modelConfig->is_object() && modelConfig->contains("config")) {
        const json& mc = (*modelConfig)["config"];
        if (mc.is_object() && mc.contains("layers"))
            mapContainer(mc["layers"], "", byPath, 0);
    }
    std::vector<Found> found;
    int visited = 0;
    for (const char* top : {"/layers", "/_layer_checkpoint_dependencies"})
        if (f.isGroup(top))
            walk(f, top, found, 0, visited);
    // HDF5 lists members by name: put a Bidirectional's forward half before its backward half.
    for (size_t i = 0; i + 1 < found.size(); ++i) {
        const std::string& a = found[i].group;
        const std::string& b = found[i + 1].group;
        const auto slash = a.rfind('/');
        if (slash != std::string::npos && a.compare(slash, std::string::npos, "/backward_layer") == 0 &&
            b.size() > slash && b.compare(0, slash, a, 0, slash) == 0 && b.compare(slash, std::string::npos, "/forward_layer") == 0)
            std::swap(found[i], found[i + 1]);
    }

    for (auto& x : found) {
        // Fuzzing fix: the layer configs come from config.json, and a value of an unexpected JSON type
        // (a numeric merge_mode or inner name, a list where Keras writes a dict, a non-bool
        // go_backwards, ...) made the .get<>() and value() calls below throw nlohmann::json::type_error
        // out of openWeightFile. It is a bad file.
        try {
            GruLayerInfo L;
            L.kind = "GRU";
            L.group = x.group;
            L.tensors = x.tensors;
            L.kernelShape = x.k;
            L.recurrentShape = x.r;
            L.biasShape = x.b;
            L.dtype = x.dtype;
            // Bidirectional halves sit one level below the wrapper's group.
            std::string layerPath = x.group, direction;
            for (const char* d : {"forward_layer", "backward_layer"}) {
                const std::string suffix = std::string("/") + d;
                if (x.group.size() > suffix.size() && x.group.compare(x.group.size() - suffix.size(), suffix.size(), suffix) == 0) {
                    layerPath = x.group.substr(0, x.group.size() - suffix.size());
                    direction = d[0] == 'f' ? "forward" : "backward";
                }
            }
            const std::string groupName = layerPath.substr(layerPath.rfind('/') + 1);
            const auto it = byPath.find(layerPath);
            json gruCfg;
            std::string layerName = groupName;
            if (it != byPath.end()) {
                const LayerConfig& lc = it->second;
                if (lc.config.contains("name") && lc.config["name"].is_string())
                    layerName = lc.config["name"].get<std::string>();
                if (!direction.empty() && lc.className == "Bidirectional") {
                    L.wrapper = layerName;
                    L.direction = direction;
                    L.mergeMode = lc.config.contains("merge_mode") && !lc.config["merge_mode"].is_null()
                                      ? lc.config["merge_mode"].get<std::string>()
                                      : "none";
                    const char* key = direction == "forward" ? "layer" : "backward_layer";
                    if (lc.config.contains(key) && lc.config[key].contains("config"))
                        gruCfg = lc.config[key]["config"];
                    else if (direction == "backward" && lc.config.contains("layer") && lc.config["layer"].contains("config")) {
                        gruCfg = lc.config["layer"]["config"];
                        gruCfg["go_backwards"] = !gruCfg.value("go_backwards", false);
                        L.assumptions.push_back("backward layer: the forward layer's config with go_backwards flipped");
                    }
                    const std::string inner = gruCfg.is_object() && gruCfg.contains("name") ? gruCfg["name"].get<std::string>() : "";
                    layerName += "/" + (inner.empty() ? direction : inner.rfind(direction, 0) == 0 ? inner : direction + "_" + inner);
                } else if (lc.className == "GRU") {
                    gruCfg = lc.config;
                }
            } else if (!direction.empty()) {
                L.wrapper = groupName;
                L.direction = direction;
                L.mergeMode = "concat";
                layerName += "/" + direction;
                L.assumptions.push_back("Bidirectional merge_mode unknown without the model config: concat (the default) assumed");
            }
            L.name = layerName;
            if (gruCfg.is_object()) {
                L.config = gruConfigFromKeras("GRU", gruCfg, Flavor::Keras3, L.assumptions, info.diagnostics, x.group);
                L.configFromFile = true;
            } else {
                L.config = inferGruConfig(x.k, x.r, x.b, Flavor::Keras3, L.assumptions);
                if (direction == "backward") {
                    L.config.go_backwards = true;
                    L.assumptions.push_back("backward half of a Bidirectional: go_backwards=True");
                }
            }
            L.config.name = L.name;
            info.layers.push_back(std::move(L));
        } catch (const json::exception& e) {
            throw Error(ErrorCode::BadFile, f.name() + ": " + x.group +
                                                ": the model config of this layer holds a value of an unexpected type (" +
                                                e.what() + ")");
        }
    }
    if (info.layers.empty())
        info.diagnostics.push_back({Diagnostic::Severity::Info, "/layers", "no GRU layer in this file"});
}

} // namespace gruscope::io
