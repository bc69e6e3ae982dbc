#include "model/session.h"

#include "model/engine_qt.h"

#include "gruscope/atomic_file.h"
#include "gruscope/error.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtEndian>

#include <cstring>

namespace gsui {

using namespace gruscope;

namespace {

// Session files are meant for interactive sizes; anything larger is refused before decoding.
constexpr int64_t kMaxSessionElements = int64_t(1) << 27;

template <class T>
QJsonObject arrayToJson(const Array<T>& a)
{
    QJsonArray shape;
    for (int64_t d : a.shape)
        shape.append(qint64(d));
    QByteArray bytes(reinterpret_cast<const char*>(a.data.data()), qsizetype(a.data.size() * sizeof(T)));
    if constexpr (sizeof(T) > 1 && Q_BYTE_ORDER == Q_BIG_ENDIAN)
        static_assert(sizeof(T) == 1, "session files are written on little-endian machines");
    return QJsonObject{{QStringLiteral("shape"), shape},
                       {QStringLiteral("dtype"), sizeof(T) == 4 ? QStringLiteral("float32") : QStringLiteral("uint8")},
                       {QStringLiteral("data"), QString::fromLatin1(bytes.toBase64())}};
}

[[noreturn]] void bad(const QString& what, const QString& field, const std::string& problem)
{
    throw Error(ErrorCode::BadFile, ss(what) + ": " + ss(field) + ": " + problem);
}

template <class T>
Array<T> arrayFromJson(const QJsonValue& v, const QString& what, const QString& field)
{
    if (!v.isObject())
        bad(what, field, "expected an array object {shape, dtype, data}");
    const QJsonObject o = v.toObject();
    const QString dtype = o.value(QStringLiteral("dtype")).toString();
    const QString want = sizeof(T) == 4 ? QStringLiteral("float32") : QStringLiteral("uint8");
    if (dtype != want)
        bad(what, field, "dtype '" + ss(dtype) + "', expected " + ss(want));
    Shape shape;
    const QJsonArray shapeArray = o.value(QStringLiteral("shape")).toArray();
    for (const auto& d : shapeArray) {
        if (!d.isDouble() || d.toDouble() < 0 || d.toDouble() != double(qint64(d.toDouble())))
            bad(what, field, "shape entries must be non-negative integers");
        shape.push_back(qint64(d.toDouble()));
    }
    int64_t n = 1;
    for (int64_t d : shape) {
        if (d > kMaxSessionElements || (d > 0 && n > kMaxSessionElements / d))
            bad(what, field, "shape " + shapeToString(shape) + " is too large for a session file");
        n *= d;
    }
    const QByteArray bytes = QByteArray::fromBase64(o.value(QStringLiteral("data")).toString().toLatin1());
    if (bytes.size() != qsizetype(n) * qsizetype(sizeof(T)))
        bad(what, field,
            "holds " + std::to_string(bytes.size()) + " bytes, shape " + shapeToString(shape) + " needs " +
                std::to_string(n * int64_t(sizeof(T))));
    Array<T> a;
    a.shape = shape;
    a.data.resize(size_t(n));
    std::memcpy(a.data.data(), bytes.constData(), size_t(bytes.size()));
    return a;
}

} // namespace

QByteArray sessionToJson(const Document& doc, const SessionExtras& extras)
{
    QJsonObject root;
    root[QStringLiteral("format")] = QLatin1String(kSessionFormat);
    root[QStringLiteral("version")] = kSessionVersion;
    root[QStringLiteral("flavor")] = QLatin1String(flavorName(doc.config().flavor));
    root[QStringLiteral("config")] = QJsonDocument::fromJson(QByteArray::fromStdString(configToJson(doc.config()))).object();

    const GruWeights& w = *doc.weights();
    QJsonObject weights{{QStringLiteral("kernel"), arrayToJson(w.kernel)},
                        {QStringLiteral("recurrent_kernel"), arrayToJson(w.recurrentKernel)}};
    if (w.hasBias())
        weights[QStringLiteral("bias")] = arrayToJson(w.bias);
    root[QStringLiteral("weights")] = weights;

    const ModelOrigin& o = doc.origin();
    root[QStringLiteral("origin")] = QJsonObject{{QStringLiteral("path"), o.path},
                                                 {QStringLiteral("layer"), o.layerName},
                                                 {QStringLiteral("description"), o.description},
                                                 {QStringLiteral("flavor_from_file"), o.flavorFromFile},
                                                 {QStringLiteral("notes"), QJsonArray::fromStringList(o.notes)}};
    root[QStringLiteral("input")] = arrayToJson(doc.input());
    root[QStringLiteral("input_description")] = doc.inputDescription();
    root[QStringLiteral("mask")] = doc.mask() ? QJsonValue(arrayToJson(*doc.mask())) : QJsonValue(QJsonValue::Null);

    QJsonObject init{{QStringLiteral("mode"), QLatin1String(initialStateModeName(doc.initialStateMode()))},
                     {QStringLiteral("seed"), QString::number(doc.randomStateSeed())}};
    if (!doc.customInitialState().empty())
        init[QStringLiteral("custom")] = arrayToJson(doc.customInitialState());
    root[QStringLiteral("initial_state")] = init;
    root[QStringLiteral("training")] = doc.training();
    root[QStringLiteral("backend")] = QLatin1String(backendName(doc.backend()));
    root[QStringLiteral("dropout_seed")] = QString::number(doc.dropoutSeed());
    root[QStringLiteral("eligibility")] =
        QJsonObject{{QStringLiteral("keras_version"), qs(doc.eligibilityContext().kerasVersion)},
                    {QStringLiteral("assume_gpu"), doc.assumeGpu()}};
    QJsonArray plotted;
    for (int u : doc.plottedUnits())
        plotted.append(u);
    QJsonObject view{{QStringLiteral("step"), doc.currentStep()},
                     {QStringLiteral("sample"), doc.selectedSample()},
                     {QStringLiteral("unit"), doc.selectedUnit()},
                     {QStringLiteral("plotted_units"), plotted},
                     {QStringLiteral("tab"), extras.viewTab}};
    if (!extras.windowState.isEmpty())
        view[QStringLiteral("window_state")] = QString::fromLatin1(extras.windowState.toBase64());
    root[QStringLiteral("view")] = view;
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

void sessionFromJson(const QByteArray& json, Document& doc, SessionExtras* extras, const QString& what)
{
    QJsonParseError err{};
    const QJsonDocument jd = QJsonDocument::fromJson(json, &err);
    if (err.error != QJsonParseError::NoError)
        throw Error(ErrorCode::BadFile, ss(what) + ": not valid JSON at byte " + std::to_string(err.offset) + ": " +
                                            ss(err.errorString()));
    if (!jd.isObject())
        bad(what, QStringLiteral("(top level)"), "expected a JSON object");
    const QJsonObject root = jd.object();
    if (root.value(QStringLiteral("format")).toString() != QLatin1String(kSessionFormat))
        bad(what, QStringLiteral("format"), "this is not a GruScope session file");
    const int version = root.value(QStringLiteral("version")).toInt(-1);
    if (version < 1 || version > kSessionVersion)
        bad(what, QStringLiteral("version"),
            "version " + std::to_string(version) + " is not one this GruScope reads (1 to " +
                std::to_string(kSessionVersion) + ")");

    // Read and check everything before touching the document.
    const auto flavor = flavorFromName(ss(root.value(QStringLiteral("flavor")).toString()));
    if (!flavor)
        bad(what, QStringLiteral("flavor"), "expected keras3 or tf_keras");
    if (!root.value(QStringLiteral("config")).isObject())
        bad(what, QStringLiteral("config"), "expected the layer's get_config() dict");
    const QByteArray configText = QJsonDocument(root.value(QStringLiteral("config")).toObject()).toJson();
    ParsedConfig parsed = parseConfigJson(configText.toStdString(), *flavor, ss(what) + " config");
    // An invalid configuration is kept (the user may have saved mid-edit) but must have a size.
    if (parsed.config.units <= 0 || parsed.config.units > (int64_t(1) << 20))
        bad(what, QStringLiteral("config.units"), "units must be a positive number");

    const QJsonObject wj = root.value(QStringLiteral("weights")).toObject();
    GruWeights w;
    w.kernel = arrayFromJson<float>(wj.value(QStringLiteral("kernel")), what, QStringLiteral("weights.kernel"));
    w.recurrentKernel =
        arrayFromJson<float>(wj.value(QStringLiteral("recurrent_kernel")), what, QStringLiteral("weights.recurrent_kernel"));
    if (wj.contains(QStringLiteral("bias")))
        w.bias = arrayFromJson<float>(wj.value(QStringLiteral("bias")), what, QStringLiteral("weights.bias"));
    if (validateConfig(parsed.config).empty()) {
        try {
            checkWeights(parsed.config, w);
        } catch (const Error& e) {
            bad(what, QStringLiteral("weights"), e.what());
        }
    } else if (w.kernel.rank() != 2 || w.recurrentKernel.rank() != 2) {
        bad(what, QStringLiteral("weights"), "kernel and recurrent_kernel must be 2-D");
    }

    ArrayF x = arrayFromJson<float>(root.value(QStringLiteral("input")), what, QStringLiteral("input"));
    if (x.rank() != 3 || x.shape[0] < 1 || x.shape[1] < 1 || x.shape[2] != w.kernel.shape[0])
        bad(what, QStringLiteral("input"),
            "shape " + shapeToString(x.shape) + " is not (batch, timesteps, " + std::to_string(w.kernel.shape[0]) + ")");
    const int64_t B = x.shape[0], T = x.shape[1];
    std::optional<ArrayU8> mask;
    if (!root.value(QStringLiteral("mask")).isNull() && !root.value(QStringLiteral("mask")).isUndefined()) {
        mask = arrayFromJson<uint8_t>(root.value(QStringLiteral("mask")), what, QStringLiteral("mask"));
        if (mask->shape != Shape{B, T})
            bad(what, QStringLiteral("mask"), "shape " + shapeToString(mask->shape) + " is not " + shapeToString({B, T}));
        for (uint8_t& m : mask->data)
            if (m > 1)
                bad(what, QStringLiteral("mask"), "values must be 0 or 1");
    }
    const QJsonObject init = root.value(QStringLiteral("initial_state")).toObject();
    const auto mode = initialStateModeFromName(init.value(QStringLiteral("mode")).toString(QStringLiteral("zeros")));
    if (!mode)
        bad(what, QStringLiteral("initial_state.mode"), "expected zeros, random, last or custom");
    std::optional<ArrayF> custom;
    if (init.contains(QStringLiteral("custom"))) {
        custom = arrayFromJson<float>(init.value(QStringLiteral("custom")), what, QStringLiteral("initial_state.custom"));
        if (custom->shape != Shape{B, parsed.config.units})
            bad(what, QStringLiteral("initial_state.custom"),
                "shape " + shapeToString(custom->shape) + " is not " + shapeToString({B, parsed.config.units}));
    }
    bool seedOk = true;
    const uint64_t stateSeed = init.value(QStringLiteral("seed")).toString(QStringLiteral("7")).toULongLong(&seedOk);
    if (!seedOk)
        bad(what, QStringLiteral("initial_state.seed"), "expected an unsigned integer");
    const uint64_t dropoutSeed = root.value(QStringLiteral("dropout_seed")).toString(QStringLiteral("1")).toULongLong(&seedOk);
    if (!seedOk)
        bad(what, QStringLiteral("dropout_seed"), "expected an unsigned integer");

    // Sessions saved before there was a choice of backend load with the default, auto.
    const QJsonValue backendValue = root.value(QStringLiteral("backend"));
    const auto backend = backendValue.isUndefined() ? std::optional(BackendKind::Auto)
                                                    : backendFromName(ss(backendValue.toString()));
    if (!backend)
        bad(what, QStringLiteral("backend"), "expected auto, cpu, reference, cudnn or cuda");

    const QJsonObject oj = root.value(QStringLiteral("origin")).toObject();
    ModelOrigin origin;
    origin.path = oj.value(QStringLiteral("path")).toString();
    origin.layerName = oj.value(QStringLiteral("layer")).toString();
    origin.description = oj.value(QStringLiteral("description")).toString();
    origin.flavorFromFile = oj.value(QStringLiteral("flavor_from_file")).toBool(false);
    const QJsonArray notes = oj.value(QStringLiteral("notes")).toArray();
    for (const auto& n : notes)
        origin.notes << n.toString();

    // ---- apply -----------------------------------------------------------------------------
    doc.setModel(parsed.config, std::move(w), origin);
    doc.setInput(std::move(x), root.value(QStringLiteral("input_description")).toString(), Document::InputSource::Chosen);
    doc.setMask(std::move(mask));
    doc.setRandomStateSeed(stateSeed);
    if (custom)
        doc.setCustomInitialState(std::move(*custom));
    doc.setInitialStateMode(*mode);
    doc.setTraining(root.value(QStringLiteral("training")).toBool(false));
    doc.setDropoutSeed(dropoutSeed);
    doc.setBackend(*backend);
    const QJsonObject el = root.value(QStringLiteral("eligibility")).toObject();
    doc.setKerasVersion(el.value(QStringLiteral("keras_version")).toString());
    doc.setAssumeGpu(el.value(QStringLiteral("assume_gpu")).toBool(false));
    const QJsonObject view = root.value(QStringLiteral("view")).toObject();
    doc.setSelectedSample(view.value(QStringLiteral("sample")).toInt(0));
    doc.setSelectedUnit(view.value(QStringLiteral("unit")).toInt(0));
    QList<int> plotted;
    const QJsonArray plottedArray = view.value(QStringLiteral("plotted_units")).toArray();
    for (const auto& u : plottedArray)
        plotted << u.toInt(-1);
    doc.setPlottedUnits(plotted);
    doc.setCurrentStep(view.value(QStringLiteral("step")).toInt(0));
    if (extras) {
        extras->viewTab = view.value(QStringLiteral("tab")).toInt(0);
        extras->windowState = QByteArray::fromBase64(view.value(QStringLiteral("window_state")).toString().toLatin1());
    }
}

void saveSession(const QString& path, const Document& doc, const SessionExtras& extras)
{
    const QByteArray json = sessionToJson(doc, extras);
    writeBytesAtomically(ss(path), json.toStdString());
}

void loadSession(const QString& path, Document& doc, SessionExtras* extras)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        throw Error(ErrorCode::BadFile, "cannot open session " + ss(path) + ": " + ss(f.errorString()));
    if (f.size() > (qint64(1) << 30))
        throw Error(ErrorCode::ResourceLimit, "session " + ss(path) + " is larger than 1 GiB");
    sessionFromJson(f.readAll(), doc, extras, path);
}

} // namespace gsui
