// PyTorch nn.GRU state dicts (.safetensors, or .npz with one array per key) and Keras-layout .npz
// files (kernel, recurrent_kernel, bias). Keys are grouped by their prefix ("gru.", "encoder.rnn.",
// none); each PyTorch layer k and direction becomes one Keras GRU (keras-gru.md §7.1).
#include "weightfile_detail.h"

#include "gruscope/error.h"
#include "gruscope/npy.h"
#include "io/safetensors.h"
#include "io/zip_archive.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>

namespace gruscope::io {

namespace {

namespace st = safetensors;
using st::printable;

constexpr const char* kTorchKind = "PyTorch GRU";
constexpr const char* kKerasKind = "GRU";
constexpr size_t kMaxListedIgnored = 40;

// ---- what a tensor name says -------------------------------------------------------------------

enum class Role { WeightIh, WeightHh, BiasIh, BiasHh };

struct TorchKey {
    std::string prefix; // "gru." or ""
    int layer = 0;
    bool reverse = false;
    Role role = Role::WeightIh;
};

// The part of a name before its last '.' or '/' (separator included), and the rest.
std::pair<std::string, std::string> splitName(const std::string& name)
{
    const size_t sep = name.find_last_of("./");
    if (sep == std::string::npos)
        return {"", name};
    return {name.substr(0, sep + 1), name.substr(sep + 1)};
}

std::optional<TorchKey> parseTorchKey(const std::string& name)
{
    static constexpr std::array<std::pair<std::string_view, Role>, 4> roles{{
        {"weight_ih_l", Role::WeightIh}, {"weight_hh_l", Role::WeightHh}, {"bias_ih_l", Role::BiasIh}, {"bias_hh_l", Role::BiasHh},
    }};
    auto [prefix, leaf] = splitName(name);
    for (const auto& [start, role] : roles) {
        if (leaf.compare(0, start.size(), start) != 0)
            continue;
        const std::string_view rest = std::string_view(leaf).substr(start.size());
        size_t digits = 0;
        while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9')
            ++digits;
        if (digits == 0 || digits > 4 || (digits > 1 && rest[0] == '0'))
            return std::nullopt;
        int k = 0;
        std::from_chars(rest.data(), rest.data() + digits, k);
        const std::string_view tail = rest.substr(digits);
        if (!tail.empty() && tail != "_reverse")
            return std::nullopt;
        return TorchKey{prefix, k, !tail.empty(), role};
    }
    return std::nullopt;
}

// Keras layout: 0 kernel, 1 recurrent_kernel, 2 bias; -1 otherwise.
int kerasRole(const std::string& leaf)
{
    if (leaf == "kernel")
        return 0;
    if (leaf == "recurrent_kernel")
        return 1;
    if (leaf == "bias")
        return 2;
    return -1;
}

std::string trimSep(const std::string& prefix)
{
    return prefix.empty() ? prefix : prefix.substr(0, prefix.size() - 1);
}

// ---- the tensors of a file, as listed ------------------------------------------------------------

struct Meta {
    std::string name;
    bool known = false; // shape and dtype read (only for the tensors a GRU may use)
    Shape shape;
    std::string dtype;
    bool isFloat = false;
};

enum class Container { Safetensors, Npz };

// ---- zip members -----------------------------------------------------------------------------------

ZipReader openNpz(const std::string& path, const WeightReadLimits& limits)
{
    const uint64_t maxEl = uint64_t(std::max<int64_t>(limits.maxElements, 0));
    ZipReadOptions options;
    options.kind = "an .npz file";
    options.maxMemberBytes = std::min<uint64_t>(std::min<uint64_t>(maxEl, uint64_t(1) << 40) * 8 + (uint64_t(1) << 20),
                                                uint64_t(std::max<int64_t>(limits.maxArchiveMemberBytes, 0)));
    options.maxMemberMeaning = "an array within the limits can take";
    return ZipReader::open(path, options);
}

struct NpzMember {
    std::string key; // name without ".npy"
    const ZipMember* member = nullptr;
};

// The .npy members (two of one name are refused when the archive is opened).
std::vector<NpzMember> npzMembers(const ZipReader& zip, bool& hasKerasConfig)
{
    hasKerasConfig = false;
    std::vector<NpzMember> out;
    for (const ZipMember& m : zip.members()) {
        if (m.name == "config.json")
            hasKerasConfig = true;
        if (m.name.size() <= 4 || m.name.compare(m.name.size() - 4, 4, ".npy") != 0)
            continue;
        out.push_back({m.name.substr(0, m.name.size() - 4), &m});
    }
    return out;
}

npy::NpyArray readNpzMember(ZipReader& zip, const NpzMember& m, const WeightReadLimits& limits)
{
    const std::vector<std::byte> buf = zip.read(*m.member);
    npy::ReadLimits nl;
    nl.maxElements = limits.maxElements;
    return npy::parseNpy(buf.data(), buf.size(), zip.path() + ":" + printable(m.key), nl);
}

bool isNpyFloat(npy::DType d)
{
    return d == npy::DType::Float16 || d == npy::DType::Float32 || d == npy::DType::Float64;
}

// ---- grouping into layers ----------------------------------------------------------------------------

struct TorchGroup {
    std::array<const Meta*, 4> t{}; // by Role
};

struct Listing {
    std::vector<GruLayerInfo> layers;
    std::vector<Diagnostic> diagnostics;
    std::vector<std::string> summaries; // per prefix: "gru: 2 layers × 2 directions"
    bool anyTorch = false, anyKeras = false;
};

std::string joined(const std::vector<std::string>& v, const char* sep)
{
    std::string s;
    for (size_t i = 0; i < v.size(); ++i)
        s += (i ? sep : "") + v[i];
    return s;
}

[[noreturn]] void badLayer(const std::string& path, const std::string& message)
{
    throw Error(ErrorCode::BadFile, path + ": " + message);
}

void requireFloatWithin(const Meta& m, const std::string& path, const WeightReadLimits& limits)
{
    if (!m.isFloat)
        badLayer(path, "tensor '" + printable(m.name) + "' has dtype " + m.dtype + "; GRU weights must be float16, bfloat16, float32 or float64");
    const int64_t n = shapeElementCount(m.shape);
    if (n > limits.maxElements)
        throw Error(ErrorCode::ResourceLimit, path + ": tensor '" + printable(m.name) + "' has " + std::to_string(n) +
                                                  " elements, more than the limit of " + std::to_string(limits.maxElements));
}

std::string torchLayerName(const std::string& prefix, int k, bool reverse)
{
    const std::string base = trimSep(prefix);
    return (base.empty() ? "" : base + ".") + "l" + std::to_string(k) + (reverse ? "_reverse" : "");
}

void listTorch(const std::string& path, const std::vector<std::string>& prefixOrder,
               const std::map<std::string, std::map<std::pair<int, bool>, TorchGroup>>& groups, const WeightReadLimits& limits,
               Listing& out)
{
    for (const std::string& prefix : prefixOrder) {
        const auto git = groups.find(prefix);
        if (git == groups.end())
            continue;
        struct Built {
            int k;
            bool reverse;
            int64_t I, U;
        };
        std::vector<Built> built;
        for (const auto& [key, g] : git->second) {
            const auto [k, reverse] = key;
            const std::string name = torchLayerName(prefix, k, reverse);
            const std::string sfx = "_l" + std::to_string(k) + (reverse ? "_reverse" : "");
            const Meta* wih = g.t[0];
            const Meta* whh = g.t[1];
            const Meta* bih = g.t[2];
            const Meta* bhh = g.t[3];
            if (!wih || !whh) {
                const Meta* any = wih ? wih : whh ? whh : bih ? bih : bhh;
                badLayer(path, name + ": '" + printable(any->name) + "' without '" + printable(prefix) + (wih ? "weight_hh" : "weight_ih") +
                                   sfx + "': an incomplete PyTorch RNN state dict");
            }
            // weight_hh (G, U): G = 3U for a GRU, 4U for an LSTM, U for a plain RNN.
            if (whh->shape.size() != 2 || whh->shape[1] <= 0)
                badLayer(path, "'" + printable(whh->name) + "' has shape " + shapeToString(whh->shape) + "; a GRU's is (3U, U)");
            const int64_t U = whh->shape[1], G = whh->shape[0];
            if (G == 4 * U || G == U) {
                out.diagnostics.push_back({Diagnostic::Severity::Info, trimSep(prefix).empty() ? name : trimSep(prefix),
                                           "'" + printable(whh->name) + "' has shape " + shapeToString(whh->shape) + ": " +
                                               (G == U ? "a plain RNN's" : "an LSTM's") + " parameters, not a GRU's; ignored"});
                continue;
            }
            if (G != 3 * U)
                badLayer(path, "'" + printable(whh->name) + "' has shape " + shapeToString(whh->shape) + "; a GRU's is (3U, U)");
            if (wih->shape.size() != 2 || wih->shape[0] != G || wih->shape[1] <= 0)
                badLayer(path, "'" + printable(wih->name) + "' has shape " + shapeToString(wih->shape) + "; with " + std::to_string(U) +
                                   " units (from " + printable(whh->name) + ") a GRU's is (" + std::to_string(G) + ", input size)");
            if (!bih != !bhh)
                badLayer(path, name + ": '" + printable((bih ? bih : bhh)->name) + "' without its partner '" + printable(prefix) +
                                   (bih ? "bias_hh" : "bias_ih") + sfx + "' (nn.GRU has both biases or neither)");
            for (const Meta* b : {bih, bhh})
                if (b && b->shape != Shape{G})
                    badLayer(path, "'" + printable(b->name) + "' has shape " + shapeToString(b->shape) + "; a GRU with " +
                                       std::to_string(U) + " units needs (" + std::to_string(G) + ",)");
            for (const Meta* m : {wih, whh, bih, bhh})
                if (m)
                    requireFloatWithin(*m, path, limits);
            const int64_t I = wih->shape[1];
            const bool hasBias = bih != nullptr;
            const bool bidi = git->second.count({k, true}) > 0;

            GruLayerInfo L;
            L.name = name;
            L.kind = kTorchKind;
            L.tensors = {wih->name, whh->name};
            if (hasBias) {
                L.tensors.push_back(bih->name);
                L.tensors.push_back(bhh->name);
            }
            L.group = joined(L.tensors, ", "); // no groups in a flat state dict: where its tensors are
            L.kernelShape = {I, G};
            L.recurrentShape = {U, G};
            if (hasBias)
                L.biasShape = {2, G};
            L.dtype = wih->dtype;
            L.configFromFile = false;
            GruConfig& c = L.config;
            c.flavor = Flavor::Keras3;
            c.name = name;
            c.units = U;
            c.use_bias = hasBias;
            c.reset_after = true;
            c.activation = "tanh";
            c.recurrent_activation = "sigmoid";
            c.return_sequences = true;
            c.go_backwards = reverse;
            auto& a = L.assumptions;
            a.push_back("PyTorch nn.GRU parameters (row blocks r, z, n; weight (3U, in)) converted to Keras layout "
                        "(column blocks z, r, h; kernel (in, 3U)); no layer configuration in the file: units=" +
                        std::to_string(U) + " and input size " + std::to_string(I) + " from the shapes");
            a.push_back("reset_after=True, activation='tanh', recurrent_activation='sigmoid': what nn.GRU computes");
            a.push_back(hasBias ? "use_bias=True: bias (2, 3U) = [bias_ih; bias_hh]"
                                : "use_bias=False: no bias_ih/bias_hh tensors (nn.GRU(bias=False))");
            a.push_back("return_sequences=True: nn.GRU returns the whole sequence (its h_n is the final state)");
            a.push_back("inputs (batch, time, features) as with batch_first=True; transpose (time, batch, features) inputs "
                        "of a batch_first=False model");
            if (reverse)
                a.push_back("reverse direction of a bidirectional nn.GRU: go_backwards=True; Keras returns the outputs in "
                            "processing order (last time step first) while PyTorch aligns them with the input's time steps: "
                            "reverse them along time to compare with PyTorch's output");
            if (k > 0)
                a.push_back("layer " + std::to_string(k) + " of a stacked nn.GRU: its input is layer " + std::to_string(k - 1) +
                            "'s output sequence" + (bidi ? " ([forward ‖ backward] per time step, aligned with the input's time)" : "") +
                            "; PyTorch's inter-layer dropout applies only in training");
            if (bidi) {
                L.wrapper = torchLayerName(prefix, k, false);
                L.direction = reverse ? "backward" : "forward";
                L.mergeMode = "concat";
            }
            out.layers.push_back(std::move(L));
            built.push_back({k, reverse, I, U});
        }
        if (built.empty())
            continue;
        out.anyTorch = true;
        // Consistency across layers and directions.
        const std::string where = trimSep(prefix).empty() ? "(state dict)" : trimSep(prefix);
        int maxK = 0;
        bool anyReverse = false;
        for (const Built& b : built) {
            maxK = std::max(maxK, b.k);
            anyReverse |= b.reverse;
        }
        auto findBuilt = [&](int k, bool rev) -> const Built* {
            for (const Built& b : built)
                if (b.k == k && b.reverse == rev)
                    return &b;
            return nullptr;
        };
        for (int k = 0; k <= maxK; ++k) {
            const Built* f = findBuilt(k, false);
            const Built* r = findBuilt(k, true);
            if (!f && !r) {
                out.diagnostics.push_back({Diagnostic::Severity::Warning, where,
                                           "layer l" + std::to_string(k) + " is missing: the stacked GRU is incomplete"});
                continue;
            }
            if (anyReverse && (!f || !r))
                out.diagnostics.push_back({Diagnostic::Severity::Warning, where,
                                           "layer l" + std::to_string(k) + " has only its " + (f ? "forward" : "reverse") +
                                               " direction, other layers have both"});
            if (f && r && (f->I != r->I || f->U != r->U))
                out.diagnostics.push_back({Diagnostic::Severity::Warning, where,
                                           "layer l" + std::to_string(k) + ": the forward direction has " + std::to_string(f->U) +
                                               " units and " + std::to_string(f->I) + " inputs, the reverse " + std::to_string(r->U) +
                                               " and " + std::to_string(r->I)});
            if (k == 0)
                continue;
            const Built* pf = findBuilt(k - 1, false);
            const Built* pr = findBuilt(k - 1, true);
            if (!pf && !pr)
                continue;
            const int64_t prevOut = (pf ? pf->U : 0) + (pr ? pr->U : 0);
            for (const Built* b : {f, r})
                if (b && b->I != prevOut)
                    out.diagnostics.push_back(
                        {Diagnostic::Severity::Warning, torchLayerName(prefix, k, b->reverse),
                         "weight_ih_l" + std::to_string(k) + (b->reverse ? "_reverse" : "") + " takes " + std::to_string(b->I) +
                             " inputs but layer l" + std::to_string(k - 1) + " outputs " + std::to_string(prevOut) +
                             (pf && pr ? " (forward ‖ reverse concatenated)" : "") + ": these layers do not stack"});
        }
        const int layers = maxK + 1;
        std::string s = (trimSep(prefix).empty() ? "" : trimSep(prefix) + ": ") + std::to_string(layers) +
                        (layers == 1 ? " layer" : " layers");
        if (anyReverse)
            s += " × 2 directions";
        out.summaries.push_back(s);
    }
}

void listKeras(const std::string& path, const std::vector<std::string>& prefixOrder,
               const std::map<std::string, std::array<const Meta*, 3>>& groups, const WeightReadLimits& limits, Listing& out,
               std::set<std::string>& used)
{
    std::string stem = std::filesystem::path(path).stem().string();
    if (stem.empty())
        stem = "gru";
    for (const std::string& prefix : prefixOrder) {
        const auto it = groups.find(prefix);
        if (it == groups.end())
            continue;
        const auto& [k, r, b] = it->second;
        if (!k || !r)
            continue; // a Dense's kernel/bias, a lone bias: not a GRU
        const std::string name = trimSep(prefix).empty() ? stem : trimSep(prefix);
        if (k->shape.size() == 2 && r->shape.size() == 2 && r->shape[0] > 0 && r->shape[1] == 4 * r->shape[0]) {
            out.diagnostics.push_back({Diagnostic::Severity::Info, name,
                                       "recurrent_kernel " + shapeToString(r->shape) + " has 4U columns: an LSTM's, not a GRU's; ignored"});
            continue;
        }
        if (r->shape.size() != 2 || r->shape[0] <= 0 || r->shape[1] != 3 * r->shape[0])
            badLayer(path, "'" + printable(r->name) + "' has shape " + shapeToString(r->shape) + "; a GRU's recurrent_kernel is (U, 3U)");
        const int64_t U = r->shape[0], G = 3 * U;
        if (k->shape.size() != 2 || k->shape[1] != G || k->shape[0] <= 0)
            badLayer(path, "'" + printable(k->name) + "' has shape " + shapeToString(k->shape) + "; with " + std::to_string(U) +
                               " units a GRU's kernel is (input size, " + std::to_string(G) + ")");
        if (b && b->shape != Shape{2, G} && b->shape != Shape{G})
            badLayer(path, "'" + printable(b->name) + "' has shape " + shapeToString(b->shape) + "; a GRU with " + std::to_string(U) +
                               " units has bias (2, " + std::to_string(G) + ") (reset_after=True) or (" + std::to_string(G) +
                               ",) (reset_after=False)");
        for (const Meta* m : {k, r, b})
            if (m)
                requireFloatWithin(*m, path, limits);
        GruLayerInfo L;
        L.name = name;
        L.kind = kKerasKind;
        L.tensors = {k->name, r->name};
        if (b)
            L.tensors.push_back(b->name);
        L.group = joined(L.tensors, ", ");
        L.kernelShape = k->shape;
        L.recurrentShape = r->shape;
        if (b)
            L.biasShape = b->shape;
        L.dtype = k->dtype;
        L.config = inferGruConfig(L.kernelShape, L.recurrentShape, L.biasShape, Flavor::Keras3, L.assumptions);
        L.config.name = name;
        for (const Meta* m : {k, r, b})
            if (m)
                used.insert(m->name);
        out.layers.push_back(std::move(L));
        out.anyKeras = true;
    }
}

// Groups the tensors of a file into GRU layers.
Listing analyse(const std::string& path, const std::vector<Meta>& metas, const WeightReadLimits& limits)
{
    Listing out;
    std::vector<std::string> torchOrder, kerasOrder;
    std::map<std::string, std::map<std::pair<int, bool>, TorchGroup>> torch;
    std::map<std::string, std::array<const Meta*, 3>> keras;
    std::set<std::string> used;
    for (const Meta& m : metas) {
        if (auto key = parseTorchKey(m.name)) {
            if (!torch.count(key->prefix))
                torchOrder.push_back(key->prefix);
            torch[key->prefix][{key->layer, key->reverse}].t[size_t(key->role)] = &m;
            continue;
        }
        auto [prefix, leaf] = splitName(m.name);
        const int role = kerasRole(leaf);
        if (role >= 0) {
            if (!keras.count(prefix))
                kerasOrder.push_back(prefix);
            keras[prefix][size_t(role)] = &m;
        }
    }
    listTorch(path, torchOrder, torch, limits, out);
    for (const auto& L : out.layers)
        for (const auto& t : L.tensors)
            used.insert(t);
    listKeras(path, kerasOrder, keras, limits, out, used);
    if (out.layers.empty())
        out.diagnostics.push_back({Diagnostic::Severity::Info, "",
                                   "no GRU tensors: expected PyTorch nn.GRU keys (weight_ih_l0, weight_hh_l0, bias_ih_l0, "
                                   "bias_hh_l0, optionally with a prefix like 'gru.') or Keras-layout kernel, recurrent_kernel, bias"});
    size_t ignored = 0;
    for (const Meta& m : metas) {
        if (used.count(m.name))
            continue;
        if (++ignored <= kMaxListedIgnored)
            out.diagnostics.push_back({Diagnostic::Severity::Info, printable(m.name),
                                       "ignored tensor '" + printable(m.name) + "'" +
                                           (m.known ? " " + shapeToString(m.shape) + " " + m.dtype : std::string()) +
                                           ": not part of a GRU"});
    }
    if (ignored > kMaxListedIgnored)
        out.diagnostics.push_back({Diagnostic::Severity::Info, "",
                                   "... and " + std::to_string(ignored - kMaxListedIgnored) + " more tensors ignored"});
    return out;
}

void fill(WeightFileInfo& info, Container container, Listing&& l)
{
    const bool sf = container == Container::Safetensors;
    if (sf)
        info.format = WeightFormat::TorchSafetensors;
    else
        info.format = l.anyTorch ? WeightFormat::TorchNpz : WeightFormat::NumpyNpz;
    std::vector<std::string> parts;
    if (l.anyTorch)
        parts.push_back(std::string(sf ? "PyTorch .safetensors, " : "PyTorch state dict .npz, ") + joined(l.summaries, "; "));
    if (l.anyKeras) {
        size_t n = 0;
        for (const auto& L : l.layers)
            n += L.kind == kKerasKind;
        parts.push_back(std::string(sf ? ".safetensors" : "NumPy .npz") + ", Keras layout (kernel, recurrent_kernel, bias)" +
                        (n > 1 ? ", " + std::to_string(n) + " GRUs" : ""));
    }
    if (parts.empty())
        parts.push_back(sf ? ".safetensors, no GRU" : "NumPy .npz, no GRU");
    info.formatDetail = joined(parts, " + ");
    info.layers = std::move(l.layers);
    info.diagnostics.insert(info.diagnostics.end(), l.diagnostics.begin(), l.diagnostics.end());
}

std::string lowerExtension(const std::string& path)
{
    std::string e = std::filesystem::path(path).extension().string();
    for (char& c : e)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    return e;
}

std::vector<Meta> safetensorsMetas(const st::Header& h)
{
    std::vector<Meta> metas;
    metas.reserve(h.tensors.size());
    for (const auto& t : h.tensors)
        metas.push_back({t.name, true, t.shape, st::dtypeName(t.dtype), st::isFloatWeight(t.dtype)});
    return metas;
}

// Reads the layer's tensors by name as float32, checking each against its listed shape.
std::vector<ArrayF> readLayerTensors(const WeightFileInfo& file, const GruLayerInfo& layer, const WeightReadLimits& limits,
                                     const std::vector<Shape>& expected)
{
    std::vector<ArrayF> out;
    if (file.format == WeightFormat::TorchSafetensors) {
        const st::Header h = st::readHeader(file.path);
        for (const std::string& name : layer.tensors) {
            const st::Tensor* t = h.find(name);
            if (!t)
                throw Error(ErrorCode::BadFile, file.path + ": tensor '" + printable(name) + "' is missing (the file changed since it was listed?)");
            out.push_back(st::readFloat(file.path, h, *t, limits.maxElements));
        }
    } else {
        ZipReader zip = openNpz(file.path, limits);
        bool kerasConfig = false;
        const std::vector<NpzMember> members = npzMembers(zip, kerasConfig);
        for (const std::string& name : layer.tensors) {
            const auto m = std::find_if(members.begin(), members.end(), [&](const NpzMember& x) { return x.key == name; });
            if (m == members.end())
                throw Error(ErrorCode::BadFile, file.path + ": array '" + printable(name) + "' is missing (the file changed since it was listed?)");
            const npy::NpyArray a = readNpzMember(zip, *m, limits);
            if (!isNpyFloat(a.dtype))
                throw Error(ErrorCode::BadFile, file.path + ": array '" + printable(name) + "' has dtype " + npy::dtypeName(a.dtype) +
                                                    "; GRU weights must be float16, float32 or float64");
            out.push_back(a.toFloat());
        }
    }
    for (size_t i = 0; i < out.size() && i < expected.size(); ++i)
        if (out[i].shape != expected[i])
            throw Error(ErrorCode::BadFile, file.path + ": tensor '" + printable(layer.tensors[i]) + "' has shape " +
                                                shapeToString(out[i].shape) + ", expected " + shapeToString(expected[i]) +
                                                " (the file changed since it was listed?)");
    return out;
}

} // namespace

bool tryReadTensorFile(const std::string& path, const WeightReadLimits& limits, WeightFileInfo& info)
{
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(path, ec);
    if (ec)
        return false;
    std::array<std::byte, 16> head{};
    size_t have = 0;
    {
        std::ifstream in(path, std::ios::binary);
        if (!in)
            return false;
        in.read(reinterpret_cast<char*>(head.data()), std::streamsize(head.size()));
        have = size_t(in.gcount());
    }
    const bool zipMagic = have >= 4 && head[0] == std::byte{'P'} && head[1] == std::byte{'K'} && head[2] == std::byte{3} &&
                          head[3] == std::byte{4};
    const bool npyMagic = have >= 6 && head[0] == std::byte{0x93} && std::memcmp(head.data() + 1, "NUMPY", 5) == 0;
    const std::string ext = lowerExtension(path);

    if (!zipMagic && !npyMagic && (ext == ".safetensors" || st::looksLikeSafetensors(head.data(), have, size))) {
        const st::Header h = st::readHeader(path);
        const std::vector<Meta> metas = safetensorsMetas(h);
        Listing l = analyse(path, metas, limits);
        if (!h.metadata.empty()) {
            std::string m;
            for (const auto& [k, v] : h.metadata)
                m += (m.empty() ? "" : ", ") + printable(k, 40) + "=" + printable(v, 80);
            l.diagnostics.insert(l.diagnostics.begin(), {Diagnostic::Severity::Info, "__metadata__", printable(m, 400)});
        }
        fill(info, Container::Safetensors, std::move(l));
        return true;
    }
    if (!zipMagic)
        return false;
    std::optional<ZipReader> zip;
    try {
        zip.emplace(openNpz(path, limits));
    } catch (const Error&) {
        return false; // the .keras reader says why the zip cannot be read
    }
    bool kerasConfig = false;
    const std::vector<NpzMember> members = npzMembers(*zip, kerasConfig);
    if (kerasConfig || members.empty())
        return false; // a .keras archive (or no arrays at all)

    // Shapes and dtypes of the arrays a GRU may use (PyTorch keys; kernel/recurrent_kernel and a
    // bias beside them); other arrays are only named.
    std::set<std::string> kerasPrefixes;
    {
        std::map<std::string, int> have2;
        for (const auto& m : members) {
            auto [prefix, leaf] = splitName(m.key);
            if (leaf == "kernel")
                have2[prefix] |= 1;
            else if (leaf == "recurrent_kernel")
                have2[prefix] |= 2;
        }
        for (const auto& [p, bits] : have2)
            if (bits == 3)
                kerasPrefixes.insert(p);
    }
    std::vector<Meta> metas;
    for (const auto& m : members) {
        auto [prefix, leaf] = splitName(m.key);
        Meta meta;
        meta.name = m.key;
        if (parseTorchKey(m.key) || (kerasRole(leaf) >= 0 && kerasPrefixes.count(prefix))) {
            const npy::NpyArray a = readNpzMember(*zip, m, limits);
            meta.known = true;
            meta.shape = a.shape;
            meta.dtype = npy::dtypeName(a.dtype);
            meta.isFloat = isNpyFloat(a.dtype);
        }
        metas.push_back(std::move(meta));
    }
    fill(info, Container::Npz, analyse(path, metas, limits));
    return true;
}

GruWeights readTensorFileWeights(const WeightFileInfo& file, const GruLayerInfo& layer, const WeightReadLimits& limits)
{
    GruWeights w;
    if (layer.kind == kKerasKind) {
        std::vector<Shape> expected = {layer.kernelShape, layer.recurrentShape};
        if (layer.tensors.size() > 2)
            expected.push_back(layer.biasShape);
        std::vector<ArrayF> t = readLayerTensors(file, layer, limits, expected);
        if (t.size() < 2)
            throw Error(ErrorCode::InvalidArgument, file.path + ": layer '" + layer.name + "' lists fewer than two tensors");
        w.kernel = std::move(t[0]);
        w.recurrentKernel = std::move(t[1]);
        if (t.size() > 2)
            w.bias = std::move(t[2]);
        return w;
    }
    if (layer.kind != kTorchKind || (layer.tensors.size() != 2 && layer.tensors.size() != 4) || layer.kernelShape.size() != 2 ||
        layer.recurrentShape.size() != 2)
        throw Error(ErrorCode::InvalidArgument, file.path + ": layer '" + layer.name + "' was not listed from this tensor file");
    const int64_t I = layer.kernelShape[0], U = layer.recurrentShape[0], G = 3 * U;
    std::vector<Shape> expected = {{G, I}, {G, U}};
    if (layer.tensors.size() == 4) {
        expected.push_back({G});
        expected.push_back({G});
    }
    const std::vector<ArrayF> t = readLayerTensors(file, layer, limits, expected);
    // keras-gru.md §7.1: Keras block g (z, r, h) takes PyTorch row block perm[g] (r, z, n), transposed.
    static constexpr std::array<int64_t, 3> perm{1, 0, 2};
    w.kernel = ArrayF({I, G});
    w.recurrentKernel = ArrayF({U, G});
    for (int64_t g = 0; g < 3; ++g)
        for (int64_t u = 0; u < U; ++u) {
            const int64_t row = perm[size_t(g)] * U + u, col = g * U + u;
            for (int64_t i = 0; i < I; ++i)
                w.kernel.data[size_t(i * G + col)] = t[0].data[size_t(row * I + i)];
            for (int64_t j = 0; j < U; ++j)
                w.recurrentKernel.data[size_t(j * G + col)] = t[1].data[size_t(row * U + j)];
        }
    if (t.size() == 4) {
        w.bias = ArrayF({2, G});
        for (int64_t g = 0; g < 3; ++g)
            for (int64_t u = 0; u < U; ++u) {
                const int64_t row = perm[size_t(g)] * U + u, col = g * U + u;
                w.bias.data[size_t(col)] = t[2].data[size_t(row)];
                w.bias.data[size_t(G + col)] = t[3].data[size_t(row)];
            }
    }
    return w;
}

} // namespace gruscope::io
