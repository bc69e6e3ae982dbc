// Writers for one GRU layer: Keras 3 .weights.h5 / .keras, tf_keras legacy .h5, Keras-layout .npz
// and PyTorch .safetensors. The Keras layouts are those Keras 3.15.1 and tf_keras 2.21.0 write for
// Sequential([Input((None, I)), GRU(...)]) (compared with h5py dumps of files they saved; see
// /work/shared/reference/keras-gru.md §5). Every file goes through writeFileAtomically.
#include "gruscope/weightwriter.h"

#include "gruscope/atomic_file.h"
#include "gruscope/error.h"
#include "gruscope/npy.h"
#include "h5/h5_writer.h"
#include "io/zip_archive.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace gruscope {

using ojson = nlohmann::ordered_json;

namespace {

// What the files say about their writer, as the Keras versions the layouts were taken from.
constexpr const char* kKeras3Version = "3.15.1";
constexpr const char* kTfKerasVersion = "2.21.0";

bool endsWithNoCase(const std::string& s, const std::string& suffix)
{
    if (s.size() < suffix.size())
        return false;
    for (size_t i = 0; i < suffix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[s.size() - suffix.size() + i])) != suffix[i])
            return false;
    return true;
}

[[noreturn]] void unsupported(const std::string& path, WriteFormat format, const std::string& why)
{
    throw Error(ErrorCode::Unsupported, "cannot write '" + path + "' as " + writeFormatName(format) + ": " + why);
}

// A Keras layer name: Keras 3 refuses '/' in names, and tf.keras uses the name as an HDF5 group and
// as the prefix of the weight names. Names such as "bidirectional/forward_gru" (what the readers
// call a Bidirectional half) become "bidirectional_forward_gru".
std::string kerasLayerName(const std::string& name)
{
    std::string out;
    for (char c : name) {
        const unsigned char u = static_cast<unsigned char>(c);
        out += (std::isalnum(u) || c == '_' || c == '-' || c == '.') ? c : '_';
    }
    if (out.empty() || out == "." || out == "..")
        return "gru";
    if (!std::isalnum(static_cast<unsigned char>(out[0]))) // TensorFlow name scopes start with a letter or digit
        out = "gru" + out;
    return out;
}

bool usesHardSigmoid(const GruConfig& c)
{
    return activationFromName(c.activation) == ActivationKind::HardSigmoid ||
           activationFromName(c.recurrent_activation) == ActivationKind::HardSigmoid;
}

// The config in the dialect of the Keras that reads `format`, or Error(Unsupported) when that
// Keras would compute something else.
GruConfig configForFormat(const std::string& path, WriteFormat format, const GruConfig& in)
{
    GruConfig c = in;
    c.name = kerasLayerName(in.name);
    const bool keras3File = format == WriteFormat::Keras3Archive || format == WriteFormat::Keras3WeightsH5;
    const Flavor target = keras3File ? Flavor::Keras3 : Flavor::TfKeras;
    if (format == WriteFormat::Keras3Archive || format == WriteFormat::LegacyH5) {
        if (c.stateful)
            unsupported(path, format,
                        "stateful=True: Keras builds a stateful GRU only with a fixed batch size, and the one-layer model "
                        "in this file takes inputs of any batch size, shape (None, None, I); write the weights as .weights.h5 "
                        "or .npz and build the stateful model in Keras");
        if (c.return_state)
            unsupported(path, format,
                        "return_state=True: the file holds a Sequential model, whose layers must have a single output; "
                        "write the weights as .weights.h5 or .npz and build the model in Keras");
    }
    if (format == WriteFormat::LegacyH5) {
        if (c.unroll)
            unsupported(path, format,
                        "unroll=True: tf.keras unrolls only over a fixed number of time steps, and the model in this file "
                        "takes sequences of any length (tf_keras refuses to build it); write it with unroll=False, which "
                        "computes the same, or as .keras / .weights.h5");
        if (c.name == "top_level_model_weights") // the name of tf.keras's own group beside the layers
            c.name = "gru";
    }
    if (c.flavor != target && (format == WriteFormat::Keras3Archive || format == WriteFormat::LegacyH5)) {
        if (usesHardSigmoid(c))
            unsupported(path, format,
                        std::string("hard_sigmoid means clip(") + (c.flavor == Flavor::Keras3 ? "x/6 + 0.5" : "0.2·x + 0.5") +
                            ", 0, 1) in this " + flavorName(c.flavor) + " configuration but clip(" +
                            (target == Flavor::Keras3 ? "x/6 + 0.5" : "0.2·x + 0.5") + ", 0, 1) in " +
                            (target == Flavor::Keras3 ? "Keras 3" : "tf.keras") +
                            ", which reads this file: the model would compute something else");
        if (target == Flavor::Keras3 && c.time_major)
            unsupported(path, format, "time_major=True: Keras 3's GRU has no time_major argument");
        c.flavor = target;
        if (target == Flavor::TfKeras) {
            c.seed.reset();             // dropout seed: Keras 3 only (tf.keras has no such argument)
            c.use_cudnn = UseCudnn::Auto; // tf.keras chooses cuDNN itself
        } else {
            c.time_major = false;
        }
        const auto issues = validateConfig(c);
        if (!issues.empty()) {
            std::string why = std::string("the configuration cannot be written for ") +
                              (target == Flavor::Keras3 ? "Keras 3" : "tf.keras") + ":";
            for (const auto& i : issues)
                why += "\n  " + i.message();
            unsupported(path, format, why);
        }
    }
    return c;
}

ojson parseOrdered(const std::string& text)
{
    return ojson::parse(text);
}

ojson dtypePolicyK3()
{
    return ojson{{"module", "keras"}, {"class_name", "DTypePolicy"}, {"config", {{"name", "float32"}}}, {"registered_name", nullptr}};
}

// config.json of a .keras archive, as Keras 3.15 writes it (without the shared_object_id keys,
// which only link repeated objects).
std::string keras3ModelConfig(const GruConfig& c, int64_t inputSize)
{
    const ojson shape = ojson::array({nullptr, nullptr, inputSize});
    ojson input = {{"module", "keras.layers"},
                   {"class_name", "InputLayer"},
                   {"config",
                    {{"batch_shape", shape},
                     {"dtype", "float32"},
                     {"sparse", false},
                     {"ragged", false},
                     {"name", c.name == "input_layer" ? "input_layer_1" : "input_layer"},
                     {"optional", false}}},
                   {"registered_name", nullptr}};
    ojson gru = parseOrdered(configToJson(c, /*wrapped=*/true, -1));
    gru["build_config"] = {{"input_shape", shape}};
    ojson model = {{"module", "keras"},
                   {"class_name", "Sequential"},
                   {"config",
                    {{"name", "sequential"},
                     {"trainable", true},
                     {"dtype", dtypePolicyK3()},
                     {"layers", ojson::array({input, gru})},
                     {"build_input_shape", shape}}},
                   {"registered_name", nullptr},
                   {"build_config", {{"input_shape", shape}}},
                   {"compile_config", ojson::object()}};
    return model.dump();
}

// model_config of a tf_keras .h5 (legacy serialization: no module keys on the model and layers).
// InputLayer's "optional" (tf_keras 2.16+) is left out so that older tf.keras loads it too.
std::string tfKerasModelConfig(const GruConfig& c, int64_t inputSize)
{
    ojson input = {{"class_name", "InputLayer"},
                   {"config",
                    {{"batch_input_shape", ojson::array({nullptr, nullptr, inputSize})},
                     {"dtype", "float32"},
                     {"sparse", false},
                     {"ragged", false},
                     {"name", c.name == "input_1" ? "input_2" : "input_1"}}}};
    ojson gru = parseOrdered(configToJson(c, /*wrapped=*/true, -1));
    ojson model = {{"class_name", "Sequential"}, {"config", {{"name", "sequential"}, {"layers", ojson::array({input, gru})}}}};
    return model.dump();
}

// Keras 3 weights layout (saving_lib + H5IOStore) into an open writer.
void fillKeras3Weights(h5::Writer& w, const GruConfig& c, const GruWeights& weights)
{
    using h5::StringEncoding;
    w.group("/vars");
    w.stringAttribute("/vars", "name", "sequential", StringEncoding::Utf8);
    w.group("/layers/gru/vars");
    w.stringAttribute("/layers/gru/vars", "name", c.name, StringEncoding::Utf8);
    w.group("/layers/gru/cell/vars");
    w.stringAttribute("/layers/gru/cell/vars", "name", "gru_cell", StringEncoding::Utf8);
    w.floatDataset("/layers/gru/cell/vars/0", weights.kernel);
    w.floatDataset("/layers/gru/cell/vars/1", weights.recurrentKernel);
    if (c.use_bias)
        w.floatDataset("/layers/gru/cell/vars/2", weights.bias);
}

void writeKeras3WeightsH5(const std::string& path, const GruConfig& c, const GruWeights& weights)
{
    writeFileAtomically(path, [&](const std::string& tmp) {
        h5::Writer w = h5::Writer::create(tmp, path);
        fillKeras3Weights(w, c, weights);
        w.close();
    });
}

void writeLegacyH5(const std::string& path, const GruConfig& c, const GruWeights& weights)
{
    using h5::StringEncoding;
    const std::string modelConfig = tfKerasModelConfig(c, weights.inputSize());
    writeFileAtomically(path, [&](const std::string& tmp) {
        h5::Writer w = h5::Writer::create(tmp, path);
        // tf_keras: str attributes at the root (UTF-8), bytes below (ASCII); model_config is bytes.
        w.stringAttribute("/", "keras_version", kTfKerasVersion, StringEncoding::Utf8);
        w.stringAttribute("/", "backend", "tensorflow", StringEncoding::Utf8);
        w.stringAttribute("/", "model_config", modelConfig, StringEncoding::Ascii);
        w.group("/model_weights");
        w.stringAttribute("/model_weights", "backend", "tensorflow", StringEncoding::Ascii);
        w.stringAttribute("/model_weights", "keras_version", kTfKerasVersion, StringEncoding::Ascii);
        w.stringListAttribute("/model_weights", "layer_names", {c.name}, StringEncoding::Ascii);
        const std::string group = "/model_weights/" + c.name;
        std::vector<std::string> names = {c.name + "/gru_cell/kernel:0", c.name + "/gru_cell/recurrent_kernel:0"};
        if (c.use_bias)
            names.push_back(c.name + "/gru_cell/bias:0");
        w.group(group);
        w.stringListAttribute(group, "weight_names", names, StringEncoding::Ascii);
        w.floatDataset(group + "/" + names[0], weights.kernel);
        w.floatDataset(group + "/" + names[1], weights.recurrentKernel);
        if (c.use_bias)
            w.floatDataset(group + "/" + names[2], weights.bias);
        w.group("/model_weights/top_level_model_weights");
        w.stringListAttribute("/model_weights/top_level_model_weights", "weight_names", {}, StringEncoding::Ascii);
        w.close();
    });
}

std::string dateSaved()
{
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d@%H:%M:%S", &local);
    return buf;
}

void writeKeras3Archive(const std::string& path, const GruConfig& c, const GruWeights& weights)
{
    const std::string metadata = ojson{{"keras_version", kKeras3Version}, {"date_saved", dateSaved()}}.dump();
    const std::string config = keras3ModelConfig(c, weights.inputSize());
    std::vector<std::byte> image;
    {
        h5::Writer w = h5::Writer::createInMemory(path + ":model.weights.h5");
        fillKeras3Weights(w, c, weights);
        image = w.image();
        w.close();
    }
    // Stored, as Python's zipfile (and so Keras) writes it.
    io::ZipWriter::write(path, [&](io::ZipWriter& zip) {
        zip.add("metadata.json", metadata);
        zip.add("config.json", config);
        zip.add("model.weights.h5", image);
    });
}

void writeNumpyNpz(const std::string& path, const GruConfig& c, const GruWeights& weights)
{
    std::vector<npy::ArrayRef> arrays = {npy::ref("kernel", weights.kernel), npy::ref("recurrent_kernel", weights.recurrentKernel)};
    if (c.use_bias)
        arrays.push_back(npy::ref("bias", weights.bias));
    npy::writeNpz(path, arrays);
}

// PyTorch nn.GRU (gate rows r, z, n) from Keras (gate columns z, r, h): PyTorch block p is Keras
// block perm[p], perm = [1, 0, 2] (its own inverse), transposed.
constexpr int kPerm[3] = {1, 0, 2};

ArrayF torchMatrix(const ArrayF& keras) // (K, 3U) → (3U, K)
{
    const int64_t K = keras.shape[0], G = keras.shape[1], U = G / 3;
    ArrayF out({G, K});
    for (int p = 0; p < 3; ++p)
        for (int64_t u = 0; u < U; ++u)
            for (int64_t k = 0; k < K; ++k)
                out.data[size_t((p * U + u) * K + k)] = keras.data[size_t(k * G + kPerm[p] * U + u)];
    return out;
}

ArrayF torchBias(const ArrayF& bias, int row) // row of (2, 3U) → (3U,)
{
    const int64_t G = bias.shape[1], U = G / 3;
    ArrayF out({G});
    for (int p = 0; p < 3; ++p)
        for (int64_t u = 0; u < U; ++u)
            out.data[size_t(p * U + u)] = bias.data[size_t(row * G + kPerm[p] * U + u)];
    return out;
}

void writeSafetensors(const std::string& path, const GruConfig& c, const GruWeights& weights)
{
    const WriteFormat format = WriteFormat::TorchSafetensors;
    if (!c.reset_after)
        unsupported(path, format,
                    "reset_after=False: PyTorch's nn.GRU applies the reset gate after the recurrent product, "
                    "n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn)), which is Keras's reset_after=True; a reset_after=False "
                    "GRU computes tanh(W·x + U·(r ⊙ h) + b), which no nn.GRU state dict can express "
                    "(write .npz or a Keras format instead)");
    if (activationFromName(c.activation) != ActivationKind::Tanh ||
        activationFromName(c.recurrent_activation) != ActivationKind::Sigmoid)
        unsupported(path, format,
                    "activation='" + c.activation + "', recurrent_activation='" + c.recurrent_activation +
                        "': PyTorch's nn.GRU always uses tanh and sigmoid, so its state dict cannot hold this GRU");
    struct Tensor {
        std::string name;
        ArrayF array;
    };
    std::vector<Tensor> tensors = {{"weight_ih_l0", torchMatrix(weights.kernel)}, {"weight_hh_l0", torchMatrix(weights.recurrentKernel)}};
    if (c.use_bias) {
        tensors.push_back({"bias_ih_l0", torchBias(weights.bias, 0)});
        tensors.push_back({"bias_hh_l0", torchBias(weights.bias, 1)});
    }
    ojson header = ojson::object();
    header["__metadata__"] = {{"format", "pt"}};
    size_t offset = 0;
    for (const auto& t : tensors) {
        const size_t bytes = t.array.data.size() * sizeof(float);
        header[t.name] = {{"dtype", "F32"}, {"shape", t.array.shape}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string json = header.dump();
    json.append((8 - json.size() % 8) % 8, ' '); // the data starts 8-byte aligned, as safetensors pads it
    std::string out;
    out.reserve(8 + json.size() + offset);
    const uint64_t n = json.size();
    for (int i = 0; i < 8; ++i)
        out += char((n >> (8 * i)) & 0xff);
    out += json;
    for (const auto& t : tensors) {
        // safetensors is little-endian; so is every machine GruScope builds for.
        static_assert(sizeof(float) == 4);
        out.append(reinterpret_cast<const char*>(t.array.data.data()), t.array.data.size() * sizeof(float));
    }
    writeBytesAtomically(path, out);
}

} // namespace

std::optional<WriteFormat> writeFormatFromPath(const std::string& path)
{
    if (endsWithNoCase(path, ".weights.h5"))
        return WriteFormat::Keras3WeightsH5;
    if (endsWithNoCase(path, ".keras"))
        return WriteFormat::Keras3Archive;
    if (endsWithNoCase(path, ".h5") || endsWithNoCase(path, ".hdf5"))
        return WriteFormat::LegacyH5;
    if (endsWithNoCase(path, ".npz"))
        return WriteFormat::Npz;
    if (endsWithNoCase(path, ".safetensors"))
        return WriteFormat::TorchSafetensors;
    return std::nullopt;
}

const char* writeFormatName(WriteFormat format) noexcept
{
    switch (format) {
    case WriteFormat::Keras3WeightsH5: return "Keras 3 .weights.h5";
    case WriteFormat::Keras3Archive: return "Keras 3 .keras";
    case WriteFormat::LegacyH5: return "tf.keras legacy .h5";
    case WriteFormat::Npz: return "NumPy .npz (Keras layout)";
    case WriteFormat::TorchSafetensors: return "PyTorch .safetensors";
    }
    return "unknown";
}

void writeGruWeights(const std::string& path, WriteFormat format, const GruConfig& config, const GruWeights& weights)
{
    requireValidConfig(config);
    checkWeights(config, weights);
    const GruConfig c = configForFormat(path, format, config);
    switch (format) {
    case WriteFormat::Keras3WeightsH5: return writeKeras3WeightsH5(path, c, weights);
    case WriteFormat::Keras3Archive: return writeKeras3Archive(path, c, weights);
    case WriteFormat::LegacyH5: return writeLegacyH5(path, c, weights);
    case WriteFormat::Npz: return writeNumpyNpz(path, c, weights);
    case WriteFormat::TorchSafetensors: return writeSafetensors(path, c, weights);
    }
    throw Error(ErrorCode::InvalidArgument, "cannot write '" + path + "': unknown format");
}

} // namespace gruscope
