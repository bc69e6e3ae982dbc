// The reply gruscope-parse sends its parent, and the in-process load it is made from. The parent
// decodes it as hostile input: the child parsed a hostile file with a library that has memory
// bugs, so its reply may be anything. Every count and size is checked against the bytes present
// before it is used, enums are range-checked, and the tensor data must fill the rest exactly.
#include "gruscope/isolated_parse.h"

#include "core/json_depth.h"
#include "tree_wire.h"
#include "gruscope/error.h"
#include "gruscope/inspect.h"

#include <nlohmann/json.hpp>

#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>

namespace gruscope {

namespace {

using nlohmann::json;

constexpr char kMagic[] = "GRUSCOPE-PARSE-1\n"; // 17 bytes, no terminator sent
constexpr size_t kMagicBytes = sizeof(kMagic) - 1;
constexpr size_t kMaxHeaderDepth = 32;
constexpr size_t kMaxLayers = 100000;

// ---- encoding ---------------------------------------------------------------------------------

json initializerToJson(const InitializerSpec& s)
{
    return {{"name", s.name}, {"value", s.value}, {"gain", s.gain}, {"mean", s.mean}, {"stddev", s.stddev},
            {"minval", s.minval}, {"maxval", s.maxval}, {"scale", s.scale}, {"mode", s.mode},
            {"distribution", s.distribution}, {"seed", s.seed ? json(*s.seed) : json(nullptr)}};
}

// Every field, so that the parent's GruConfig equals the child's (configToJson drops the fields
// of the other flavor and the display name's absence rules).
json configToWire(const GruConfig& c)
{
    return {{"flavor", int(c.flavor)}, {"name", c.name}, {"units", c.units}, {"activation", c.activation},
            {"recurrent_activation", c.recurrent_activation}, {"use_bias", c.use_bias},
            {"kernel_initializer", initializerToJson(c.kernel_initializer)},
            {"recurrent_initializer", initializerToJson(c.recurrent_initializer)},
            {"bias_initializer", initializerToJson(c.bias_initializer)},
            {"kernel_regularizer", c.kernel_regularizer}, {"recurrent_regularizer", c.recurrent_regularizer},
            {"bias_regularizer", c.bias_regularizer}, {"activity_regularizer", c.activity_regularizer},
            {"kernel_constraint", c.kernel_constraint}, {"recurrent_constraint", c.recurrent_constraint},
            {"bias_constraint", c.bias_constraint}, {"dropout", c.dropout}, {"recurrent_dropout", c.recurrent_dropout},
            {"return_sequences", c.return_sequences}, {"return_state", c.return_state},
            {"go_backwards", c.go_backwards}, {"stateful", c.stateful}, {"unroll", c.unroll},
            {"time_major", c.time_major}, {"reset_after", c.reset_after},
            {"zero_output_for_mask", c.zero_output_for_mask}, {"implementation", c.implementation},
            {"seed", c.seed ? json(*c.seed) : json(nullptr)}, {"use_cudnn", int(c.use_cudnn)}};
}

json layerToWire(const GruLayerInfo& l)
{
    return {{"name", l.name}, {"kind", l.kind}, {"group", l.group}, {"tensors", l.tensors},
            {"kernelShape", l.kernelShape}, {"recurrentShape", l.recurrentShape}, {"biasShape", l.biasShape},
            {"dtype", l.dtype}, {"config", configToWire(l.config)}, {"configFromFile", l.configFromFile},
            {"assumptions", l.assumptions}, {"wrapper", l.wrapper}, {"direction", l.direction},
            {"mergeMode", l.mergeMode}};
}

void appendFloats(std::string& out, const ArrayF& a)
{
    // float32 little endian; every machine GruScope builds for is little endian (checked below).
    static_assert(sizeof(float) == 4);
    const size_t n = a.data.size() * sizeof(float);
    const size_t at = out.size();
    out.resize(at + n);
    if (n)
        std::memcpy(out.data() + at, a.data.data(), n);
}

void appendU64(std::string& out, uint64_t v)
{
    for (int i = 0; i < 8; ++i)
        out.push_back(char((v >> (8 * i)) & 0xff));
}

std::string frame(const json& header, const std::string& data)
{
    const std::string h = header.dump(-1, ' ', false, json::error_handler_t::replace);
    std::string out(kMagic, kMagicBytes);
    appendU64(out, h.size());
    out += h;
    out += data;
    return out;
}

// ---- decoding ---------------------------------------------------------------------------------

struct Reader {
    const std::string& source;

    [[noreturn]] void fail(const std::string& what) const
    {
        throw Error(ErrorCode::BadFile, source + ": the parser's reply is malformed (" + what + ")");
    }
};

template <class E>
E enumFrom(const json& j, int last, const Reader& r, const char* what)
{
    const int v = j.get<int>();
    if (v < 0 || v > last)
        r.fail(std::string(what) + " " + std::to_string(v) + " out of range");
    return E(v);
}

std::optional<int64_t> optionalInt(const json& j)
{
    if (j.is_null())
        return std::nullopt;
    return j.get<int64_t>();
}

// JSON text cannot hold NaN or infinity, but 1e999 parses to infinity; no field may be one.
double num(const json& j, const Reader& r)
{
    const double v = j.get<double>();
    if (!std::isfinite(v))
        r.fail("a number that is not finite");
    return v;
}

InitializerSpec initializerFromWire(const json& j, const Reader& r)
{
    InitializerSpec s;
    s.name = j.at("name").get<std::string>();
    s.value = num(j.at("value"), r);
    s.gain = num(j.at("gain"), r);
    s.mean = num(j.at("mean"), r);
    s.stddev = num(j.at("stddev"), r);
    s.minval = num(j.at("minval"), r);
    s.maxval = num(j.at("maxval"), r);
    s.scale = num(j.at("scale"), r);
    s.mode = j.at("mode").get<std::string>();
    s.distribution = j.at("distribution").get<std::string>();
    s.seed = optionalInt(j.at("seed"));
    return s;
}

GruConfig configFromWire(const json& j, const Reader& r)
{
    GruConfig c;
    c.flavor = enumFrom<Flavor>(j.at("flavor"), int(Flavor::TfKeras), r, "flavor");
    c.name = j.at("name").get<std::string>();
    c.units = j.at("units").get<int64_t>();
    c.activation = j.at("activation").get<std::string>();
    c.recurrent_activation = j.at("recurrent_activation").get<std::string>();
    c.use_bias = j.at("use_bias").get<bool>();
    c.kernel_initializer = initializerFromWire(j.at("kernel_initializer"), r);
    c.recurrent_initializer = initializerFromWire(j.at("recurrent_initializer"), r);
    c.bias_initializer = initializerFromWire(j.at("bias_initializer"), r);
    c.kernel_regularizer = j.at("kernel_regularizer").get<std::string>();
    c.recurrent_regularizer = j.at("recurrent_regularizer").get<std::string>();
    c.bias_regularizer = j.at("bias_regularizer").get<std::string>();
    c.activity_regularizer = j.at("activity_regularizer").get<std::string>();
    c.kernel_constraint = j.at("kernel_constraint").get<std::string>();
    c.recurrent_constraint = j.at("recurrent_constraint").get<std::string>();
    c.bias_constraint = j.at("bias_constraint").get<std::string>();
    c.dropout = num(j.at("dropout"), r);
    c.recurrent_dropout = num(j.at("recurrent_dropout"), r);
    c.return_sequences = j.at("return_sequences").get<bool>();
    c.return_state = j.at("return_state").get<bool>();
    c.go_backwards = j.at("go_backwards").get<bool>();
    c.stateful = j.at("stateful").get<bool>();
    c.unroll = j.at("unroll").get<bool>();
    c.time_major = j.at("time_major").get<bool>();
    c.reset_after = j.at("reset_after").get<bool>();
    c.zero_output_for_mask = j.at("zero_output_for_mask").get<bool>();
    c.implementation = j.at("implementation").get<int>();
    c.seed = optionalInt(j.at("seed"));
    c.use_cudnn = enumFrom<UseCudnn>(j.at("use_cudnn"), int(UseCudnn::False), r, "use_cudnn");
    return c;
}

// A shape from the reply: at most rank 4 here, every dimension in [0, maxElements], and the
// product within maxElements (so no multiplication below can overflow).
Shape shapeFromWire(const json& j, const WeightReadLimits& limits, const Reader& r, const char* what)
{
    if (!j.is_array() || j.size() > 4)
        r.fail(std::string(what) + " is not a shape");
    Shape s;
    int64_t count = 1;
    for (const auto& d : j) {
        const int64_t v = d.get<int64_t>();
        if (v < 0 || v > limits.maxElements)
            r.fail(std::string(what) + " has a dimension of " + std::to_string(v));
        if (v != 0 && count > limits.maxElements / v)
            r.fail(std::string(what) + " holds more than " + std::to_string(limits.maxElements) + " elements");
        count *= v;
        s.push_back(v);
    }
    return s;
}

ArrayF takeFloats(const Shape& shape, const std::string& bytes, size_t& at, const Reader& r, const char* what)
{
    const int64_t n = shapeElementCount(shape);
    const size_t need = size_t(n) * sizeof(float);
    if (need > bytes.size() - at)
        r.fail(std::string(what) + " needs " + std::to_string(need) + " bytes, " + std::to_string(bytes.size() - at) +
               " are left");
    ArrayF a;
    a.shape = shape;
    a.data.resize(size_t(n));
    if (need)
        std::memcpy(a.data.data(), bytes.data() + at, need);
    at += need;
    return a;
}

uint64_t readU64(const std::string& bytes, size_t at)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | uint8_t(bytes[at + size_t(i)]);
    return v;
}

} // namespace

const GruWeights& LoadedWeightFile::weights(size_t index) const
{
    if (index >= layers.size())
        throw Error(ErrorCode::InvalidArgument, info.path + ": no layer number " + std::to_string(index));
    const LoadedLayerWeights& l = layers[index];
    if (!l.weights)
        throw Error(l.errorCode, l.error);
    return *l.weights;
}

const GruWeights& LoadedWeightFile::weights(const GruLayerInfo& layer) const
{
    for (size_t i = 0; i < info.layers.size(); ++i)
        if (&info.layers[i] == &layer || info.layers[i].name == layer.name)
            return weights(i);
    throw Error(ErrorCode::InvalidArgument, info.path + ": no layer named " + layer.name);
}

std::string encodeParseFailure(ErrorCode code, const std::string& message)
{
    return frame(json{{"ok", false}, {"code", int(code)}, {"message", message}}, {});
}

std::string encodeParseReply(const LoadedWeightFile& loaded)
{
    static_assert(std::endian::native == std::endian::little, "the reply's tensors are sent as little-endian float32");
    const WeightFileInfo& info = loaded.info;
    json diagnostics = json::array();
    for (const auto& d : info.diagnostics)
        diagnostics.push_back({{"severity", int(d.severity)}, {"where", d.where}, {"message", d.message}});
    json layers = json::array(), weights = json::array();
    std::string data;
    for (size_t i = 0; i < info.layers.size(); ++i) {
        layers.push_back(layerToWire(info.layers[i]));
        const LoadedLayerWeights* lw = i < loaded.layers.size() ? &loaded.layers[i] : nullptr;
        if (lw && lw->weights) {
            const GruWeights& w = *lw->weights;
            weights.push_back({{"kernel", w.kernel.shape}, {"recurrent", w.recurrentKernel.shape},
                               {"bias", w.hasBias() ? json(w.bias.shape) : json(nullptr)}});
            appendFloats(data, w.kernel);
            appendFloats(data, w.recurrentKernel);
            if (w.hasBias())
                appendFloats(data, w.bias);
        } else {
            weights.push_back({{"code", int(lw ? lw->errorCode : ErrorCode::Internal)},
                               {"error", lw ? lw->error : std::string("not read")}});
        }
    }
    json header = {{"ok", true},
                   {"path", info.path},
                   {"format", int(info.format)},
                   {"formatDetail", info.formatDetail},
                   {"kerasVersion", info.kerasVersion},
                   {"backend", info.backend},
                   {"modelConfigJson", info.modelConfigJson},
                   {"diagnostics", diagnostics},
                   {"layers", layers},
                   {"weights", weights},
                   {"tree", loaded.tree},
                   {"treeError", loaded.treeError},
                   {"fileTree", detail::fileTreeToWire(loaded.fileTree)},
                   {"childSeconds", loaded.report.childSeconds}};
    return frame(header, data);
}

LoadedWeightFile decodeParseReply(const std::string& bytes, const WeightReadLimits& limits, const std::string& source)
{
    const Reader r{source};
    if (bytes.size() < kMagicBytes + 8)
        r.fail(bytes.empty() ? "nothing was sent" : "only " + std::to_string(bytes.size()) + " bytes");
    if (bytes.compare(0, kMagicBytes, kMagic, kMagicBytes) != 0)
        r.fail("it does not start with the reply signature");
    const uint64_t headerBytes = readU64(bytes, kMagicBytes);
    const size_t headerAt = kMagicBytes + 8;
    if (headerBytes > bytes.size() - headerAt)
        r.fail("the header says " + std::to_string(headerBytes) + " bytes, " + std::to_string(bytes.size() - headerAt) +
               " were sent");
    const std::string headerText = bytes.substr(headerAt, size_t(headerBytes));
    if (detail::jsonTextDepth(headerText) > kMaxHeaderDepth)
        r.fail("the header nests too deeply");
    size_t at = headerAt + size_t(headerBytes);

    LoadedWeightFile out;
    WeightReadLimits kDeclared;
    kDeclared.maxElements = int64_t(1) << 62;
    try {
        const json h = json::parse(headerText);
        if (!h.at("ok").get<bool>()) {
            if (at != bytes.size())
                r.fail("bytes after a failure");
            const auto code = enumFrom<ErrorCode>(h.at("code"), int(ErrorCode::Internal), r, "error code");
            throw Error(code, h.at("message").get<std::string>());
        }
        WeightFileInfo& info = out.info;
        info.path = h.at("path").get<std::string>();
        info.format = enumFrom<WeightFormat>(h.at("format"), int(WeightFormat::Unknown), r, "format");
        info.formatDetail = h.at("formatDetail").get<std::string>();
        info.kerasVersion = h.at("kerasVersion").get<std::string>();
        info.backend = h.at("backend").get<std::string>();
        info.modelConfigJson = h.at("modelConfigJson").get<std::string>();
        for (const auto& d : h.at("diagnostics")) {
            Diagnostic diag;
            diag.severity = enumFrom<Diagnostic::Severity>(d.at("severity"), int(Diagnostic::Severity::Error), r, "severity");
            diag.where = d.at("where").get<std::string>();
            diag.message = d.at("message").get<std::string>();
            info.diagnostics.push_back(std::move(diag));
        }
        const json& layers = h.at("layers");
        const json& weights = h.at("weights");
        if (!layers.is_array() || !weights.is_array() || layers.size() != weights.size() || layers.size() > kMaxLayers)
            r.fail("the layer and weight lists do not match");
        for (size_t i = 0; i < layers.size(); ++i) {
            const json& l = layers[i];
            GruLayerInfo li;
            li.name = l.at("name").get<std::string>();
            li.kind = l.at("kind").get<std::string>();
            li.group = l.at("group").get<std::string>();
            li.tensors = l.at("tensors").get<std::vector<std::string>>();
            // Stored shapes are metadata (nothing is allocated from them; listing a file with a
            // tensor over the element limit is allowed, reading it is not).
            li.kernelShape = shapeFromWire(l.at("kernelShape"), kDeclared, r, "a stored kernel shape");
            li.recurrentShape = shapeFromWire(l.at("recurrentShape"), kDeclared, r, "a stored recurrent shape");
            li.biasShape = shapeFromWire(l.at("biasShape"), kDeclared, r, "a stored bias shape");
            li.dtype = l.at("dtype").get<std::string>();
            li.config = configFromWire(l.at("config"), r);
            li.configFromFile = l.at("configFromFile").get<bool>();
            li.assumptions = l.at("assumptions").get<std::vector<std::string>>();
            li.wrapper = l.at("wrapper").get<std::string>();
            li.direction = l.at("direction").get<std::string>();
            li.mergeMode = l.at("mergeMode").get<std::string>();
            info.layers.push_back(std::move(li));

            const json& w = weights[i];
            LoadedLayerWeights lw;
            if (w.contains("error")) {
                lw.errorCode = enumFrom<ErrorCode>(w.at("code"), int(ErrorCode::Internal), r, "error code");
                lw.error = w.at("error").get<std::string>();
            } else {
                GruWeights gw;
                const Shape k = shapeFromWire(w.at("kernel"), limits, r, "a kernel");
                const Shape rk = shapeFromWire(w.at("recurrent"), limits, r, "a recurrent kernel");
                if (k.size() != 2 || rk.size() != 2)
                    r.fail("a kernel that is not a matrix");
                gw.kernel = takeFloats(k, bytes, at, r, "a kernel");
                gw.recurrentKernel = takeFloats(rk, bytes, at, r, "a recurrent kernel");
                if (!w.at("bias").is_null()) {
                    const Shape b = shapeFromWire(w.at("bias"), limits, r, "a bias");
                    if (b.empty() || b.size() > 2)
                        r.fail("a bias that is neither a vector nor two rows");
                    gw.bias = takeFloats(b, bytes, at, r, "a bias");
                }
                lw.weights = std::move(gw);
            }
            out.layers.push_back(std::move(lw));
        }
        out.tree = h.at("tree").get<std::vector<std::string>>();
        out.treeError = h.at("treeError").get<std::string>();
        out.fileTree = detail::fileTreeFromWire(h.at("fileTree"), source);
        out.report.childSeconds = num(h.at("childSeconds"), r);
    } catch (const json::exception& e) {
        r.fail(std::string("header: ") + e.what());
    }
    if (at != bytes.size())
        r.fail(std::to_string(bytes.size() - at) + " bytes after the last tensor");
    out.report.replyBytes = int64_t(bytes.size());
    return out;
}

// ---- the in-process load (the child's work, and --no-isolation) -------------------------------

namespace detail {

LoadedWeightFile loadInProcess(const std::string& path, const WeightReadLimits& limits, int treeLines,
                               void (*stage)(const std::string&))
{
    const auto start = std::chrono::steady_clock::now();
    const auto say = [&](const std::string& s) {
        if (stage)
            stage(s);
    };
    LoadedWeightFile out;
    say("listing the GRU layers");
    out.info = openWeightFile(path, limits);
    for (const GruLayerInfo& layer : out.info.layers) {
        say("reading the weights of " + layer.name);
        LoadedLayerWeights lw;
        try {
            lw.weights = readGruWeights(out.info, layer, limits);
        } catch (const Error& e) {
            lw.errorCode = e.code();
            lw.error = e.what();
        }
        out.layers.push_back(std::move(lw));
    }
    say("reading the file tree");
    try {
        // One walk for both: the lines are printed from the nodes.
        out.fileTree = readFileTree(path, treeLines);
        // The problems the window would list, each on the node it names: the file's, each
        // layer's checks (on its group) and weights that could not be read.
        std::vector<Diagnostic> problems = out.info.diagnostics;
        for (size_t i = 0; i < out.info.layers.size(); ++i) {
            const GruLayerInfo& layer = out.info.layers[i];
            for (Diagnostic& d : checkLayer(layer, out.info.kerasVersion))
                problems.push_back(std::move(d));
            if (!out.layers[i].weights)
                problems.push_back({Diagnostic::Severity::Error, layer.group, out.layers[i].error});
        }
        attachDiagnostics(out.fileTree, problems);
        out.tree = fileTreeLines(out.fileTree);
    } catch (const Error& e) {
        out.treeError = e.what();
    }
    out.report.childSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
}

} // namespace detail

std::string parseToReply(const std::string& path, const WeightReadLimits& limits, int treeLines,
                         void (*stage)(const std::string&))
{
    try {
        return encodeParseReply(detail::loadInProcess(path, limits, treeLines, stage));
    } catch (const Error& e) {
        return encodeParseFailure(e.code(), e.what());
    } catch (const std::bad_alloc&) {
        return encodeParseFailure(ErrorCode::ResourceLimit, path + ": the parser ran out of memory");
    } catch (const std::exception& e) {
        return encodeParseFailure(ErrorCode::Internal, path + ": " + e.what());
    }
}

} // namespace gruscope
