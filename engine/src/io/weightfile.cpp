// Format detection by content and reading a listed GRU's tensors in Keras layout.
#include "weightfile_detail.h"

#include "gruscope/error.h"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace gruscope {

using nlohmann::json;

const char* weightFormatName(WeightFormat f) noexcept
{
    switch (f) {
    case WeightFormat::LegacyH5: return "legacy Keras HDF5";
    case WeightFormat::Keras3WeightsH5: return "Keras 3 .weights.h5";
    case WeightFormat::Keras3Archive: return "Keras 3 .keras";
    case WeightFormat::TorchSafetensors: return "PyTorch .safetensors";
    case WeightFormat::TorchNpz: return "PyTorch state dict .npz";
    case WeightFormat::NumpyNpz: return "NumPy .npz (Keras layout)";
    case WeightFormat::Unknown: return "unknown";
    }
    return "unknown";
}

const GruLayerInfo* WeightFileInfo::find(const std::string& name) const
{
    for (const auto& l : layers)
        if (l.name == name)
            return &l;
    // A Bidirectional wrapper's name alone is ambiguous; a plain name may match "name/forward_..".
    return nullptr;
}

namespace {

h5::Limits h5Limits(const WeightReadLimits& l)
{
    h5::Limits h;
    h.maxElements = l.maxElements;
    return h;
}

void readH5(const h5::File& f, const json* modelConfig, WeightFileInfo& info)
{
    if (f.isGroup("/layers") || (!f.hasAttribute("/", "layer_names") && !f.isGroup("/model_weights") &&
                                 !f.hasAttribute("/", "layer_names0"))) {
        info.format = WeightFormat::Keras3WeightsH5;
        info.formatDetail = "Keras 3 .weights.h5";
        io::readKeras3WeightsH5(f, modelConfig, info);
    } else {
        io::readLegacyH5(f, info);
    }
}

} // namespace

WeightFileInfo openWeightFile(const std::string& path, const WeightReadLimits& limits)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw Error(ErrorCode::BadFile, path + ": no such file");
    if (std::filesystem::file_size(path, ec) == 0)
        throw Error(ErrorCode::BadFile, path + ": the file is empty");
    WeightFileInfo info;
    info.path = path;
    if (h5::fileLooksLikeHdf5(path)) {
        const h5::File f = h5::File::open(path, h5Limits(limits));
        readH5(f, nullptr, info);
        return info;
    }
    if (io::tryReadTensorFile(path, limits, info))
        return info;
    if (io::fileStartsWithZip(path)) {
        io::ArchiveMembers m = io::readKerasArchive(path, limits);
        json config;
        try {
            config = json::parse(m.configJson);
        } catch (const json::exception& e) {
            throw Error(ErrorCode::BadFile, path + ": config.json is not valid JSON (" + e.what() + ")");
        }
        info.modelConfigJson = m.configJson;
        try {
            const json meta = json::parse(m.metadataJson.empty() ? "{}" : m.metadataJson);
            if (meta.is_object() && meta.contains("keras_version") && meta["keras_version"].is_string())
                info.kerasVersion = meta["keras_version"].get<std::string>();
        } catch (const json::exception&) {
            info.diagnostics.push_back({Diagnostic::Severity::Warning, "metadata.json", "not valid JSON; the Keras version is unknown"});
        }
        const h5::File f = io::openArchiveWeights(m, h5Limits(limits));
        io::readKeras3WeightsH5(f, &config, info);
        info.format = WeightFormat::Keras3Archive;
        info.formatDetail = std::string("Keras 3 .keras archive (") + (m.deflated ? "deflated" : "stored") + ")" +
                            (info.kerasVersion.empty() ? "" : ", keras_version " + info.kerasVersion);
        return info;
    }
    throw Error(ErrorCode::Unsupported, path + ": neither HDF5 nor a zip archive: not a Keras weight file GruScope reads");
}

namespace {

ArrayF readTensor(const h5::File& f, const std::string& path, int64_t /*maxElements: enforced by the h5 limits*/)
{
    return f.readFloat(path);
}

// CuDNNGRU → GRU(reset_after=True), as tf.keras's HDF5 loader converts it: per gate block S of
// the kernel, K_g = Sᵀ reshaped to (I, U) in Fortran order; recurrent blocks transposed; the
// (6U,) bias reshaped to (2, 3U).
void convertCudnnGru(GruWeights& w)
{
    const int64_t I = w.kernel.shape[0], G = w.kernel.shape[1], U = G / 3;
    ArrayF k({I, G});
    for (int g = 0; g < 3; ++g)
        for (int64_t a = 0; a < I; ++a)
            for (int64_t b = 0; b < U; ++b) {
                // R[a, b] = f[a + b·I] where f is Sᵀ flattened in F order: f[u + i·U] = S[i, u].
                const int64_t n = a + b * I;
                k.data[size_t(a * G + g * U + b)] = w.kernel.data[size_t((n / U) * G + g * U + (n % U))];
            }
    ArrayF r({U, G});
    for (int g = 0; g < 3; ++g)
        for (int64_t a = 0; a < U; ++a)
            for (int64_t b = 0; b < U; ++b)
                r.data[size_t(a * G + g * U + b)] = w.recurrentKernel.data[size_t(b * G + g * U + a)];
    w.kernel = std::move(k);
    w.recurrentKernel = std::move(r);
    w.bias.shape = {2, G};
}

} // namespace

GruWeights readGruWeights(const WeightFileInfo& file, const GruLayerInfo& layer, const WeightReadLimits& limits)
{
    if (file.format == WeightFormat::TorchSafetensors || file.format == WeightFormat::TorchNpz ||
        file.format == WeightFormat::NumpyNpz)
        return io::readTensorFileWeights(file, layer, limits);
    std::unique_ptr<h5::File> f;
    if (file.format == WeightFormat::Keras3Archive) {
        io::ArchiveMembers m = io::readKerasArchive(file.path, limits);
        f = std::make_unique<h5::File>(io::openArchiveWeights(m, h5Limits(limits)));
    } else {
        f = std::make_unique<h5::File>(h5::File::open(file.path, h5Limits(limits)));
    }
    GruWeights w;
    if (layer.kind == "GRU (Keras 1)") {
        // Nine arrays W_z, U_z, b_z, W_r, U_r, b_r, W_h, U_h, b_h (Keras 1 order) → concatenated by gate.
        std::vector<ArrayF> a;
        for (const auto& t : layer.tensors)
            a.push_back(readTensor(*f, t, limits.maxElements));
        const int64_t I = a[0].shape[0], U = a[0].shape[1], G = 3 * U;
        w.kernel = ArrayF({I, G});
        w.recurrentKernel = ArrayF({U, G});
        w.bias = ArrayF({G});
        for (int g = 0; g < 3; ++g) {
            const size_t at = 3 * size_t(g);
            const ArrayF &W = a[at], &Uk = a[at + 1], &b = a[at + 2];
            if (W.shape != Shape{I, U} || Uk.shape != Shape{U, U} || b.shape != Shape{U})
                throw Error(ErrorCode::BadFile, file.path + ": " + layer.group + ": Keras 1 GRU arrays with inconsistent shapes");
            for (int64_t i = 0; i < I; ++i)
                for (int64_t u = 0; u < U; ++u)
                    w.kernel.data[size_t(i * G + g * U + u)] = W.data[size_t(i * U + u)];
            for (int64_t k = 0; k < U; ++k)
                for (int64_t u = 0; u < U; ++u)
                    w.recurrentKernel.data[size_t(k * G + g * U + u)] = Uk.data[size_t(k * U + u)];
            for (int64_t u = 0; u < U; ++u)
                w.bias.data[size_t(g * U + u)] = b.data[size_t(u)];
        }
        return w;
    }
    w.kernel = readTensor(*f, layer.tensors.at(0), limits.maxElements);
    w.recurrentKernel = readTensor(*f, layer.tensors.at(1), limits.maxElements);
    if (layer.tensors.size() > 2)
        w.bias = readTensor(*f, layer.tensors[2], limits.maxElements);
    if (layer.kind == "CuDNNGRU")
        convertCudnnGru(w);
    return w;
}

} // namespace gruscope
