// Weight files parsed in the gruscope-parse child (gruscope/isolated_parse.h): the child gives the
// same layers, weights and tree (as text and as nodes) as parsing in process, on every fixture, wild file and fuzzing
// regression; files that crash or hang libhdf5 become Errors naming the file and the object; a
// child that crashes, hangs, floods, lies or is cancelled never takes the caller down; and the
// reply decoder refuses every malformed reply (each prefix, flipped bytes) without crashing.
#include "gruscope/error.h"
#include "gruscope/isolated_parse.h"
#include "test_support.h"

#include <QTest>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

using namespace gruscope;
namespace fs = std::filesystem;

namespace {

std::string sourcePath(const std::string& rel) { return std::string(GRUSCOPE_SOURCE_DIR) + "/" + rel; }

std::string wildDir()
{
    return gstest::wildWeightsDir();
}

bool isWeightFile(const fs::path& p)
{
    const std::string n = p.filename().string();
    if (n.find(".expected.") != std::string::npos)
        return false;
    for (const char* ext : {".h5", ".hdf5", ".keras", ".safetensors", ".npz"})
        if (n.size() > std::strlen(ext) && n.compare(n.size() - std::strlen(ext), std::string::npos, ext) == 0)
            return true;
    return false;
}

std::vector<std::string> filesIn(const std::string& dir, bool weightsOnly)
{
    std::vector<std::string> out;
    if (!fs::is_directory(dir))
        return out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file() && (!weightsOnly || isWeightFile(e.path())))
            out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

ParseOptions isolated(double timeout = 30)
{
    ParseOptions o;
    o.isolate = true;
    o.timeoutSeconds = timeout;
    return o;
}

ParseOptions inProcess()
{
    ParseOptions o;
    o.isolate = false;
    return o;
}

// Either the loaded file or the Error it gave, as text, for comparing two ways of loading.
struct Outcome {
    std::optional<LoadedWeightFile> file;
    std::string error;
    ErrorCode code = ErrorCode::Internal;
};

Outcome load(const std::string& path, const ParseOptions& o)
{
    Outcome out;
    try {
        out.file = loadWeightFile(path, o);
    } catch (const Error& e) {
        out.error = e.what();
        out.code = e.code();
    }
    return out;
}

// Empty when both loads agree on everything the callers use.
std::string differences(const Outcome& a, const Outcome& b)
{
    if (bool(a.file) != bool(b.file) || a.error != b.error)
        return "outcomes differ: '" + a.error + "' vs '" + b.error + "'";
    if (!a.file)
        return a.code == b.code ? "" : "error codes differ";
    const WeightFileInfo &x = a.file->info, &y = b.file->info;
    if (x.path != y.path || x.format != y.format || x.formatDetail != y.formatDetail || x.kerasVersion != y.kerasVersion ||
        x.backend != y.backend || x.modelConfigJson != y.modelConfigJson)
        return "file info differs";
    if (x.diagnostics.size() != y.diagnostics.size())
        return "diagnostic counts differ";
    for (size_t i = 0; i < x.diagnostics.size(); ++i)
        if (x.diagnostics[i].message != y.diagnostics[i].message || x.diagnostics[i].where != y.diagnostics[i].where ||
            x.diagnostics[i].severity != y.diagnostics[i].severity)
            return "diagnostic " + std::to_string(i) + " differs";
    if (x.layers.size() != y.layers.size())
        return "layer counts differ";
    for (size_t i = 0; i < x.layers.size(); ++i) {
        const GruLayerInfo &l = x.layers[i], &m = y.layers[i];
        if (l.name != m.name || l.kind != m.kind || l.group != m.group || l.tensors != m.tensors ||
            l.kernelShape != m.kernelShape || l.recurrentShape != m.recurrentShape || l.biasShape != m.biasShape ||
            l.dtype != m.dtype || !(l.config == m.config) || l.configFromFile != m.configFromFile ||
            l.assumptions != m.assumptions || l.wrapper != m.wrapper || l.direction != m.direction || l.mergeMode != m.mergeMode)
            return "layer " + l.name + " differs";
        const LoadedLayerWeights &p = a.file->layers[i], &q = b.file->layers[i];
        if (bool(p.weights) != bool(q.weights) || p.error != q.error)
            return "layer " + l.name + ": weights read in one and not the other";
        if (p.weights && (!gstest::sameBits(p.weights->kernel, q.weights->kernel) ||
                          !gstest::sameBits(p.weights->recurrentKernel, q.weights->recurrentKernel) ||
                          !gstest::sameBits(p.weights->bias, q.weights->bias)))
            return "layer " + l.name + ": weights differ";
    }
    if (a.file->tree != b.file->tree || a.file->treeError != b.file->treeError)
        return "trees differ";
    // The tree as nodes, with the problems attached: every field of every node.
    if (!(a.file->fileTree == b.file->fileTree))
        return "structured trees differ";
    return {};
}

struct FakeMode {
    const char* mode;
    ErrorCode code;
    const char* words; // the message must contain these
};

void setFake(const char* mode) { qputenv("GRUSCOPE_FAKE_PARSE", mode); }

} // namespace

class TstIsolatedParse : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QVERIFY2(!findParseWorker().empty(), "gruscope-parse not found (GRUSCOPE_PARSE_WORKER)");
        QVERIFY(fs::exists(GRUSCOPE_FAKE_PARSE_WORKER));
    }

    // Every fixture, wild file and fuzzing seed: the child's load equals the in-process load, bit
    // for bit, errors included. Also the cost of isolation per file, printed.
    void sameAsInProcess_data()
    {
        QTest::addColumn<QString>("path");
        std::vector<std::string> all = filesIn(gstest::dataPath("weightfiles"), true);
        for (const auto& f : filesIn(gstest::dataPath("tensorfiles"), true))
            all.push_back(f);
        for (const auto& f : filesIn(wildDir(), true))
            all.push_back(f);
        for (const auto& f : filesIn(sourcePath("fuzz/corpus/fuzz_weightfile"), false))
            all.push_back(f);
        QVERIFY(all.size() >= 100);
        for (const auto& f : all)
            QTest::newRow(fs::path(f).filename().string().c_str()) << QString::fromStdString(f);
    }
    void sameAsInProcess()
    {
        QFETCH(QString, path);
        const auto t0 = std::chrono::steady_clock::now();
        const Outcome in = load(path.toStdString(), inProcess());
        const auto t1 = std::chrono::steady_clock::now();
        const Outcome out = load(path.toStdString(), isolated());
        const auto t2 = std::chrono::steady_clock::now();
        const std::string why = differences(in, out);
        QVERIFY2(why.empty(), why.c_str());
        if (out.file)
            QVERIFY(out.file->report.isolated && out.file->report.replyBytes > 0);
        qInfo("in process %.1f ms, isolated %.1f ms",
              std::chrono::duration<double, std::milli>(t1 - t0).count(), std::chrono::duration<double, std::milli>(t2 - t1).count());
    }

    // The files that crash, corrupt or hang Debian's libhdf5 itself: an Error each, never a crash
    // of this process, naming the file.
    void hdf5CrashesAreErrors_data()
    {
        QTest::addColumn<QString>("path");
        for (const auto& f : filesIn(sourcePath("fuzz/hdf5-crashes"), true))
            QTest::newRow(fs::path(f).filename().string().c_str()) << QString::fromStdString(f);
    }
    void hdf5CrashesAreErrors()
    {
        QFETCH(QString, path);
        const Outcome out = load(path.toStdString(), isolated(3));
        if (out.file) // a silent over-read in a plain build: the file then lists what it holds
            return;
        QVERIFY2(out.error.find(fs::path(path.toStdString()).filename().string()) != std::string::npos, out.error.c_str());
        qInfo("%s", out.error.c_str());
    }

    void segfaultNamesLibraryAndObject()
    {
#if defined(__SANITIZE_ADDRESS__)
        QSKIP("under ASan the sanitizer, not the worker's handler, reports the fault");
#endif
        const Outcome out = load(sourcePath("fuzz/hdf5-crashes/attr-decode-segv.h5"), isolated());
        QVERIFY(!out.file);
        QCOMPARE(out.code, ErrorCode::BadFile);
        QVERIFY2(out.error.find("the HDF5 library") != std::string::npos, out.error.c_str());
        QVERIFY2(out.error.find("crashed (segmentation fault)") != std::string::npos, out.error.c_str());
        QVERIFY2(out.error.find("listing the GRU layers") != std::string::npos, out.error.c_str());
    }

    void hangIsStoppedAtTheTimeLimit()
    {
        const auto t0 = std::chrono::steady_clock::now();
        const Outcome out = load(sourcePath("fuzz/hdf5-crashes/global-heap-infinite-loop.h5"), isolated(1.5));
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        QVERIFY(!out.file);
        QCOMPARE(out.code, ErrorCode::ResourceLimit);
        QVERIFY2(out.error.find("took longer than 1 s") != std::string::npos, out.error.c_str());
        QVERIFY2(out.error.find("@layer_names") != std::string::npos, out.error.c_str());
        QVERIFY(s < 10);
    }

    // A child that misbehaves in every way the parent can see.
    void misbehavingChild_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("words");
        QTest::newRow("crash") << "crash" << int(ErrorCode::BadFile)
                               << "the HDF5 library (libhdf5_serial.so.103) crashed (segmentation fault) while reading "
                                  "/model_weights/gru/gru_cell/kernel:0 (listing the GRU layers)";
        QTest::newRow("abort") << "abort" << int(ErrorCode::BadFile) << "the parser crashed (abort)";
        QTest::newRow("hang") << "hang" << int(ErrorCode::ResourceLimit) << "took longer than 1 s while reading";
        QTest::newRow("exit3") << "exit3" << int(ErrorCode::BadFile) << "exit code 3 while reading /model_weights/gru/gru_cell/kernel:0 (listing the GRU layers): fake worker: something went wrong";
        QTest::newRow("garbage") << "garbage" << int(ErrorCode::BadFile) << "reply is malformed (it does not start with the reply signature)";
        QTest::newRow("flood") << "flood" << int(ErrorCode::ResourceLimit) << "reply passed the 64 MiB allowed";
        QTest::newRow("truncate") << "truncate" << int(ErrorCode::BadFile) << "the parser's reply is malformed";
        QTest::newRow("hugeshape") << "hugeshape" << int(ErrorCode::BadFile) << "the parser's reply is malformed";
        QTest::newRow("oom") << "oom" << int(ErrorCode::ResourceLimit) << "ran out of memory (the limit is 256 MiB";
    }
    void misbehavingChild()
    {
        QFETCH(QString, mode);
        QFETCH(int, code);
        QFETCH(QString, words);
#if defined(__SANITIZE_ADDRESS__)
        if (mode == "oom")
            QSKIP("no address-space limit under ASan");
#endif
        setFake(mode.toUtf8().constData());
        ParseOptions o = isolated(1.2);
        o.workerPath = GRUSCOPE_FAKE_PARSE_WORKER;
        o.replyBytes = int64_t(64) << 20;
        o.memoryBytes = int64_t(256) << 20;
        const std::string file = gstest::dataPath("weightfiles/k3_gru_dense.h5");
        const Outcome out = load(file, o);
        qunsetenv("GRUSCOPE_FAKE_PARSE");
        QVERIFY(!out.file);
        QCOMPARE(int(out.code), code);
        QVERIFY2(out.error.rfind(file, 0) == 0, out.error.c_str());
        QVERIFY2(out.error.find(words.toStdString()) != std::string::npos, out.error.c_str());
    }

    void cancelStopsTheChild()
    {
        setFake("hang");
        std::atomic<bool> cancel{false};
        ParseOptions o = isolated(30);
        o.workerPath = GRUSCOPE_FAKE_PARSE_WORKER;
        o.cancel = &cancel;
        std::thread stopper([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            cancel = true;
        });
        const auto t0 = std::chrono::steady_clock::now();
        const Outcome out = load(gstest::dataPath("weightfiles/k3_gru_dense.h5"), o);
        stopper.join();
        qunsetenv("GRUSCOPE_FAKE_PARSE");
        QCOMPARE(out.code, ErrorCode::Cancelled);
        QVERIFY(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
    }

    void missingWorkerSaysHowToGoOn()
    {
        ParseOptions o = isolated();
        o.workerPath = "/nonexistent/gruscope-parse";
        const Outcome out = load(gstest::dataPath("weightfiles/k3_gru_dense.h5"), o);
        QCOMPARE(out.code, ErrorCode::Unsupported);
        QVERIFY2(out.error.find("GRUSCOPE_ISOLATION=off") != std::string::npos, out.error.c_str());
    }

    // What was read stays when the file changes or goes away afterwards: the parent never reads
    // the file again.
    void fileChangedOrDeletedAfterOpen()
    {
        const std::string copy = (fs::temp_directory_path() / "gruscope_isolated_copy.h5").string();
        fs::copy_file(gstest::dataPath("weightfiles/k3_gru_dense.h5"), copy, fs::copy_options::overwrite_existing);
        const LoadedWeightFile f = loadWeightFile(copy, isolated());
        const GruWeights before = f.weights(0);
        { // overwrite with junk, then delete
            std::ofstream out(copy, std::ios::binary | std::ios::trunc);
            out << "not an HDF5 file any more";
        }
        QVERIFY(gstest::sameBits(f.weights(0).kernel, before.kernel));
        fs::remove(copy);
        QVERIFY(gstest::sameBits(f.weights(0).recurrentKernel, before.recurrentKernel));
        QVERIFY(!f.tree.empty());
        // Reopening now says what happened.
        const Outcome again = load(copy, isolated());
        QVERIFY(!again.file);
        QVERIFY2(again.error.find("no such file") != std::string::npos, again.error.c_str());
    }

    // The reply decoder on every prefix of a real reply and on flipped bytes: an Error or a
    // consistent file, never a crash (ASan checks the reads).
    void decoderRefusesMalformedReplies()
    {
        const std::string path = gstest::dataPath("weightfiles/k3_bidi_concat.h5");
        const std::string reply = parseToReply(path, {}, 200);
        const LoadedWeightFile whole = decodeParseReply(reply, {}, path);
        QCOMPARE(whole.info.layers.size(), size_t(2));
        int refused = 0;
        for (size_t n = 0; n < reply.size(); n += (n < 4096 ? 1 : 97)) {
            try {
                decodeParseReply(reply.substr(0, n), {}, path);
                QFAIL(qPrintable(QStringLiteral("a %1-byte prefix was accepted").arg(n)));
            } catch (const Error& e) {
                QCOMPARE(e.code(), ErrorCode::BadFile);
                ++refused;
            }
        }
        std::mt19937 rng(11);
        int accepted = 0;
        for (int i = 0; i < 3000; ++i) {
            std::string bad = reply;
            bad[rng() % bad.size()] ^= char(1 << (rng() % 8));
            try {
                const LoadedWeightFile f = decodeParseReply(bad, {}, path);
                QCOMPARE(f.layers.size(), f.info.layers.size());
                ++accepted; // a flip inside a float or a string
            } catch (const Error&) {
            }
        }
        qInfo("prefixes refused: %d; flipped replies still well-formed: %d of 3000", refused, accepted);
        // Limits apply to what the child claims.
        WeightReadLimits tight;
        tight.maxElements = 10;
        QVERIFY_THROWS_EXCEPTION(Error, decodeParseReply(reply, tight, path));
    }
};

QTEST_GUILESS_MAIN(TstIsolatedParse)
#include "tst_isolated_parse.moc"
