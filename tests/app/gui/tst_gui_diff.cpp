// File ▸ Compare weights with… and the Weight diff tab: a file against itself is identical; an
// edit in the window shows up live in the blocks, the most changed units (a click selects the
// unit) and the overlay of B's run; another shape says why it cannot be compared; a bad file
// leaves the window as it was.
#include "main_window.h"
#include "window_test_options.h"
#include "model/document.h"
#include "model/run_controller.h"
#include "plots/diff_view.h"

#include "plot_checks.h"
#include "test_support.h"

#include <QListWidget>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace gsui;

namespace {

QString weightFile(const char* name) { return QString::fromStdString(gstest::dataPath(std::string("weightfiles/") + name)); }

} // namespace

class TstGuiDiff : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void oneInputKernelIsDrawn();

    void diffFollowsEditsAndSelectsUnits()
    {
        QTemporaryDir dir;
        const MainWindowOptions o = gstest::windowOptions(dir, true);
        MainWindow w(o);
        w.chooseLayer = [](const QString&, const QStringList& labels) { return labels.size() - 1; };
        w.show();
        const QString file = weightFile("k3_gru_dense.keras");
        QString error;
        QVERIFY2(w.openFile(file, &error), qPrintable(error));
        QVERIFY(w.controller()->waitForIdle());
        DiffView* v = w.diffView();
        QVERIFY(!v->hasOther());

        // The file before any edit: identical.
        QVERIFY2(w.compareWeightsWith(file, &error), qPrintable(error));
        QVERIFY(v->isVisible()); // its tab is the one shown
        QVERIFY2(v->summaryText().contains(QStringLiteral("Identical")), qPrintable(v->summaryText()));
        QCOMPARE(v->blockTable()->rowCount(), 12); // kernel, recurrent kernel: z r h; bias: 2 × 3
        QTRY_VERIFY_WITH_TIMEOUT(!v->runningB() && !v->overlayB().empty(), 10000);
        QCOMPARE(v->overlayA(), v->overlayB());

        // An edit in the window: one weight of unit 2's reset gate (kernel column U + 2).
        gruscope::GruWeights edited = *w.document()->weights();
        const int64_t U = w.document()->config().units, G = 3 * U;
        edited.kernel.data[size_t(0 * G + U + 2)] += 0.75f;
        w.document()->setWeights(edited);
        QVERIFY(w.controller()->waitForIdle());
        QVERIFY2(v->summaryText().contains(QStringLiteral("1 of")), qPrintable(v->summaryText()));
        QCOMPARE(v->blockTable()->item(1, 0)->text(), QStringLiteral("kernel[r]"));
        QCOMPARE(v->blockTable()->item(1, 3)->text(), QStringLiteral("1"));
        QCOMPARE(v->blockTable()->item(0, 3)->text(), QStringLiteral("0"));
        QVERIFY(v->unitList()->count() >= 1);
        QVERIFY2(v->unitList()->item(0)->text().startsWith(QStringLiteral("unit 2 ")), qPrintable(v->unitList()->item(0)->text()));
        w.document()->setSelectedUnit(0);
        QTest::mouseClick(v->unitList()->viewport(), Qt::LeftButton, {}, v->unitList()->visualItemRect(v->unitList()->item(0)).center());
        QCOMPARE(w.document()->selectedUnit(), 2);
        // The overlay: A (edited) and B (the file) now run apart for unit 2.
        QTRY_VERIFY_WITH_TIMEOUT(!v->runningB(), 10000);
        QCOMPARE(v->overlayA().size(), v->overlayB().size());
        QVERIFY(v->overlayA() != v->overlayB());
        QCOMPARE(int(v->exportData().front().rows), 12);
        // GRUSCOPE_SCREENSHOT_DIR: keep a picture of the window on this tab to look at.
        if (const QString shots = qEnvironmentVariable("GRUSCOPE_SCREENSHOT_DIR"); !shots.isEmpty()) {
            w.resize(1400, 900);
            QTest::qWait(50);
            QVERIFY(w.grab().save(shots + QStringLiteral("/weight-diff.png")));
        }

        // Another shape: said, not compared, and no empty frames shown.
        QVERIFY2(w.compareWeightsWith(weightFile("k3_two_gru.keras"), &error), qPrintable(error));
        QVERIFY2(v->summaryText().contains(QStringLiteral("\nCannot compare weights of different shapes: kernel (")),
                 qPrintable(v->summaryText()));
        QVERIFY(!v->diff());
        QVERIFY(!v->plot()->isVisible() && !v->blockTable()->isVisible() && !v->unitList()->isVisible());

        // A file that does not open: the previous comparison stays, the banner says why.
        QVERIFY(!w.compareWeightsWith(dir.filePath(QStringLiteral("missing.h5")), &error));
        QVERIFY2(w.bannerText().startsWith(QStringLiteral("Could not compare with missing.h5")), qPrintable(w.bannerText()));
        QVERIFY(v->hasOther());
    }
};

// A kernel of one input row (the parity example) against another model of the same shapes: each
// Δ heatmap has its cells, whole, inside its axes (a single-row map used to be drawn empty).
void TstGuiDiff::oneInputKernelIsDrawn()
{
    QTemporaryDir dir;
    MainWindow w(gstest::windowOptions(dir, true));
    w.resize(1400, 900);
    w.show();
    QVERIFY(w.openExample(QStringLiteral("parity")));
    QVERIFY(w.controller()->waitForIdle());
    QCOMPARE(w.document()->weights()->kernel.shape.at(0), int64_t(1));
    QString error;
    const QString other = QStringLiteral(GRUSCOPE_SOURCE_DIR "/resources/examples/masked_sum/model.keras");
    QVERIFY2(w.compareWeightsWith(other, &error), qPrintable(error));
    DiffView* v = w.diffView();
    QVERIFY2(v->diff() && !v->diff()->identical, qPrintable(v->summaryText()));
    QVERIFY(v->plot()->isVisible());
    const int64_t G = 3 * w.document()->config().units;
    for (auto [map, rows] : {std::pair{v->kernelMap(), int64_t(1)}, std::pair{v->recurrentMap(), G / 3}}) {
        QCOMPARE(map->data()->keySize(), int(G));
        QCOMPARE(map->data()->valueSize(), int(rows));
        QVERIFY(map->data()->keyRange().size() > 0 && map->data()->valueRange().size() > 0);
        QCOMPARE(map->keyAxis()->range().lower, -0.5);
        QCOMPARE(map->keyAxis()->range().upper, double(G) - 0.5);
        QCOMPARE(map->valueAxis()->range().lower, -0.5);
        QCOMPARE(map->valueAxis()->range().upper, double(rows) - 0.5);
    }
    // The one row is painted, in its value's colour.
    gstest::verifyCellDrawn(w, v->plot(), v->kernelMap(), 0, 0);
    gstest::verifyCellDrawn(w, v->plot(), v->kernelMap(), int(G) - 1, 0);
}

QTEST_MAIN(TstGuiDiff)
#include "tst_gui_diff.moc"
