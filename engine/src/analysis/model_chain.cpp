// Planning and running a model's chain of GRU layers (gruscope/model_chain.h). The model config is
// read as Keras stores it: Sequential (a list of layers, or {"layers": [...]}) or Functional /
// Model ({"layers": [...]} with each layer's inbound nodes). A functional model is followed only
// while each layer takes its one input from the layer before it; a branch or a merge ends the
// chain, named.
#include "gruscope/model_chain.h"

#include "gruscope/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <sstream>

namespace gruscope {

namespace {

using json = nlohmann::json;

const std::set<std::string> kGruClasses{"GRU", "CuDNNGRU", "GRUV2"};
// The identity at inference: they pass their input on unchanged.
const std::set<std::string> kIdentityClasses{"Dropout",         "SpatialDropout1D", "GaussianNoise",
                                             "GaussianDropout", "AlphaDropout",     "ActivityRegularization"};

struct ModelLayer {
    std::string cls, name;
    std::string wrapped;               // Bidirectional: the wrapped layer's class
    std::vector<std::string> inbound;  // functional models: the layers it reads
    bool functional = false;
};

// Every layer name a Keras 2 or Keras 3 inbound_nodes value refers to.
void collectInbound(const json& j, std::vector<std::string>& out)
{
    if (j.is_object()) {
        if (j.contains("keras_history") && j["keras_history"].is_array() && !j["keras_history"].empty() &&
            j["keras_history"][0].is_string()) {
            out.push_back(j["keras_history"][0].get<std::string>());
            return;
        }
        for (const auto& [k, v] : j.items())
            collectInbound(v, out);
    } else if (j.is_array()) {
        // Keras 2: ["name", node, tensor, {kwargs}]
        if (j.size() >= 3 && j[0].is_string() && j[1].is_number()) {
            out.push_back(j[0].get<std::string>());
            return;
        }
        for (const auto& v : j)
            collectInbound(v, out);
    }
}

std::vector<ModelLayer> modelLayers(const std::string& configJson, std::string* kind)
{
    std::vector<ModelLayer> out;
    json root;
    try {
        root = json::parse(configJson);
    } catch (const json::exception&) {
        return out;
    }
    if (!root.is_object() || !root.contains("config"))
        return out;
    *kind = root.value("class_name", std::string());
    const json& cfg = root["config"];
    const json* layers = cfg.is_array() ? &cfg : (cfg.is_object() && cfg.contains("layers") ? &cfg["layers"] : nullptr);
    if (!layers || !layers->is_array())
        return out;
    for (const json& l : *layers) {
        if (!l.is_object())
            continue;
        ModelLayer m;
        m.cls = l.value("class_name", std::string());
        if (l.contains("config") && l["config"].is_object()) {
            const json& c = l["config"];
            m.name = c.value("name", l.value("name", std::string()));
            if (c.contains("layer") && c["layer"].is_object())
                m.wrapped = c["layer"].value("class_name", std::string());
        } else {
            m.name = l.value("name", std::string());
        }
        if (l.contains("inbound_nodes")) {
            m.functional = true;
            collectInbound(l["inbound_nodes"], m.inbound);
            std::sort(m.inbound.begin(), m.inbound.end());
            m.inbound.erase(std::unique(m.inbound.begin(), m.inbound.end()), m.inbound.end());
        }
        out.push_back(std::move(m));
    }
    return out;
}

bool isGruStage(const ModelLayer& m) { return kGruClasses.count(m.cls) || (m.cls == "Bidirectional" && kGruClasses.count(m.wrapped)); }

std::string named(const ModelLayer& m) { return m.name + " (" + m.cls + (m.wrapped.empty() ? "" : " of " + m.wrapped) + ")"; }

// The stage of the file's layers for a model layer, or an empty stage when its weights are not there.
ChainStage stageFor(const WeightFileInfo& info, const std::string& name)
{
    ChainStage s;
    s.name = name;
    size_t fw = SIZE_MAX, bw = SIZE_MAX;
    for (size_t i = 0; i < info.layers.size(); ++i) {
        const GruLayerInfo& l = info.layers[i];
        if (l.wrapper.empty() && l.name == name)
            s.layers = {i};
        else if (l.wrapper == name && l.direction == "forward")
            fw = i, s.mergeMode = l.mergeMode;
        else if (l.wrapper == name && l.direction == "backward")
            bw = i;
    }
    if (s.layers.empty() && fw != SIZE_MAX && bw != SIZE_MAX)
        s.layers = {fw, bw};
    return s;
}

bool returnsSequences(const WeightFileInfo& info, const ChainStage& s)
{
    return !s.layers.empty() && info.layers[s.layers.front()].config.return_sequences;
}

} // namespace

ModelChain planModelChain(const WeightFileInfo& info, const std::string& start)
{
    if (info.layers.empty())
        throw Error(ErrorCode::Unsupported, info.path + ": no GRU layer to run");
    ModelChain chain;
    std::string kind;
    const std::vector<ModelLayer> layers = info.modelConfigJson.empty() ? std::vector<ModelLayer>{} : modelLayers(info.modelConfigJson, &kind);
    // The stage a start name refers to: a GRU, a Bidirectional wrapper, or one of its halves.
    std::string startStage = start;
    for (const GruLayerInfo& l : info.layers)
        if (!start.empty() && l.name == start && !l.wrapper.empty())
            startStage = l.wrapper;

    if (layers.empty()) {
        // Weights only: the file's order, each wrapper once.
        chain.notes.push_back("the file stores no model config: its GRU layers are chained in the order it stores them, and "
                              "what lies between them in the model is unknown");
        std::set<std::string> seen;
        bool started = startStage.empty();
        for (const GruLayerInfo& l : info.layers) {
            const std::string name = l.wrapper.empty() ? l.name : l.wrapper;
            if (!seen.insert(name).second)
                continue;
            started = started || name == startStage;
            if (!started)
                continue;
            if (!chain.stages.empty() && !returnsSequences(info, chain.stages.back())) {
                chain.stop = chain.stages.back().name + " returns its last output only (return_sequences=False): " + name +
                             " cannot take it";
                break;
            }
            chain.stages.push_back(stageFor(info, name));
        }
        if (chain.stages.empty())
            throw Error(ErrorCode::InvalidArgument, "'" + start + "' is not a GRU or Bidirectional layer of " + info.path);
        return chain;
    }

    chain.notes.push_back("planned from the file's " + (kind.empty() ? std::string("model") : kind) + " config");
    size_t i = 0;
    for (; i < layers.size(); ++i)
        if (isGruStage(layers[i]) && (startStage.empty() || layers[i].name == startStage))
            break;
        else
            chain.before.push_back(named(layers[i]));
    if (i == layers.size())
        throw Error(startStage.empty() ? ErrorCode::Unsupported : ErrorCode::InvalidArgument,
                    startStage.empty() ? info.path + ": the model config holds no GRU layer"
                                       : "'" + start + "' is not a GRU or Bidirectional layer of " + info.path);
    std::string previous = i > 0 ? layers[i - 1].name : std::string();
    std::vector<std::string> passed;
    for (; i < layers.size(); ++i) {
        const ModelLayer& m = layers[i];
        // A functional model: this layer must read exactly the layer before it.
        if (m.functional && !chain.stages.empty() && !(m.inbound.size() == 1 && m.inbound[0] == previous)) {
            std::string from;
            for (const std::string& n : m.inbound)
                from += (from.empty() ? "" : ", ") + n;
            chain.stop = named(m) + " takes its input from " + (from.empty() ? std::string("no layer") : from) +
                         ", not from " + previous + " alone: the model branches or merges here";
            break;
        }
        if (kIdentityClasses.count(m.cls)) {
            if (!chain.stages.empty())
                passed.push_back(named(m) + ", the identity at inference");
            previous = m.name;
            continue;
        }
        if (!isGruStage(m)) {
            chain.stop = named(m) + " follows " + previous + ": GruScope runs GRU layers only, so the chain stops here";
            break;
        }
        if (!chain.stages.empty() && !returnsSequences(info, chain.stages.back())) {
            chain.stop = chain.stages.back().name + " returns its last output only (return_sequences=False): " + m.name +
                         " cannot take it";
            break;
        }
        ChainStage s = stageFor(info, m.name);
        if (s.layers.empty()) {
            chain.stop = named(m) + " is in the model config but its weights are not in the file";
            break;
        }
        s.passed = std::move(passed);
        passed.clear();
        chain.stages.push_back(std::move(s));
        previous = m.name;
    }
    if (chain.stages.empty())
        throw Error(ErrorCode::BadFile, info.path + ": " + chain.stop);
    return chain;
}

std::vector<ChainStageResult> runModelChain(const ModelChain& chain, const WeightFileInfo& info,
                                            const std::function<GruWeights(size_t)>& weightsOf, const CallInputs& inputs,
                                            BackendKind backend)
{
    std::vector<ChainStageResult> out;
    CallInputs in = inputs;
    for (const ChainStage& s : chain.stages) {
        ChainStageResult r;
        r.name = s.name;
        try {
            GruLayer forward(info.layers[s.layers[0]].config, weightsOf(s.layers[0]));
            if (s.layers.size() == 2) {
                GruLayer backward(info.layers[s.layers[1]].config, weightsOf(s.layers[1]));
                BidirectionalResult b = runBidirectional(forward, backward, s.mergeMode, in, backend);
                r.output = std::move(b.output);
                r.backwardOutput = std::move(b.backwardOutput);
                r.result = std::move(b.forward);
            } else {
                r.result = forward.call(in, backend);
                r.output = r.result.output;
            }
        } catch (const Error& e) {
            throw Error(e.code(), s.name + ": " + e.what());
        }
        // The next stage reads this output; the mask goes on (layers that return sequences
        // propagate it); an initial state belongs to the first stage only.
        in.x = r.output;
        in.initialState.reset();
        out.push_back(std::move(r));
    }
    return out;
}

std::string describeModelChain(const ModelChain& chain, const WeightFileInfo& info)
{
    std::ostringstream o;
    for (const std::string& n : chain.notes)
        o << n << "\n";
    if (!chain.before.empty()) {
        o << "not run, before the chain:";
        for (const std::string& b : chain.before)
            o << " " << b << ";";
        o << " the chain's input is what " << chain.stages.front().name << " receives\n";
    }
    int k = 1;
    for (const ChainStage& s : chain.stages) {
        for (const std::string& p : s.passed)
            o << "   passes " << p << "\n";
        const GruConfig& c = info.layers[s.layers[0]].config;
        o << "  " << k++ << ". " << s.name << ": ";
        if (s.layers.size() == 2)
            o << "Bidirectional(GRU " << c.units << "), merge " << s.mergeMode;
        else
            o << info.layers[s.layers[0]].kind << " " << c.units;
        o << (c.return_sequences ? ", returns sequences" : ", returns the last output") << "\n";
    }
    o << (chain.stop.empty() ? std::string("the model ends there") : "stops: " + chain.stop) << "\n";
    return o.str();
}

} // namespace gruscope
