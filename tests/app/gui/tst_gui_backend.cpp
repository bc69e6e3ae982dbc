// Which backend the window runs, driven through the selector beside the flavor: auto runs what
// the engine's auto picks here and the status line says so; an explicit choice runs on it and the
// status names it; a choice that cannot run here shows the engine's own error in the banner and
// keeps the previous result (never a silent fallback); sessions keep the choice, and one saved
// before the choice existed opens as auto. A GPU run's line, heatmap title and equations say that
// the gates were rebuilt on the CPU (checked with a published result, so it runs without a GPU).
#include "main_window.h"
#include "window_test_options.h"
#include "model/document.h"
#include "model/run_controller.h"
#include "model/run_request.h"
#include "panels/args_panel.h"
#include "panels/backend_selector.h"
#include "panels/equation_view.h"
#include "plots/gate_heatmaps.h"

#include "gruscope/device.h"
#include "gruscope/error.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>

using namespace gsui;
using namespace gruscope;

namespace {

MainWindowOptions testOptions(const QTemporaryDir& dir) { return gstest::windowOptions(dir, false); }

BackendSelector* selector(MainWindow& w)
{
    return qobject_cast<BackendSelector*>(w.argsPanel()->editor(QStringLiteral("backend")));
}

// Picks a backend in the selector as a user does: focus it, then arrow keys until it is current.
bool choose(MainWindow& w, const QString& name)
{
    BackendSelector* combo = selector(w);
    const int target = combo ? combo->findData(name) : -1;
    if (target < 0)
        return false;
    combo->setFocus();
    while (combo->currentIndex() != target)
        QTest::keyClick(combo, combo->currentIndex() < target ? Qt::Key_Down : Qt::Key_Up);
    return true;
}

// What the engine says when `kind` is asked to run the document's call (empty when it runs).
QString engineError(const Document& doc, BackendKind kind, ErrorCode* code)
{
    GruLayer layer(doc.config(), *doc.weights());
    try {
        layer.call(callInputsFor(makeRunRequest(doc), nullptr), kind);
    } catch (const Error& e) {
        *code = e.code();
        return QString::fromUtf8(e.what());
    }
    return {};
}

} // namespace

class TstGuiBackend : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void autoRunsWhatTheEngineChoosesAndSaysSo()
    {
        QTemporaryDir dir;
        MainWindow w(testOptions(dir));
        w.show();
        QVERIFY(w.openExample(QStringLiteral("sine")));
        QVERIFY(w.controller()->waitForIdle());
        Document* d = w.document();
        QCOMPARE(d->backend(), BackendKind::Auto);
        QCOMPARE(selector(w)->currentData().toString(), QStringLiteral("auto"));
        GruLayer layer(d->config(), *d->weights());
        const BackendSupport pick = layer.supports(callInputsFor(makeRunRequest(*d), nullptr), BackendKind::Auto);
        QVERIFY(pick.ok);
        const QString chosen = QString::fromStdString(pick.reason);
        if (!probeDevice().cudaUsable)
            QCOMPARE(chosen, QStringLiteral("cpu"));
        const auto r = d->result();
        QVERIFY(r);
        QCOMPARE(QString::fromStdString(r->result.backend), chosen);
        QVERIFY2(w.runStatusText().startsWith(QStringLiteral("%1 backend (chosen by auto) · ").arg(chosen)),
                 qPrintable(w.runStatusText()));
        // Auto's reasons are in the line's tooltip.
        QVERIFY(r->notes.join(QLatin1Char(' ')).contains(QStringLiteral("backend auto chose %1").arg(chosen)));
    }

    // The passing message is for what the run line does not say. Auto's choice was dropped only
    // when it was the engine's first note, so a layer with dropout (whose inference note comes
    // first) showed "backend auto chose cpu (cudnn: …; cuda: …)", cut off at any window width.
    void autosChoiceIsNotThePassingMessage()
    {
        QTemporaryDir dir;
        MainWindow w(testOptions(dir));
        w.show();
        QVERIFY(w.openExample(QStringLiteral("sine")));
        QVERIFY(w.controller()->waitForIdle());
        Document* d = w.document();
        GruConfig c = d->config();
        c.dropout = 0.25;
        d->setConfig(c);
        QTRY_VERIFY(d->result() && d->result()->config.dropout == 0.25);
        QVERIFY(d->result()->notes.join(QLatin1Char(' ')).contains(QStringLiteral("backend auto chose")));
        QTRY_VERIFY2(w.statusBar()->currentMessage().contains(QStringLiteral("dropout is not applied")),
                     qPrintable(w.statusBar()->currentMessage()));
    }

    void anExplicitChoiceRunsAndIsNamed_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("reference") << "reference";
        QTest::newRow("cpu") << "cpu";
    }
    void anExplicitChoiceRunsAndIsNamed()
    {
        QFETCH(QString, name);
        QTemporaryDir dir;
        MainWindow w(testOptions(dir));
        w.show();
        QVERIFY(w.openExample(QStringLiteral("parity")));
        QVERIFY(w.controller()->waitForIdle());
        const auto before = w.document()->result();
        QVERIFY(choose(w, name));
        QCOMPARE(QString::fromLatin1(backendName(w.document()->backend())), name);
        QVERIFY(w.controller()->waitForIdle());
        const auto r = w.document()->result();
        QVERIFY(r && r != before); // the choice ran the layer again
        QCOMPARE(QString::fromStdString(r->result.backend), name);
        QVERIFY2(w.runStatusText().startsWith(QStringLiteral("%1 backend · ").arg(name)), qPrintable(w.runStatusText()));
        QVERIFY(w.bannerText().isEmpty());
        if (name == QLatin1String("reference"))
            QVERIFY(!r->result.output64.data.empty()); // it really ran in float64
    }

    // A backend that cannot run here: the engine's message in the banner, the last result kept.
    void aChoiceThatCannotRunShowsTheEngineError_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("cudnn") << "cudnn";
        QTest::newRow("cuda") << "cuda";
    }
    void aChoiceThatCannotRunShowsTheEngineError()
    {
        QFETCH(QString, name);
        QTemporaryDir dir;
        MainWindow w(testOptions(dir));
        w.show();
        QVERIFY(w.openExample(QStringLiteral("sine")));
        QVERIFY(w.controller()->waitForIdle());
        Document* d = w.document();
        ErrorCode code = ErrorCode::Internal;
        const QString expected = engineError(*d, *backendFromName(name.toStdString()), &code);
        if (expected.isEmpty())
            QSKIP("this backend runs here (a GPU is usable)");
        if (!probeDevice().cudaUsable)
            QCOMPARE(code, ErrorCode::DeviceUnavailable);
        const auto good = d->result();
        const QString goodStatus = w.runStatusText();

        QVERIFY(choose(w, name));
        QVERIFY(w.controller()->waitForIdle());
        QCOMPARE(d->result(), good); // nothing ran elsewhere in its place
        QCOMPARE(d->lastError(), expected);
        QVERIFY2(w.bannerText().contains(expected), qPrintable(w.bannerText()));
        QVERIFY2(w.bannerText().contains(QStringLiteral("last successful run")), qPrintable(w.bannerText()));
        QCOMPARE(w.runStatusText(), goodStatus); // still the run on screen
        if (!probeDevice().cudaUsable)
            QVERIFY(expected.contains(QString::fromStdString(probeDevice().reason)));

        // Back to auto: it runs, and the banner goes.
        QVERIFY(choose(w, QStringLiteral("auto")));
        QVERIFY(w.controller()->waitForIdle());
        QVERIFY(d->result() != good);
        QVERIFY(w.bannerText().isEmpty());
    }

    void sessionsKeepTheChoice()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("work.gruscope.json"));
        {
            MainWindow w(testOptions(dir));
            QVERIFY(w.openExample(QStringLiteral("masked_sum")));
            QVERIFY(choose(w, QStringLiteral("reference")));
            QVERIFY(w.controller()->waitForIdle());
            QString error;
            QVERIFY2(w.saveSessionAs(path, &error), qPrintable(error));
        }
        {
            MainWindow w(testOptions(dir));
            QString error;
            QVERIFY2(w.openFile(path, &error), qPrintable(error));
            QCOMPARE(w.document()->backend(), BackendKind::Reference);
            QTRY_COMPARE(selector(w)->currentData().toString(), QStringLiteral("reference"));
            QVERIFY(w.controller()->waitForIdle());
            QVERIFY2(w.runStatusText().startsWith(QStringLiteral("reference backend · ")), qPrintable(w.runStatusText()));
        }

        // The same session as an older GruScope wrote it, without the field: auto.
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QJsonObject root = QJsonDocument::fromJson(f.readAll()).object();
        f.close();
        QVERIFY(root.contains(QStringLiteral("backend")));
        root.remove(QStringLiteral("backend"));
        const QString old = dir.filePath(QStringLiteral("old.gruscope.json"));
        QFile o(old);
        QVERIFY(o.open(QIODevice::WriteOnly));
        o.write(QJsonDocument(root).toJson());
        o.close();
        MainWindow w(testOptions(dir));
        QVERIFY(choose(w, QStringLiteral("cpu")));
        QString error;
        QVERIFY2(w.openFile(old, &error), qPrintable(error));
        QCOMPARE(w.document()->backend(), BackendKind::Auto);
        QTRY_COMPARE(selector(w)->currentData().toString(), QStringLiteral("auto"));
    }

    // What a GPU run shows, from a result as the engine returns one for cudnn: the device and copy
    // times, and that the gates were rebuilt on the CPU — in the status line, the heatmaps' title
    // and the equations.
    void aRebuiltTraceIsSaid()
    {
        QTemporaryDir dir;
        MainWindow w(testOptions(dir));
        w.show();
        QVERIFY(w.openExample(QStringLiteral("sine")));
        QVERIFY(w.controller()->waitForIdle());
        QVERIFY(!w.gateHeatmaps()->titleText().contains(QStringLiteral("rebuilt")));
        QVERIFY(!w.equationView()->plainText().contains(QStringLiteral("rebuilt")));
        auto gpu = std::make_shared<RunOutcome>(*w.document()->result());
        gpu->requestedBackend = BackendKind::Cudnn;
        gpu->result.backend = "cudnn";
        gpu->result.seconds = 0.004;
        gpu->result.transferSeconds = 0.001;
        gpu->result.deviceSeconds = 0.002;
        gpu->result.trace.rebuilt = true;
        const QString line = MainWindow::runStatusLine(*gpu, 12.5);
        QVERIFY2(line.startsWith(QStringLiteral("cudnn backend · 4.00 ms forward (2.00 ms on the device, 1.00 ms copies)")),
                 qPrintable(line));
        QVERIFY2(line.endsWith(QStringLiteral(" · gates rebuilt on the CPU from the GPU's states")), qPrintable(line));
        gpu->requestedBackend = BackendKind::Auto;
        QVERIFY(MainWindow::runStatusLine(*gpu, 12.5).startsWith(QStringLiteral("cudnn backend (chosen by auto) · ")));

        w.document()->publishResult(gpu);
        QVERIFY2(w.gateHeatmaps()->titleText().contains(QStringLiteral("cudnn: gates rebuilt on the CPU from the GPU's states")),
                 qPrintable(w.gateHeatmaps()->titleText()));
        QVERIFY2(w.equationView()->plainText().contains(QStringLiteral("cudnn ran the layer, its gates rebuilt on the CPU")),
                 qPrintable(w.equationView()->plainText()));
    }
};

QTEST_MAIN(TstGuiBackend)
#include "tst_gui_backend.moc"
