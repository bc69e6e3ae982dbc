#include "model/examples.h"

#include "model/engine_qt.h"

#include "gruscope/config.h"
#include "gruscope/error.h"
#include "gruscope/npy.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

// The examples are compiled into the static gruscope_gui library; a static library's resources
// must be registered explicitly (Q_INIT_RESOURCE cannot be used inside a namespace).
static void initExampleResources()
{
    static const bool once = [] {
        Q_INIT_RESOURCE(gruscope);
        return true;
    }();
    (void)once;
}

namespace gsui {

using namespace gruscope;

namespace {

QByteArray resource(const QString& name, const QString& file)
{
    initExampleResources();
    QFile f(QStringLiteral(":/examples/%1/%2").arg(name, file));
    if (!f.open(QIODevice::ReadOnly))
        throw Error(ErrorCode::BadFile, "bundled example '" + ss(name) + "' has no " + ss(file));
    return f.readAll();
}

bool hasResource(const QString& name, const QString& file)
{
    return QFile::exists(QStringLiteral(":/examples/%1/%2").arg(name, file));
}

npy::NpyArray parse(const QByteArray& bytes, const std::string& what)
{
    return npy::parseNpy(reinterpret_cast<const std::byte*>(bytes.constData()), size_t(bytes.size()), what);
}

} // namespace

QStringList exampleNames()
{
    initExampleResources();
    QStringList names = QDir(QStringLiteral(":/examples")).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    if (names.removeOne(QStringLiteral("sine")))
        names.prepend(QStringLiteral("sine"));
    return names;
}

ExampleInfo exampleInfo(const QString& name)
{
    ExampleInfo info;
    info.name = name;
    const QJsonObject o = QJsonDocument::fromJson(resource(name, QStringLiteral("info.json"))).object();
    info.title = o.value(QStringLiteral("title")).toString(name);
    info.task = o.value(QStringLiteral("task")).toString();
    return info;
}

QString exampleDescription(const QString& name) { return QObject::tr("bundled example: %1").arg(exampleInfo(name).title); }

void loadExample(Document& doc, const QString& name)
{
    if (!exampleNames().contains(name))
        throw Error(ErrorCode::InvalidArgument,
                    "no bundled example '" + ss(name) + "'; there are: " + ss(exampleNames().join(QStringLiteral(", "))));
    const QByteArray configText = resource(name, QStringLiteral("config.json"));
    ParsedConfig parsed = parseConfigJson(configText.toStdString(), std::nullopt, "example " + ss(name) + " config.json");
    if (!parsed.issues.empty())
        throw Error(ErrorCode::BadFile, "example " + ss(name) + ": " + parsed.issues.front().message());

    // The weights are an uncompressed .npz; the engine reads .npz from a file.
    QTemporaryDir dir;
    if (!dir.isValid())
        throw Error(ErrorCode::BadFile, "cannot create a temporary folder for the example's weights");
    const QString npzPath = dir.filePath(QStringLiteral("weights.npz"));
    {
        QFile out(npzPath);
        if (!out.open(QIODevice::WriteOnly) || out.write(resource(name, QStringLiteral("weights.npz"))) < 0)
            throw Error(ErrorCode::BadFile, "cannot write " + ss(npzPath));
    }
    GruWeights w;
    for (auto& [key, arr] : npy::readNpz(ss(npzPath))) {
        if (key == "kernel")
            w.kernel = arr.toFloat();
        else if (key == "recurrent_kernel")
            w.recurrentKernel = arr.toFloat();
        else if (key == "bias")
            w.bias = arr.toFloat();
    }
    checkWeights(parsed.config, w);

    ModelOrigin origin;
    origin.description = exampleDescription(name);
    origin.layerName = qs(parsed.config.name);
    origin.notes << QObject::tr("trained by Keras 3.15.1");
    doc.setModel(parsed.config, std::move(w), origin);

    ArrayF x = parse(resource(name, QStringLiteral("input.npy")), "example input.npy").toFloat();
    doc.setInput(std::move(x), QObject::tr("example %1: demo batch").arg(name));
    if (hasResource(name, QStringLiteral("mask.npy")))
        doc.setMask(parse(resource(name, QStringLiteral("mask.npy")), "example mask.npy").toMask("example mask.npy"));
    else
        doc.setMask(std::nullopt);
    doc.setInitialStateMode(InitialStateMode::Zeros);
    doc.setCurrentStep(0);
    doc.setSelectedSample(0);
    doc.setModified(false);
}

} // namespace gsui
