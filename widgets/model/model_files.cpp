#include "model/model_files.h"

#include "model/engine_qt.h"
#include "model/limits.h"

#include "gruscope/atomic_file.h"
#include "gruscope/config.h"
#include "gruscope/error.h"
#include "gruscope/input_files.h"
#include "gruscope/inspect.h"
#include "gruscope/npy.h"
#include "gruscope/weightwriter.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace gsui {

using namespace gruscope;

FileRole guessFileRole(const QString& path, std::optional<LoadedWeightFile>* weightsRead)
{
    const QString lower = path.toLower();
    if (lower.endsWith(QLatin1String(".gruscope.json")))
        return FileRole::Session;
    if (lower.endsWith(QLatin1String(".json"))) {
        QFile f(path);
        if (f.open(QIODevice::ReadOnly) && f.read(4096).contains("\"gruscope-session\""))
            return FileRole::Session;
        return FileRole::Config;
    }
    if (lower.endsWith(QLatin1String(".h5")) || lower.endsWith(QLatin1String(".hdf5")) ||
        lower.endsWith(QLatin1String(".keras")) || lower.endsWith(QLatin1String(".safetensors")))
        return FileRole::Weights;
    if (lower.endsWith(QLatin1String(".npy")) || lower.endsWith(QLatin1String(".csv")) ||
        lower.endsWith(QLatin1String(".tsv")) || lower.endsWith(QLatin1String(".txt")))
        return FileRole::Input;
    if (lower.endsWith(QLatin1String(".npz"))) {
        // Weights (kernel / recurrent_kernel / weight_ih_l0 ...) or an input batch.
        try {
            LoadedWeightFile file = readWeightFile(path);
            if (file.info.layers.empty())
                return FileRole::Input;
            if (weightsRead)
                *weightsRead = std::move(file);
            return FileRole::Weights;
        } catch (const Error&) {
            return FileRole::Input;
        }
    }
    return FileRole::Unknown;
}

QStringList layerLabels(const WeightFileInfo& info)
{
    QStringList out;
    for (const auto& l : info.layers) {
        QString s = QStringLiteral("%1 · %2 · %3 units · %4 features · reset_after=%5")
                        .arg(qs(l.name), qs(l.kind))
                        .arg(l.config.units)
                        .arg(l.kernelShape.empty() ? 0 : l.kernelShape[0])
                        .arg(l.config.reset_after ? QStringLiteral("True") : QStringLiteral("False"));
        if (!l.direction.empty())
            s += QStringLiteral(" · %1 half of %2").arg(qs(l.direction), qs(l.wrapper));
        out << s;
    }
    return out;
}

LoadedWeightFile readWeightFile(const QString& path, const std::atomic<bool>* cancel)
{
    ParseOptions options = windowParseOptions();
    options.cancel = cancel;
    return loadWeightFile(ss(path), options);
}

void loadLayer(Document& doc, const LoadedWeightFile& file, int index)
{
    const WeightFileInfo& info = file.info;
    if (info.layers.empty())
        throw Error(ErrorCode::Unsupported, info.path + " holds no GRU layer" +
                                                (info.diagnostics.empty() ? std::string() : ": " + info.diagnostics.front().message));
    if (index < 0 || index >= int(info.layers.size()))
        throw Error(ErrorCode::InvalidArgument, "no layer number " + std::to_string(index) + " in " + info.path);
    const GruLayerInfo& layer = info.layers[size_t(index)];
    GruWeights w = file.weights(size_t(index));
    checkWeights(layer.config, w); // names the tensor at fault (NaN/Inf, shapes)

    ModelOrigin origin;
    origin.path = qs(info.path);
    origin.layerName = qs(layer.name);
    origin.description = qs(info.formatDetail.empty() ? std::string(weightFormatName(info.format)) : info.formatDetail);
    origin.flavorFromFile = !info.kerasVersion.empty() || layer.configFromFile;
    for (const auto& a : layer.assumptions)
        origin.notes << qs(a);
    if (!layer.direction.empty())
        origin.notes << QObject::tr("the %1 half of %2 (merge mode %3); GruScope shows one direction at a time")
                            .arg(qs(layer.direction), qs(layer.wrapper), qs(layer.mergeMode));
    for (const auto& d : checkLayer(layer, info.kerasVersion))
        if (d.severity != Diagnostic::Severity::Info)
            origin.notes << qs(d.message);
    doc.setModel(layer.config, std::move(w), origin);
}

QString loadInputBeside(Document& doc, const QString& weightPath)
{
    const QDir dir = QFileInfo(weightPath).absoluteDir();
    const QString inputPath = dir.filePath(QStringLiteral("input.npy"));
    if (!QFileInfo(inputPath).isFile() || doc.inputSource() == Document::InputSource::Chosen)
        return {};
    const QString weights = QFileInfo(weightPath).fileName();
    try {
        InputReadOptions options;
        options.maxElements = windowLimits().maxElements;
        InputFile f = readInputFileDetailed(ss(inputPath), options);
        if (f.format != "npy")
            throw Error(ErrorCode::BadFile, "it is not a NumPy .npy file");
        const int64_t B = f.x.shape[0], T = f.x.shape[1], I = f.x.shape[2];
        if (I != doc.features())
            return QObject::tr("input.npy beside %1 has %2 features and this layer reads %3: not used")
                .arg(weights)
                .arg(I)
                .arg(doc.features());
        std::optional<ArrayU8> mask;
        QString maskNote;
        const QString maskPath = dir.filePath(QStringLiteral("mask.npy"));
        if (QFileInfo(maskPath).isFile()) {
            try {
                npy::ReadLimits limits;
                limits.maxElements = windowLimits().maxElements;
                const npy::NpyArray m = npy::readNpy(ss(maskPath), limits);
                if (m.shape != Shape{B, T})
                    throw Error(ErrorCode::ShapeMismatch, "its shape " + shapeToString(m.shape) + " is not the input's (batch, timesteps) " +
                                                              shapeToString(Shape{B, T}));
                mask = m.toMask("mask.npy");
            } catch (const Error& e) {
                maskNote = QObject::tr("; mask.npy not used: %1").arg(qs(e.what()));
            }
        }
        const bool hasMask = mask.has_value();
        doc.setInput(std::move(f.x), QObject::tr("input.npy beside %1").arg(weights));
        doc.setMask(std::move(mask));
        return QObject::tr("The input is input.npy beside %1 (%2 × %3 × %4)%5")
            .arg(weights)
            .arg(B)
            .arg(T)
            .arg(I)
            .arg(hasMask ? QObject::tr(", the mask mask.npy") : maskNote);
    } catch (const std::exception& e) {
        return QObject::tr("input.npy beside %1 not used: %2").arg(weights, qs(e.what()));
    }
}

void loadConfigOnly(Document& doc, const QString& path)
{
    ParsedConfig parsed = readConfigFile(ss(path));
    const ModelOrigin& current = doc.origin();
    QStringList notes;
    if (!parsed.flavorNamed && current.flavorFromFile && !current.path.isEmpty()) {
        // Nothing in the config says which Keras wrote it; the weight file beside it does.
        parsed = readConfigFile(ss(path), doc.config().flavor);
        notes << QObject::tr("the config names no flavor; %1 is taken from %2")
                     .arg(QString::fromLatin1(flavorName(doc.config().flavor)), QFileInfo(current.path).fileName());
    }
    if (parsed.config.units <= 0)
        throw Error(ErrorCode::InvalidArgument, ss(path) + ": units must be a positive number to make weights");
    if (!parsed.issues.empty())
        throw Error(ErrorCode::InvalidArgument, ss(path) + ": " + parsed.issues.front().message());
    // The current weights stay when they fit: the config describes the layer they came from.
    if (const auto current = doc.weights(); current && !current->kernel.data.empty()) {
        bool fits = true;
        try {
            checkWeights(parsed.config, *current);
        } catch (const Error&) {
            fits = false;
        }
        if (fits) {
            ModelOrigin origin = doc.origin();
            // A second config replaces the first in the description instead of piling up.
            const QString with = QObject::tr(" with the arguments of ");
            if (const auto at = origin.description.indexOf(with); at >= 0)
                origin.description.truncate(at);
            origin.description += with + QFileInfo(path).fileName();
            origin.notes = notes + qsList(parsed.notes);
            doc.setModel(parsed.config, *current, origin);
            return;
        }
    }
    const int64_t I = std::max<int64_t>(1, doc.features());
    GruWeights w = initializeWeights(parsed.config, I, 1);
    ModelOrigin origin;
    origin.path = path;
    origin.layerName = qs(parsed.config.name);
    origin.description = QObject::tr("config %1 with weights from its initialisers").arg(QFileInfo(path).fileName());
    origin.notes = notes + qsList(parsed.notes);
    doc.setModel(parsed.config, std::move(w), origin);
}

void saveModel(const Document& doc, const QString& path)
{
    if (!doc.configValid())
        throw Error(ErrorCode::InvalidArgument,
                    "the arguments are not valid (" + doc.configIssues().front().message() + "); fix them before saving");
    if (path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive)) {
        writeBytesAtomically(ss(path), configToJson(doc.config(), false, 2) + "\n");
        return;
    }
    const auto format = writeFormatFromPath(ss(path));
    if (!format)
        throw Error(ErrorCode::InvalidArgument, "cannot tell the format from the name " + ss(path) +
                                                    ": use .weights.h5, .keras, .h5, .npz, .safetensors or .json");
    writeGruWeights(ss(path), *format, doc.config(), *doc.weights());
}

} // namespace gsui
