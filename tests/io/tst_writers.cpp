// Weight-file writers: every format written and read back by GruScope's own readers, refusals of
// what a format cannot hold, atomic replacement, and the round trip through real Keras.
//
// The round trip: with GRUSCOPE_WRITE_ROUNDTRIP=1 this suite (re)writes tests/data/roundtrip/ —
// one file per case and format, manifest.json (what each file is) and expected.npz (the input and
// GruScope's output per case) — and then tools/keras_roundtrip.py loads every file with Keras
// 3.15.1, tf_keras 2.21.0 or PyTorch, runs it and writes results.json. Without the variable the
// suite checks the committed files and results.json, so CI needs no Python.
#include "gruscope/atomic_file.h"
#include "gruscope/error.h"
#include "gruscope/layer.h"
#include "gruscope/npy.h"
#include "gruscope/weightfile.h"
#include "gruscope/weightwriter.h"

#include "test_support.h"

#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

using namespace gruscope;
namespace fs = std::filesystem;

Q_DECLARE_METATYPE(gruscope::WriteFormat)

namespace {

#define GS_EXPECT_ERROR(wantCode, ...)                                                                                  \
    do {                                                                                                                \
        const std::optional<Error> gsErr_ = gstest::errorOf([&] { __VA_ARGS__; });                                              \
        QVERIFY2(gsErr_.has_value(), "expected gruscope::Error, nothing was thrown");                                   \
        QVERIFY2(gsErr_->code() == (wantCode),                                                                          \
                 qPrintable(QStringLiteral("expected %1, got %2: %3")                                                   \
                                .arg(errorCodeName(wantCode), errorCodeName(gsErr_->code()), gsErr_->what())));         \
        g_lastMessage = gsErr_->what();                                                                                 \
    } while (false)

std::string g_lastMessage;

// Runs the statements; an exception fails the test (instead of aborting the whole suite).
#define GS_NOTHROW(...)                                                                                                  \
    do {                                                                                                                \
        try {                                                                                                           \
            __VA_ARGS__;                                                                                                \
        } catch (const std::exception& gsE_) {                                                                          \
            QFAIL(gsE_.what());                                                                                         \
        }                                                                                                               \
    } while (false)

const char* extensionOf(WriteFormat f)
{
    switch (f) {
    case WriteFormat::Keras3WeightsH5: return ".weights.h5";
    case WriteFormat::Keras3Archive: return ".keras";
    case WriteFormat::LegacyH5: return ".h5";
    case WriteFormat::Npz: return ".npz";
    case WriteFormat::TorchSafetensors: return ".safetensors";
    }
    return "";
}

const char* formatKey(WriteFormat f) // names used in manifest.json
{
    switch (f) {
    case WriteFormat::Keras3WeightsH5: return "keras3_weights_h5";
    case WriteFormat::Keras3Archive: return "keras3_archive";
    case WriteFormat::LegacyH5: return "legacy_h5";
    case WriteFormat::Npz: return "npz";
    case WriteFormat::TorchSafetensors: return "torch_safetensors";
    }
    return "";
}

const std::vector<WriteFormat> kAllFormats = {WriteFormat::Keras3WeightsH5, WriteFormat::Keras3Archive, WriteFormat::LegacyH5,
                                              WriteFormat::Npz, WriteFormat::TorchSafetensors};

// Deterministic values in [-0.6, 0.6) that do not depend on the standard library's distributions.
struct Lcg {
    uint64_t s;
    float next()
    {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        return float(double(s >> 40) / double(1ULL << 24) * 1.2 - 0.6);
    }
};

GruWeights makeWeights(const GruConfig& c, int64_t inputSize, uint64_t seed)
{
    Lcg g{seed * 7919 + 17};
    GruWeights w;
    const int64_t G = 3 * c.units;
    w.kernel = ArrayF({inputSize, G});
    w.recurrentKernel = ArrayF({c.units, G});
    for (auto& v : w.kernel.data)
        v = g.next();
    for (auto& v : w.recurrentKernel.data)
        v = g.next();
    if (c.use_bias) {
        w.bias = c.reset_after ? ArrayF({2, G}) : ArrayF({G});
        for (auto& v : w.bias.data)
            v = g.next() * 0.5f;
    }
    return w;
}

ArrayF makeInput(int64_t B, int64_t T, int64_t I, uint64_t seed)
{
    Lcg g{seed * 104729 + 3};
    ArrayF x({B, T, I});
    for (auto& v : x.data)
        v = g.next() * 2.0f;
    return x;
}

bool sameArray(const ArrayF& a, const ArrayF& b)
{
    return a.shape == b.shape && a.data == b.data;
}

std::string slurp(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The cases of the round trip with real Keras (tests/data/roundtrip).
struct Case {
    std::string name;
    GruConfig config;
    int64_t inputSize = 3;
    std::vector<WriteFormat> formats;
    uint64_t seed = 1;
};

std::vector<Case> roundTripCases()
{
    std::vector<Case> cases;
    {
        Case c{"k3_seq", {}, 3, kAllFormats, 1};
        c.config.units = 5;
        c.config.return_sequences = true;
        cases.push_back(c);
    }
    {
        Case c{"k3_last", {}, 4, {WriteFormat::Keras3WeightsH5, WriteFormat::Keras3Archive, WriteFormat::TorchSafetensors}, 2};
        c.config.units = 3;
        c.config.name = "my_gru";
        c.config.unroll = true; // Keras 3 unrolls sequences of any length
        cases.push_back(c);
    }
    {
        Case c{"k3_reset_before_backwards", {}, 3,
               {WriteFormat::Keras3WeightsH5, WriteFormat::Keras3Archive, WriteFormat::LegacyH5, WriteFormat::Npz}, 3};
        c.config.units = 4;
        c.config.reset_after = false;
        c.config.go_backwards = true;
        c.config.return_sequences = true;
        cases.push_back(c);
    }
    {
        Case c{"k3_nobias_relu", {}, 2, {WriteFormat::Keras3WeightsH5, WriteFormat::Keras3Archive, WriteFormat::LegacyH5}, 4};
        c.config.units = 4;
        c.config.use_bias = false;
        c.config.activation = "relu";
        cases.push_back(c);
    }
    {
        Case c{"tfk_hard_sigmoid_impl1", {}, 3, {WriteFormat::LegacyH5, WriteFormat::Npz}, 5};
        c.config.flavor = Flavor::TfKeras;
        c.config.units = 4;
        c.config.recurrent_activation = "hard_sigmoid";
        c.config.implementation = 1;
        c.config.reset_after = false;
        c.config.return_sequences = true;
        cases.push_back(c);
    }
    return cases;
}

constexpr int64_t kBatch = 2, kSteps = 6;

std::string roundTripDir()
{
    return gstest::dataPath("roundtrip");
}

// Writes tests/data/roundtrip: every case in every format it supports, manifest.json and
// expected.npz (the input and GruScope's float64 output per case). Throws on any failure.
void regenerateRoundTrip(const std::string& dir)
{
    const auto cases = roundTripCases();
    fs::create_directories(dir);
    for (const auto& e : fs::directory_iterator(dir)) { // what an earlier run wrote, nothing else
        const std::string n = e.path().filename().string();
        if (writeFormatFromPath(n) || n == "manifest.json" || n == "expected.npz" || n == "results.json")
            fs::remove(e.path());
    }
    nlohmann::ordered_json manifest = nlohmann::ordered_json::object();
    manifest["batch"] = kBatch;
    manifest["steps"] = kSteps;
    manifest["expected"] = "expected.npz";
    manifest["cases"] = nlohmann::ordered_json::object();
    manifest["files"] = nlohmann::ordered_json::object();
    std::vector<std::pair<std::string, ArrayF>> xs;
    std::vector<std::pair<std::string, ArrayD>> ys;
    for (const auto& cs : cases) {
        const GruWeights w = makeWeights(cs.config, cs.inputSize, cs.seed);
        for (WriteFormat f : cs.formats) {
            const std::string file = cs.name + extensionOf(f);
            writeGruWeights(dir + "/" + file, f, cs.config, w);
            manifest["files"][file] = {{"case", cs.name}, {"format", formatKey(f)}};
        }
        manifest["cases"][cs.name] = {{"flavor", flavorName(cs.config.flavor)},
                                      {"input_size", cs.inputSize},
                                      {"config", nlohmann::ordered_json::parse(configToJson(cs.config, false, -1))}};
        const ArrayF x = makeInput(kBatch, kSteps, cs.inputSize, cs.seed);
        GruLayer layer(cs.config, w);
        CallInputs in;
        in.x = x;
        const RunResult r = layer.call(in, BackendKind::Reference);
        xs.push_back({"x_" + cs.name, x});
        ys.push_back({"y_" + cs.name, r.output64});
    }
    std::vector<npy::ArrayRef> refs;
    for (const auto& [n, a] : xs)
        refs.push_back(npy::ref(n, a));
    for (const auto& [n, a] : ys)
        refs.push_back(npy::ref(n, a));
    npy::writeNpz(dir + "/expected.npz", refs);
    writeBytesAtomically(dir + "/manifest.json", manifest.dump(2) + "\n");
}

} // namespace

class TestWriters : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;

    std::string tmpPath(const std::string& name) const { return m_tmp.filePath(QString::fromStdString(name)).toStdString(); }

    // Reads back what was written and compares the weights exactly and the config's essentials.
    void checkReadBack(const std::string& path, WriteFormat format, const GruConfig& config, const GruWeights& weights)
    {
        WeightFileInfo info;
        try {
            info = openWeightFile(path);
        } catch (const Error& e) {
            QFAIL(qPrintable(QStringLiteral("openWeightFile(%1): %2").arg(QString::fromStdString(path), e.what())));
        }
        const WeightFormat expected[] = {WeightFormat::Keras3WeightsH5, WeightFormat::Keras3Archive, WeightFormat::LegacyH5,
                                         WeightFormat::NumpyNpz, WeightFormat::TorchSafetensors};
        QCOMPARE(int(info.format), int(expected[int(format)]));
        QCOMPARE(info.layers.size(), size_t(1));
        const GruLayerInfo& L = info.layers[0];
        GruWeights got;
        try {
            got = readGruWeights(info, L);
        } catch (const Error& e) {
            QFAIL(qPrintable(QStringLiteral("readGruWeights(%1): %2").arg(QString::fromStdString(path), e.what())));
        }
        QVERIFY2(sameArray(got.kernel, weights.kernel), "kernel differs");
        QVERIFY2(sameArray(got.recurrentKernel, weights.recurrentKernel), "recurrent kernel differs");
        QVERIFY2(sameArray(got.bias, weights.bias), "bias differs");
        QCOMPARE(L.config.units, config.units);
        QCOMPARE(L.config.use_bias, config.use_bias);
        if (config.use_bias || format == WriteFormat::Keras3Archive || format == WriteFormat::LegacyH5)
            QCOMPARE(L.config.reset_after, config.reset_after); // without a config, only the bias tells it
        const bool configStored = format == WriteFormat::Keras3Archive || format == WriteFormat::LegacyH5;
        QCOMPARE(L.configFromFile, configStored);
        if (configStored) {
            QCOMPARE(L.config.activation, config.activation);
            QCOMPARE(L.config.recurrent_activation, config.recurrent_activation);
            QCOMPARE(L.config.return_sequences, config.return_sequences);
            QCOMPARE(L.config.go_backwards, config.go_backwards);
            QCOMPARE(L.config.dropout, config.dropout);
            QCOMPARE(L.config.recurrent_dropout, config.recurrent_dropout);
            QCOMPARE(int(L.config.flavor), int(format == WriteFormat::LegacyH5 ? Flavor::TfKeras : Flavor::Keras3));
            if (format == WriteFormat::LegacyH5)
                QCOMPARE(L.config.implementation, config.implementation);
        }
    }

private slots:
    void initTestCase() { QVERIFY(m_tmp.isValid()); }

    void formatFromPath()
    {
        QCOMPARE(writeFormatFromPath("a/model.weights.h5"), std::optional(WriteFormat::Keras3WeightsH5));
        QCOMPARE(writeFormatFromPath("MODEL.WEIGHTS.H5"), std::optional(WriteFormat::Keras3WeightsH5));
        QCOMPARE(writeFormatFromPath("m.keras"), std::optional(WriteFormat::Keras3Archive));
        QCOMPARE(writeFormatFromPath("m.h5"), std::optional(WriteFormat::LegacyH5));
        QCOMPARE(writeFormatFromPath("m.hdf5"), std::optional(WriteFormat::LegacyH5));
        QCOMPARE(writeFormatFromPath("m.npz"), std::optional(WriteFormat::Npz));
        QCOMPARE(writeFormatFromPath("m.safetensors"), std::optional(WriteFormat::TorchSafetensors));
        QCOMPARE(writeFormatFromPath("m.json"), std::nullopt);
        QCOMPARE(writeFormatFromPath("h5"), std::nullopt);
        for (WriteFormat f : kAllFormats)
            QVERIFY(std::string(writeFormatName(f)).size() > 3);
    }

    void writeAndReadBack_data()
    {
        QTest::addColumn<WriteFormat>("format");
        QTest::addColumn<int>("variant");
        for (WriteFormat f : kAllFormats)
            for (int v = 0; v < 4; ++v) {
                if (f == WriteFormat::TorchSafetensors && (v == 1 || v == 3))
                    continue; // reset_after=False and relu: refused (tested below)
                QTest::newRow((std::string(formatKey(f)) + "/" + std::to_string(v)).c_str()) << f << v;
            }
    }

    void writeAndReadBack()
    {
        QFETCH(WriteFormat, format);
        QFETCH(int, variant);
        GruConfig c;
        c.units = 6;
        int64_t I = 5;
        switch (variant) {
        case 0: // defaults
            break;
        case 1:
            c.reset_after = false;
            c.go_backwards = true;
            c.return_sequences = true;
            c.dropout = 0.25;
            break;
        case 2:
            c.use_bias = false;
            c.return_sequences = true;
            c.units = 1;
            I = 1;
            break;
        case 3:
            c.flavor = Flavor::TfKeras;
            c.activation = "relu";
            c.recurrent_activation = "sigmoid";
            c.implementation = 1;
            c.recurrent_dropout = 0.5;
            break;
        }
        const GruWeights w = makeWeights(c, I, 10 + uint64_t(variant));
        const std::string path = tmpPath("rb_" + std::to_string(variant) + extensionOf(format));
        try {
            writeGruWeights(path, format, c, w);
        } catch (const Error& e) {
            QFAIL(e.what());
        }
        checkReadBack(path, format, c, w);
        if (QTest::currentTestFailed())
            return;
        // Writing again replaces the file.
        const GruWeights w2 = makeWeights(c, I, 99);
        GS_NOTHROW(writeGruWeights(path, format, c, w2));
        checkReadBack(path, format, c, w2);
        if (QTest::currentTestFailed())
            return;
        // No temporary files are left behind.
        for (const auto& e : fs::directory_iterator(m_tmp.path().toStdString()))
            QVERIFY2(e.path().filename().string().find(".tmp-") == std::string::npos, e.path().c_str());
    }

    // The layer name becomes an HDF5 group and a Keras name: names Keras would refuse are adapted.
    void layerNames()
    {
        GruConfig c;
        c.units = 2;
        c.name = "bidirectional/forward_gru";
        const GruWeights w = makeWeights(c, 2, 3);
        for (WriteFormat f : {WriteFormat::Keras3Archive, WriteFormat::LegacyH5}) {
            const std::string path = tmpPath(std::string("names") + extensionOf(f));
            WeightFileInfo info;
            GS_NOTHROW(writeGruWeights(path, f, c, w); info = openWeightFile(path));
            QCOMPARE(info.layers.size(), size_t(1));
            QCOMPARE(info.layers[0].name, std::string("bidirectional_forward_gru"));
            GruWeights got;
            GS_NOTHROW(got = readGruWeights(info, info.layers[0]));
            QVERIFY(sameArray(got.kernel, w.kernel));
        }
    }

    void refusals()
    {
        GruConfig c;
        c.units = 3;
        const GruWeights w = makeWeights(c, 2, 1);

        GruConfig before = c;
        before.reset_after = false;
        const GruWeights wb = makeWeights(before, 2, 1);
        const std::string st = tmpPath("refused.safetensors");
        GS_EXPECT_ERROR(ErrorCode::Unsupported, writeGruWeights(st, WriteFormat::TorchSafetensors, before, wb));
        QVERIFY2(g_lastMessage.find("reset_after=False") != std::string::npos, g_lastMessage.c_str());
        QVERIFY2(g_lastMessage.find("nn.GRU") != std::string::npos, g_lastMessage.c_str());
        QVERIFY(!fs::exists(st));

        GruConfig relu = c;
        relu.activation = "relu";
        GS_EXPECT_ERROR(ErrorCode::Unsupported, writeGruWeights(st, WriteFormat::TorchSafetensors, relu, w));
        QVERIFY(!fs::exists(st));

        // Formats that hold a Sequential model cannot hold a stateful or multi-output GRU.
        for (WriteFormat f : {WriteFormat::Keras3Archive, WriteFormat::LegacyH5}) {
            GruConfig s = c;
            s.stateful = true;
            GS_EXPECT_ERROR(ErrorCode::Unsupported, writeGruWeights(tmpPath(std::string("s") + extensionOf(f)), f, s, w));
            QVERIFY(g_lastMessage.find("stateful") != std::string::npos);
            GruConfig r = c;
            r.return_state = true;
            GS_EXPECT_ERROR(ErrorCode::Unsupported, writeGruWeights(tmpPath(std::string("r") + extensionOf(f)), f, r, w));
            QVERIFY(g_lastMessage.find("return_state") != std::string::npos);
        }
        // tf.keras cannot unroll a sequence of unknown length.
        GruConfig u = c;
        u.unroll = true;
        GS_EXPECT_ERROR(ErrorCode::Unsupported, writeGruWeights(tmpPath("u.h5"), WriteFormat::LegacyH5, u, w));
        QVERIFY(g_lastMessage.find("unroll") != std::string::npos);
        GS_NOTHROW(writeGruWeights(tmpPath("u.keras"), WriteFormat::Keras3Archive, u, w));
        // ... but the weights-only formats can.
        GruConfig s = c;
        s.stateful = true;
        s.return_state = true;
        GS_NOTHROW(writeGruWeights(tmpPath("stateful.weights.h5"), WriteFormat::Keras3WeightsH5, s, w));
        GS_NOTHROW(writeGruWeights(tmpPath("stateful.npz"), WriteFormat::Npz, s, w));

        // hard_sigmoid differs between the flavors: not written for the other Keras.
        GruConfig hs = c;
        hs.recurrent_activation = "hard_sigmoid";
        GS_EXPECT_ERROR(ErrorCode::Unsupported, writeGruWeights(tmpPath("hs.h5"), WriteFormat::LegacyH5, hs, w));
        QVERIFY(g_lastMessage.find("hard_sigmoid") != std::string::npos);
        hs.flavor = Flavor::TfKeras;
        GS_EXPECT_ERROR(ErrorCode::Unsupported, writeGruWeights(tmpPath("hs.keras"), WriteFormat::Keras3Archive, hs, w));
        WeightFileInfo info;
        GS_NOTHROW(writeGruWeights(tmpPath("hs.h5"), WriteFormat::LegacyH5, hs, w); info = openWeightFile(tmpPath("hs.h5"))); // same flavor: fine
        QCOMPARE(info.layers.size(), size_t(1));
        QCOMPARE(info.layers[0].config.recurrent_activation, std::string("hard_sigmoid"));

        // Keras-3-only activations have no tf.keras name; time_major has no Keras 3 argument.
        GruConfig k3only = c;
        k3only.activation = "hard_silu";
        GS_EXPECT_ERROR(ErrorCode::Unsupported, writeGruWeights(tmpPath("k3only.h5"), WriteFormat::LegacyH5, k3only, w));
        GruConfig tm = c;
        tm.flavor = Flavor::TfKeras;
        tm.time_major = true;
        GS_EXPECT_ERROR(ErrorCode::Unsupported, writeGruWeights(tmpPath("tm.keras"), WriteFormat::Keras3Archive, tm, w));
        GS_NOTHROW(writeGruWeights(tmpPath("tm.h5"), WriteFormat::LegacyH5, tm, w); info = openWeightFile(tmpPath("tm.h5")));
        QCOMPARE(info.layers.size(), size_t(1));
        QVERIFY(info.layers[0].config.time_major);

        // Invalid configs and weights are refused as the engine refuses them.
        GruConfig bad = c;
        bad.units = 0;
        GS_EXPECT_ERROR(ErrorCode::InvalidArgument, writeGruWeights(tmpPath("bad.npz"), WriteFormat::Npz, bad, w));
        GS_EXPECT_ERROR(ErrorCode::ShapeMismatch, writeGruWeights(tmpPath("bad.npz"), WriteFormat::Npz, before, w));
        QVERIFY(!fs::exists(tmpPath("bad.npz")));
    }

    void atomicity_data()
    {
        QTest::addColumn<WriteFormat>("format");
        for (WriteFormat f : kAllFormats)
            QTest::newRow(formatKey(f)) << f;
    }

    void atomicity()
    {
        QFETCH(WriteFormat, format);
        GruConfig c;
        c.units = 3;
        const GruWeights w = makeWeights(c, 2, 7);
        // A missing folder: BadFile naming it, nothing created.
        const std::string missing = tmpPath("no/such/dir/x") + extensionOf(format);
        GS_EXPECT_ERROR(ErrorCode::BadFile, writeGruWeights(missing, format, c, w));
        QVERIFY2(g_lastMessage.find("does not exist") != std::string::npos, g_lastMessage.c_str());
        QVERIFY(!fs::exists(tmpPath("no")));

        // An existing target survives a failed write (weights that do not fit the config).
        const std::string target = tmpPath(std::string("keep") + extensionOf(format));
        GS_NOTHROW(writeGruWeights(target, format, c, w));
        const std::string before = slurp(target);
        GruConfig other = c;
        other.units = 4;
        GS_EXPECT_ERROR(ErrorCode::ShapeMismatch, writeGruWeights(target, format, other, w));
        QCOMPARE(slurp(target), before);
        GruWeights nan = w;
        nan.kernel.data[1] = std::numeric_limits<float>::quiet_NaN();
        GS_EXPECT_ERROR(ErrorCode::InvalidArgument, writeGruWeights(target, format, c, nan));
        QCOMPARE(slurp(target), before);
        // A folder where the file should go.
        const std::string dirTarget = tmpPath(std::string("adir") + extensionOf(format));
        fs::create_directory(dirTarget);
        GS_EXPECT_ERROR(ErrorCode::BadFile, writeGruWeights(dirTarget, format, c, w));
        QVERIFY(fs::is_directory(dirTarget));
        for (const auto& e : fs::directory_iterator(m_tmp.path().toStdString()))
            QVERIFY2(e.path().filename().string().find(".tmp-") == std::string::npos, e.path().c_str());
    }

    // Writers in several threads at once (HDF5 calls are serialised; in-memory images get unique names).
    void concurrentWrites()
    {
        GruConfig c;
        c.units = 4;
        std::vector<std::thread> threads;
        std::atomic<int> failures{0};
        std::string firstError;
        std::mutex errorMutex;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&, t] {
                try {
                    const GruWeights w = makeWeights(c, 3, 100 + uint64_t(t));
                    for (WriteFormat f : {WriteFormat::Keras3WeightsH5, WriteFormat::Keras3Archive, WriteFormat::LegacyH5})
                        for (int k = 0; k < 3; ++k)
                            writeGruWeights(tmpPath("mt" + std::to_string(t) + extensionOf(f)), f, c, w);
                } catch (const std::exception& e) {
                    ++failures;
                    std::lock_guard<std::mutex> lock(errorMutex);
                    firstError = e.what();
                }
            });
        for (auto& th : threads)
            th.join();
        QVERIFY2(failures == 0, firstError.c_str());
        for (int t = 0; t < 4; ++t)
            for (WriteFormat f : {WriteFormat::Keras3WeightsH5, WriteFormat::Keras3Archive, WriteFormat::LegacyH5}) {
                checkReadBack(tmpPath("mt" + std::to_string(t) + extensionOf(f)), f, c, makeWeights(c, 3, 100 + uint64_t(t)));
                if (QTest::currentTestFailed())
                    return;
            }
    }

    // The Keras layouts, checked structurally (attribute names, groups) beyond what the readers need.
    void kerasArchiveMembers()
    {
        GruConfig c;
        c.units = 2;
        const std::string path = tmpPath("members.keras");
        GS_NOTHROW(writeGruWeights(path, WriteFormat::Keras3Archive, c, makeWeights(c, 3, 1)));
        const std::string bytes = slurp(path);
        // Stored members in Keras's order.
        const size_t meta = bytes.find("metadata.json"), cfg = bytes.find("config.json"), h5 = bytes.find("model.weights.h5");
        QVERIFY(meta != std::string::npos && cfg != std::string::npos && h5 != std::string::npos);
        QVERIFY(meta < cfg && cfg < h5);
        QVERIFY(bytes.find("\"keras_version\":\"3.15.1\"") != std::string::npos);
        QVERIFY(bytes.find("\"class_name\":\"Sequential\"") != std::string::npos);
        WeightFileInfo info;
        GS_NOTHROW(info = openWeightFile(path));
        QCOMPARE(info.kerasVersion, std::string("3.15.1"));
        QVERIFY2(info.formatDetail.find("stored") != std::string::npos, info.formatDetail.c_str());
        const auto config = nlohmann::json::parse(info.modelConfigJson);
        QCOMPARE(config["config"]["layers"][0]["class_name"].get<std::string>(), std::string("InputLayer"));
        QVERIFY(config["config"]["layers"][0]["config"]["batch_shape"] == nlohmann::json::parse("[null, null, 3]"));
        QVERIFY(config["config"]["layers"][1]["build_config"]["input_shape"] == nlohmann::json::parse("[null, null, 3]"));
        QVERIFY(!config["config"]["layers"][1]["config"].contains("time_major"));
    }

    // The committed round trip through real Keras (tools/keras_roundtrip.py).
    void roundTripWithRealKeras()
    {
        const std::string dir = roundTripDir();
        const bool regenerate = qEnvironmentVariableIntValue("GRUSCOPE_WRITE_ROUNDTRIP") == 1;
        const auto cases = roundTripCases();
        if (regenerate) {
            GS_NOTHROW(regenerateRoundTrip(dir));
            qInfo("wrote %s; now run: python3 tools/keras_roundtrip.py", dir.c_str());
            QSKIP("round-trip files regenerated: run tools/keras_roundtrip.py, then this suite without GRUSCOPE_WRITE_ROUNDTRIP");
        }

        QVERIFY2(fs::exists(dir + "/manifest.json"), "tests/data/roundtrip/manifest.json is missing");
        QVERIFY2(fs::exists(dir + "/results.json"), "tests/data/roundtrip/results.json is missing: run tools/keras_roundtrip.py");
        nlohmann::json manifest, results;
        GS_NOTHROW(manifest = nlohmann::json::parse(slurp(dir + "/manifest.json")));
        GS_NOTHROW(results = nlohmann::json::parse(slurp(dir + "/results.json")));
        std::set<std::string> formatsSeen;
        size_t expectedFiles = 0;
        for (const auto& cs : cases) {
            const GruWeights w = makeWeights(cs.config, cs.inputSize, cs.seed);
            for (WriteFormat f : cs.formats) {
                ++expectedFiles;
                const std::string file = cs.name + extensionOf(f);
                const QByteArray where = QByteArray::fromStdString(file);
                QVERIFY2(manifest["files"].contains(file), where + ": not in manifest.json (regenerate the round trip)");
                QVERIFY2(results.contains(file), where + ": not in results.json (run tools/keras_roundtrip.py)");
                const auto& r = results[file];
                const std::string error = r.contains("error") && r["error"].is_string() ? r["error"].get<std::string>() : "?";
                QVERIFY2(r.value("loaded", false), where + ": real Keras did not load it: " + QByteArray::fromStdString(error));
                QVERIFY2(r.contains("config_mismatches") && r["config_mismatches"].empty(),
                         where + ": the model Keras loaded has other arguments: " +
                             QByteArray::fromStdString(r.value("config_mismatches", nlohmann::json::array()).dump()));
                QVERIFY2(r["max_abs_diff_vs_gruscope"].is_number(), where);
                const double diff = r["max_abs_diff_vs_gruscope"].get<double>();
                QVERIFY2(diff < 1e-5, where + ": Keras's output differs from GruScope's by " + QByteArray::number(diff));
                formatsSeen.insert(formatKey(f));
                // The committed file holds this case's weights (it was written from this definition).
                GruWeights got;
                try {
                    const WeightFileInfo info = openWeightFile(dir + "/" + file);
                    QCOMPARE(info.layers.size(), size_t(1));
                    got = readGruWeights(info, info.layers[0]);
                } catch (const Error& e) {
                    QFAIL((where + ": GruScope cannot read the committed file: " + e.what()).constData());
                }
                QVERIFY2(sameArray(got.kernel, w.kernel) && sameArray(got.recurrentKernel, w.recurrentKernel) &&
                             sameArray(got.bias, w.bias),
                         where + ": the committed file does not hold this case's weights (regenerate the round trip)");
            }
        }
        QCOMPARE(manifest["files"].size(), expectedFiles);
        QCOMPARE(formatsSeen.size(), kAllFormats.size());
    }
};

QTEST_GUILESS_MAIN(TestWriters)
#include "tst_writers.moc"
