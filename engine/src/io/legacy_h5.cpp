// Legacy Keras HDF5: Keras 1 and 2, tf.keras and Keras 3's model.save("x.h5"), full model or
// weights only. Layers are listed by the `layer_names` attribute (split into layer_names0..n
// when large); each layer group lists its tensors in `weight_names`, paths relative to the group,
// in the order kernel, recurrent kernel, bias (forward then backward for Bidirectional).
#include "weightfile_detail.h"

#include "core/json_depth.h"
#include "gruscope/error.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace gruscope::io {

using nlohmann::json;

constexpr size_t kMaxModelConfigDepth = 256;

namespace {

bool endsWith(const std::string& s, const std::string& suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string stripTensorSuffix(std::string s)
{
    if (endsWith(s, ":0"))
        s.resize(s.size() - 2);
    return s;
}

// A GRU's tensors among a layer's weight names, starting at `first`: kernel, recurrent_kernel and
// optionally bias, with shapes that fit (I, 3U), (U, 3U), (2, 3U) | (3U,) | (6U,).
struct Triple {
    std::vector<std::string> paths;
    Shape k, r, b;
    std::string dtype;
};

std::optional<Triple> gruTriple(const h5::File& f, const std::string& group, const std::vector<std::string>& names,
                                size_t first, size_t count)
{
    if (count < 2 || count > 3 || first + count > names.size())
        return std::nullopt;
    if (stripTensorSuffix(names[first + 1]).find("recurrent_kernel") == std::string::npos)
        return std::nullopt;
    Triple t;
    for (size_t i = 0; i < count; ++i) {
        const std::string p = joinH5(group, names[first + i]);
        if (!f.isDataset(p))
            return std::nullopt;
        t.paths.push_back(p);
    }
    const auto ki = f.datasetInfo(t.paths[0]);
    t.k = ki.shape;
    t.dtype = ki.typeName;
    t.r = f.datasetInfo(t.paths[1]).shape;
    if (count == 3)
        t.b = f.datasetInfo(t.paths[2]).shape;
    // r[1] == 3·r[0] without the product (a corrupt file's dimensions can be huge), and no
    // dimension so large that 2·3U below could overflow.
    constexpr int64_t kMaxDim = int64_t(1) << 40;
    if (t.r.size() != 2 || t.r[0] <= 0 || t.r[0] > kMaxDim || t.r[1] % 3 != 0 || t.r[1] / 3 != t.r[0] || t.k.size() != 2 ||
        t.k[1] != t.r[1])
        return std::nullopt;
    const int64_t G = t.r[1];
    if (count == 3 && !(t.b == Shape{2, G} || t.b == Shape{G} || t.b == Shape{2 * G}))
        return std::nullopt;
    return t;
}

void fillShapes(GruLayerInfo& L, const Triple& t)
{
    L.tensors = t.paths;
    L.kernelShape = t.k;
    L.recurrentShape = t.r;
    L.biasShape = t.b;
    L.dtype = t.dtype;
    if (t.b.size() == 1 && t.b[0] == 2 * t.r[1])
        L.kind = "CuDNNGRU";
}

} // namespace

void readLegacyH5(const h5::File& f, WeightFileInfo& info)
{
    const std::string root = f.isGroup("/model_weights") ? "/model_weights" : "/";
    const auto layerNames = splitStrings(f, root, "layer_names");
    if (!layerNames)
        throw Error(ErrorCode::Unsupported, f.name() + ": an HDF5 file without the Keras attributes (no layer_names at '" + root +
                                                "' and no layers/ group): not a Keras weight file");
    info.format = WeightFormat::LegacyH5;
    info.kerasVersion = f.string("/", "keras_version").value_or(f.string(root, "keras_version").value_or(""));
    info.backend = f.string("/", "backend").value_or(f.string(root, "backend").value_or(""));
    const bool keras3 = info.kerasVersion.rfind("3.", 0) == 0;
    const bool keras1 = info.kerasVersion.rfind("1.", 0) == 0;
    const Flavor flavor = keras3 ? Flavor::Keras3 : Flavor::TfKeras;
    // Keras up to 2.2 defaulted recurrent_activation to hard_sigmoid; a file without a config
    // gets that era's default.
    int vMajor = 0, vMinor = 0;
    std::sscanf(info.kerasVersion.c_str(), "%d.%d", &vMajor, &vMinor);
    const bool hardSigmoidEra = !info.kerasVersion.empty() && (vMajor < 2 || (vMajor == 2 && vMinor <= 2)) &&
                                info.kerasVersion.find("-tf") == std::string::npos;
    auto inferred = [&](const Shape& k, const Shape& r, const Shape& b, std::vector<std::string>& assumptions) {
        GruConfig c = inferGruConfig(k, r, b, flavor, assumptions);
        if (hardSigmoidEra && !(b.size() == 1 && b[0] == 2 * r[1])) { // CuDNNGRU keeps sigmoid
            c.recurrent_activation = "hard_sigmoid";
            assumptions.push_back("recurrent_activation='hard_sigmoid', the default of Keras " + info.kerasVersion);
        }
        return c;
    };
    const bool full = root == "/model_weights";
    info.formatDetail = std::string(keras3 ? "Keras 3 legacy .h5" : keras1 ? "Keras 1 .h5" : "Keras 2 / tf.keras .h5") +
                        (full ? ", full model" : ", weights only") +
                        (info.kerasVersion.empty() ? "" : " (keras_version " + info.kerasVersion + ")");

    std::map<std::string, LayerConfig> configs;
    if (auto mc = f.string("/", "model_config")) {
        // Fuzzing fix: a model config nested thousands of levels deep (valid or not) overflowed the
        // stack wherever it was copied or parsed into ordered_json (collectLayerConfigs, the CLI's
        // --json). It is measured as text first, ignored and not passed on in modelConfigJson.
        if (detail::jsonTextDepth(*mc) > kMaxModelConfigDepth) {
            info.diagnostics.push_back({Diagnostic::Severity::Warning, "/ model_config",
                                        "the model config is nested more than " + std::to_string(kMaxModelConfigDepth) +
                                            " levels deep; it is ignored and arguments are inferred"});
        } else {
            info.modelConfigJson = *mc;
            try {
                const json parsed = json::parse(*mc);
                for (auto& [name, lc] : collectLayerConfigs(parsed))
                    configs.emplace(name, std::move(lc));
            } catch (const json::exception& e) {
                // The parser's message quotes the bytes it last read, which can end inside a
                // UTF-8 sequence; diagnostics are text (and JSON strings in the parse child's reply).
                info.diagnostics.push_back({Diagnostic::Severity::Warning, "/ model_config",
                                            validUtf8(std::string("the model config is not valid JSON (") + e.what() +
                                                      "); arguments are inferred")});
            }
        }
    }

    for (const std::string& layerName : *layerNames) {
        const std::string group = joinH5(root, layerName);
        // Fuzzing fix: the layer configs come from the file, and a value of an unexpected JSON type (a
        // numeric merge_mode or inner layer name, a non-object inner config, ...) made the .get<>() and
        // value() calls below throw nlohmann::json::type_error out of openWeightFile. It is a bad file.
        try {
            if (!f.isGroup(group)) {
                info.diagnostics.push_back({Diagnostic::Severity::Warning, group, "listed in layer_names but the group is missing"});
                continue;
            }
            const auto weightNames = splitStrings(f, group, "weight_names").value_or(std::vector<std::string>{});
            if (weightNames.empty())
                continue;
            const auto cfgIt = configs.find(layerName);
            const LayerConfig* cfg = cfgIt == configs.end() ? nullptr : &cfgIt->second;
            const std::string cls = cfg ? cfg->className : "";

            // Keras 1: nine arrays per GRU, W/U/b for each gate z, r, h.
            if (weightNames.size() == 9 && stripTensorSuffix(weightNames[0]).size() >= 4 &&
                endsWith(stripTensorSuffix(weightNames[0]), "_W_z")) {
                GruLayerInfo L;
                L.name = layerName;
                L.kind = "GRU (Keras 1)";
                L.group = group;
                for (const auto& w : weightNames)
                    L.tensors.push_back(joinH5(group, w));
                const Shape wz = f.datasetInfo(L.tensors[0]).shape, uz = f.datasetInfo(L.tensors[1]).shape;
                constexpr int64_t kMaxDim = int64_t(1) << 40; // 3·dim below must not overflow
                if (wz.size() != 2 || uz.size() != 2 || wz[1] < 0 || wz[1] > kMaxDim || uz[1] < 0 || uz[1] > kMaxDim) {
                    info.diagnostics.push_back({Diagnostic::Severity::Warning, group, "Keras 1 GRU arrays with unexpected shapes"});
                    continue;
                }
                L.kernelShape = {wz[0], 3 * wz[1]};
                L.recurrentShape = {uz[0], 3 * uz[1]};
                L.biasShape = {3 * wz[1]};
                L.dtype = f.datasetInfo(L.tensors[0]).typeName;
                if (cfg) {
                    L.config = gruConfigFromKeras(cls, cfg->config, flavor, L.assumptions, info.diagnostics, group);
                    L.configFromFile = true;
                } else {
                    L.config = inferGruConfig(L.kernelShape, L.recurrentShape, L.biasShape, flavor, L.assumptions);
                    L.config.reset_after = false;
                    L.config.recurrent_activation = "hard_sigmoid";
                }
                L.assumptions.push_back("Keras 1 weights: kernel = [W_z | W_r | W_h], recurrent_kernel = [U_z | U_r | U_h], "
                                        "bias = [b_z | b_r | b_h], as Keras 2 converts them");
                info.layers.push_back(std::move(L));
                continue;
            }

            if (cls == "Bidirectional" || (!cfg && weightNames.size() >= 4 && weightNames.size() % 2 == 0)) {
                const size_t half = weightNames.size() / 2;
                auto fw = gruTriple(f, group, weightNames, 0, half);
                auto bw = gruTriple(f, group, weightNames, half, half);
                if (fw && bw) {
                    const json inner = cfg && cfg->config.contains("layer") ? cfg->config["layer"] : json();
                    const json backInner = cfg && cfg->config.contains("backward_layer") ? cfg->config["backward_layer"] : json();
                    std::string merge = "concat";
                    if (cfg && cfg->config.contains("merge_mode"))
                        merge = cfg->config["merge_mode"].is_null() ? "none" : cfg->config["merge_mode"].get<std::string>();
                    for (int d = 0; d < 2; ++d) {
                        const Triple& t = d == 0 ? *fw : *bw;
                        GruLayerInfo L;
                        L.kind = "GRU";
                        L.group = group;
                        fillShapes(L, t);
                        L.wrapper = layerName;
                        L.direction = d == 0 ? "forward" : "backward";
                        L.mergeMode = merge;
                        const json& lc = d == 1 && backInner.is_object() ? backInner : inner;
                        std::string innerName;
                        if (lc.is_object() && lc.contains("config") && lc["config"].contains("name"))
                            innerName = lc["config"]["name"].get<std::string>();
                        // Keras 3 names the halves (forward_gru, backward_gru); tf.keras names only the inner layer.
                        if (innerName.empty())
                            L.name = layerName + "/" + L.direction;
                        else if (innerName.rfind(L.direction, 0) == 0)
                            L.name = layerName + "/" + innerName;
                        else
                            L.name = layerName + "/" + L.direction + "_" + innerName;
                        if (lc.is_object() && lc.contains("config")) {
                            const std::string innerCls = lc.value("class_name", std::string("GRU"));
                            if (innerCls != "GRU" && innerCls != "CuDNNGRU")
                                break;
                            L.config = gruConfigFromKeras(innerCls, lc["config"], flavor, L.assumptions, info.diagnostics, group);
                            L.configFromFile = true;
                            if (innerCls == "CuDNNGRU")
                                L.kind = "CuDNNGRU";
                        } else {
                            L.config = inferred(t.k, t.r, t.b, L.assumptions);
                        }
                        if (d == 1 && !backInner.is_object()) {
                            // Keras builds the backward layer from the forward config with go_backwards flipped.
                            L.config.go_backwards = !L.config.go_backwards;
                            L.assumptions.push_back("backward layer: the forward layer's config with go_backwards flipped, as Keras builds it");
                        }
                        L.config.name = L.name;
                        info.layers.push_back(std::move(L));
                    }
                    continue;
                }
                if (cls == "Bidirectional") {
                    info.diagnostics.push_back({Diagnostic::Severity::Info, group, "Bidirectional layer that does not wrap a GRU"});
                    continue;
                }
            }

            const bool gruClass = cls == "GRU" || cls == "CuDNNGRU" || cls == "GRUV2" || cls == "GRUV1";
            auto t = gruTriple(f, group, weightNames, 0, weightNames.size());
            if (!t) {
                if (gruClass)
                    info.diagnostics.push_back({Diagnostic::Severity::Warning, group,
                                                "a " + cls + " layer whose tensors do not have GRU shapes (" +
                                                    std::to_string(weightNames.size()) + " weights)"});
                continue;
            }
            if (cfg && !gruClass)
                continue; // GRU-shaped tensors in another class (a custom layer): not a GRU
            GruLayerInfo L;
            L.name = layerName;
            L.kind = cls.empty() ? "GRU" : (cls == "CuDNNGRU" ? "CuDNNGRU" : "GRU");
            L.group = group;
            fillShapes(L, *t);
            if (cfg) {
                L.config = gruConfigFromKeras(L.kind == "CuDNNGRU" ? "CuDNNGRU" : cls, cfg->config, flavor, L.assumptions,
                                              info.diagnostics, group);
                L.configFromFile = true;
            } else {
                L.config = inferred(t->k, t->r, t->b, L.assumptions);
                if (L.kind == "CuDNNGRU")
                    L.assumptions.push_back("a (6U,) bias is the CuDNNGRU layout: converted as Keras converts it");
            }
            L.config.name = layerName;
            info.layers.push_back(std::move(L));
        } catch (const json::exception& e) {
            throw Error(ErrorCode::BadFile, f.name() + ": " + group +
                                                ": the model config of this layer holds a value of an unexpected type (" +
                                                e.what() + ")");
        }
    }
    if (info.layers.empty())
        info.diagnostics.push_back({Diagnostic::Severity::Info, root, "no GRU layer in this file"});
}

} // namespace gruscope::io
