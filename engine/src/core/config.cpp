// GruConfig validation and the get_config() JSON dialects of Keras 3 and tf.keras.
#include "gruscope/config.h"

#include "core/json_depth.h"

#include "gruscope/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace gruscope {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

namespace {

constexpr int64_t kMaxUnits = int64_t(1) << 20;
constexpr size_t kMaxJsonDepth = 256;


std::string fmtDouble(double v)
{
    std::ostringstream s;
    s << v;
    return s.str();
}

bool isKeras3Only(ActivationKind k)
{
    // Names tf_keras 2.21's activations.get() does not know (checked with tf_keras 2.21.0).
    return k == ActivationKind::HardSilu || k == ActivationKind::LogSigmoid || k == ActivationKind::Celu;
}

// ---- reading -------------------------------------------------------------------------------

struct Reader {
    const json& dict;
    ParsedConfig& out;

    const json* find(const char* key) const
    {
        auto it = dict.find(key);
        return it == dict.end() ? nullptr : &*it;
    }
    void typeIssue(const char* key, const json& v, const char* allowed)
    {
        out.issues.push_back({key, v.dump(), allowed});
    }
    void readBool(const char* key, bool& dst)
    {
        if (const json* v = find(key)) {
            if (v->is_boolean())
                dst = v->get<bool>();
            else
                typeIssue(key, *v, "true or false");
        }
    }
    void readDouble(const char* key, double& dst)
    {
        if (const json* v = find(key)) {
            if (v->is_number())
                dst = v->get<double>();
            else
                typeIssue(key, *v, "a number in [0, 1]");
        }
    }
    void readActivation(const char* key, std::string& dst)
    {
        const json* v = find(key);
        if (!v)
            return;
        if (v->is_null()) {
            dst = "linear"; // activations.get(None) is linear in both Kerases
        } else if (v->is_string()) {
            dst = v->get<std::string>();
        } else if (v->is_object() && v->contains("config") && (*v)["config"].is_string()) {
            dst = (*v)["config"].get<std::string>(); // {"class_name": "function", "config": "tanh"}
        } else if (v->is_object() && v->contains("class_name") && (*v)["class_name"].is_string()) {
            dst = (*v)["class_name"].get<std::string>(); // e.g. {"class_name": "ReLU"} — validated below
        } else {
            typeIssue(key, *v, "an activation name");
        }
    }
    void readVerbatim(const char* key, std::string& dst)
    {
        if (const json* v = find(key))
            dst = v->dump();
    }
    void readInitializer(const char* key, InitializerSpec& dst)
    {
        const json* v = find(key);
        if (!v)
            return;
        std::string cls;
        const json* cfg = nullptr;
        if (v->is_string()) {
            cls = v->get<std::string>();
        } else if (v->is_object() && v->contains("class_name") && (*v)["class_name"].is_string()) {
            cls = (*v)["class_name"].get<std::string>();
            if (v->contains("config") && (*v)["config"].is_object())
                cfg = &(*v)["config"];
        } else {
            typeIssue(key, *v, "an initializer name or {\"class_name\": ..., \"config\": {...}}");
            return;
        }
        const std::string canonical = canonicalInitializerName(cls);
        if (canonical.empty()) {
            std::string allowed;
            for (const auto& n : initializerNames())
                allowed += (allowed.empty() ? "" : ", ") + n;
            out.issues.push_back({key, "\"" + cls + "\"", "one of " + allowed});
            return;
        }
        InitializerSpec spec = defaultInitializer(canonical);
        if (cfg) {
            for (auto it = cfg->begin(); it != cfg->end(); ++it) {
                const std::string& k = it.key();
                const json& val = it.value();
                auto num = [&](double& d) {
                    if (val.is_number())
                        d = val.get<double>();
                    else
                        out.issues.push_back({std::string(key) + "." + k, val.dump(), "a number"});
                };
                if (k == "seed") {
                    if (val.is_number_integer())
                        spec.seed = val.get<int64_t>();
                    else if (!val.is_null())
                        out.issues.push_back({std::string(key) + ".seed", val.dump(), "an integer or null"});
                } else if (k == "value") {
                    num(spec.value);
                } else if (k == "gain") {
                    num(spec.gain);
                } else if (k == "mean") {
                    num(spec.mean);
                } else if (k == "stddev") {
                    num(spec.stddev);
                } else if (k == "minval") {
                    num(spec.minval);
                } else if (k == "maxval") {
                    num(spec.maxval);
                } else if (k == "scale") {
                    num(spec.scale);
                } else if (k == "mode" && val.is_string()) {
                    spec.mode = val.get<std::string>();
                } else if (k == "distribution" && val.is_string()) {
                    spec.distribution = val.get<std::string>();
                } else if (k == "dtype" || ((k == "input_axes" || k == "output_axes") && val.is_null())) {
                    // dtype: older tf.keras initializers carried one; input_axes/output_axes: Keras
                    // 3.12+ fan options for einsum layers, null for a GRU. Neither matters here.
                } else {
                    out.notes.push_back(std::string(key) + ": ignored initializer option '" + k + "'");
                }
            }
        }
        dst = spec;
    }
};

const std::set<std::string>& knownKeys()
{
    static const std::set<std::string> keys = {
        "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
        "recurrent_initializer", "bias_initializer", "kernel_regularizer", "recurrent_regularizer",
        "bias_regularizer", "activity_regularizer", "kernel_constraint", "recurrent_constraint",
        "bias_constraint", "dropout", "recurrent_dropout", "return_sequences", "return_state",
        "go_backwards", "stateful", "unroll", "time_major", "reset_after", "zero_output_for_mask",
        "implementation", "seed", "use_cudnn", "name"};
    return keys;
}

// ---- writing -------------------------------------------------------------------------------

ojson initializerJson(const InitializerSpec& s, Flavor flavor)
{
    ojson cfg = ojson::object();
    const std::string& n = s.name;
    auto seed = [&] { cfg["seed"] = s.seed ? ojson(*s.seed) : ojson(nullptr); };
    if (n == "constant") {
        cfg["value"] = s.value;
    } else if (n == "orthogonal") {
        cfg["gain"] = s.gain;
        seed();
    } else if (n == "identity") {
        cfg["gain"] = s.gain;
    } else if (n == "random_normal" || n == "truncated_normal") {
        cfg["mean"] = s.mean;
        cfg["stddev"] = s.stddev;
        seed();
    } else if (n == "random_uniform") {
        cfg["minval"] = s.minval;
        cfg["maxval"] = s.maxval;
        seed();
    } else if (n == "variance_scaling") {
        cfg["scale"] = s.scale;
        cfg["mode"] = s.mode;
        cfg["distribution"] = s.distribution;
        seed();
    } else if (n != "zeros" && n != "ones") {
        seed(); // glorot_*, he_*, lecun_*
    }
    ojson j = ojson::object();
    if (flavor == Flavor::Keras3)
        j["module"] = "keras.initializers";
    j["class_name"] = initializerClassName(n);
    j["config"] = cfg;
    if (flavor == Flavor::Keras3)
        j["registered_name"] = nullptr;
    return j;
}

ojson verbatim(const std::string& text)
{
    try {
        return ojson::parse(text);
    } catch (const std::exception&) {
        return nullptr;
    }
}

} // namespace

// ---- GruConfig -------------------------------------------------------------------------------

ActivationKind GruConfig::activationKind() const
{
    auto k = activationFromName(activation);
    if (!k)
        throw Error(ErrorCode::InvalidArgument, "activation = \"" + activation + "\" is not a known activation");
    return *k;
}

ActivationKind GruConfig::recurrentActivationKind() const
{
    auto k = activationFromName(recurrent_activation);
    if (!k)
        throw Error(ErrorCode::InvalidArgument,
                    "recurrent_activation = \"" + recurrent_activation + "\" is not a known activation");
    return *k;
}

int GruConfig::effectiveImplementation() const noexcept
{
    if (effectiveRecurrentDropout() > 0.0)
        return 1;
    return implementation == 1 ? 1 : 2;
}

double GruConfig::effectiveDropout() const noexcept
{
    return std::isnan(dropout) ? 0.0 : std::clamp(dropout, 0.0, 1.0);
}

double GruConfig::effectiveRecurrentDropout() const noexcept
{
    return std::isnan(recurrent_dropout) ? 0.0 : std::clamp(recurrent_dropout, 0.0, 1.0);
}

std::string ConfigIssue::message() const
{
    return argument + " = " + value + ": allowed is " + allowed;
}

std::vector<ConfigIssue> validateConfig(const GruConfig& c)
{
    std::vector<ConfigIssue> issues;
    const bool k3 = c.flavor == Flavor::Keras3;
    if (c.units <= 0 || c.units > kMaxUnits)
        issues.push_back({"units", std::to_string(c.units), "an integer from 1 to " + std::to_string(kMaxUnits)});

    auto checkActivation = [&](const char* arg, const std::string& name) {
        auto k = activationFromName(name);
        std::string allowed;
        for (const auto& n : activationNames())
            if (k3 || !isKeras3Only(*activationFromName(n)))
                allowed += (allowed.empty() ? "" : ", ") + n;
        if (!k)
            issues.push_back({arg, "\"" + name + "\"", "one of " + allowed + " (or None for linear)"});
        else if (!k3 && isKeras3Only(*k))
            issues.push_back({arg, "\"" + name + "\"",
                              "a tf.keras activation (" + allowed + "); \"" + name + "\" exists only in Keras 3"});
    };
    checkActivation("activation", c.activation);
    checkActivation("recurrent_activation", c.recurrent_activation);

    auto checkRate = [&](const char* arg, double v) {
        if (!std::isfinite(v))
            issues.push_back({arg, fmtDouble(v), "a number in [0, 1] (Keras clips values outside it)"});
    };
    checkRate("dropout", c.dropout);
    checkRate("recurrent_dropout", c.recurrent_dropout);

    if (c.implementation < 0 || c.implementation > 2)
        issues.push_back({"implementation", std::to_string(c.implementation), "1 or 2 (0 is accepted as a legacy alias of 2)"});
    if (k3 && c.time_major)
        issues.push_back({"time_major", "true",
                          "false under Keras 3, which has no time_major argument (choose the tf_keras flavor)"});
    if (!k3 && c.use_cudnn != UseCudnn::Auto)
        issues.push_back({"use_cudnn", c.use_cudnn == UseCudnn::True ? "true" : "false",
                          "\"auto\" under tf.keras, which has no use_cudnn argument (choose the keras3 flavor)"});
    if (!k3 && c.seed)
        issues.push_back({"seed", std::to_string(*c.seed),
                          "null under tf.keras, whose GRU has no seed argument (choose the keras3 flavor)"});

    auto checkInit = [&](const char* arg, const InitializerSpec& s) {
        for (const auto& problem : validateInitializer(s, arg))
            issues.push_back({arg, s.name, problem});
    };
    checkInit("kernel_initializer", c.kernel_initializer);
    checkInit("recurrent_initializer", c.recurrent_initializer);
    checkInit("bias_initializer", c.bias_initializer);

    auto checkVerbatim = [&](const char* arg, const std::string& text) {
        try {
            const json j = json::parse(text);
            if (!(j.is_null() || j.is_object() || j.is_string()))
                issues.push_back({arg, text, "null, a name or a {\"class_name\": ..., \"config\": {...}} object"});
        } catch (const std::exception&) {
            issues.push_back({arg, text, "valid JSON"});
        }
    };
    checkVerbatim("kernel_regularizer", c.kernel_regularizer);
    checkVerbatim("recurrent_regularizer", c.recurrent_regularizer);
    checkVerbatim("bias_regularizer", c.bias_regularizer);
    checkVerbatim("activity_regularizer", c.activity_regularizer);
    checkVerbatim("kernel_constraint", c.kernel_constraint);
    checkVerbatim("recurrent_constraint", c.recurrent_constraint);
    checkVerbatim("bias_constraint", c.bias_constraint);
    return issues;
}

void requireValidConfig(const GruConfig& config)
{
    const auto issues = validateConfig(config);
    if (issues.empty())
        return;
    std::string msg = issues.size() == 1 ? "invalid GRU argument: " : "invalid GRU arguments:";
    for (const auto& i : issues)
        msg += (issues.size() == 1 ? "" : "\n  ") + i.message();
    throw Error(ErrorCode::InvalidArgument, msg);
}

ParsedConfig parseConfigJson(const std::string& jsonText, std::optional<Flavor> flavor, const std::string& what)
{
    // Fuzzing fix: nlohmann::json parses any depth, but dump() (readVerbatim, error messages) and
    // copies recurse once per level: {"units": 2, "kernel_regularizer": [[[[...]]]]} nested
    // 100000 deep overflowed the stack. No Keras config comes near this limit.
    if (detail::jsonTextDepth(jsonText) > kMaxJsonDepth)
        throw Error(ErrorCode::InvalidArgument, what + ": JSON nested more than " + std::to_string(kMaxJsonDepth) +
                                                    " levels deep; a layer configuration is never that deep");
    json root;
    try {
        root = json::parse(jsonText);
    } catch (const json::parse_error& e) {
        throw Error(ErrorCode::InvalidArgument,
                    what + ": not valid JSON (byte " + std::to_string(e.byte) + "): " + e.what());
    } catch (const json::exception& e) {
        // Fuzzing fix: a number too large for a double ("1E39950186302608") is not a parse_error
        // but out_of_range.406, which escaped parseConfigJson.
        throw Error(ErrorCode::InvalidArgument, what + ": not valid JSON: " + e.what());
    }
    if (root.is_object() && root.contains("class_name") && root.contains("config") && root["config"].is_object()) {
        const json& cls = root["class_name"];
        if (!cls.is_string() || cls.get<std::string>() != "GRU")
            throw Error(ErrorCode::InvalidArgument,
                        what + ": class_name is " + cls.dump() + ", expected \"GRU\" (use the GRU layer's own config)");
        root = json(root["config"]);
    }
    if (!root.is_object())
        throw Error(ErrorCode::InvalidArgument, what + ": expected a JSON object (the dict of layer.get_config()), found " +
                                                    std::string(root.type_name()));

    ParsedConfig out;
    GruConfig& c = out.config;
    if (flavor) {
        c.flavor = *flavor;
        out.flavorNamed = true;
    } else if (root.contains("time_major") || root.contains("implementation")) {
        c.flavor = Flavor::TfKeras;
        out.flavorNamed = true;
        out.notes.push_back(what + ": flavor tf_keras guessed from the keys (time_major/implementation); pass the flavor to override");
    } else {
        c.flavor = Flavor::Keras3;
        out.flavorNamed = root.contains("seed") || root.contains("use_cudnn");
        if (!out.flavorNamed)
            out.notes.push_back(what + ": flavor keras3 assumed; pass the flavor to override");
    }

    Reader r{root, out};
    if (const json* v = r.find("units")) {
        if (v->is_number_integer())
            c.units = v->get<int64_t>();
        else
            r.typeIssue("units", *v, "a positive integer");
    } else {
        out.issues.push_back({"units", "(missing)", "a positive integer; every GRU needs units"});
    }
    if (const json* v = r.find("name"); v && v->is_string())
        c.name = v->get<std::string>();
    r.readActivation("activation", c.activation);
    r.readActivation("recurrent_activation", c.recurrent_activation);
    r.readBool("use_bias", c.use_bias);
    r.readInitializer("kernel_initializer", c.kernel_initializer);
    r.readInitializer("recurrent_initializer", c.recurrent_initializer);
    r.readInitializer("bias_initializer", c.bias_initializer);
    r.readVerbatim("kernel_regularizer", c.kernel_regularizer);
    r.readVerbatim("recurrent_regularizer", c.recurrent_regularizer);
    r.readVerbatim("bias_regularizer", c.bias_regularizer);
    r.readVerbatim("activity_regularizer", c.activity_regularizer);
    r.readVerbatim("kernel_constraint", c.kernel_constraint);
    r.readVerbatim("recurrent_constraint", c.recurrent_constraint);
    r.readVerbatim("bias_constraint", c.bias_constraint);
    r.readDouble("dropout", c.dropout);
    r.readDouble("recurrent_dropout", c.recurrent_dropout);
    r.readBool("return_sequences", c.return_sequences);
    r.readBool("return_state", c.return_state);
    r.readBool("go_backwards", c.go_backwards);
    r.readBool("stateful", c.stateful);
    r.readBool("unroll", c.unroll);
    r.readBool("time_major", c.time_major);
    r.readBool("reset_after", c.reset_after);
    r.readBool("zero_output_for_mask", c.zero_output_for_mask);
    if (const json* v = r.find("implementation")) {
        if (v->is_number_integer())
            c.implementation = int(std::clamp<int64_t>(v->get<int64_t>(), -1, 3));
        else
            r.typeIssue("implementation", *v, "1 or 2");
    }
    if (const json* v = r.find("seed")) {
        if (v->is_number_integer())
            c.seed = v->get<int64_t>();
        else if (!v->is_null())
            r.typeIssue("seed", *v, "an integer or null");
    }
    if (const json* v = r.find("use_cudnn")) {
        if (v->is_boolean())
            c.use_cudnn = v->get<bool>() ? UseCudnn::True : UseCudnn::False;
        else if (v->is_string() && v->get<std::string>() == "auto")
            c.use_cudnn = UseCudnn::Auto;
        else
            r.typeIssue("use_cudnn", *v, "\"auto\", true or false");
    }

    std::string ignored;
    for (auto it = root.begin(); it != root.end(); ++it)
        if (!knownKeys().count(it.key()))
            ignored += (ignored.empty() ? "" : ", ") + it.key();
    if (!ignored.empty())
        out.notes.push_back(what + ": ignored keys that do not change the layer: " + ignored);
    if (c.flavor == Flavor::Keras3 && root.contains("time_major") && !c.time_major)
        out.notes.push_back(what + ": time_major=false is accepted, but Keras 3 itself refuses a config that contains time_major");
    for (const char* k : {"dropout", "recurrent_dropout"}) {
        const double v = std::string(k) == "dropout" ? c.dropout : c.recurrent_dropout;
        if (std::isfinite(v) && (v < 0.0 || v > 1.0))
            out.notes.push_back(std::string(k) + " = " + fmtDouble(v) + " is clipped to [0, 1] as Keras does");
    }
    if (c.recurrent_dropout > 0.0 && c.implementation != 1)
        out.notes.push_back("recurrent_dropout > 0 forces implementation 1, as in Keras");

    // Type problems already name their argument; don't report the same argument twice.
    std::set<std::string> seen;
    for (const auto& i : out.issues)
        seen.insert(i.argument);
    for (auto& i : validateConfig(c))
        if (!seen.count(i.argument))
            out.issues.push_back(std::move(i));
    return out;
}

ParsedConfig readConfigFile(const std::string& path, std::optional<Flavor> flavor)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(ErrorCode::BadFile, path + ": cannot open the configuration file");
    in.seekg(0, std::ios::end);
    const auto size = in.tellg();
    if (size < 0 || size > (int64_t(64) << 20))
        throw Error(ErrorCode::BadFile, path + ": a layer configuration larger than 64 MiB is not plausible");
    in.seekg(0);
    std::string text(static_cast<size_t>(size), '\0');
    in.read(text.data(), size);
    if (!in)
        throw Error(ErrorCode::BadFile, path + ": read error");
    return parseConfigJson(text, flavor, path);
}

std::string configToJson(const GruConfig& c, bool wrapped, int indent)
{
    const bool k3 = c.flavor == Flavor::Keras3;
    ojson j = ojson::object();
    j["name"] = c.name;
    j["trainable"] = true;
    if (k3)
        j["dtype"] = ojson{{"module", "keras"}, {"class_name", "DTypePolicy"}, {"config", {{"name", "float32"}}}, {"registered_name", nullptr}};
    else
        j["dtype"] = "float32";
    j["return_sequences"] = c.return_sequences;
    j["return_state"] = c.return_state;
    j["go_backwards"] = c.go_backwards;
    j["stateful"] = c.stateful;
    j["unroll"] = c.unroll;
    if (k3)
        j["zero_output_for_mask"] = c.zero_output_for_mask;
    else
        j["time_major"] = c.time_major;
    j["units"] = c.units;
    j["activation"] = c.activation;
    j["recurrent_activation"] = c.recurrent_activation;
    j["use_bias"] = c.use_bias;
    j["kernel_initializer"] = initializerJson(c.kernel_initializer, c.flavor);
    j["recurrent_initializer"] = initializerJson(c.recurrent_initializer, c.flavor);
    j["bias_initializer"] = initializerJson(c.bias_initializer, c.flavor);
    j["kernel_regularizer"] = verbatim(c.kernel_regularizer);
    j["recurrent_regularizer"] = verbatim(c.recurrent_regularizer);
    j["bias_regularizer"] = verbatim(c.bias_regularizer);
    j["activity_regularizer"] = verbatim(c.activity_regularizer);
    j["kernel_constraint"] = verbatim(c.kernel_constraint);
    j["recurrent_constraint"] = verbatim(c.recurrent_constraint);
    j["bias_constraint"] = verbatim(c.bias_constraint);
    j["dropout"] = c.dropout;
    j["recurrent_dropout"] = c.recurrent_dropout;
    if (!k3)
        j["implementation"] = c.implementation;
    j["reset_after"] = c.reset_after;
    if (k3) {
        j["seed"] = c.seed ? ojson(*c.seed) : ojson(nullptr);
        // Keras 3's get_config() omits use_cudnn; its constructor accepts it, so a non-default
        // value is written to keep it across a round trip.
        if (c.use_cudnn != UseCudnn::Auto)
            j["use_cudnn"] = c.use_cudnn == UseCudnn::True;
    } else if (c.zero_output_for_mask) {
        j["zero_output_for_mask"] = true; // tf.keras writes it only when set
    }
    if (wrapped) {
        ojson w = ojson::object();
        if (k3)
            w["module"] = "keras.layers";
        w["class_name"] = "GRU";
        w["config"] = j;
        if (k3)
            w["registered_name"] = nullptr;
        return w.dump(indent);
    }
    return j.dump(indent);
}

} // namespace gruscope
