// gruscope-cli end to end: the binary named by GRUSCOPE_CLI is run with QProcess on inputs written
// into temporary folders, mostly taken from the Keras-generated golden fixtures (tests/data/golden),
// so that `run` is checked against real Keras numbers through the whole command-line path (config
// JSON, .npy/.npz reading, the engine, the .npz writer). `eligibility --json` is checked condition
// by condition, and every bad input must end with exit status 2, one message on stderr naming the
// problem, nothing on stdout, and no file (nor temporary file) left where the output would go; an
// existing output file must survive a failing run byte for byte.
#include "gruscope/config.h"
#include "gruscope/layer.h"
#include "gruscope/npy.h"
#include "cli_runner.h"
#include "test_support.h"

#include <nlohmann/json.hpp>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>

#include <sys/resource.h>
#include <csignal>
#include <sys/stat.h>
#include <unistd.h>

using namespace gruscope;
using json = nlohmann::json;

namespace {

constexpr int kTimeoutMs = 60000;

// ---------------------------------------------------------------------------------------------
// Golden fixtures

const json& manifest()
{
    static const json m = [] {
        std::ifstream in(gstest::dataPath("golden/manifest.json"));
        return json::parse(in);
    }();
    return m;
}

struct Golden {
    json meta;
    std::map<std::string, npy::NpyArray> arrays;

    bool has(const std::string& k) const { return arrays.count(k) != 0; }
    const npy::NpyArray& raw(const std::string& k) const { return arrays.at(k); }
    ArrayF f(const std::string& k) const { return arrays.at(k).toFloat(); }
    std::string name() const { return meta["name"].get<std::string>(); }
    std::string flavor() const { return meta["flavor"].get<std::string>(); }
};

Golden loadGoldenMeta(const json& meta)
{
    Golden g;
    g.meta = meta;
    for (auto& [name, arr] : npy::readNpz(gstest::dataPath("golden/" + meta["file"].get<std::string>())))
        g.arrays.emplace(name, std::move(arr));
    return g;
}

Golden loadGolden(const std::string& name)
{
    for (const auto& c : manifest()["cases"])
        if (c["name"].get<std::string>() == name)
            return loadGoldenMeta(c);
    throw std::runtime_error("no golden case " + name);
}

// ---------------------------------------------------------------------------------------------
// Files

std::string s(const QString& q) { return q.toStdString(); }

void writeRaw(const QString& path, const npy::NpyArray& a)
{
    npy::writeNpy(s(path), npy::ArrayRef{"array", a.dtype, a.shape, a.bytes.data()});
}

void writeF(const QString& path, const ArrayF& a) { npy::writeNpy(s(path), npy::ref("array", a)); }

template <class T>
void writeTyped(const QString& path, npy::DType dtype, const Shape& shape, const std::vector<T>& data)
{
    npy::writeNpy(s(path), npy::ArrayRef{"array", dtype, shape, data.data()});
}

void writeText(const QString& path, const std::string& text)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        throw std::runtime_error("cannot write " + s(path));
    f.write(text.data(), qint64(text.size()));
}

QByteArray readBytes(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

void writeGoldenWeights(const QString& path, const Golden& g)
{
    const ArrayF k = g.f("kernel"), r = g.f("recurrent_kernel");
    ArrayF b;
    std::vector<npy::ArrayRef> refs{npy::ref("kernel", k), npy::ref("recurrent_kernel", r)};
    if (g.has("bias")) {
        b = g.f("bias");
        refs.push_back(npy::ref("bias", b));
    }
    npy::writeNpz(s(path), refs);
}

std::map<std::string, npy::NpyArray> readOut(const QString& path)
{
    std::map<std::string, npy::NpyArray> m;
    for (auto& [name, arr] : npy::readNpz(s(path)))
        m.emplace(name, std::move(arr));
    return m;
}

// Every entry of a folder, hidden ones included.
QStringList entriesOf(const QString& dir)
{
    return QDir(dir).entryList(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot, QDir::Name);
}

// ---------------------------------------------------------------------------------------------
// Running the binary

using CliResult = gstest::CliRun;

QString g_cli;

CliResult runCli(const QStringList& args, const QString& workDir = {}, const std::function<void()>& childModifier = {})
{
    return gstest::runGruscopeCli(args, kTimeoutMs, workDir, childModifier, g_cli);
}

// Whether `gruscope-cli version` reports a usable GPU (cached).
bool gpuPresent()
{
    static const bool present = [] {
        const CliResult v = runCli({"version"});
        return v.ok() && !v.out.contains("GPU: none");
    }();
    return present;
}

// Lines of stderr that start an error message ("gruscope-cli: ...").
int errorMessageCount(const QByteArray& err)
{
    int n = 0;
    for (const QByteArray& line : err.split('\n'))
        if (line.startsWith("gruscope-cli:"))
            ++n;
    return n;
}

// Largest |a - b| over all elements; infinity for a shape mismatch.
double maxDiff(const ArrayF& a, const ArrayF& b)
{
    if (a.shape != b.shape)
        return std::numeric_limits<double>::infinity();
    return gstest::maxAbsDiff(a, b);
}

} // namespace

#define CLI_VERIFY_OK(res) QVERIFY2((res).ok(), qPrintable((res).describe()))

class TstCli : public QObject {
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_tmp; // everything this suite writes
    QString m_fx;        // shared input fixtures (k3_basic_seq: B=3, T=9, I=4, U=5, reset_after)
    int m_counter = 0;

    QString fx(const QString& name) const { return m_fx + QLatin1Char('/') + name; }
    QString freshDir(const QString& stem)
    {
        const QString d = m_tmp->path() + QStringLiteral("/%1_%2").arg(stem).arg(++m_counter);
        QDir().mkpath(d);
        return d;
    }

    // Runs `run` on a golden case's call `k` (0 or 1) in `dir` and returns OUT.npz's arrays.
    // Call 1 of a stateful case is run as one call that starts from the state Keras carried (the
    // call-0 state, or the call-1 initial_state where Keras 3 used it).
    std::map<std::string, npy::NpyArray> runGoldenCall(const Golden& g, int k, const QString& dir, const QString& backend,
                                                       const QStringList& extra, CliResult* res)
    {
        const std::string sfx = k == 0 ? "" : "_" + std::to_string(k);
        writeText(dir + "/config.json", g.meta["config"].dump(1));
        writeGoldenWeights(dir + "/weights.npz", g);
        writeRaw(dir + "/x.npy", g.raw("x" + sfx));
        QStringList args{"run", "--config", dir + "/config.json", "--weights", dir + "/weights.npz", "--input", dir + "/x.npy"};
        if (g.has("mask" + sfx)) {
            writeRaw(dir + "/mask.npy", g.raw("mask" + sfx));
            args << "--mask" << dir + "/mask.npy";
        }
        if (k == 0 && g.has("initial_state")) {
            writeRaw(dir + "/h0.npy", g.raw("initial_state"));
            args << "--initial-state" << dir + "/h0.npy";
        } else if (k == 1) {
            const bool k3UsesIt = g.flavor() == "keras3" && g.has("initial_state_1");
            writeRaw(dir + "/h0.npy", g.raw(k3UsesIt ? "initial_state_1" : "state"));
            args << "--initial-state" << dir + "/h0.npy";
        }
        args << "--backend" << backend << "--flavor" << QString::fromStdString(g.flavor()) << extra << "--out" << dir + "/out.npz";
        *res = runCli(args, dir);
        if (!res->ok())
            return {};
        return readOut(dir + "/out.npz");
    }

private slots:
    void initTestCase()
    {
        g_cli = qEnvironmentVariable("GRUSCOPE_CLI");
        if (g_cli.isEmpty()) // run by hand from the build tree
            g_cli = QCoreApplication::applicationDirPath() + "/../app/cli/gruscope-cli";
        QVERIFY2(QFileInfo(g_cli).isExecutable(), qPrintable("gruscope-cli not found (set GRUSCOPE_CLI): " + g_cli));
        // tmpfs when there is one: the CLI and npy::write* fsync every file, which is slow on a disk.
        const QFileInfo shm(QStringLiteral("/dev/shm"));
        if (shm.isDir() && shm.isWritable())
            m_tmp = std::make_unique<QTemporaryDir>(QStringLiteral("/dev/shm/tst_cli-XXXXXX"));
        if (!m_tmp || !m_tmp->isValid())
            m_tmp = std::make_unique<QTemporaryDir>();
        QVERIFY(m_tmp->isValid());
        m_fx = m_tmp->path() + "/fx";
        QVERIFY(QDir().mkpath(m_fx));

        const Golden g = loadGolden("k3_basic_seq");
        const ArrayF x = g.f("x"); // (3, 9, 4)
        writeText(fx("config.json"), g.meta["config"].dump(1));
        writeGoldenWeights(fx("weights.npz"), g);
        writeF(fx("x.npy"), x);

        // Bad inputs, each wrong in one way.
        writeF(fx("x_rank2.npy"), ArrayF({27, 4}, x.data));
        writeF(fx("x_i5.npy"), ArrayF({3, 9, 5}, 0.25f));
        writeTyped<uint8_t>(fx("mask_bad_shape.npy"), npy::DType::Bool, {3, 8}, std::vector<uint8_t>(24, 1));
        {
            std::vector<int32_t> m(27, 1);
            m[13] = 2;
            writeTyped(fx("mask_two.npy"), npy::DType::Int32, {3, 9}, m);
        }
        writeTyped<uint8_t>(fx("mask_rank1.npy"), npy::DType::Bool, {9}, std::vector<uint8_t>(9, 1));
        writeTyped<uint8_t>(fx("mask_rank3.npy"), npy::DType::Bool, {3, 9, 1}, std::vector<uint8_t>(27, 1));
        writeF(fx("h0_bad.npy"), ArrayF({3, 4}, 0.1f));
        {
            const ArrayF r = g.f("recurrent_kernel"), b = g.f("bias"), k = g.f("kernel");
            npy::writeNpz(s(fx("w_nokernel.npz")), {npy::ref("recurrent_kernel", r), npy::ref("bias", b)});
            const ArrayF b15({15}, 0.0f);
            npy::writeNpz(s(fx("w_bias_other.npz")), {npy::ref("kernel", k), npy::ref("recurrent_kernel", r), npy::ref("bias", b15)});
            const ArrayF r4({4, 15}, 0.1f);
            npy::writeNpz(s(fx("w_rk_bad.npz")), {npy::ref("kernel", k), npy::ref("recurrent_kernel", r4), npy::ref("bias", b)});
            ArrayF kn = k;
            kn.data[7] = std::numeric_limits<float>::quiet_NaN();
            npy::writeNpz(s(fx("w_nan.npz")), {npy::ref("kernel", kn), npy::ref("recurrent_kernel", r), npy::ref("bias", b)});
        }
        {
            ArrayF xn = x;
            xn.data[size_t((1 * 9 + 2) * 4 + 3)] = std::numeric_limits<float>::quiet_NaN(); // [1, 2, 3]
            writeF(fx("x_nan.npy"), xn);
        }
        {
            const QByteArray whole = readBytes(fx("x.npy"));
            QVERIFY(whole.size() > 200);
            QFile t(fx("x_truncated.npy"));
            QVERIFY(t.open(QIODevice::WriteOnly));
            t.write(whole.left(whole.size() - 37)); // header intact, data cut short
            QFile h(fx("x_header_only.npy"));
            QVERIFY(h.open(QIODevice::WriteOnly));
            h.write(whole.left(20)); // cut inside the header
        }
        {
            std::mt19937 rng(12345);
            std::string bytes(512, '\0');
            for (char& c : bytes)
                c = char(rng() & 0xff);
            writeText(fx("x_random.npy"), bytes);
            writeText(fx("w_random.npz"), bytes);
        }
        writeText(fx("w_notzip.npz"), "this is plain text, not a zip archive\n");
        writeText(fx("cfg_notjson.json"), "{\"units\": 5, \"activation\": ");
        writeText(fx("cfg_array.json"), "[1, 2, 3]");
        writeText(fx("cfg_nounits.json"), R"({"activation": "tanh", "return_sequences": true})");
        writeText(fx("cfg_multi.json"), R"({"units": -1, "activation": "nope", "dropout": "abc"})");
        writeText(fx("cfg_lstm.json"), R"({"class_name": "LSTM", "config": {"units": 5}})");
        {
            json tm = g.meta["config"];
            tm["time_major"] = true;
            writeText(fx("cfg_time_major.json"), tm.dump());
        }
        writeText(fx("sentinel.bin"), "previous output: must survive a failing run\n");
        writeText(fx("cfg_celu.json"), R"({"units": 5, "activation": "celu", "return_sequences": true})");
        writeF(fx("x_t0.npy"), ArrayF({3, 0, 4}));
        {
            // A valid header that claims 10^12 float32 elements, followed by a few bytes.
            std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 100), }";
            dict.resize(117, ' ');
            dict += '\n';
            std::string file = std::string("\x93NUMPY\x01\x00", 8) + char(dict.size() & 0xff) + char(dict.size() >> 8) + dict;
            file += std::string(64, '\0');
            writeText(fx("x_huge_header.npy"), file);
        }
    }

    // ---- run: against Keras ------------------------------------------------------------------

    // Every golden case (and call 1 of the stateful ones) through the CLI on the cpu backend, and
    // a few on the reference backend.
    void runMatchesKeras_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("backend");
        for (const auto& c : manifest()["cases"]) {
            const QString name = QString::fromStdString(c["name"].get<std::string>());
            QTest::newRow(qPrintable(name + "/cpu")) << name << QStringLiteral("cpu");
        }
        for (const char* name : {"k3_basic_seq", "k3_initial_state_mask_holes_seq", "tfk_time_major_mask_seq", "k3_stateful"})
            QTest::newRow(qPrintable(QString::fromLatin1(name) + "/reference")) << QString::fromLatin1(name) << QStringLiteral("reference");
    }

    void runMatchesKeras()
    {
        QFETCH(QString, name);
        QFETCH(QString, backend);
        const Golden g = loadGolden(s(name));
        const double atol = backend == QLatin1String("reference") ? 2e-6 : 1e-5;
        const int calls = g.meta["calls"].get<int>();
        for (int k = 0; k < calls; ++k) {
            const std::string sfx = k == 0 ? "" : "_" + std::to_string(k);
            const QString dir = freshDir(name);
            CliResult res;
            const auto out = runGoldenCall(g, k, dir, backend, {}, &res);
            CLI_VERIFY_OK(res);
            QVERIFY2(errorMessageCount(res.err) == 0, qPrintable(res.describe()));
            QVERIFY2(out.count("output") && out.count("state"), "OUT.npz lacks output or state");
            QCOMPARE(npy::dtypeName(out.at("output").dtype), "float32");
            QCOMPARE(npy::dtypeName(out.at("state").dtype), "float32");
            GS_VERIFY_CLOSE(out.at("output").toFloat(), g.f("output" + sfx), atol, 1e-5);
            GS_VERIFY_CLOSE(out.at("state").toFloat(), g.f("state" + sfx), atol, 1e-5);
            // Nothing but OUT.npz and our inputs in the folder (no temporary files).
            for (const QString& e : entriesOf(dir))
                QVERIFY2(QStringList({"config.json", "weights.npz", "x.npy", "mask.npy", "h0.npy", "out.npz"}).contains(e),
                         qPrintable("unexpected file left in the output folder: " + e));
        }
    }

    // The same golden numbers from other spellings of the same inputs: float64 X, integer masks, a
    // wrapped config, a config with only the non-default keys.
    void runInputVariants_data()
    {
        QTest::addColumn<QString>("xType");
        QTest::addColumn<QString>("maskType");
        QTest::addColumn<bool>("wrapped");
        QTest::newRow("x float64, mask bool") << "f8" << "bool" << false;
        QTest::newRow("x float32, mask int32") << "f4" << "i4" << false;
        QTest::newRow("x float64, mask int64") << "f8" << "i8" << false;
        QTest::newRow("x float32, mask uint8") << "f4" << "u1" << false;
        QTest::newRow("wrapped config") << "f4" << "bool" << true;
    }

    void runInputVariants()
    {
        QFETCH(QString, xType);
        QFETCH(QString, maskType);
        QFETCH(bool, wrapped);
        const Golden g = loadGolden("k3_mask_left_seq");
        const QString dir = freshDir("variants");
        json cfg = g.meta["config"];
        if (wrapped)
            cfg = json{{"module", "keras.layers"}, {"class_name", "GRU"}, {"config", cfg}, {"registered_name", nullptr}};
        writeText(dir + "/config.json", cfg.dump());
        writeGoldenWeights(dir + "/weights.npz", g);
        const ArrayF x = g.f("x");
        if (xType == QLatin1String("f8")) {
            std::vector<double> xd(x.data.begin(), x.data.end());
            writeTyped(dir + "/x.npy", npy::DType::Float64, x.shape, xd);
        } else {
            writeF(dir + "/x.npy", x);
        }
        const ArrayU8 m = g.raw("mask").toMask("mask");
        if (maskType == QLatin1String("bool"))
            writeTyped(dir + "/mask.npy", npy::DType::Bool, m.shape, m.data);
        else if (maskType == QLatin1String("u1"))
            writeTyped(dir + "/mask.npy", npy::DType::UInt8, m.shape, m.data);
        else if (maskType == QLatin1String("i4"))
            writeTyped(dir + "/mask.npy", npy::DType::Int32, m.shape, std::vector<int32_t>(m.data.begin(), m.data.end()));
        else
            writeTyped(dir + "/mask.npy", npy::DType::Int64, m.shape, std::vector<int64_t>(m.data.begin(), m.data.end()));

        const CliResult res = runCli({"run", "--config", dir + "/config.json", "--weights", dir + "/weights.npz", "--input",
                                      dir + "/x.npy", "--mask", dir + "/mask.npy", "--backend", "cpu", "--out", dir + "/out.npz"});
        CLI_VERIFY_OK(res);
        const auto out = readOut(dir + "/out.npz");
        GS_VERIFY_CLOSE(out.at("output").toFloat(), g.f("output"), 1e-5, 1e-5);
        GS_VERIFY_CLOSE(out.at("state").toFloat(), g.f("state"), 1e-5, 1e-5);
        // Keys of get_config() that do not change the layer are ignored with a note on stderr.
        const QString err = QString::fromUtf8(res.err);
        QVERIFY2(err.contains(QLatin1String("note"), Qt::CaseInsensitive) && err.contains(QLatin1String("trainable")) &&
                     err.contains(QLatin1String("dtype")),
                 qPrintable("expected a note naming the ignored keys (trainable, dtype):\n" + res.describe()));
    }

    // A minimal config (only units and return_sequences) gives Keras's defaults.
    void runMinimalConfig()
    {
        const Golden g = loadGolden("k3_basic_seq");
        const QString dir = freshDir("minimal");
        writeText(dir + "/config.json", R"({"units": 5, "return_sequences": true})");
        const CliResult res = runCli({"run", "--config", dir + "/config.json", "--weights", fx("weights.npz"), "--input",
                                      fx("x.npy"), "--out", dir + "/out.npz"});
        CLI_VERIFY_OK(res);
        const auto out = readOut(dir + "/out.npz");
        GS_VERIFY_CLOSE(out.at("output").toFloat(), g.f("output"), 1e-5, 1e-5);
        GS_VERIFY_CLOSE(out.at("state").toFloat(), g.f("state"), 1e-5, 1e-5);
    }

    // A --config that names no flavor takes the weight file's: Keras 2.1.2's hard_sigmoid is
    // 0.2·x + 0.5, and the run matches what Keras 2.1.2 computed (the fixture's expected outputs).
    void flavorFollowsTheFile()
    {
        const std::string file = gstest::dataPath("weightfiles/keras212_gru_no_reset_after_constructed.h5");
        std::map<std::string, ArrayF> want;
        for (auto& [name, arr] : npy::readNpz(gstest::dataPath("weightfiles/keras212_gru_no_reset_after_constructed.expected.npz")))
            want[name] = arr.toFloat();
        const QString dir = freshDir("flavor");
        writeText(dir + "/config.json", R"({"units": 4, "recurrent_activation": "hard_sigmoid", "reset_after": false})");
        writeF(dir + "/x.npy", want.at("gru_1__input"));
        const QStringList base{"run", "--config", dir + "/config.json", "--weights", QString::fromStdString(file),
                               "--input", dir + "/x.npy", "--backend", "reference", "--out", dir + "/out.npz"};
        const CliResult res = runCli(base);
        CLI_VERIFY_OK(res);
        QVERIFY2(res.err.contains("names no flavor; tf_keras is taken from") && res.err.contains("(Keras 2.1.2)"),
                 qPrintable(res.describe()));
        GS_VERIFY_CLOSE(readOut(dir + "/out.npz").at("output").toFloat(), want.at("gru_1__output"), 1e-5, 1e-5);
        // Forcing Keras 3 gives Keras 3's hard_sigmoid and other numbers.
        CLI_VERIFY_OK(runCli(base + QStringList{"--flavor", "keras3"}));
        QVERIFY(gstest::maxAbsDiff(readOut(dir + "/out.npz").at("output").toFloat(), want.at("gru_1__output")) > 1e-3);
    }

    // tf.keras's hard_sigmoid written to a Keras 3 format: a warning in words; --strict refuses.
    void convertWarnsWhenKeras3WouldComputeOtherNumbers()
    {
        const QString file = QString::fromStdString(gstest::dataPath("weightfiles/keras212_gru_no_reset_after_constructed.h5"));
        const QString dir = freshDir("convert_flavor");
        const CliResult warned = runCli({"convert", file, dir + "/a.weights.h5"});
        CLI_VERIFY_OK(warned);
        QVERIFY2(warned.err.contains("warning: gru_1 uses hard_sigmoid"), qPrintable(warned.describe()));
        const CliResult refused = runCli({"convert", file, dir + "/b.weights.h5", "--strict"});
        QVERIFY2(refused.exitCode == 2 && refused.err.contains("--strict"), qPrintable(refused.describe()));
        QVERIFY(!QFile::exists(dir + "/b.weights.h5"));
        // To tf.keras's own format nothing changes: no warning.
        const CliResult same = runCli({"convert", file, dir + "/c.h5", "--strict"});
        CLI_VERIFY_OK(same);
        QVERIFY(!same.err.contains("warning"));
    }

    // --max-elements (before the subcommand) bounds every array a file may hold; over it, exit 2
    // (x is 3×9×4 = 108 elements, the largest weight tensor 5×15 = 75)
    // with the array and the limit named, and no output written.
    void maxElementsBoundsEveryFile_data()
    {
        QTest::addColumn<QString>("limit");
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("named"); // in the message
        QTest::addColumn<QString>("written"); // the output the refused command must not write
        const QString dir = freshDir("limits");
        QTest::newRow("input") << "100" << QStringList{"run", "--config", fx("config.json"), "--weights", fx("weights.npz"),
                                                      "--input", fx("x.npy"), "--out", dir + "/out.npz"}
                               << "x.npy" << dir + "/out.npz";
        QTest::newRow("weight tensor") << "20" << QStringList{"inspect", fx("weights.npz")} << "weights.npz" << QString();
        QTest::newRow("converted weights") << "20" << QStringList{"convert", fx("weights.npz"), dir + "/w.weights.h5"}
                                           << "weights.npz" << dir + "/w.weights.h5";
    }

    void maxElementsBoundsEveryFile()
    {
        QFETCH(QString, limit);
        QFETCH(QStringList, args);
        QFETCH(QString, named);
        QFETCH(QString, written);
        const CliResult res = runCli(QStringList{"--max-elements", limit} + args);
        QVERIFY2(res.started && !res.crashed && res.exitCode == 2, qPrintable(res.describe()));
        QVERIFY2(res.err.contains(named.toUtf8()) && res.err.contains(("limit of " + limit + " elements").toUtf8()),
                 qPrintable(res.describe()));
        QVERIFY(written.isEmpty() || !QFile::exists(written));
        // The same command under the default limit runs.
        const CliResult fine = runCli(args);
        CLI_VERIFY_OK(fine);
        QVERIFY(written.isEmpty() || QFile::exists(written));
        // And the default is stated in --help.
        QVERIFY(runCli({"--help"}).out.contains("--max-elements INT:INT in [1 - 1099511627776]=268435456"));
    }

    // A successful run replaces an existing OUT.npz and leaves nothing else behind.
    void runReplacesExistingOutput()
    {
        const QString dir = freshDir("replace");
        const QString out = dir + "/out.npz";
        writeText(out, "old contents");
        const CliResult res = runCli({"run", "--config", fx("config.json"), "--weights", fx("weights.npz"), "--input",
                                      fx("x.npy"), "--out", out},
                                     dir);
        CLI_VERIFY_OK(res);
        QCOMPARE(entriesOf(dir), QStringList{"out.npz"});
        const auto arrays = readOut(out);
        GS_VERIFY_CLOSE(arrays.at("output").toFloat(), loadGolden("k3_basic_seq").f("output"), 1e-5, 1e-5);
    }

    // ---- run: trace --------------------------------------------------------------------------

    // z, r, hh, h are (B, T, U) float32 in processing order; h equals the output sequence; every
    // step agrees with the GRU equations recomputed here from the weights and the trace's own
    // previous h.
    void runTrace_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("k3_basic_seq") << "k3_basic_seq";
        QTest::newRow("k3_go_backwards_seq") << "k3_go_backwards_seq";
        QTest::newRow("k3_reset_before_seq") << "k3_reset_before_seq";
        QTest::newRow("k3_initial_state_seq") << "k3_initial_state_seq";
        QTest::newRow("tfk_time_major_seq") << "tfk_time_major_seq";
        QTest::newRow("k3_mask_holes_seq (shapes only)") << "k3_mask_holes_seq";
    }

    void runTrace()
    {
        QFETCH(QString, name);
        const Golden g = loadGolden(s(name));
        const QString dir = freshDir("trace");
        CliResult res;
        const auto out = runGoldenCall(g, 0, dir, "cpu", {"--trace"}, &res);
        CLI_VERIFY_OK(res);
        const json& cfg = g.meta["config"];
        const bool timeMajor = cfg.value("time_major", false);
        const bool goBackwards = cfg.value("go_backwards", false);
        const bool resetAfter = cfg.value("reset_after", true);
        const ArrayF x = g.f("x");
        const int64_t B = timeMajor ? x.shape[1] : x.shape[0], T = timeMajor ? x.shape[0] : x.shape[1], I = x.shape[2];
        const int64_t U = cfg["units"].get<int64_t>();
        for (const char* k : {"z", "r", "hh", "h"}) {
            QVERIFY2(out.count(k), qPrintable(QStringLiteral("--trace: OUT.npz has no '%1'").arg(k)));
            QCOMPARE(npy::dtypeName(out.at(k).dtype), "float32");
            QCOMPARE(QString::fromStdString(shapeToString(out.at(k).shape)), QString::fromStdString(shapeToString({B, T, U})));
        }
        const ArrayF z = out.at("z").toFloat(), r = out.at("r").toFloat(), hh = out.at("hh").toFloat(), h = out.at("h").toFloat();
        // The final state is the last processed h.
        ArrayF lastH({B, U});
        for (int64_t b = 0; b < B; ++b)
            for (int64_t u = 0; u < U; ++u)
                lastH.data[size_t(b * U + u)] = h.data[size_t((b * T + T - 1) * U + u)];
        GS_VERIFY_CLOSE(lastH, out.at("state").toFloat(), 1e-6, 0.0);
        if (g.has("mask"))
            return; // masked steps repeat h; the equations below assume every step is kept

        // h is the output sequence (return_sequences, no mask), in the output's layout.
        ArrayF hOut = h;
        if (timeMajor) {
            hOut = ArrayF({T, B, U});
            for (int64_t b = 0; b < B; ++b)
                for (int64_t t = 0; t < T; ++t)
                    for (int64_t u = 0; u < U; ++u)
                        hOut.data[size_t((t * B + b) * U + u)] = h.data[size_t((b * T + t) * U + u)];
        }
        GS_VERIFY_CLOSE(hOut, out.at("output").toFloat(), 1e-6, 0.0);

        // The GRU equations, step by step, in double.
        const ArrayF K = g.f("kernel"), R = g.f("recurrent_kernel");
        const ArrayF bias = g.has("bias") ? g.f("bias") : ArrayF();
        const ArrayF h0 = g.has("initial_state") ? g.f("initial_state") : ArrayF({B, U}, 0.0f);
        auto sigmoid = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
        auto xAt = [&](int64_t b, int64_t t, int64_t i) {
            return double(timeMajor ? x.data[size_t((t * B + b) * I + i)] : x.data[size_t((b * T + t) * I + i)]);
        };
        auto bIn = [&](int64_t col) { return bias.data.empty() ? 0.0 : double(bias.data[size_t(col)]); };
        auto bRec = [&](int64_t col) {
            return bias.data.empty() || !resetAfter ? 0.0 : double(bias.data[size_t(3 * U + col)]);
        };
        double worst = 0;
        std::string where;
        for (int64_t b = 0; b < B; ++b) {
            for (int64_t step = 0; step < T; ++step) {
                const int64_t t = goBackwards ? T - 1 - step : step;
                std::vector<double> hp(static_cast<size_t>(U));
                for (int64_t u = 0; u < U; ++u)
                    hp[size_t(u)] = step == 0 ? h0.data[size_t(b * U + u)] : h.data[size_t((b * T + step - 1) * U + u)];
                auto xk = [&](int64_t col) {
                    double a = bIn(col);
                    for (int64_t i = 0; i < I; ++i)
                        a += xAt(b, t, i) * double(K.data[size_t(i * 3 * U + col)]);
                    return a;
                };
                auto hr = [&](const std::vector<double>& v, int64_t col) {
                    double a = 0;
                    for (int64_t j = 0; j < U; ++j)
                        a += v[size_t(j)] * double(R.data[size_t(j * 3 * U + col)]);
                    return a;
                };
                std::vector<double> zz(static_cast<size_t>(U)), rr(zz), rh(zz);
                for (int64_t u = 0; u < U; ++u) {
                    zz[size_t(u)] = sigmoid(xk(u) + hr(hp, u) + bRec(u));
                    rr[size_t(u)] = sigmoid(xk(U + u) + hr(hp, U + u) + bRec(U + u));
                    rh[size_t(u)] = rr[size_t(u)] * hp[size_t(u)];
                }
                for (int64_t u = 0; u < U; ++u) {
                    const double cand = resetAfter ? std::tanh(xk(2 * U + u) + rr[size_t(u)] * (hr(hp, 2 * U + u) + bRec(2 * U + u)))
                                                   : std::tanh(xk(2 * U + u) + hr(rh, 2 * U + u));
                    const double hn = zz[size_t(u)] * hp[size_t(u)] + (1 - zz[size_t(u)]) * cand;
                    const size_t at = size_t((b * T + step) * U + u);
                    const double d = std::max({std::abs(zz[size_t(u)] - z.data[at]), std::abs(rr[size_t(u)] - r.data[at]),
                                               std::abs(cand - hh.data[at]), std::abs(hn - h.data[at])});
                    if (d > worst) {
                        worst = d;
                        where = "sample " + std::to_string(b) + ", step " + std::to_string(step) + ", unit " + std::to_string(u);
                    }
                }
            }
        }
        QVERIFY2(worst < 1e-5, qPrintable(QStringLiteral("trace differs from the GRU equations by %1 at %2")
                                              .arg(worst)
                                              .arg(QString::fromStdString(where))));
    }

    // ---- run: --repeat, stateful -------------------------------------------------------------

    // --repeat N calls the layer N times; a stateful layer carries its state, so --repeat 2 on
    // call 0's input equals a second call on the same input (= one call from the call-0 state, and
    // = the engine called twice) and differs from a single call; a stateless layer is unchanged.
    void runRepeat_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("k3_stateful_seq") << "k3_stateful_seq";
        QTest::newRow("tfk_stateful_seq") << "tfk_stateful_seq";
        QTest::newRow("k3_stateful (masks)") << "k3_stateful";
    }

    void runRepeat()
    {
        QFETCH(QString, name);
        const Golden g = loadGolden(s(name));
        CliResult res;
        const auto once = runGoldenCall(g, 0, freshDir("repeat1"), "cpu", {"--repeat", "1"}, &res);
        CLI_VERIFY_OK(res);
        GS_VERIFY_CLOSE(once.at("output").toFloat(), g.f("output"), 1e-5, 1e-5);
        const auto twice = runGoldenCall(g, 0, freshDir("repeat2"), "cpu", {"--repeat", "2"}, &res);
        CLI_VERIFY_OK(res);
        const ArrayF out2 = twice.at("output").toFloat(), state2 = twice.at("state").toFloat();
        QVERIFY2(maxDiff(out2, g.f("output")) > 1e-3,
                 "--repeat 2 on a stateful layer wrote the same output as one call: the state was not carried");
        QVERIFY2(maxDiff(state2, g.f("state")) > 1e-3, "--repeat 2 on a stateful layer: state equals one call's state");

        // One call that starts from the state Keras stored after call 0.
        const QString dir = freshDir("repeat_h0");
        writeText(dir + "/config.json", g.meta["config"].dump());
        writeGoldenWeights(dir + "/weights.npz", g);
        writeRaw(dir + "/x.npy", g.raw("x"));
        writeRaw(dir + "/h0.npy", g.raw("state"));
        QStringList args{"run", "--config", dir + "/config.json", "--weights", dir + "/weights.npz", "--input", dir + "/x.npy",
                         "--initial-state", dir + "/h0.npy", "--backend", "cpu", "--out", dir + "/out.npz"};
        if (g.has("mask")) {
            writeRaw(dir + "/mask.npy", g.raw("mask"));
            args << "--mask" << dir + "/mask.npy";
        }
        res = runCli(args);
        CLI_VERIFY_OK(res);
        const auto fromState = readOut(dir + "/out.npz");
        GS_VERIFY_CLOSE(out2, fromState.at("output").toFloat(), 1e-5, 1e-5);
        GS_VERIFY_CLOSE(state2, fromState.at("state").toFloat(), 1e-5, 1e-5);

        // The engine called twice.
        ParsedConfig parsed = parseConfigJson(g.meta["config"].dump(), flavorFromName(g.flavor()));
        QVERIFY(parsed.issues.empty());
        GruWeights w;
        w.kernel = g.f("kernel");
        w.recurrentKernel = g.f("recurrent_kernel");
        if (g.has("bias"))
            w.bias = g.f("bias");
        GruLayer layer(parsed.config, w);
        CallInputs in;
        in.x = g.f("x");
        if (g.has("mask"))
            in.mask = g.raw("mask").toMask("mask");
        layer.call(in, BackendKind::Cpu);
        const RunResult second = layer.call(in, BackendKind::Cpu);
        GS_VERIFY_CLOSE(out2, second.output, 1e-6, 0.0);
        GS_VERIFY_CLOSE(state2, second.state, 1e-6, 0.0);
    }

    void runRepeatStatelessUnchanged()
    {
        const QString d1 = freshDir("rep_sl"), d3 = freshDir("rep_sl");
        CliResult a = runCli({"run", "--config", fx("config.json"), "--weights", fx("weights.npz"), "--input", fx("x.npy"),
                              "--backend", "cpu", "--out", d1 + "/out.npz"});
        CLI_VERIFY_OK(a);
        CliResult b = runCli({"run", "--config", fx("config.json"), "--weights", fx("weights.npz"), "--input", fx("x.npy"),
                              "--backend", "cpu", "--repeat", "3", "--out", d3 + "/out.npz"});
        CLI_VERIFY_OK(b);
        const auto o1 = readOut(d1 + "/out.npz"), o3 = readOut(d3 + "/out.npz");
        GS_VERIFY_CLOSE(o3.at("output").toFloat(), o1.at("output").toFloat(), 0.0, 0.0);
        GS_VERIFY_CLOSE(o3.at("state").toFloat(), o1.at("state").toFloat(), 0.0, 0.0);
    }

    // ---- run: weights from the initializers ---------------------------------------------------

    void runSeededWeights()
    {
        auto runSeed = [&](const QStringList& seedArgs) -> std::map<std::string, npy::NpyArray> {
            const QString dir = freshDir("seed");
            const CliResult res = runCli(QStringList{"run", "--config", fx("config.json"), "--input", fx("x.npy"), "--backend", "cpu"}
                                         << seedArgs << QStringList{"--out", dir + "/out.npz"});
            if (!res.ok()) {
                QTest::qFail(qPrintable(res.describe()), __FILE__, __LINE__);
                return {};
            }
            return readOut(dir + "/out.npz");
        };
        const auto a = runSeed({"--seed", "7"});
        const auto b = runSeed({"--seed", "7"});
        const auto c = runSeed({"--seed", "8"});
        const auto d1 = runSeed({});
        const auto d2 = runSeed({});
        QVERIFY(!a.empty() && !b.empty() && !c.empty() && !d1.empty() && !d2.empty());
        const ArrayF oa = a.at("output").toFloat();
        QCOMPARE(QString::fromStdString(shapeToString(oa.shape)), QStringLiteral("(3, 9, 5)"));
        QVERIFY2(a.at("output").bytes == b.at("output").bytes, "--seed 7 twice: outputs differ"); // bit for bit
        QVERIFY2(a.at("state").bytes == b.at("state").bytes, "--seed 7 twice: states differ");
        QVERIFY2(d1.at("output").bytes == d2.at("output").bytes, "no --seed, twice: outputs differ");
        QVERIFY2(maxDiff(oa, c.at("output").toFloat()) > 1e-3, "--seed 7 and --seed 8 gave the same output");
        // Initialized weights are not the golden (Keras-trained-by-hand) weights.
        QVERIFY(maxDiff(oa, loadGolden("k3_basic_seq").f("output")) > 1e-3);
        for (float v : oa.data)
            QVERIFY(std::isfinite(v) && std::abs(v) <= 1.0f); // tanh outputs
    }

    // --training applies dropout with masks from --seed: inference ignores dropout (the golden
    // numbers), training changes the output, the same seed repeats it, another seed changes it.
    void runTraining()
    {
        const Golden g = loadGolden("k3_basic_seq");
        const QString cfgDir = freshDir("train");
        json cfg = g.meta["config"];
        cfg["dropout"] = 0.5;
        cfg["recurrent_dropout"] = 0.25;
        writeText(cfgDir + "/config.json", cfg.dump());
        auto runWith = [&](const QStringList& extra) -> ArrayF {
            const QString dir = freshDir("train");
            const CliResult res = runCli(QStringList{"run", "--config", cfgDir + "/config.json", "--weights", fx("weights.npz"), "--input",
                                                     fx("x.npy"), "--backend", "cpu"}
                                         << extra << QStringList{"--out", dir + "/out.npz"});
            if (!res.ok()) {
                QTest::qFail(qPrintable(res.describe()), __FILE__, __LINE__);
                return {};
            }
            return readOut(dir + "/out.npz").at("output").toFloat();
        };
        const ArrayF inference = runWith({"--seed", "1"});
        const ArrayF t1 = runWith({"--training", "--seed", "1"});
        const ArrayF t1b = runWith({"--training", "--seed", "1"});
        const ArrayF t2 = runWith({"--training", "--seed", "2"});
        QVERIFY(!inference.data.empty() && !t1.data.empty() && !t1b.data.empty() && !t2.data.empty());
        GS_VERIFY_CLOSE(inference, g.f("output"), 1e-5, 1e-5);
        QVERIFY2(maxDiff(t1, inference) > 1e-3, "--training with dropout 0.5 gave the inference output");
        GS_VERIFY_CLOSE(t1b, t1, 0.0, 0.0);
        QVERIFY2(maxDiff(t1, t2) > 1e-3, "--training: --seed 1 and --seed 2 gave the same dropout masks");
    }

    // ---- run --saturation -----------------------------------------------------------------------

    // The golden weights with unit 0's update-gate input bias at +10 (z ≈ 1: stuck, τ huge) and
    // unit 1's at −10 (z ≈ 0: τ ≈ 0): the table flags unit 0 alone as stuck, unit 1's τ is tiny,
    // the summary counts it, and the trace stays out of OUT.npz without --trace.
    void runSaturation()
    {
        const Golden g = loadGolden("k3_basic_seq");
        const QString dir = freshDir("saturation");
        ArrayF bias = g.f("bias"); // (2, 15): row 0 the input bias, columns 0..4 the z block
        bias.data[0] = 10.0f;
        bias.data[1] = -10.0f;
        const ArrayF k = g.f("kernel"), r = g.f("recurrent_kernel");
        npy::writeNpz(s(dir + "/w.npz"), {npy::ref("kernel", k), npy::ref("recurrent_kernel", r), npy::ref("bias", bias)});
        const QStringList base{"run", "--config", fx("config.json"), "--weights", dir + "/w.npz", "--input", fx("x.npy"),
                               "--backend", "cpu", "--out", dir + "/out.npz"};
        const CliResult res = runCli(QStringList(base) << "--saturation");
        CLI_VERIFY_OK(res);
        const QStringList lines = QString::fromUtf8(res.out).split(QLatin1Char('\n'));
        auto row = [&](int unit) -> QStringList {
            for (const QString& l : lines) {
                const QStringList f = l.simplified().split(QLatin1Char(' '));
                if (f.size() >= 7 && f[0] == QString::number(unit) && !l.contains(QLatin1String("summary")))
                    return f;
            }
            return {};
        };
        QVERIFY2(QString::fromUtf8(res.out).contains(QLatin1String("over all traced samples: 27 kept steps")), res.out.constData());
        const QStringList u0 = row(0), u1 = row(1);
        QVERIFY2(u0.size() >= 8 && u1.size() >= 7, res.out.constData());
        // unit  %z<0.1  %z>0.9  %r<0.1  %r>0.9  z-mean  tau  [flags]
        QCOMPARE(u0[2], QStringLiteral("100.0"));
        QVERIFY2(u0[5].toDouble() > 0.999, res.out.constData());
        QVERIFY2(u0[6] == QLatin1String("inf") || u0[6].toDouble() > 1000, res.out.constData());
        QVERIFY2(u0.mid(7).join(' ').contains(QLatin1String("stuck")), res.out.constData()); // maybe "dead, stuck"
        QCOMPARE(u1[1], QStringLiteral("100.0"));
        QVERIFY2(u1[6].toDouble() < 0.2, res.out.constData());
        QVERIFY2(!u1.join(' ').contains(QLatin1String("stuck")), res.out.constData());
        QVERIFY2(res.out.contains("summary: ") && res.out.contains(" 1 stuck, ") && res.out.contains("of 5 units"),
                 res.out.constData());
        QVERIFY(!readOut(dir + "/out.npz").count("z")); // the trace was only read, not written

        // One sample: 9 steps, the header says which; --trace still writes the trace.
        const CliResult one = runCli(QStringList(base) << "--saturation" << "--saturation-sample" << "2" << "--trace");
        CLI_VERIFY_OK(one);
        QVERIFY2(one.out.contains("over sample 2: 9 kept steps"), one.out.constData());
        QVERIFY(readOut(dir + "/out.npz").count("z"));

        // --saturation-sample alone, or outside the batch, is a usage error.
        for (const QStringList& extra : {QStringList{"--saturation-sample", "1"}, QStringList{"--saturation", "--saturation-sample", "3"},
                                         QStringList{"--saturation", "--saturation-sample", "1", "--trace-samples", "0"}}) {
            const CliResult bad = runCli(QStringList(base) << extra);
            QVERIFY2(bad.exitCode == 2 && bad.out.isEmpty() && errorMessageCount(bad.err) == 1, qPrintable(bad.describe()));
        }
    }

    // ---- inspect: the statistics table stays a table ---------------------------------------------

    // Four significant digits can take ten characters ("-0.0003343", "-1.234e-05"): every number
    // of a block's row must still stand apart from its neighbours.
    void inspectColumnsStayApart()
    {
        const int64_t I = 2, U = 3, G = 3 * U;
        ArrayF k({I, G}, -0.0003343f), r({U, G}, -1.234e-5f), b({2, G}, 0.0f);
        for (size_t i = 0; i < k.data.size(); i += 2)
            k.data[i] = -0.0004343f; // min, mean and max all of ten characters
        const QString path = fx("narrow_columns.npz");
        npy::writeNpz(s(path), {npy::ref("kernel", k), npy::ref("recurrent_kernel", r), npy::ref("bias", b)});
        const CliResult res = runCli({"inspect", path});
        CLI_VERIFY_OK(res);
        const QString out = QString::fromUtf8(res.out);
        int rows = 0;
        for (const QString& line : out.split(QLatin1Char('\n'))) {
            if (!line.startsWith(QStringLiteral("  kernel[")) && !line.startsWith(QStringLiteral("  recurrent_kernel[")))
                continue;
            ++rows; // name, min, max, mean, std, norm, NaN, Inf
            QCOMPARE(line.split(QLatin1Char(' '), Qt::SkipEmptyParts).size(), 8);
        }
        QCOMPARE(rows, 6);
        QVERIFY2(out.contains(QStringLiteral("-0.0003343")), qPrintable(out));
    }

    // ---- help: the contract's options are all there ---------------------------------------------

    void helpListsContractOptions()
    {
        const CliResult top = runCli({"--help"});
        CLI_VERIFY_OK(top);
        QVERIFY2(top.out.contains("run") && top.out.contains("eligibility"), qPrintable(top.describe()));
        const CliResult run = runCli({"run", "--help"});
        CLI_VERIFY_OK(run);
        for (const char* opt : {"--config", "--weights", "--input", "--mask", "--initial-state", "--backend", "--flavor", "--training",
                                "--seed", "--repeat", "--trace", "--out"})
            QVERIFY2(run.out.contains(opt), qPrintable(QStringLiteral("run --help lacks %1").arg(opt)));
        const CliResult el = runCli({"eligibility", "--help"});
        CLI_VERIFY_OK(el);
        for (const char* opt : {"--config", "--mask", "--device", "--flavor", "--json"})
            QVERIFY2(el.out.contains(opt), qPrintable(QStringLiteral("eligibility --help lacks %1").arg(opt)));
    }

    // ---- eligibility ----------------------------------------------------------------------------

    void eligibility_data()
    {
        QTest::addColumn<QString>("config"); // JSON text, or "golden:<case>"
        QTest::addColumn<QString>("mask");   // "", or "golden" (the case's own mask), or a pattern
        QTest::addColumn<QString>("device");
        QTest::addColumn<QString>("flavor");
        QTest::addColumn<bool>("eligible");
        QTest::addColumn<QStringList>("failing");

        const QString dflt = R"({"units": 4})";
        QTest::newRow("default config, gpu") << dflt << "" << "gpu" << "" << true << QStringList{};
        QTest::newRow("golden k3 config, gpu") << "golden:k3_basic_seq" << "" << "gpu" << "" << true << QStringList{};
        QTest::newRow("golden tf_keras config, gpu") << "golden:tfk_basic_seq" << "" << "gpu" << "tf_keras" << true << QStringList{};
        QTest::newRow("relu") << R"({"units": 4, "activation": "relu"})" << "" << "gpu" << "" << false << QStringList{"activation"};
        QTest::newRow("recurrent hard_sigmoid") << R"({"units": 4, "recurrent_activation": "hard_sigmoid"})" << "" << "gpu" << ""
                                                << false << QStringList{"recurrent_activation"};
        QTest::newRow("recurrent_dropout") << R"({"units": 4, "recurrent_dropout": 0.25})" << "" << "gpu" << "" << false
                                           << QStringList{"recurrent_dropout"};
        QTest::newRow("unroll") << R"({"units": 4, "unroll": true})" << "" << "gpu" << "" << false << QStringList{"unroll"};
        QTest::newRow("use_bias false") << R"({"units": 4, "use_bias": false})" << "" << "gpu" << "" << false << QStringList{"use_bias"};
        QTest::newRow("reset_after false") << R"({"units": 4, "reset_after": false})" << "" << "gpu" << "" << false
                                           << QStringList{"reset_after"};
        QTest::newRow("use_cudnn false") << R"({"units": 4, "use_cudnn": false})" << "" << "gpu" << "keras3" << false
                                         << QStringList{"use_cudnn"};
        QTest::newRow("right-padded mask") << dflt << "right" << "gpu" << "" << true << QStringList{};
        QTest::newRow("left-padded mask") << dflt << "left" << "gpu" << "" << false << QStringList{"mask_right_padded"};
        QTest::newRow("mask with a hole") << dflt << "hole" << "gpu" << "" << false << QStringList{"mask_right_padded"};
        QTest::newRow("fully masked row") << dflt << "allmasked" << "gpu" << "" << false << QStringList{"no_fully_masked_sample"};
        QTest::newRow("int mask, right-padded") << dflt << "right_i8" << "gpu" << "" << true << QStringList{};
        QTest::newRow("device none") << dflt << "" << "none" << "" << false << QStringList{"gpu"};
        QTest::newRow("relu, left mask, device none")
            << R"({"units": 4, "activation": "relu"})" << "left" << "none" << "" << false
            << QStringList{"activation", "gpu", "mask_right_padded"};
        QTest::newRow("tf_keras time_major, (T,B) right mask") << "golden:tfk_time_major_mask_right" << "golden" << "gpu" << "tf_keras"
                                                              << true << QStringList{};
        QTest::newRow("tf_keras time_major, (T,B) mask with holes") << "golden:tfk_time_major_mask_seq" << "golden" << "gpu"
                                                                   << "tf_keras" << false << QStringList{"mask_right_padded"};
    }

    void eligibility()
    {
        QFETCH(QString, config);
        QFETCH(QString, mask);
        QFETCH(QString, device);
        QFETCH(QString, flavor);
        QFETCH(bool, eligible);
        QFETCH(QStringList, failing);

        const QString dir = freshDir("elig");
        QStringList args{"eligibility", "--config", dir + "/config.json", "--device", device, "--json"};
        if (!flavor.isEmpty())
            args << "--flavor" << flavor;
        std::optional<Golden> g;
        if (config.startsWith(QLatin1String("golden:"))) {
            g = loadGolden(s(config.mid(7)));
            writeText(dir + "/config.json", g->meta["config"].dump());
        } else {
            writeText(dir + "/config.json", s(config));
        }
        if (!mask.isEmpty()) {
            if (mask == QLatin1String("golden")) {
                writeRaw(dir + "/mask.npy", g->raw("mask"));
            } else {
                const int64_t B = 3, T = 6;
                std::vector<uint8_t> m(size_t(B * T), 1);
                auto set = [&](int64_t b, int64_t t, uint8_t v) { m[size_t(b * T + t)] = v; };
                if (mask.startsWith(QLatin1String("right"))) {
                    set(1, 4, 0), set(1, 5, 0), set(2, 1, 0), set(2, 2, 0), set(2, 3, 0), set(2, 4, 0), set(2, 5, 0);
                } else if (mask == QLatin1String("left")) {
                    set(1, 0, 0), set(1, 1, 0);
                } else if (mask == QLatin1String("hole")) {
                    set(0, 2, 0);
                } else if (mask == QLatin1String("allmasked")) {
                    for (int64_t t = 0; t < T; ++t)
                        set(1, t, 0);
                }
                if (mask.endsWith(QLatin1String("_i8")))
                    writeTyped(dir + "/mask.npy", npy::DType::Int64, {B, T}, std::vector<int64_t>(m.begin(), m.end()));
                else
                    writeTyped(dir + "/mask.npy", npy::DType::Bool, {B, T}, m);
            }
            args << "--mask" << dir + "/mask.npy";
        }

        const CliResult res = runCli(args, dir);
        CLI_VERIFY_OK(res);
        json rep;
        try {
            rep = json::parse(res.out.toStdString()); // stdout holds the JSON and nothing else
        } catch (const std::exception& e) {
            QFAIL(qPrintable(QStringLiteral("eligibility --json: stdout is not JSON (%1)\n").arg(e.what()) + res.describe()));
        }
        QVERIFY2(rep.is_object() && rep.contains("eligible") && rep["eligible"].is_boolean(), rep.dump().c_str());
        QVERIFY2(rep.contains("conditions") && rep["conditions"].is_array() && !rep["conditions"].empty(), rep.dump().c_str());
        QVERIFY2(rep.contains("notes") && rep["notes"].is_array(), rep.dump().c_str());
        for (const auto& n : rep["notes"])
            QVERIFY(n.is_string());

        std::set<std::string> ids, failed;
        bool allOk = true;
        for (const auto& c : rep["conditions"]) {
            QVERIFY2(c.is_object() && c.contains("id") && c["id"].is_string() && c.contains("ok") && c["ok"].is_boolean() &&
                         c.contains("reason") && c["reason"].is_string() && c.contains("fix") && c["fix"].is_string(),
                     c.dump().c_str());
            const std::string id = c["id"].get<std::string>();
            QVERIFY2(ids.insert(id).second, ("condition id listed twice: " + id).c_str());
            QVERIFY2(!c["reason"].get<std::string>().empty(), ("condition without a reason: " + c.dump()).c_str());
            if (!c["ok"].get<bool>()) {
                failed.insert(id);
                allOk = false;
                QVERIFY2(!c["fix"].get<std::string>().empty(), ("failed condition without a fix: " + c.dump()).c_str());
            }
        }
        for (const char* id : {"gpu", "activation", "recurrent_activation", "recurrent_dropout", "unroll", "use_bias", "reset_after",
                               "mask_right_padded", "no_fully_masked_sample"})
            QVERIFY2(ids.count(id), (std::string("the report lacks the condition ") + id + ":\n" + rep.dump(1)).c_str());
        std::set<std::string> want;
        for (const QString& f : failing)
            want.insert(s(f));
        QVERIFY2(failed == want, qPrintable("failed conditions differ from the expected ones:\n" + QString::fromStdString(rep.dump(1))));
        QCOMPARE(rep["eligible"].get<bool>(), eligible);
        QCOMPARE(rep["eligible"].get<bool>(), allOk);
        QCOMPARE(entriesOf(dir).contains(QStringLiteral("out.npz")), false);
    }

    // --device auto probes this machine; the gpu condition agrees with `gruscope-cli version`.
    void eligibilityAutoProbe()
    {
        const CliResult ver = runCli({"version"});
        CLI_VERIFY_OK(ver);
        const bool noGpu = !gpuPresent();
        const QString dir = freshDir("auto");
        writeText(dir + "/config.json", R"({"units": 4})");
        for (const QStringList& deviceArgs : {QStringList{"--device", "auto"}, QStringList{}}) { // auto is the default
            const CliResult res = runCli(QStringList{"eligibility", "--config", dir + "/config.json", "--json"} << deviceArgs);
            CLI_VERIFY_OK(res);
            const json rep = json::parse(res.out.toStdString());
            bool found = false;
            for (const auto& c : rep["conditions"]) {
                if (c["id"] != "gpu")
                    continue;
                found = true;
                QCOMPARE(c["ok"].get<bool>(), !noGpu);
                if (noGpu) {
                    QVERIFY2(!c["reason"].get<std::string>().empty(), "gpu condition failed without a reason");
                    QVERIFY(!c["fix"].get<std::string>().empty());
                    QCOMPARE(rep["eligible"].get<bool>(), false);
                }
            }
            QVERIFY(found);
        }
    }

    // Without --json: a human report on stdout.
    void eligibilityText()
    {
        const QString dir = freshDir("elig_text");
        writeText(dir + "/relu.json", R"({"units": 4, "activation": "relu"})");
        writeText(dir + "/tanh.json", R"({"units": 4})");
        const CliResult bad = runCli({"eligibility", "--config", dir + "/relu.json", "--device", "gpu"});
        CLI_VERIFY_OK(bad);
        QVERIFY2(bad.out.contains("NOT ELIGIBLE") && bad.out.contains("fix:") && bad.out.contains("activation"), qPrintable(bad.describe()));
        const CliResult good = runCli({"eligibility", "--config", dir + "/tanh.json", "--device", "gpu"});
        CLI_VERIFY_OK(good);
        QVERIFY2(good.out.contains("ELIGIBLE") && !good.out.contains("NOT ELIGIBLE"), qPrintable(good.describe()));
    }

    // eligibility FILE: every GRU of a weight file real Keras saved, judged with the arguments,
    // flavor and Keras version the file records. `failing` lists, per layer in file order, the
    // condition ids that must fail ("" = none), with a GPU assumed.
    void eligibilityFile_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("layer");
        QTest::addColumn<QStringList>("names");
        QTest::addColumn<QStringList>("failing");
        QTest::addColumn<QString>("flavor");
        QTest::addColumn<bool>("fromFile");
        const QString d = QString::fromStdString(gstest::dataPath("weightfiles"));
        QTest::newRow("keras 3 .keras, two layers") << d + "/k3_two_gru.keras" << "" << QStringList{"gru_first", "gru_second"}
                                                   << QStringList{"", ""} << "keras3" << true;
        QTest::newRow("keras 3 .keras, reset_after=False") << d + "/k3_reset_after_false.keras" << "" << QStringList{"gru"}
                                                          << QStringList{"reset_after"} << "keras3" << true;
        QTest::newRow("tf.keras full .h5, hard_sigmoid") << d + "/tfk_hard_sigmoid.full.h5" << "" << QStringList{"gru"}
                                                        << QStringList{"recurrent_activation"} << "tf_keras" << true;
        QTest::newRow("keras 3 Bidirectional, --layer") << d + "/k3_bidi_concat.keras" << "bidirectional" << QStringList{"", ""}
                                                       << QStringList{"", ""} << "keras3" << true;
        QTest::newRow("tf.keras weights only: assumed arguments")
            << d + "/tfk_cudnngru.weights_only.h5" << "" << QStringList{} << QStringList{""} << "" << false;
    }
    void eligibilityFile()
    {
        QFETCH(QString, file);
        QFETCH(QString, layer);
        QFETCH(QStringList, names);
        QFETCH(QStringList, failing);
        QFETCH(QString, flavor);
        QFETCH(bool, fromFile);
        QStringList args{"eligibility", file, "--device", "gpu", "--json"};
        if (!layer.isEmpty())
            args << "--layer" << layer;
        const CliResult res = runCli(args);
        CLI_VERIFY_OK(res);
        json out;
        try {
            out = json::parse(res.out.toStdString());
        } catch (const std::exception& e) {
            QFAIL(qPrintable(QStringLiteral("stdout is not JSON (%1)\n").arg(e.what()) + res.describe()));
        }
        QCOMPARE(QString::fromStdString(out.value("file", "")), file);
        QVERIFY2(out["layers"].is_array() && out["layers"].size() == size_t(failing.size()), out.dump(1).c_str());
        for (int i = 0; i < failing.size(); ++i) {
            const json& l = out["layers"][size_t(i)];
            if (!names.isEmpty())
                QVERIFY2(l.value("name", "").rfind(names[i].toStdString(), 0) == 0, l.dump(1).c_str());
            if (!flavor.isEmpty())
                QCOMPARE(QString::fromStdString(l.value("flavor", "")), flavor);
            QCOMPARE(l.value("config_from_file", !fromFile), fromFile);
            if (!fromFile)
                QVERIFY2(!l["assumed"].empty(), l.dump(1).c_str());
            std::set<std::string> failed;
            for (const auto& c : l["report"]["conditions"])
                if (!c.value("ok", true))
                    failed.insert(c.value("id", ""));
            const std::set<std::string> want =
                failing[i].isEmpty() ? std::set<std::string>{} : std::set<std::string>{failing[i].toStdString()};
            QVERIFY2(failed == want, l.dump(1).c_str());
            QCOMPARE(l.value("eligible", !want.empty()), want.empty());
            QCOMPARE(l.value("eligible_with_gpu", !want.empty()), want.empty());
        }
        // The text report: one verdict line per layer, and the fix for each failure.
        args.removeAll(QStringLiteral("--json"));
        const CliResult text = runCli(args);
        CLI_VERIFY_OK(text);
        const int verdicts = int(text.out.count(": ELIGIBLE") + text.out.count(": NOT ELIGIBLE"));
        QVERIFY2(verdicts == failing.size(), qPrintable(text.describe()));
        for (const QString& f : failing)
            if (!f.isEmpty())
                QVERIFY2(text.out.contains("FAIL ") && text.out.contains("fix:"), qPrintable(text.describe()));
        if (!fromFile)
            QVERIFY2(text.out.contains("assumed"), qPrintable(text.describe()));
    }

    // Without a GPU the verdict says both things: the layer qualifies, this machine cannot.
    void eligibilityFileNoGpu()
    {
        const QString file = QString::fromStdString(gstest::dataPath("weightfiles/k3_two_gru.keras"));
        const CliResult res = runCli({"eligibility", file, "--device", "none"});
        CLI_VERIFY_OK(res);
        QVERIFY2(res.out.count("ELIGIBLE ON A GPU") == 2 && !res.out.contains("NOT ELIGIBLE"),
                 qPrintable(res.describe()));
        // A left-padded mask is refused by Keras 3's cuDNN path: each layer then fails on it.
        const QString dir = freshDir("elig_file_mask");
        std::vector<uint8_t> m(2 * 5, 1);
        m[5] = 0; // sample 1 starts with a padded step
        writeTyped(dir + "/mask.npy", npy::DType::Bool, {2, 5}, m);
        const CliResult masked = runCli({"eligibility", file, "--device", "gpu", "--mask", dir + "/mask.npy"});
        CLI_VERIFY_OK(masked);
        QVERIFY2(masked.out.count("NOT ELIGIBLE") == 2 && masked.out.contains("right"),
                 qPrintable(masked.describe()));
    }

    // bench: a Python peer never sees OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, even when the bench was
    // started with them, and the kernel the peer reports reaches the table and the JSON. The
    // "interpreter" is a shell script that answers as gruscope-peer.py does, with what it saw.
    void benchPeerEnvironment()
    {
        const QString dir = freshDir("bench_peer_env");
        const QString fake = dir + "/fake-python";
        writeText(fake, "#!/bin/sh\n"
                        "echo \"{\\\"peer\\\": \\\"torch\\\", \\\"version\\\": \\\"fake 1\\\", "
                        "\\\"kernel\\\": \\\"coretype=${OPENBLAS_CORETYPE-unset} l2=${OPENBLAS_L2_SIZE-unset} "
                        "omp=${OMP_NUM_THREADS-unset}\\\", \\\"median_ms\\\": 1.0, \\\"min_ms\\\": 1.0, \\\"runs\\\": 1}\"\n");
        QVERIFY(QFile::setPermissions(fake, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        const CliResult res = runCli({"bench", "--shape", "1x3x2x4", "--backends", "cpu", "--peers", "torch", "--python", fake,
                                      "--rounds", "1", "--repeats", "1", "--warmup", "0", "--threads", "1", "--json", "-"},
                                     dir, [] {
                                         ::setenv("OPENBLAS_CORETYPE", "Prescott", 1);
                                         ::setenv("OPENBLAS_L2_SIZE", "262144", 1);
                                     });
        CLI_VERIFY_OK(res);
        const json doc = json::parse(res.out.toStdString());
        bool seen = false;
        for (const auto& row : doc["rows"])
            if (row.value("backend", "") == "torch") {
                QCOMPARE(QString::fromStdString(row.value("kernel", "")), QStringLiteral("coretype=unset l2=unset omp=1"));
                seen = true;
            }
        QVERIFY2(seen, qPrintable(res.describe()));
        QVERIFY2(res.err.contains("peer kernels") && res.err.contains("coretype=unset"),
                 qPrintable(res.describe()));
    }

    // Every GRU of every wild file gets a verdict (none refuses to load).
    void eligibilityWildFiles()
    {
        GS_NEED_WILD("");
        const QDir dir(QString::fromStdString(gstest::wildWeightsDir()));
        const QStringList files = dir.entryList({"*.h5", "*.hdf5", "*.keras"}, QDir::Files, QDir::Name);
        QVERIFY2(files.size() >= 17, qPrintable(files.join(", ")));
        for (const QString& f : files) {
            const CliResult res = runCli({"eligibility", dir.filePath(f), "--device", "gpu", "--json"});
            CLI_VERIFY_OK(res);
            const json out = json::parse(res.out.toStdString());
            QVERIFY2(!out["layers"].empty(), qPrintable(f));
            for (const auto& l : out["layers"])
                QVERIFY2(l["eligible"].is_boolean() && l["report"]["conditions"].is_array(), qPrintable(f));
        }
    }

    // ---- bad input ------------------------------------------------------------------------------
    //
    // Placeholders: @D@ the fixture folder, @OUT@ OUT.npz in a fresh empty folder (the process's
    // working folder), @OUTDIR@ that folder. A row with @OUT@ runs twice: without OUT.npz (none
    // may appear) and with an existing OUT.npz (it must stay byte for byte). `absent` names a path
    // that must not exist afterwards.

    void badInput_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QStringList>("keywords"); // each must appear in stderr (case-insensitive)
        QTest::addColumn<QString>("absent");

        const QStringList cfg{"--config", "@D@/config.json"};
        const QStringList w{"--weights", "@D@/weights.npz"};
        const QStringList x{"--input", "@D@/x.npy"};
        const QStringList out{"--out", "@OUT@"};
        const QStringList run = QStringList{"run"} << cfg << w << x;
        auto row = [](const char* name, const QStringList& args, const QStringList& keywords, const QString& absent = {}) {
            QTest::newRow(name) << args << keywords << absent;
        };

        // Usage
        row("no subcommand", {}, {"subcommand"});
        row("unknown subcommand", {"frobnicate", "--config", "@D@/config.json"}, {"frobnicate"});
        row("run: missing --out", QStringList{"run"} << cfg << w << x, {"--out"});
        row("run: neither --config nor --weights", QStringList{"run"} << x << out, {"--config", "--weights"});
        row("run: missing --input", QStringList{"run"} << cfg << w << out, {"--input"});
        row("run: unknown option", QStringList(run) << "--bogus-option" << out, {"--bogus-option"});
        row("run: option without its value", QStringList{"run"} << cfg << w << out << "--input", {"--input"});
        row("run: --backend foo", QStringList(run) << "--backend" << "foo" << out, {"--backend", "foo"});
        row("run: --flavor foo", QStringList(run) << "--flavor" << "foo" << out, {"--flavor", "foo"});
        row("run: --repeat 0", QStringList(run) << "--repeat" << "0" << out, {"--repeat", "0"});
        row("run: --repeat -3", QStringList(run) << "--repeat" << "-3" << out, {"--repeat"});
        row("run: --repeat abc", QStringList(run) << "--repeat" << "abc" << out, {"--repeat", "abc"});
        row("run: --seed abc", QStringList(run) << "--seed" << "abc" << out, {"--seed", "abc"});
        row("run: --seed -1", QStringList(run) << "--seed" << "-1" << out, {"--seed"});
        row("run: --trace-steps 5", QStringList(run) << "--trace" << "--trace-steps" << "5" << out, {"--trace-steps"});
        row("run: --backend cudnn without a usable cuDNN", QStringList(run) << "--backend" << "cudnn" << out, {"cudnn"});

        // Files that are not there or not what they claim to be
        row("run: config file missing", QStringList{"run", "--config", "@D@/no_such_config.json"} << w << x << out,
            {"no_such_config.json"});
        row("run: config is a folder", QStringList{"run", "--config", "@D@"} << w << x << out, {"@D@"});
        row("run: input file missing", QStringList{"run"} << cfg << w << "--input" << "@D@/no_such_x.npy" << out, {"no_such_x.npy"});
        row("run: weights file missing", QStringList{"run"} << cfg << "--weights" << "@D@/no_such_w.npz" << x << out,
            {"no_such_w.npz"});
        row("run: mask file missing", QStringList(run) << "--mask" << "@D@/no_such_mask.npy" << out, {"no_such_mask.npy"});
        row("run: initial state file missing", QStringList(run) << "--initial-state" << "@D@/no_such_h0.npy" << out,
            {"no_such_h0.npy"});
        row("run: truncated .npy (data cut)", QStringList{"run"} << cfg << w << "--input" << "@D@/x_truncated.npy" << out,
            {"x_truncated.npy"});
        row("run: truncated .npy (header cut)", QStringList{"run"} << cfg << w << "--input" << "@D@/x_header_only.npy" << out,
            {"x_header_only.npy"});
        row("run: random bytes .npy", QStringList{"run"} << cfg << w << "--input" << "@D@/x_random.npy" << out, {"x_random.npy"});
        row("run: complex .npy", QStringList{"run"} << cfg << w << "--input" << QString::fromStdString(gstest::dataPath("npy/complex64.npy")) << out,
            {"complex64.npy"});
        row("run: object .npy", QStringList{"run"} << cfg << w << "--input" << QString::fromStdString(gstest::dataPath("npy/object.npy")) << out,
            {"object.npy"});
        row("run: .npz that is not a zip", QStringList{"run"} << cfg << "--weights" << "@D@/w_notzip.npz" << x << out, {"w_notzip.npz"});
        row("run: random bytes .npz", QStringList{"run"} << cfg << "--weights" << "@D@/w_random.npz" << x << out, {"w_random.npz"});

        // Config
        row("run: config not JSON", QStringList{"run", "--config", "@D@/cfg_notjson.json"} << w << x << out, {"cfg_notjson.json", "JSON"});
        row("run: config not an object", QStringList{"run", "--config", "@D@/cfg_array.json"} << w << x << out, {"object"});
        row("run: config missing units", QStringList{"run", "--config", "@D@/cfg_nounits.json"} << w << x << out, {"units"});
        row("run: config with several bad values", QStringList{"run", "--config", "@D@/cfg_multi.json"} << w << x << out,
            {"units", "-1", "activation", "nope", "dropout", "abc"});
        row("run: wrapped config of another class", QStringList{"run", "--config", "@D@/cfg_lstm.json"} << w << x << out,
            {"class_name", "LSTM"});
        row("run: time_major under --flavor keras3",
            QStringList{"run", "--config", "@D@/cfg_time_major.json", "--flavor", "keras3"} << w << x << out, {"time_major"});

        // Shapes and values
        row("run: input of rank 2", QStringList{"run"} << cfg << w << "--input" << "@D@/x_rank2.npy" << out, {"x_rank2.npy", "(27, 4)"});
        row("run: input features != kernel rows", QStringList{"run"} << cfg << w << "--input" << "@D@/x_i5.npy" << out,
            {"(3, 9, 5)", "(4, 15)"});
        row("run: mask of the wrong shape", QStringList(run) << "--mask" << "@D@/mask_bad_shape.npy" << out, {"mask", "(3, 8)", "(3, 9)"});
        row("run: mask with a 2", QStringList(run) << "--mask" << "@D@/mask_two.npy" << out, {"mask_two.npy", "2"});
        row("run: initial state of the wrong shape", QStringList(run) << "--initial-state" << "@D@/h0_bad.npy" << out,
            {"(3, 4)", "(3, 5)"});
        row("run: weights without kernel", QStringList{"run"} << cfg << "--weights" << "@D@/w_nokernel.npz" << x << out,
            {"w_nokernel.npz", "kernel"});
        row("run: bias shape of the other reset_after", QStringList{"run"} << cfg << "--weights" << "@D@/w_bias_other.npz" << x << out,
            {"bias", "(15,)", "(2, 15)", "reset_after"});
        row("run: recurrent_kernel of the wrong shape", QStringList{"run"} << cfg << "--weights" << "@D@/w_rk_bad.npz" << x << out,
            {"recurrent_kernel", "(4, 15)"}); // the file alone shows it cannot be a GRU: (U, 3U) is required
        row("run: NaN in the weights", QStringList{"run"} << cfg << "--weights" << "@D@/w_nan.npz" << x << out, {"kernel", "NaN"});
        row("run: input with no timesteps", QStringList{"run"} << cfg << w << "--input" << "@D@/x_t0.npy" << out, {"(3, 0, 4)"});
        row("run: .npy header asking for 10^12 elements", QStringList{"run"} << cfg << w << "--input" << "@D@/x_huge_header.npy" << out,
            {"x_huge_header.npy"});
        row("run: Keras-3-only activation under --flavor tf_keras",
            QStringList{"run", "--config", "@D@/cfg_celu.json", "--flavor", "tf_keras"} << w << x << out, {"activation", "celu"});
        row("run: NaN in the input", QStringList{"run"} << cfg << w << "--input" << "@D@/x_nan.npy" << out, {"NaN", "[1, 2, 3]"});

        // Where the output goes
        row("run: output folder does not exist", QStringList(run) << "--out" << "@OUTDIR@/no_such_folder/out.npz",
            {"no_such_folder"}, "@OUTDIR@/no_such_folder");
        row("run: output folder is a file", QStringList(run) << "--out" << "@D@/sentinel.bin/out.npz", {"sentinel.bin"});
        row("run: output path is a folder", QStringList(run) << "--out" << "@OUTDIR@", {"@OUTDIR@"});
        row("run: output under /proc (cannot create files)", QStringList(run) << "--out" << "/proc/self/gruscope-tst-out.npz",
            {"/proc/self"}, "/proc/self/gruscope-tst-out.npz");

        // eligibility
        row("eligibility: neither FILE nor --config", {"eligibility", "--device", "gpu"}, {"FILE", "--config"});
        row("eligibility: FILE and --config", {"eligibility", "@D@/config.json", "--config", "@D@/config.json"}, {"not both"});
        row("eligibility: --layer without FILE", {"eligibility", "--config", "@D@/config.json", "--layer", "gru"}, {"--layer", "FILE"});
        row("eligibility: FILE missing", {"eligibility", "@D@/no_such_model.keras"}, {"no_such_model.keras"});
        row("eligibility: FILE not a weight file", {"eligibility", "@D@/config.json"}, {"config.json"});
        row("eligibility: unknown option", {"eligibility", "--config", "@D@/config.json", "--bogus-option"}, {"--bogus-option"});
        row("eligibility: --device foo", {"eligibility", "--config", "@D@/config.json", "--device", "foo"}, {"--device", "foo"});
        row("eligibility: --flavor foo", {"eligibility", "--config", "@D@/config.json", "--flavor", "foo"}, {"--flavor", "foo"});
        row("eligibility: config file missing", {"eligibility", "--config", "@D@/no_such_config.json"}, {"no_such_config.json"});
        row("eligibility: config not JSON", {"eligibility", "--config", "@D@/cfg_notjson.json", "--json"}, {"cfg_notjson.json"});
        row("eligibility: several bad values", {"eligibility", "--config", "@D@/cfg_multi.json", "--json"},
            {"units", "activation", "dropout"});
        row("eligibility: time_major under keras3", {"eligibility", "--config", "@D@/cfg_time_major.json", "--flavor", "keras3"},
            {"time_major"});
        row("eligibility: mask file missing", {"eligibility", "--config", "@D@/config.json", "--mask", "@D@/no_such_mask.npy"},
            {"no_such_mask.npy"});
        row("eligibility: mask with a 2", {"eligibility", "--config", "@D@/config.json", "--mask", "@D@/mask_two.npy"}, {"mask_two.npy"});
        row("eligibility: mask of rank 1", {"eligibility", "--config", "@D@/config.json", "--mask", "@D@/mask_rank1.npy", "--json"},
            {"mask", "(9,)"});
        row("eligibility: mask of rank 3", {"eligibility", "--config", "@D@/config.json", "--mask", "@D@/mask_rank3.npy", "--json"},
            {"mask", "(3, 9, 1)"});
    }

    void badInput()
    {
        QFETCH(QStringList, args);
        QFETCH(QStringList, keywords);
        QFETCH(QString, absent);

        if (QByteArray(QTest::currentDataTag()).contains("without a usable cuDNN") && gpuPresent())
            QSKIP("this machine has a GPU: the row is about a machine without one");
        const bool hasOut = args.contains(QStringLiteral("@OUT@"));
        for (int variant = 0; variant < (hasOut ? 2 : 1); ++variant) {
            const bool existing = variant == 1;
            const QString outDir = freshDir("bad");
            const QString outFile = outDir + "/out.npz";
            auto expand = [&](QString a) {
                return a.replace(QLatin1String("@OUTDIR@"), outDir).replace(QLatin1String("@OUT@"), outFile).replace(QLatin1String("@D@"), m_fx);
            };
            QStringList a;
            for (const QString& arg : args)
                a << expand(arg);
            const QByteArray sentinel = "an earlier OUT.npz that a failing run must not touch\n";
            if (existing)
                writeText(outFile, sentinel.toStdString());
            const QStringList fxBefore = entriesOf(m_fx);

            const CliResult res = runCli(a, outDir);
            const QString why = (existing ? QStringLiteral("[with an existing OUT.npz] ") : QString()) + res.describe();
            QVERIFY2(res.started && !res.timedOut, qPrintable(why));
            QVERIFY2(!res.crashed, qPrintable("crashed: " + why));
            QVERIFY2(res.exitCode == 2, qPrintable("expected exit code 2: " + why));
            QVERIFY2(!res.err.trimmed().isEmpty(), qPrintable("stderr is empty: " + why));
            QVERIFY2(errorMessageCount(res.err) == 1, qPrintable("expected exactly one error message on stderr: " + why));
            QVERIFY2(!res.err.contains("unexpected error"), qPrintable("an unclassified exception reached main(): " + why));
            QVERIFY2(res.out.trimmed().isEmpty(), qPrintable("stdout must stay empty on failure: " + why));
            const QString err = QString::fromUtf8(res.err);
            for (const QString& k : keywords)
                QVERIFY2(err.contains(expand(k), Qt::CaseInsensitive), qPrintable(QStringLiteral("stderr does not mention '%1': ").arg(expand(k)) + why));

            // Nothing written: the output folder (also the working folder) holds only what was there.
            const QStringList left = entriesOf(outDir);
            if (existing) {
                QVERIFY2(left == QStringList{"out.npz"}, qPrintable("files left in the output folder: " + left.join(", ") + "\n" + why));
                QVERIFY2(readBytes(outFile) == sentinel, qPrintable("the existing OUT.npz was changed: " + why));
            } else {
                QVERIFY2(left.isEmpty(), qPrintable("files left in the output folder: " + left.join(", ") + "\n" + why));
            }
            QVERIFY2(entriesOf(m_fx) == fxBefore, qPrintable("files appeared among the inputs: " + why));
            if (!absent.isEmpty())
                QVERIFY2(!QFileInfo::exists(expand(absent)), qPrintable(expand(absent) + " exists after: " + why));
        }
    }

    // A layer too large for memory (units at the allowed maximum, weights from the initializers,
    // the child limited to 4 GiB of address space): a clean exit 2, not a crash or a kill.
    void layerTooLargeForMemory()
    {
        const QString dir = freshDir("huge");
        writeText(dir + "/config.json", R"({"units": 1048576})");
        const CliResult res = runCli({"run", "--config", dir + "/config.json", "--input", fx("x.npy"), "--backend", "cpu", "--out",
                                      dir + "/out.npz"},
                                     dir, [] {
#if !defined(__SANITIZE_ADDRESS__)
                                         // (AddressSanitizer reserves terabytes of address space up
                                         // front, so an ASan build of the CLI cannot start under this cap.)
                                         const rlimit lim{rlim_t(4) << 30, rlim_t(4) << 30};
                                         ::setrlimit(RLIMIT_AS, &lim);
#endif
                                     });
        QVERIFY2(!res.timedOut && !res.crashed && res.exitCode == 2, qPrintable(res.describe()));
        QVERIFY2(errorMessageCount(res.err) == 1 && res.err.contains("memory"), qPrintable(res.describe()));
        QVERIFY2(entriesOf(dir) == QStringList{"config.json"}, qPrintable(entriesOf(dir).join(", ")));
    }

    // The disk fills up while an output is written: the child runs with RLIMIT_FSIZE and SIGXFSZ
    // ignored, so every write past the limit fails with EFBIG as on a full disk. Each command
    // exits 2 with one message, the file that was there before is unchanged, and no partial or
    // temporary file is left.
    void diskFullWhileWriting_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("out");
        QTest::addColumn<int>("limitBytes");
        const QString wild = QString::fromStdString(gstest::wildWeightsDir() + "/keras224tf_textgen_gru_reset_after.hdf5");
        QTest::newRow("run --out .npz") << QStringList{"run", "--config", fx("config.json"), "--weights", fx("weights.npz"), "--input",
                                                       fx("x.npy"), "--out", "OUT"}
                                        << "out.npz" << 100;
        for (const char* ext : {"keras", "weights.h5", "h5", "safetensors", "npz"})
            QTest::newRow(qPrintable(QStringLiteral("convert to .%1").arg(ext)))
                << QStringList{"convert", wild, "OUT"} << QStringLiteral("converted.%1").arg(ext) << 4096;
    }
    void diskFullWhileWriting()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, out);
        QFETCH(int, limitBytes);
        if (args.contains(QStringLiteral("convert")))
            GS_NEED_WILD("keras224tf_textgen_gru_reset_after.hdf5");
        const QString dir = freshDir("diskfull");
        const QString target = dir + "/" + out;
        const QByteArray sentinel = "the previous file, which must survive\n";
        {
            QFile f(target);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(sentinel);
        }
        args.replaceInStrings(QStringLiteral("OUT"), target);
        const CliResult res = runCli(args, dir, [limitBytes] {
            ::signal(SIGXFSZ, SIG_IGN); // kept across exec: writes then fail with EFBIG
            const rlimit lim{rlim_t(limitBytes), rlim_t(limitBytes)};
            ::setrlimit(RLIMIT_FSIZE, &lim);
        });
        QVERIFY2(!res.timedOut && !res.crashed && res.exitCode == 2, qPrintable(res.describe()));
        QVERIFY2(errorMessageCount(res.err) == 1, qPrintable(res.describe()));
        QVERIFY2(readBytes(target) == sentinel, qPrintable("the previous file was changed: " + res.describe()));
        QVERIFY2(entriesOf(dir) == QStringList{out}, qPrintable(entriesOf(dir).join(", ") + "\n" + res.describe()));
        qInfo("%s", res.err.trimmed().constData());
    }

    // --max-run-mb: a run that needs more memory is refused before it starts, with the numbers;
    // the same run fits without the limit.
    void runOverTheMemoryLimitIsRefused()
    {
        const QString dir = freshDir("maxrun");
        const QString big = dir + "/x_big.npy";
        writeF(big, ArrayF({64, 2000, 4}, 0.25f)); // outputs (64, 2000, 5) float32: 2.4 MiB
        const QStringList run{"run", "--config", fx("config.json"), "--weights", fx("weights.npz"), "--input", big, "--out", dir + "/out.npz"};
        const CliResult refused = runCli(QStringList{"--max-run-mb", "1"} + run);
        QVERIFY2(!refused.crashed && refused.exitCode == 2, qPrintable(refused.describe()));
        QVERIFY2(refused.err.contains("needs about 3 MiB (outputs 3 MiB), more than the limit of 1 MiB set for runs"),
                 qPrintable(refused.describe()));
        QVERIFY(!QFileInfo::exists(dir + "/out.npz"));
        const CliResult ok = runCli(QStringList{"--max-run-mb", "16"} + run);
        QVERIFY2(ok.ok(), qPrintable(ok.describe()));
        QVERIFY(runCli({"--help"}).out.contains("--max-run-mb"));
    }

    // sweep: a small grid on the backends named, every point in the table and the CSV, and the
    // crossover said (no GPU backend here: why none).
    void sweepTimesAGrid()
    {
        const QString dir = freshDir("sweep");
        const QString csv = dir + "/sweep.csv";
        const CliResult r = runCli({"sweep", "--T", "4,6", "--B", "1", "--U", "3,5", "--backends", "cpu,reference", "--warmup", "0",
                                    "--repeats", "1", "--reset-after", "false", "--csv", csv});
        QVERIFY2(r.ok(), qPrintable(r.describe()));
        QCOMPARE(r.out.count("generic loop: reset_after"), 8);
        QVERIFY2(r.out.contains("crossover (the smallest U at which a GPU backend beats cpu):"), qPrintable(r.describe()));
        QVERIFY2(r.out.contains("no GPU backend ran"), qPrintable(r.describe()));
        QVERIFY2(r.out.contains("wrote " + csv.toUtf8() + " (8 points)"), qPrintable(r.describe()));
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), 1 + 8 + 2);
        QVERIFY(lines[1].startsWith("4,1,3,3,cpu,1,"));
        QVERIFY(lines[2].startsWith("4,1,3,3,reference,1,"));

        const CliResult bad = runCli({"sweep", "--U", "0"});
        QVERIFY2(bad.exitCode == 2 && bad.err.contains("--U: '0' is not a size"), qPrintable(bad.describe()));
        const CliResult badBackend = runCli({"sweep", "--backends", "tpu"});
        QVERIFY2(badBackend.exitCode == 2 && badBackend.err.contains("unknown backend 'tpu'"), qPrintable(badBackend.describe()));
    }

    // run --chain: the stacked model's GRUs as Keras runs them (its per-layer outputs, from real
    // Keras, are in the fixture's expected file); every stage's output in OUT.npz; the stop named.
    void runChainMatchesKeras()
    {
        const std::string wf = gstest::dataPath("weightfiles/tfk_stacked_two_gru.full.h5");
        std::map<std::string, ArrayF> e;
        for (auto& [k, a] : npy::readNpz(gstest::dataPath("weightfiles/tfk_stacked_two_gru.expected.npz")))
            e[k] = a.toFloat();
        const QString dir = freshDir("chain");
        writeF(dir + "/x.npy", e["x"]);
        const QString out = dir + "/out.npz";
        const CliResult r = runCli({"run", "--weights", QString::fromStdString(wf), "--chain", "--input", dir + "/x.npy", "--out", out});
        QVERIFY2(r.ok(), qPrintable(r.describe()));
        QVERIFY2(r.out.contains("1. gru: GRU 4, returns sequences") && r.out.contains("2. gru_1: GRU 5, returns the last output"),
                 qPrintable(r.describe()));
        QVERIFY2(r.out.contains("(Dense) follows gru_1: GruScope runs GRU layers only"), qPrintable(r.describe()));
        std::map<std::string, ArrayF> got;
        for (auto& [k, a] : npy::readNpz(s(out)))
            got[k] = a.toFloat();
        for (const auto& [name, key] : {std::pair{"gru", "gru__output"}, std::pair{"gru_1", "gru_1__output"}, std::pair{"output", "gru_1__output"}}) {
            QVERIFY2(got.count(name), name);
            QCOMPARE(got[name].shape, e[key].shape);
            for (size_t k = 0; k < got[name].data.size(); ++k)
                QVERIFY2(std::fabs(got[name].data[k] - e[key].data[k]) < 2e-5, name);
        }
        const CliResult noWeights = runCli({"run", "--chain", "--config", fx("config.json"), "--input", fx("x.npy"), "--out", out});
        QVERIFY2(noWeights.exitCode == 2 && noWeights.err.contains("--chain runs the layers of a weight file"), qPrintable(noWeights.describe()));
        const CliResult withTrace = runCli({"run", "--weights", QString::fromStdString(wf), "--chain", "--trace", "--input", dir + "/x.npy", "--out", out});
        QVERIFY2(withTrace.exitCode == 2 && withTrace.err.contains("--trace, --saturation and --repeat work on one layer"),
                 qPrintable(withTrace.describe()));
    }

    // A folder without write permission. root ignores permission bits; then this cannot fail and
    // is skipped (the /proc and missing-folder rows of badInput cover a failing write).
    void outputFolderNotWritable()
    {
        const QString dir = freshDir("readonly");
        QVERIFY(::chmod(dir.toLocal8Bit().constData(), 0555) == 0);
        const QString probe = dir + "/probe";
        const bool writable = ::access(dir.toLocal8Bit().constData(), W_OK) == 0 || QFile(probe).open(QIODevice::WriteOnly);
        if (writable) {
            QFile::remove(probe);
            ::chmod(dir.toLocal8Bit().constData(), 0755);
            QSKIP("running as root: a folder with mode 0555 is still writable, so the write cannot be made to fail this way");
        }
        const CliResult res = runCli({"run", "--config", fx("config.json"), "--weights", fx("weights.npz"), "--input", fx("x.npy"),
                                      "--out", dir + "/out.npz"});
        ::chmod(dir.toLocal8Bit().constData(), 0755);
        QVERIFY2(!res.crashed && res.exitCode == 2, qPrintable(res.describe()));
        QVERIFY2(res.err.contains(dir.toUtf8()), qPrintable(res.describe()));
        QVERIFY(entriesOf(dir).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TstCli)
#include "tst_cli.moc"
