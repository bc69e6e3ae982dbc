// gruscope-cli compare, devices, version and the GPU backends' refusals, end to end on the bundled
// masked example (made by real Keras). On a machine without a GPU the GPU rows must carry the
// probe's reason; with one, they must run and agree with the reference.
#include "cli_runner.h"
#include "test_support.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QTest>

using json = nlohmann::json;

namespace {

const QString kExample = QStringLiteral(GRUSCOPE_SOURCE_DIR "/resources/examples/masked_sum/");

QStringList exampleCall()
{
    return {"--config", kExample + "config.json", "--weights", kExample + "weights.npz", "--input", kExample + "input.npy",
            "--mask", kExample + "mask.npy", "-q"};
}

json devices()
{
    const gstest::CliRun r = gstest::runGruscopeCli({"devices", "--json"});
    if (!r.ok())
        qFatal("%s", qPrintable(r.describe()));
    return json::parse(r.out.toStdString());
}

#define CLI_OK(r) QVERIFY2((r).ok(), qPrintable((r).describe()))

} // namespace

class TstCliBackends : public QObject {
    Q_OBJECT

private slots:
    void devicesListsTheRegistryInAutosOrder()
    {
        const json d = devices();
        std::vector<std::string> names;
        for (const auto& b : d["backends"])
            names.push_back(b["name"]);
        QCOMPARE(names, (std::vector<std::string>{"cudnn", "cuda", "cpu", "reference"}));
        for (const auto& b : d["backends"])
            QVERIFY2(b["usable"].get<bool>() || !b["reason"].get<std::string>().empty(), b.dump().c_str());
        // cudnn is usable exactly when the probe found a GPU with cuDNN.
        QCOMPARE(d["backends"][0]["usable"].get<bool>(), d["gpu"]["present"].get<bool>());
        // version says the same about the build.
        const gstest::CliRun v = gstest::runGruscopeCli({"version"});
        CLI_OK(v);
        QVERIFY2(v.out.contains(d["gpu_backends_built"].get<bool>() ? "GPU backends: built" : "GPU backends: not built"), v.out.constData());
    }

    void compareRunsEveryBackendOrSaysWhy()
    {
        const gstest::CliRun r = gstest::runGruscopeCli(QStringList{"compare", "--json", "--repeats", "3"} << exampleCall());
        CLI_OK(r);
        const json rep = json::parse(r.out.toStdString());
        QCOMPARE(rep["shape"]["timesteps"].get<int>(), 12);
        QCOMPARE(rep["backends"].size(), size_t(4));
        const json d = devices();
        for (const auto& row : rep["backends"]) {
            const std::string name = row["backend"];
            bool usable = false;
            std::string why;
            for (const auto& b : d["backends"])
                if (b["name"] == name) {
                    usable = b["usable"];
                    why = b["reason"];
                }
            QCOMPARE(row["ran"].get<bool>(), usable);
            if (!usable) {
                QVERIFY2(row["reason"].get<std::string>().find(why) != std::string::npos, row.dump().c_str());
                continue;
            }
            // float32 backends within 1e-5 of float64 at every step; timings measured.
            QVERIFY2(row["max_abs_output"].get<double>() < 1e-5, row.dump().c_str());
            QCOMPARE(row["max_abs_per_step"].size(), size_t(12));
            QCOMPARE(row["max_abs_per_unit"].size(), size_t(6));
            QCOMPARE(row["first_step_over_tolerance"].get<int>(), -1);
            QCOMPARE(row["timed_calls"].get<int>(), 3);
            QVERIFY(row["median_ms"].get<double>() > 0);
            QCOMPARE(row["trace_rebuilt"].get<bool>(), name == "cudnn" || name == "cuda");
        }
        // The cpu row's differences are real float32 rounding, not a copy of the reference.
        QVERIFY(rep["backends"][0]["max_abs_output"].get<double>() > 0);
    }

    void aToleranceBelowTheRoundingMarksTheFirstStep()
    {
        const gstest::CliRun r =
            gstest::runGruscopeCli(QStringList{"compare", "--json", "--backends", "cpu", "--tolerance", "1e-12"} << exampleCall());
        CLI_OK(r);
        const json row = json::parse(r.out.toStdString())["backends"][0];
        const int first = row["first_step_over_tolerance"];
        QVERIFY(first >= 0);
        for (int s = 0; s < first; ++s)
            QVERIFY(row["max_abs_per_step"][size_t(s)].get<double>() <= 1e-12);
        QVERIFY(row["max_abs_per_step"][size_t(first)].get<double>() > 1e-12);
    }

    void textReportNamesEveryRow()
    {
        const gstest::CliRun r = gstest::runGruscopeCli(QStringList{"compare"} << exampleCall());
        CLI_OK(r);
        for (const char* name : {"cpu", "reference", "cudnn", "cuda"})
            QVERIFY2(r.out.contains(QByteArray("\n  ") + name), r.out.constData());
        QVERIFY(r.out.contains("max|Δ h| per processing step"));
    }

    void badArgumentsExitTwoWithOneMessage_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("expect");
        QTest::newRow("unknown backend") << (QStringList{"compare", "--backends", "cpu,tpu"} << exampleCall()) << "'tpu'";
        QTest::newRow("auto in compare") << (QStringList{"compare", "--backends", "auto"} << exampleCall()) << "'auto'";
        QTest::newRow("no repeats") << (QStringList{"compare", "--repeats", "0"} << exampleCall()) << "--repeats";
        QTest::newRow("cudnn algo") << (QStringList{"compare", "--cudnn-algo", "fast"} << exampleCall()) << "--cudnn-algo fast";
        QTest::newRow("run backend") << (QStringList{"run", "--backend", "tpu", "--out", "/tmp/never.npz"} << exampleCall())
                                     << "cudnn and cuda";
    }

    void badArgumentsExitTwoWithOneMessage()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, expect);
        const gstest::CliRun r = gstest::runGruscopeCli(args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(expect.toUtf8()), qPrintable(r.describe()));
        QCOMPARE(r.err.count("gruscope-cli:"), 1);
    }

    void gpuBackendsWithoutAGpuExitTwoNamingTheDevice_data()
    {
        QTest::addColumn<QString>("backend");
        QTest::newRow("cudnn") << "cudnn";
        QTest::newRow("cuda") << "cuda";
    }

    void gpuBackendsWithoutAGpuExitTwoNamingTheDevice()
    {
        QFETCH(QString, backend);
        const json d = devices();
        if (d["gpu"]["cuda_usable"].get<bool>())
            QSKIP("a GPU is present: the gpu suite runs these backends");
        const QString out = QDir::tempPath() + "/gruscope-no-gpu.npz";
        QFile::remove(out);
        const gstest::CliRun r = gstest::runGruscopeCli(QStringList{"run", "--backend", backend, "--out", out} << exampleCall());
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(("the " + backend + " backend cannot run this call").toUtf8()), qPrintable(r.describe()));
        QVERIFY2(r.err.contains(QByteArray::fromStdString(d["gpu"]["reason"].get<std::string>())), qPrintable(r.describe()));
        QVERIFY(!QFile::exists(out));
    }
};

QTEST_GUILESS_MAIN(TstCliBackends)
#include "tst_cli_backends.moc"
