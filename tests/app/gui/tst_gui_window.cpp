// The whole window, driven as a user would: files (every fixture opens and fills the arguments, a
// corrupt file changes nothing), sessions, autosave recovery, keyboard stepping, errors that keep
// the previous run, themes, and the --screenshot mode of the real executable.
#include "autosave.h"
#include "limits_dialog.h"
#include "main_window.h"
#include "window_test_options.h"
#include "model/document.h"
#include "model/limits.h"
#include "model/run_controller.h"
#include "model/session.h"
#include "panels/args_panel.h"
#include "panels/eligibility_panel.h"
#include "panels/equation_view.h"
#include "plots/compare_view.h"
#include "plots/gate_heatmaps.h"
#include "plots/plot_export.h"
#include "plots/saturation_view.h"
#include "plots/step_bars_plot.h"
#include "plots/unit_lines_plot.h"
#include "plots/weights_view.h"
#include "test_support.h"

#include "gruscope/error.h"
#include "gruscope/npy.h"
#include "gruscope/weightfile.h"

#include <QCheckBox>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QHash>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QSpinBox>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>
#include <qcustomplot.h>

#include <cmath>

using namespace gsui;
using namespace gruscope;

namespace {

MainWindowOptions testOptions(const QTemporaryDir& dir) { return gstest::windowOptions(dir, true); }

QString weightFile(const char* name) { return QString::fromStdString(gstest::dataPath(std::string("weightfiles/") + name)); }

} // namespace

class TstGuiWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        qputenv("GRUSCOPE_TEST_REAL_PARSE_WORKER", qgetenv("GRUSCOPE_PARSE_WORKER"));
    }

    void opensTheExampleAndRuns_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("units");
        QTest::addColumn<bool>("masked"); // the example ships a mask
        QTest::newRow("sine") << "sine" << 8 << false;
        QTest::newRow("parity") << "parity" << 6 << false;
        QTest::newRow("masked_sum") << "masked_sum" << 6 << true;
    }
    void opensTheExampleAndRuns()
    {
        QFETCH(QString, name);
        QFETCH(int, units);
        QFETCH(bool, masked);
        QTemporaryDir dir;
        MainWindow w(testOptions(dir));
        w.resize(1280, 800);
        w.show();
        QVERIFY(w.openExample(name));
        QVERIFY(w.controller()->waitForIdle());
        QVERIFY2(w.document()->lastError().isEmpty(), qPrintable(w.document()->lastError()));
        const auto r = w.document()->result();
        QVERIFY(r);
        QCOMPARE(r->U, int64_t(units));
        QVERIFY(r->result.trace.recorded());
        QCOMPARE(w.document()->mask().has_value(), masked);
        // The backend auto chose (cpu without a GPU; tst_gui_backend checks the choice itself).
        QVERIFY2(w.runStatusText().startsWith(QString::fromStdString(r->result.backend) + QStringLiteral(" backend")),
                 qPrintable(w.runStatusText()));
        QVERIFY2(w.windowTitle().startsWith(w.document()->origin().description), qPrintable(w.windowTitle()));
        QVERIFY2(w.windowTitle().endsWith(QStringLiteral(" — GruScope")), qPrintable(w.windowTitle()));
        QVERIFY(w.bannerText().isEmpty());
    }

    // Every weight file fixture opens, and the arguments panel shows the file's arguments.
    void everyFixtureOpensAndFillsArguments_data()
    {
        // The fixtures' manifest lists every weight file (the folder also holds inputs and expected
        // outputs).
        QTest::addColumn<QString>("path");
        QDir d(QString::fromStdString(gstest::dataPath("weightfiles")));
        QFile manifest(d.filePath(QStringLiteral("manifest.json")));
        QVERIFY(manifest.open(QIODevice::ReadOnly));
        const QJsonArray files = QJsonDocument::fromJson(manifest.readAll()).object().value(QStringLiteral("files")).toArray();
        QVERIFY(files.size() >= 50);
        for (const QJsonValue f : files) {
            const QString name = f.toObject().value(QStringLiteral("file")).toString();
            QTest::newRow(qPrintable(name)) << d.filePath(name);
        }
    }
    void everyFixtureOpensAndFillsArguments()
    {
        QFETCH(QString, path);
        QTemporaryDir dir;
        MainWindow w(testOptions(dir));
        const WeightFileInfo info = openWeightFile(path.toStdString());
        QVERIFY(!info.layers.empty());
        const int pick = int(info.layers.size()) - 1; // the last GRU: exercises the chooser
        int asked = 0;
        w.chooseLayer = [&](const QString&, const QStringList& labels) {
            ++asked;
            return int(labels.size()) - 1;
        };
        QString error;
        QVERIFY2(w.openFile(path, &error), qPrintable(error));
        QCOMPARE(asked, info.layers.size() > 1 ? 1 : 0);
        const GruLayerInfo& layer = info.layers[size_t(pick)];
        QCOMPARE(w.document()->config(), layer.config);
        QCOMPARE(w.document()->features(), layer.kernelShape.at(0));
        auto* units = qobject_cast<QSpinBox*>(w.argsPanel()->editor(QStringLiteral("units")));
        QVERIFY(units);
        QCOMPARE(int64_t(units->value()), layer.config.units);
        auto* resetAfter = qobject_cast<QCheckBox*>(w.argsPanel()->editor(QStringLiteral("reset_after")));
        QVERIFY(resetAfter);
        QCOMPARE(resetAfter->isChecked(), layer.config.reset_after);
        QVERIFY(w.controller()->waitForIdle());
        QVERIFY2(w.document()->lastError().isEmpty(), qPrintable(w.document()->lastError()));
        QVERIFY(w.document()->result());
        QCOMPARE(w.document()->result()->U, layer.config.units);
    }

    // Typing an absurd units value and pressing Enter used to end the process (the engine's
    // refusal to make a (999999, 2999997) recurrent kernel passed through the event loop). Now the
    // edit is refused before any allocation: the banner gives the estimate, the arguments and the
    // trained weights stay, and the window keeps running. A value that fits is still applied.
    void absurdUnitsTypedAreRefusedAndTheWorkKept()
    {
        QTemporaryDir dir;
        MainWindow w(testOptions(dir));
        w.resize(1280, 800);
        w.show();
        QVERIFY(w.openExample(QStringLiteral("sine")));
        QVERIFY(w.controller()->waitForIdle());
        const gruscope::GruConfig before = w.document()->config();
        const gruscope::ArrayF recurrent = w.document()->weights()->recurrentKernel;
        auto* units = qobject_cast<QSpinBox*>(w.argsPanel()->editor(QStringLiteral("units")));
        QVERIFY(units);
        QVERIFY2(units->maximum() >= 999999, qPrintable(QString::number(units->maximum())));
        units->setFocus();
        units->selectAll();
        QTest::keyClicks(units, QStringLiteral("999999"));
        QTest::keyClick(units, Qt::Key_Return);
        QTest::qWait(50);
        QVERIFY(w.controller()->waitForIdle());
        qInfo().noquote() << "banner:" << w.bannerText();
        QVERIFY2(w.bannerText().contains(QStringLiteral("units 999999 refused")) && w.bannerText().contains(QStringLiteral("TB")),
                 qPrintable(w.bannerText()));
        QCOMPARE(w.document()->config(), before);
        QVERIFY(gstest::sameBits(w.document()->weights()->recurrentKernel, recurrent));
        QCOMPARE(int64_t(units->value()), before.units); // the panel shows the kept value again
        units->selectAll();
        QTest::keyClicks(units, QStringLiteral("12"));
        QTest::keyClick(units, Qt::Key_Return);
        QVERIFY(w.controller()->waitForIdle());
        QCOMPARE(w.document()->config().units, int64_t(12));
        QVERIFY(w.document()->result());
        QCOMPARE(w.document()->result()->U, int64_t(12));
    }

    // A corrupt file: an error in the window, and the model, input and result stay as they were.
    void corruptFileKeepsThePreviousModel_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("bytes"); // the file's content; empty: no file at all
        QFile original(weightFile("k3_gru_dense.keras"));
        QVERIFY(original.open(QIODevice::ReadOnly));
        const QByteArray keras = original.readAll();
        QTest::newRow("truncated .keras") << "truncated.keras" << keras.left(keras.size() / 2);
        QTest::newRow("garbage .h5") << "garbage.h5" << QByteArray("\x89HDF\r\n\x1a\n this is not really HDF5", 34);
        QTest::newRow("unknown kind") << "notes.xyz" << QByteArray("hello");
        QTest::newRow("missing") << "missing.h5" << QByteArray();
        // Files that crash or hang libhdf5 itself (fuzz/hdf5-crashes): parsed in the child.
        for (const char* crash : {"attr-decode-segv.h5", "global-heap-overflow.h5", "global-heap-memcpy-overlap.h5",
                                  "core-driver-null-memcpy.keras", "global-heap-infinite-loop.h5"}) {
            QFile f(QStringLiteral(GRUSCOPE_SOURCE_DIR "/fuzz/hdf5-crashes/") + QString::fromLatin1(crash));
            QVERIFY(f.open(QIODevice::ReadOnly));
            QTest::newRow(crash) << QString::fromLatin1(crash) << f.readAll();
        }
    }
    void corruptFileKeepsThePreviousModel()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, bytes);
        QTemporaryDir dir;
        const QString path = dir.filePath(name);
        if (!bytes.isEmpty()) {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(bytes);
        }
        MainWindow w(testOptions(dir));
        w.show();
        QVERIFY(w.openExample(QStringLiteral("parity")));
        QVERIFY(w.controller()->waitForIdle());
        const WindowLimits saved = windowLimits();
        windowLimits().parseTimeoutSeconds = 2; // the hanging file
        const auto restore = qScopeGuard([saved] { windowLimits() = saved; });
        const GruConfig config = w.document()->config();
        const auto weights = w.document()->weights();
        const ArrayF input = w.document()->input();
        const auto result = w.document()->result();
        const QString title = w.windowTitle();

        QString error;
        QVERIFY(!w.openFile(path, &error));
        QVERIFY(!error.isEmpty());
        // The banner names the file once, without the path the error starts with.
        const QString why = error.startsWith(path + ": ") ? error.mid(path.size() + 2) : error;
        QCOMPARE(w.bannerText(), QStringLiteral("Could not open %1: %2 — nothing was changed.").arg(name, why));
        QCOMPARE(w.bannerText().count(name), 1 + why.count(name));
        QCOMPARE(w.document()->config(), config);
        QCOMPARE(w.document()->weights(), weights);
        QVERIFY(gstest::sameBits(w.document()->input(), input));
        QVERIFY(w.controller()->waitForIdle());
        QCOMPARE(w.document()->result(), result);
        QCOMPARE(w.windowTitle(), title);
        QVERIFY(w.recentFiles().isEmpty()); // a file that did not open is not a recent file
    }

    // A parser that crashes (a stand-in worker, injected with GRUSCOPE_PARSE_WORKER) is an error in
    // the window: the unsaved edit, the model and the result stay, and the next open works.
    void crashingParserKeepsTheWork_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::addColumn<QString>("words");
        QTest::newRow("segfault") << "crash" << "the HDF5 library (libhdf5_serial.so.103) crashed (segmentation fault)";
        QTest::newRow("abort") << "abort" << "the parser crashed (abort)";
        QTest::newRow("garbage") << "garbage" << "the parser's reply is malformed";
        QTest::newRow("hang") << "hang" << "took longer than 1 s";
    }
    void crashingParserKeepsTheWork()
    {
        QFETCH(QString, mode);
        QFETCH(QString, words);
        QTemporaryDir dir;
        MainWindow w(testOptions(dir));
        w.show();
        QVERIFY(w.openExample(QStringLiteral("sine")));
        QVERIFY(w.controller()->waitForIdle());
        w.document()->setInputValue(0, 2, 0, 0.75f); // unsaved work
        QVERIFY(w.controller()->waitForIdle());
        QVERIFY(w.document()->modified());
        const ArrayF input = w.document()->input();
        const auto weights = w.document()->weights();
        const auto result = w.document()->result();

        const WindowLimits saved = windowLimits();
        windowLimits().parseTimeoutSeconds = 1.5;
        qputenv("GRUSCOPE_PARSE_WORKER", GRUSCOPE_FAKE_PARSE_WORKER);
        qputenv("GRUSCOPE_FAKE_PARSE", mode.toUtf8());
        QString error;
        const bool opened = w.openFile(weightFile("k3_gru_dense.h5"), &error);
        qunsetenv("GRUSCOPE_FAKE_PARSE");
        qputenv("GRUSCOPE_PARSE_WORKER", qgetenv("GRUSCOPE_TEST_REAL_PARSE_WORKER"));
        windowLimits() = saved;
        QVERIFY(!opened);
        QVERIFY2(error.contains(words), qPrintable(error));
        QVERIFY2(w.bannerText().contains(words), qPrintable(w.bannerText()));
        QVERIFY(w.document()->modified());
        QVERIFY(gstest::sameBits(w.document()->input(), input));
        QCOMPARE(w.document()->weights(), weights);
        QCOMPARE(w.document()->result(), result);

        QVERIFY2(w.openFile(weightFile("k3_gru_dense.h5"), &error), qPrintable(error));
        QVERIFY(w.document()->weights() != weights);
    }

    // The weight file changes or disappears on disk while its model is in the window: the window
    // says so and keeps what it read (runs, session and model saves go on); File ▸ Reload reads it
    // again, and a file that no longer opens changes nothing.
    void weightFileChangedOrDeletedWhileOpen()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("model.h5"));
        QVERIFY(QFile::copy(weightFile("k3_gru_dense.h5"), path));
        MainWindow w(testOptions(dir));
        w.chooseLayer = [](const QString&, const QStringList&) { return 0; };
        w.show();
        QString error;
        QVERIFY2(w.openFile(path, &error), qPrintable(error));
        QVERIFY(w.controller()->waitForIdle());
        const auto first = w.document()->weights();

        // Replaced by another model (as a training script rewrites its checkpoint).
        QVERIFY(QFile::remove(path));
        QVERIFY(QFile::copy(weightFile("k3_reset_after_false.h5"), path));
        QTRY_VERIFY_WITH_TIMEOUT(w.bannerText().contains(QStringLiteral("model.h5 changed on disk")), 5000);
        QCOMPARE(w.document()->weights(), first);
        w.document()->setInputValue(0, 0, 0, 0.5f);
        QVERIFY(w.controller()->waitForIdle());
        QVERIFY(w.document()->result() && w.document()->lastError().isEmpty());
        QVERIFY2(w.reloadWeightFile(&error), qPrintable(error));
        QVERIFY(w.controller()->waitForIdle());
        const auto second = w.document()->weights();
        QVERIFY(second != first);
        QVERIFY(!w.document()->config().reset_after);

        // Overwritten with garbage: the reload fails and nothing changes.
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write("\x89HDF\r\n\x1a\n not HDF5 any more");
        }
        QTRY_VERIFY_WITH_TIMEOUT(w.bannerText().contains(QStringLiteral("changed on disk")), 5000);
        QVERIFY(!w.reloadWeightFile(&error));
        QVERIFY2(w.bannerText().startsWith(QStringLiteral("Could not open model.h5")), qPrintable(w.bannerText()));
        QCOMPARE(w.document()->weights(), second);

        // Deleted: the model stays usable and can be saved elsewhere.
        QVERIFY(QFile::remove(path));
        QTRY_VERIFY_WITH_TIMEOUT(w.bannerText().contains(QStringLiteral("model.h5 was deleted or moved")), 5000);
        QCOMPARE(w.document()->weights(), second);
        w.document()->setInputValue(0, 1, 0, -0.5f);
        QVERIFY(w.controller()->waitForIdle());
        QVERIFY(w.document()->result() && w.document()->lastError().isEmpty());
        QVERIFY2(w.saveSessionAs(dir.filePath(QStringLiteral("kept.gruscope.json")), &error), qPrintable(error));
        QVERIFY2(w.saveModelAs(dir.filePath(QStringLiteral("kept.weights.h5")), &error), qPrintable(error));
        const WeightFileInfo kept = openWeightFile(dir.filePath(QStringLiteral("kept.weights.h5")).toStdString());
        QVERIFY(gstest::sameBits(readGruWeights(kept, kept.layers.at(0)).kernel, second->kernel));
        QVERIFY(!w.reloadWeightFile(&error));
        QVERIFY2(error.contains(QStringLiteral("model.h5")), qPrintable(error));
        QCOMPARE(w.document()->weights(), second);
    }

    // A config opened over a Keras 2 weight file keeps the file's weights (they fit) and flavor
    // (the config names none); a second config replaces the first in the description.
    void configOverAWeightFileKeepsItsWeightsAndFlavor()
    {
        QTemporaryDir dir;
        MainWindow w(testOptions(dir));
        w.chooseLayer = [](const QString&, const QStringList&) { return 0; };
        w.show();
        QString error;
        QVERIFY2(w.openFile(weightFile("keras212_gru_no_reset_after_constructed.h5"), &error), qPrintable(error));
        QVERIFY(w.controller()->waitForIdle());
        const auto weights = w.document()->weights();
        const Flavor flavor = w.document()->config().flavor;
        QVERIFY(flavor != Flavor::Keras3);
        const QString config = dir.filePath(QStringLiteral("args.json"));
        {
            QFile f(config);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QStringLiteral("{\"units\": %1, \"reset_after\": false, \"go_backwards\": true}")
                        .arg(w.document()->config().units).toUtf8());
        }
        for (int i = 0; i < 2; ++i) {
            QVERIFY2(w.openFile(config, &error), qPrintable(error));
            QVERIFY(w.controller()->waitForIdle());
            QVERIFY(gstest::sameBits(w.document()->weights()->kernel, weights->kernel));
            QVERIFY(gstest::sameBits(w.document()->weights()->recurrentKernel, weights->recurrentKernel));
            QCOMPARE(w.document()->config().flavor, flavor);
            QVERIFY(w.document()->config().go_backwards);
            QCOMPARE(w.document()->origin().description.count(QStringLiteral("with the arguments of")), 1);
        }
    }

    // View ▸ Limits: the element limit refuses a larger weight file with the number, the trace cap
    // shortens the trace, and both persist in the settings; the dialog shows and returns them.
    void limitsApplyAndPersist()
    {
        QTemporaryDir dir;
        const WindowLimits saved = windowLimits();
        const auto restore = qScopeGuard([saved] { windowLimits() = saved; });
        {
            MainWindow w(testOptions(dir));
            w.show();
            QVERIFY(w.openExample(QStringLiteral("sine")));
            QVERIFY(w.controller()->waitForIdle());
            QVERIFY(!w.document()->result()->result.trace.truncated);
            WindowLimits l;
            l.maxElements = 10;
            l.traceCapBytes = 4096;
            l.parseTimeoutSeconds = 7;
            w.setLimits(l);
            QVERIFY(w.controller()->waitForIdle());
            QVERIFY(w.document()->result()->result.trace.truncated);
            QString error;
            QVERIFY(!w.openFile(weightFile("tfk_cudnngru.full.h5"), &error));
            QVERIFY2(error.contains(QStringLiteral("more than the limit of 10")), qPrintable(error));
            LimitsDialog dialog(windowLimits(), &w);
            QCOMPARE(dialog.limits().traceCapBytes, uint64_t(1) << 20); // shown in whole MiB (at least 1)
            QCOMPARE(dialog.limits().isolateFiles, true);
            QCOMPARE(dialog.limits().parseTimeoutSeconds, 7.0);
            QCOMPARE(dialog.limits().runMemoryBytes, int64_t(0)); // "this machine's memory"

            // A run over the memory allowed is refused before it starts, with the numbers; the
            // plots keep the last run.
            l.traceCapBytes = WindowLimits::kDefaultTraceCapBytes;
            l.runMemoryBytes = int64_t(1) << 20;
            w.setLimits(l);
            QVERIFY(w.controller()->waitForIdle());
            const auto before = w.document()->result();
            w.document()->setInput(ArrayF(Shape{64, 2000, w.document()->input().shape[2]}, 0.25f));
            QVERIFY(w.controller()->waitForIdle());
            QVERIFY2(w.bannerText().contains(QStringLiteral("more than the limit of 1 MiB set for runs")), qPrintable(w.bannerText()));
            QVERIFY2(w.bannerText().contains(QStringLiteral("needs about")), qPrintable(w.bannerText()));
            QCOMPARE(w.document()->result(), before);
            QCOMPARE(LimitsDialog(windowLimits(), &w).limits().runMemoryBytes, int64_t(1) << 20);
        }
        windowLimits() = WindowLimits{};
        MainWindow again(testOptions(dir));
        QCOMPARE(windowLimits().runMemoryBytes, int64_t(1) << 20);
        QCOMPARE(windowLimits().maxElements, int64_t(10));
        QCOMPARE(windowLimits().traceCapBytes, WindowLimits::kDefaultTraceCapBytes);
        QCOMPARE(windowLimits().parseTimeoutSeconds, 7.0);
    }

    // An engine error (a NaN in the input) shows in the window and keeps the last good run.
    void engineErrorKeepsThePreviousResult()
    {
        QTemporaryDir dir;
        MainWindow w(testOptions(dir));
        w.show();
        QVERIFY(w.openExample(QStringLiteral("sine")));
        QVERIFY(w.controller()->waitForIdle());
        const auto good = w.document()->result();
        w.document()->setInputValue(0, 3, 0, std::nanf(""));
        QVERIFY(w.controller()->waitForIdle());
        QCOMPARE(w.document()->result(), good);
        QVERIFY(!w.document()->lastError().isEmpty());
        QVERIFY2(w.bannerText().contains(QStringLiteral("NaN"), Qt::CaseInsensitive), qPrintable(w.bannerText()));
        w.document()->setInputValue(0, 3, 0, 0.25f);
        QVERIFY(w.controller()->waitForIdle());
        QVERIFY(w.document()->lastError().isEmpty());
        QVERIFY(w.document()->result() != good);
        QVERIFY(w.bannerText().isEmpty());
    }

    void sessionRoundTrips()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("work.gruscope.json"));
        GruConfig config;
        GruWeights weights;
        ArrayF input;
        {
            MainWindow w(testOptions(dir));
            QVERIFY(w.openExample(QStringLiteral("masked_sum")));
            QVERIFY(w.controller()->waitForIdle());
            Document* d = w.document();
            GruConfig c = d->config();
            c.go_backwards = true;
            c.dropout = 0.25;
            d->setConfig(c);
            d->setInputValue(1, 2, 0, 0.123456789f);
            d->setMaskCell(0, 1, false);
            d->setRandomStateSeed(99);
            d->setInitialStateMode(InitialStateMode::Random);
            d->setTraining(true);
            d->setDropoutSeed(12345678901234ull);
            d->setKerasVersion(QStringLiteral("3.3.3"));
            d->setAssumeGpu(true);
            QVERIFY(w.controller()->waitForIdle());
            d->setCurrentStep(4);
            d->setSelectedSample(1);
            d->setSelectedUnit(2);
            d->setPlottedUnits({0, 2});
            w.views()->setCurrentIndex(1);
            QString error;
            QVERIFY2(w.saveSessionAs(path, &error), qPrintable(error));
            QVERIFY(!d->modified());
            config = d->config();
            weights = *d->weights();
            input = d->input();
        }
        MainWindow w2(testOptions(dir));
        QVERIFY(w2.openExample(QStringLiteral("sine")));
        QString error;
        QVERIFY2(w2.openFile(path, &error), qPrintable(error));
        Document* d = w2.document();
        QCOMPARE(d->config(), config);
        QVERIFY(gstest::sameBits(d->weights()->kernel, weights.kernel));
        QVERIFY(gstest::sameBits(d->weights()->recurrentKernel, weights.recurrentKernel));
        QVERIFY(gstest::sameBits(d->weights()->bias, weights.bias));
        QVERIFY(gstest::sameBits(d->input(), input));
        QVERIFY(d->mask().has_value());
        QCOMPARE(int(d->mask()->data[1]), 0);
        QCOMPARE(d->initialStateMode(), InitialStateMode::Random);
        QCOMPARE(d->randomStateSeed(), uint64_t(99));
        QVERIFY(d->training());
        QCOMPARE(d->dropoutSeed(), uint64_t(12345678901234ull));
        QCOMPARE(QString::fromStdString(d->eligibilityContext().kerasVersion), QStringLiteral("3.3.3"));
        QVERIFY(d->assumeGpu());
        QCOMPARE(d->currentStep(), 4);
        QCOMPARE(d->selectedSample(), 1);
        QCOMPARE(d->selectedUnit(), 2);
        QCOMPARE(d->plottedUnits(), (QList<int>{0, 2}));
        QCOMPARE(w2.views()->currentIndex(), 1);
        QVERIFY(!d->modified());

        // A session that lies about its sizes is refused by name and changes nothing.
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QByteArray json = f.readAll();
        f.close();
        json.replace("\"dtype\": \"float32\"", "\"dtype\": \"float64\"");
        const QString broken = dir.filePath(QStringLiteral("broken.gruscope.json"));
        QFile b(broken);
        QVERIFY(b.open(QIODevice::WriteOnly));
        b.write(json);
        b.close();
        const GruConfig before = d->config();
        QVERIFY(!w2.openFile(broken, &error));
        QVERIFY2(error.contains(QStringLiteral("dtype")), qPrintable(error));
        QCOMPARE(d->config(), before);
    }

    // Work autosaved by a window that died (its marker names a process that is gone) is offered
    // and restored by the next window; a clean exit leaves nothing to recover.
    void autosaveRecoveryRestoresTheWork()
    {
        QTemporaryDir dir;
        const MainWindowOptions options = testOptions(dir);
        GruConfig edited;
        {
            auto* w = new MainWindow(options);
            QVERIFY(!w->offerRecovery(false)); // nothing to recover on a first start
            QVERIFY(w->openExample(QStringLiteral("parity")));
            GruConfig c = w->document()->config();
            c.units = 5;
            c.go_backwards = true;
            w->document()->setConfig(c);
            w->document()->setInputValue(0, 0, 0, 0.75f);
            edited = w->document()->config();
            QVERIFY(w->autosave()->saveNow());
            QVERIFY(QFile::exists(w->autosave()->autosavePath()));
            // Simulate a crash: the window goes away without its clean-exit path, and the marker
            // names a process that no longer exists.
            QProcess gone;
            gone.start(QStringLiteral("true"), {});
            QVERIFY(gone.waitForFinished());
            const qint64 deadPid = gone.processId() > 0 ? gone.processId() : 999999;
            QFile marker(w->autosave()->markerPath());
            QVERIFY(marker.open(QIODevice::WriteOnly | QIODevice::Truncate));
            marker.write(QByteArray::number(deadPid > 0 ? deadPid : 999999));
            marker.close();
            w->controller()->waitForIdle();
            // Destroy without closeEvent (no finishCleanly).
            w->setAttribute(Qt::WA_DeleteOnClose, false);
            delete w;
        }
        MainWindow w2(options);
        QVERIFY(!w2.autosave()->recoverableFile().isEmpty());
        QVERIFY(w2.offerRecovery(false));
        QCOMPARE(w2.document()->config(), edited);
        QCOMPARE(w2.document()->input().data[0], 0.75f);
        QVERIFY(w2.document()->modified());
        w2.close(); // clean exit
        QVERIFY(!QFile::exists(w2.autosave()->autosavePath()));
        MainWindow w3(options);
        QVERIFY(w3.autosave()->recoverableFile().isEmpty());
    }

    // Space, arrows and Home/End step when the focus is on the plots, not inside text fields.
    void keyboardStepping()
    {
        QTemporaryDir dir;
        MainWindow w(testOptions(dir));
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openExample(QStringLiteral("sine")));
        QVERIFY(w.controller()->waitForIdle());
        w.activateWindow();
        w.gateHeatmaps()->setFocus();
        QWidget* target = QApplication::focusWidget() ? QApplication::focusWidget() : &w;
        QCOMPARE(w.document()->currentStep(), 0);
        QTest::keyClick(target, Qt::Key_Right);
        QTest::keyClick(target, Qt::Key_Right);
        QCOMPARE(w.document()->currentStep(), 2);
        QTest::keyClick(target, Qt::Key_Left);
        QCOMPARE(w.document()->currentStep(), 1);
        QTest::keyClick(target, Qt::Key_End);
        QCOMPARE(w.document()->currentStep(), int(w.document()->steps()) - 1);
        QTest::keyClick(target, Qt::Key_Home);
        QCOMPARE(w.document()->currentStep(), 0);
        // In a spin box the arrows belong to the spin box.
        auto* units = qobject_cast<QSpinBox*>(w.argsPanel()->editor(QStringLiteral("units")));
        QVERIFY(units);
        units->setFocus();
        QTest::keyClick(units, Qt::Key_Right);
        QCOMPARE(w.document()->currentStep(), 0);
    }

    // A view hidden behind another dock's tab is not recomputed at every step (that time belongs
    // to the views the user watches); raised again, it shows the current step at once.
    void hiddenViewsWaitUntilShown()
    {
        QTemporaryDir dir;
        MainWindow w(testOptions(dir));
        w.resize(1200, 800); // small: the bars share a tab with the equations
        w.arrangeDocks(w.size());
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openExample(QStringLiteral("sine")));
        QVERIFY(w.controller()->waitForIdle());
        auto* barsDock = w.findChild<QDockWidget*>(QStringLiteral("barsDock"));
        auto* eqDock = w.findChild<QDockWidget*>(QStringLiteral("equationDock"));
        QVERIFY(barsDock && eqDock);
        barsDock->raise(); // seen once at step 0
        QTest::qWait(50);
        eqDock->raise();
        QTest::qWait(50);
        // (Qt keeps a dock tabbed behind another QWidget-visible; what is seen is its region.)
        QVERIFY(!w.equationView()->visibleRegion().isEmpty());
        QVERIFY(w.stepBars()->visibleRegion().isEmpty());

        const QString barsBefore = w.stepBars()->titleText();
        QVERIFY2(barsBefore.startsWith(QStringLiteral("step 0 ")), qPrintable(barsBefore));
        w.document()->setCurrentStep(7);
        QApplication::processEvents();
        QCOMPARE(w.equationView()->terms().step, int64_t(7)); // visible: follows at once
        QCOMPARE(w.stepBars()->titleText(), barsBefore);       // hidden: waits

        barsDock->raise();
        QTest::qWait(50);
        QVERIFY2(w.stepBars()->titleText().startsWith(QStringLiteral("step 7 ")), qPrintable(w.stepBars()->titleText()));
        // And now the equations are the hidden ones.
        w.document()->setCurrentStep(9);
        QApplication::processEvents();
        QCOMPARE(w.equationView()->terms().step, int64_t(7));
        eqDock->raise();
        QTest::qWait(50);
        QCOMPARE(w.equationView()->terms().step, int64_t(9));
    }

    void darkThemeColoursThePlots()
    {
        QTemporaryDir dir;
        MainWindow w(testOptions(dir));
        QVERIFY(w.openExample(QStringLiteral("sine")));
        QVERIFY(w.controller()->waitForIdle());
        w.setTheme(Theme::Dark);
        const QColor base = QApplication::palette().color(QPalette::Base);
        QVERIFY(base.lightness() < 80);
        const auto plots = w.findChildren<QCustomPlot*>();
        QVERIFY(plots.size() >= 4);
        for (QCustomPlot* p : plots)
            for (QCPAxisRect* r : p->axisRects())
                QCOMPARE(r->backgroundBrush().color(), base);
        w.setTheme(Theme::Light);
        QVERIFY(QApplication::palette().color(QPalette::Base).lightness() > 200);
    }

    // Layout, theme and recent files are kept between runs.
    void settingsPersistBetweenRuns()
    {
        QTemporaryDir dir;
        MainWindowOptions options = testOptions(dir);
        options.restoreLayout = true;
        {
            MainWindow w(options);
            w.resize(1000, 700);
            w.show();
            QVERIFY(QTest::qWaitForWindowExposed(&w));
            // Away from the default layout: the wide arrangement puts the bars under the views.
            w.arrangeDocks(QSize(1920, 1080));
            w.findChild<QDockWidget*>(QStringLiteral("linesDock"))->hide();
            w.setTheme(Theme::Dark);
            QVERIFY(w.openFile(weightFile("k3_gru_dense.keras")));
            QVERIFY(w.controller()->waitForIdle());
            QVERIFY(w.close());
        }
        MainWindow again(options);
        again.show();
        QVERIFY(QTest::qWaitForWindowExposed(&again));
        QCOMPARE(again.theme(), Theme::Dark);
        auto* bars = again.findChild<QDockWidget*>(QStringLiteral("barsDock"));
        auto* eq = again.findChild<QDockWidget*>(QStringLiteral("equationDock"));
        QVERIFY(!again.findChild<QDockWidget*>(QStringLiteral("linesDock"))->isVisible());
        // The default has the bars in a tab beside the equations; the saved layout has them below.
        QCOMPARE(again.dockWidgetArea(bars), Qt::BottomDockWidgetArea);
        QVERIFY(!again.tabifiedDockWidgets(eq).contains(bars));
        QVERIFY(bars->isVisible());
        QVERIFY(eq->isVisible());
        QCOMPARE(again.size(), QSize(1000, 700));
        QCOMPARE(again.recentFiles().value(0), QFileInfo(weightFile("k3_gru_dense.keras")).absoluteFilePath());
        again.setTheme(Theme::Light);
    }

    // Every view's figure and numbers can be exported in every offered format, and the files hold
    // what the view shows.
    void everyViewExports_data()
    {
        QTest::addColumn<QString>("view");
        for (const char* v : {"gates", "lines", "bars", "weights", "compare", "saturation"})
            QTest::newRow(v) << QString::fromLatin1(v);
    }
    void everyViewExports()
    {
        QFETCH(QString, view);
        QTemporaryDir dir;
        MainWindow w(testOptions(dir));
        w.resize(1280, 800);
        w.show();
        QVERIFY(w.openExample(QStringLiteral("masked_sum")));
        QVERIFY(w.controller()->waitForIdle());
        Exportable* e = view == "gates"     ? static_cast<Exportable*>(w.gateHeatmaps())
                        : view == "lines"   ? static_cast<Exportable*>(w.unitLines())
                        : view == "bars"    ? static_cast<Exportable*>(w.stepBars())
                        : view == "weights" ? static_cast<Exportable*>(w.weightsView())
                        : view == "saturation" ? static_cast<Exportable*>(w.saturationView())
                                            : static_cast<Exportable*>(w.compareView());
        if (view == "compare") {
            w.compareView()->runComparison(2);
            QTRY_VERIFY_WITH_TIMEOUT(!w.compareView()->running(), 60000);
        }
        QVERIFY(e->exportPlot());

        // PNG at twice the size asked for, with the plot's own background and more than one colour.
        const QString png = dir.filePath(view + QStringLiteral(".png"));
        savePlotFigure(e->exportPlot(), png, 800, 500);
        const QImage img(png);
        QCOMPARE(img.size(), QSize(1600, 1000));
        QCOMPARE(img.pixelColor(2, 2), QApplication::palette().color(QPalette::Base)); // the themed background
        QSet<QRgb> colours;
        for (int y = 0; y < img.height(); y += 9)
            for (int x = 0; x < img.width(); x += 9)
                colours.insert(img.pixel(x, y));
        QVERIFY2(colours.size() > 10, qPrintable(QString::number(colours.size())));
        // PDF and SVG: what their readers expect at the start, at the size asked for.
        const QString pdf = dir.filePath(view + QStringLiteral(".pdf"));
        savePlotFigure(e->exportPlot(), pdf, 800, 500);
        QFile p(pdf);
        QVERIFY(p.open(QIODevice::ReadOnly));
        QVERIFY(p.read(5) == "%PDF-");
        const QString svg = dir.filePath(view + QStringLiteral(".svg"));
        savePlotFigure(e->exportPlot(), svg, 800, 500);
        QFile sv(svg);
        QVERIFY(sv.open(QIODevice::ReadOnly));
        const QByteArray svgText = sv.readAll();
        QVERIFY(svgText.contains("<svg"));
        QVERIFY(svgText.contains("viewBox=\"0 0 800 500\""));

        // The numbers: .npz holds every table bit for bit, .csv the first with its header.
        const auto tables = e->exportData();
        QVERIFY(!tables.empty());
        const QString npz = dir.filePath(view + QStringLiteral(".npz"));
        saveShownData(tables, npz);
        const auto back = npy::readNpz(npz.toStdString());
        QCOMPARE(back.size(), tables.size());
        for (size_t i = 0; i < tables.size(); ++i) {
            QCOMPARE(QString::fromStdString(back[i].first), tables[i].name);
            const ArrayD a = back[i].second.toDouble();
            QCOMPARE(a.shape, (Shape{tables[i].rows, tables[i].columns}));
            for (size_t k = 0; k < a.data.size(); ++k)
                QVERIFY(a.data[k] == tables[i].values[k] || (std::isnan(a.data[k]) && std::isnan(tables[i].values[k])));
        }
        const QString csv = dir.filePath(view + QStringLiteral(".csv"));
        saveShownData({tables.front()}, csv);
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
        QCOMPARE(int64_t(lines.size()), tables.front().rows + (tables.front().columnNames.isEmpty() ? 0 : 1));
        // An unknown format is refused by name and writes nothing.
        const QString bad = dir.filePath(QStringLiteral("fig.bmpx"));
        QVERIFY_THROWS_EXCEPTION(gruscope::Error, savePlotFigure(e->exportPlot(), bad));
        QVERIFY(!QFile::exists(bad));
    }

    // The error banner follows the theme: pale red on the light theme, dark red on the dark one,
    // also when the theme changes while it is shown.
    void errorBannerFollowsTheTheme_data()
    {
        QTest::addColumn<int>("first");
        QTest::addColumn<int>("then");
        QTest::newRow("light") << int(Theme::Light) << int(Theme::Light);
        QTest::newRow("dark") << int(Theme::Dark) << int(Theme::Dark);
        QTest::newRow("light, then dark") << int(Theme::Light) << int(Theme::Dark);
        QTest::newRow("dark, then light") << int(Theme::Dark) << int(Theme::Light);
    }
    void errorBannerFollowsTheTheme()
    {
        QFETCH(int, first);
        QFETCH(int, then);
        QTemporaryDir dir;
        MainWindow w(testOptions(dir));
        w.resize(1280, 800);
        w.show();
        w.setTheme(Theme(first));
        QVERIFY(w.openExample(QStringLiteral("sine")));
        QVERIFY(w.controller()->waitForIdle());
        w.document()->setInputValue(0, 3, 0, std::nanf(""));
        QVERIFY(w.controller()->waitForIdle());
        QVERIFY(!w.bannerText().isEmpty());
        w.setTheme(Theme(then));
        auto* banner = w.findChild<QLabel*>(QStringLiteral("errorBanner"));
        QVERIFY(banner && banner->isVisible());
        // The banner's most common colour is its background; its text must stand out from it.
        const QImage img = banner->grab().toImage();
        QHash<QRgb, int> counts;
        for (int y = 2; y < img.height() - 2; ++y)
            for (int x = 2; x < img.width() - 2; ++x)
                ++counts[img.pixel(x, y)];
        QRgb background = 0;
        for (auto it = counts.cbegin(); it != counts.cend(); ++it)
            if (it.value() > counts.value(background))
                background = it.key();
        const QColor bg = QColor::fromRgb(background);
        const QColor window = QApplication::palette().color(QPalette::Window);
        if (Theme(then) == Theme::Dark)
            QVERIFY2(bg.lightness() < 100, qPrintable(bg.name()));
        else
            QVERIFY2(bg.lightness() > 200, qPrintable(bg.name()));
        QVERIFY2(bg.red() > bg.green() + 20 && bg.red() > bg.blue() + 20, qPrintable(bg.name())); // red, an error
        QVERIFY2(bg != window, qPrintable(bg.name()));
        // The text: of the colours drawn often enough to be glyphs, the one furthest from the background.
        int contrast = 0;
        for (auto it = counts.cbegin(); it != counts.cend(); ++it)
            if (it.value() >= 20)
                contrast = std::max(contrast, std::abs(QColor::fromRgb(it.key()).lightness() - bg.lightness()));
        QVERIFY2(contrast > 120, qPrintable(QString::number(contrast)));
        w.setTheme(Theme::Light);
    }

    // A run too large to trace every sample traces the selected one, says so, and traces another
    // sample when it is selected.
    void largeRunTracesTheSelectedSample()
    {
        QTemporaryDir dir;
        MainWindow w(testOptions(dir));
        Document* d = w.document();
        GruConfig c;
        c.units = 256;
        d->setModel(c, initializeWeights(c, 4, 1), ModelOrigin{});
        ArrayF x(Shape{40, 500, 4}, 0.25f);
        d->setInput(x);
        d->setSelectedSample(7);
        QVERIFY(w.controller()->waitForIdle(120000));
        auto r = d->result();
        QVERIFY(r);
        QCOMPARE(r->result.trace.samples, (std::vector<int64_t>{7}));
        QVERIFY2(r->notes.join(QLatin1Char(' ')).contains(QStringLiteral("selected sample 7")),
                 qPrintable(r->notes.join(QLatin1Char(' '))));
        QCOMPARE(r->result.output.shape, (Shape{40, 256})); // every sample still runs
        d->setSelectedSample(12);
        QVERIFY(w.controller()->waitForIdle(120000));
        QCOMPARE(d->result()->result.trace.samples, (std::vector<int64_t>{12}));
    }

    // Without any display (a server, ssh, CI), --help and --screenshot still work: the program
    // picks Qt's offscreen platform itself rather than aborting in QApplication.
    void helpAndScreenshotWithoutADisplay()
    {
        const QByteArray app = qgetenv("GRUSCOPE_APP");
        if (app.isEmpty())
            QSKIP("GRUSCOPE_APP is not set (CTest sets it)");
        QTemporaryDir dir;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const char* var : {"QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"})
            env.remove(QString::fromLatin1(var));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), dir.filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("XDG_DATA_HOME"), dir.filePath(QStringLiteral("data")));
        QProcess help;
        help.setProcessEnvironment(env);
        help.start(QString::fromLocal8Bit(app), {QStringLiteral("--help")});
        QVERIFY(help.waitForFinished(60000));
        QVERIFY2(help.exitStatus() == QProcess::NormalExit && help.exitCode() == 0, help.readAllStandardError().constData());
        QVERIFY(help.readAllStandardOutput().contains("--screenshot"));
        QProcess shot;
        shot.setProcessEnvironment(env);
        const QString out = dir.filePath(QStringLiteral("nodisplay.png"));
        shot.start(QString::fromLocal8Bit(app), {QStringLiteral("--screenshot"), out, QStringLiteral("--example"), QStringLiteral("parity")});
        QVERIFY(shot.waitForFinished(120000));
        QVERIFY2(shot.exitStatus() == QProcess::NormalExit && shot.exitCode() == 0, shot.readAllStandardError().constData());
        QCOMPARE(QImage(out).size(), QSize(1280, 800));
    }

    // The real executable renders the window to a PNG and exits.
    void screenshotMode()
    {
        const QByteArray app = qgetenv("GRUSCOPE_APP");
        if (app.isEmpty())
            QSKIP("GRUSCOPE_APP is not set (CTest sets it)");
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("window.png"));
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), dir.filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("XDG_DATA_HOME"), dir.filePath(QStringLiteral("data")));
        p.setProcessEnvironment(env);
        p.start(QString::fromLocal8Bit(app),
                {QStringLiteral("--screenshot"), out, QStringLiteral("--size"), QStringLiteral("1280x800"),
                 weightFile("k3_gru_dense.keras")});
        QVERIFY(p.waitForFinished(120000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        const QImage img(out);
        QCOMPARE(img.size(), QSize(1280, 800));
        // Not a blank image: many distinct colours.
        QSet<QRgb> colours;
        for (int y = 0; y < img.height(); y += 7)
            for (int x = 0; x < img.width(); x += 7)
                colours.insert(img.pixel(x, y));
        QVERIFY2(colours.size() > 50, qPrintable(QString::number(colours.size())));

        // A file that cannot be opened: the window is still rendered, on the example with the
        // error in its banner (a reddish strip across the centre, as in the window), and the exit
        // status is 2 with a message naming the file.
        QProcess bad;
        bad.setProcessEnvironment(env);
        const QString out2 = dir.filePath(QStringLiteral("bad.png"));
        bad.start(QString::fromLocal8Bit(app), {QStringLiteral("--screenshot"), out2, dir.filePath(QStringLiteral("nope.h5"))});
        QVERIFY(bad.waitForFinished(60000));
        QCOMPARE(bad.exitCode(), 2);
        QVERIFY(bad.readAllStandardError().contains("nope.h5"));
        const QImage shown(out2);
        QCOMPARE(shown.size(), QSize(1280, 800));
        int reddish = 0;
        for (int y = 60; y < 160; ++y)
            for (int x = 340; x < 940; x += 3) {
                const QColor c = shown.pixelColor(x, y);
                reddish += c.red() > 240 && c.red() - c.green() > 15 && c.red() - c.blue() > 15 ? 1 : 0;
            }
        QVERIFY2(reddish > 2000, qPrintable(QString::number(reddish)));
    }

    // The first file (from the command line) fails: there was no model to keep, so the banner
    // says what the window shows instead of "nothing was changed".
    void failedFirstOpenSaysWhatIsShown()
    {
        QTemporaryDir dir;
        MainWindow w(testOptions(dir));
        QString error;
        QVERIFY(!w.openFile(dir.filePath(QStringLiteral("nope.h5")), &error));
        QVERIFY2(w.bannerText().startsWith(QStringLiteral("Could not open nope.h5: ")), qPrintable(w.bannerText()));
        QVERIFY2(w.bannerText().endsWith(QStringLiteral("The window shows a bundled example instead.")), qPrintable(w.bannerText()));
    }
};

QTEST_MAIN(TstGuiWindow)
#include "tst_gui_window.moc"
