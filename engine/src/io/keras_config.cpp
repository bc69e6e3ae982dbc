// From the layer configs stored in Keras files to GruConfig, across Keras generations.
#include "weightfile_detail.h"

#include "gruscope/error.h"

namespace gruscope::io {

using nlohmann::json;

namespace {

void collect(const json& node, std::vector<std::pair<std::string, LayerConfig>>& out, int depth)
{
    if (depth > 64)
        return;
    if (node.is_array()) {
        for (const auto& e : node)
            collect(e, out, depth + 1);
        return;
    }
    if (!node.is_object())
        return;
    if (node.contains("class_name") && node["class_name"].is_string() && node.contains("config")) {
        const json& cfg = node["config"];
        const std::string cls = node["class_name"].get<std::string>();
        if (cfg.is_object() && cfg.contains("name") && cfg["name"].is_string())
            out.push_back({cfg["name"].get<std::string>(), LayerConfig{cls, cfg}});
        if (cfg.is_object() && cfg.contains("layers"))
            collect(cfg["layers"], out, depth + 1);
        else if (cfg.is_array()) // Keras 1 Sequential: the config is the list of layers
            collect(cfg, out, depth + 1);
        return;
    }
    if (node.contains("layers"))
        collect(node["layers"], out, depth + 1);
}

} // namespace

// Fuzzing fix: nlohmann::json parses any nesting depth without recursion, but copying a value and
// dump() recurse once per level, so a hostile model config nested ~100000 levels deep overflowed
// the stack. Readers check the depth with this (iterative) walk before they copy or dump anything.
// (Declared in legacy_h5.cpp and keras3_h5.cpp; it belongs in weightfile_detail.h.)
bool jsonDeeperThan(const json& root, size_t maxDepth)
{
    std::vector<std::pair<const json*, size_t>> stack{{&root, 1}};
    while (!stack.empty()) {
        const auto [j, depth] = stack.back();
        stack.pop_back();
        if (!j->is_structured())
            continue;
        if (depth > maxDepth)
            return true;
        for (const json& child : *j)
            stack.push_back({&child, depth + 1});
    }
    return false;
}

std::vector<std::pair<std::string, LayerConfig>> collectLayerConfigs(const json& modelConfig)
{
    std::vector<std::pair<std::string, LayerConfig>> out;
    collect(modelConfig, out, 0);
    return out;
}

GruConfig gruConfigFromKeras(const std::string& className, const json& config, Flavor flavor,
                             std::vector<std::string>& assumptions, std::vector<Diagnostic>& diagnostics,
                             const std::string& where)
{
    json c = config;
    if (className == "CuDNNGRU") {
        // CuDNNGRU fixes the cell: tanh, sigmoid, reset after (Keras loads it into that GRU).
        c["activation"] = "tanh";
        c["recurrent_activation"] = "sigmoid";
        c["reset_after"] = true;
        assumptions.push_back("CuDNNGRU runs as GRU(activation='tanh', recurrent_activation='sigmoid', reset_after=True), as Keras converts it");
    } else if (c.contains("output_dim")) {
        // Keras 1 names.
        c["units"] = c["output_dim"];
        if (c.contains("inner_activation"))
            c["recurrent_activation"] = c["inner_activation"];
        c["reset_after"] = false;
        c.erase("output_dim");
        c.erase("inner_activation");
        for (const char* k : {"init", "inner_init", "consume_less", "dropout_W", "dropout_U", "W_regularizer", "U_regularizer",
                              "b_regularizer", "input_dim", "input_length"})
            c.erase(k);
        assumptions.push_back("Keras 1 configuration: output_dim → units, inner_activation → recurrent_activation, reset_after=False");
    } else {
        if (!c.contains("reset_after")) {
            c["reset_after"] = false;
            assumptions.push_back("reset_after is missing from the config (Keras before 2.1.3): False, the default then");
        }
        if (!c.contains("recurrent_activation")) {
            c["recurrent_activation"] = "hard_sigmoid";
            assumptions.push_back("recurrent_activation is missing from the config: hard_sigmoid, the Keras 2.2 default");
        }
    }
    // Keras 2.x stored implementation 0 (legacy); a Keras 3 reader keeps it.
    const ParsedConfig parsed = parseConfigJson(c.dump(), flavor, where);
    for (const auto& issue : parsed.issues)
        diagnostics.push_back({Diagnostic::Severity::Warning, where, "argument GruScope cannot use: " + issue.message()});
    GruConfig out = parsed.config;
    if (!parsed.issues.empty()) {
        // Keep the layer listable: fall back to the defaults for what is invalid.
        for (const auto& issue : parsed.issues) {
            if (issue.argument == "activation")
                out.activation = "tanh";
            if (issue.argument == "recurrent_activation")
                out.recurrent_activation = "sigmoid";
            if (issue.argument == "time_major")
                out.time_major = false;
        }
    }
    return out;
}

GruConfig inferGruConfig(const Shape& kernel, const Shape& recurrent, const Shape& bias, Flavor flavor,
                         std::vector<std::string>& assumptions)
{
    GruConfig c;
    c.flavor = flavor;
    c.units = recurrent.size() == 2 ? recurrent[0] : 0;
    c.use_bias = !bias.empty();
    // Without a bias nothing in the file tells the variant: keep the Keras 2.3+/3 default (True).
    c.reset_after = bias.empty() || bias.size() == 2 || (bias.size() == 1 && bias[0] == 6 * c.units);
    assumptions.push_back("no layer configuration in the file: units=" + std::to_string(c.units) + " and input size " +
                          std::to_string(kernel.empty() ? 0 : kernel[0]) + " from the shapes");
    assumptions.push_back(std::string("use_bias=") + (c.use_bias ? "True" : "False") + " from " +
                          (c.use_bias ? "the bias tensor" : "the missing bias"));
    if (c.use_bias)
        assumptions.push_back(std::string("reset_after=") + (c.reset_after ? "True" : "False") + " from the bias shape " +
                              shapeToString(bias));
    else
        assumptions.push_back("reset_after=True assumed: without a bias the file cannot tell the two variants apart");
    assumptions.push_back("activation='tanh', recurrent_activation='sigmoid', return_sequences=False and go_backwards=False "
                          "assumed (Keras defaults); set them to match the model");
    return c;
}

std::optional<std::vector<std::string>> splitStrings(const h5::File& f, const std::string& path, const std::string& attr)
{
    if (auto whole = f.strings(path, attr))
        return whole;
    std::vector<std::string> out;
    bool any = false;
    for (int k = 0; k < 100000; ++k) {
        auto part = f.strings(path, attr + std::to_string(k));
        if (!part)
            break;
        any = true;
        out.insert(out.end(), part->begin(), part->end());
    }
    if (!any)
        return std::nullopt;
    return out;
}

std::string joinH5(const std::string& a, const std::string& b)
{
    if (a.empty() || a == "/")
        return "/" + b;
    return a + "/" + b;
}

} // namespace gruscope::io
