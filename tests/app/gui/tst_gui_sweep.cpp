// Run ▸ Timing sweep…: the dialog times a small grid off the UI thread, shows every point and a
// curve per backend for the chosen (T, B), says why there is no crossover without a GPU, saves
// the CSV the CLI writes, refuses a bad grid in words, and cancels.
#include "main_window.h"
#include "window_test_options.h"
#include "sweep_dialog.h"
#include "plots/sweep_view.h"

#include <qcustomplot.h>

#include <QFile>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace gsui;

class TstGuiSweep : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void sweepsAGridAndShowsIt()
    {
        QTemporaryDir dir;
        const MainWindowOptions o = gstest::windowOptions(dir, true);
        MainWindow w(o);
        w.show();
        w.openSweep();
        SweepDialog* d = w.sweepDialog();
        QVERIFY(d && d->isVisible());
        d->setGrid(QStringLiteral("4, 6"), QStringLiteral("1,2"), QStringLiteral("3, 5, 9"));
        d->setRepeats(0, 1);
        d->start();
        QVERIFY(d->running());
        QTRY_VERIFY_WITH_TIMEOUT(!d->running(), 60000);
        QCOMPARE(d->statusText(), QStringLiteral("12 points timed.")); // 2 × 2 × 3 on cpu (reference off)
        SweepView* v = d->view();
        QCOMPARE(v->table()->rowCount(), 12);
        QCOMPARE(v->table()->item(0, 3)->text(), QStringLiteral("cpu"));
        // The largest T and B are plotted first: one curve (cpu) through the three U.
        QCOMPARE(v->shownT(), int64_t(6));
        QCOMPARE(v->shownB(), int64_t(2));
        const auto curves = v->curves();
        QCOMPARE(int(curves.size()), 1);
        QCOMPARE(curves[0].first, QStringLiteral("cpu"));
        QCOMPARE(int(curves[0].second.size()), 3);
        QCOMPARE(curves[0].second[2].first, 9.0);
        QVERIFY(v->titleText().contains(QStringLiteral("no crossover: no GPU backend ran")));
        QVERIFY(v->titleText().contains(QStringLiteral("Keras would take cuDNN for 12 of 12 points")));
        v->showSlice(4, 1);
        QCOMPARE(v->curves()[0].second.size(), size_t(3));
        QVERIFY(v->titleText().startsWith(QStringLiteral("T = 4, B = 1")));
        // The U axis is labelled at the swept sizes; the time axis at 1-2-5 values, one or more.
        auto xTicks = qSharedPointerDynamicCast<QCPAxisTickerText>(v->plot()->xAxis->ticker());
        QVERIFY(xTicks);
        QCOMPARE(xTicks->ticks().keys(), (QList<double>{3, 5, 9}));
        auto yTicks = qSharedPointerDynamicCast<QCPAxisTickerText>(v->plot()->yAxis->ticker());
        QVERIFY(yTicks && !yTicks->ticks().isEmpty());
        for (double t : yTicks->ticks().keys()) {
            const double mantissa = t / std::pow(10.0, std::floor(std::log10(t) + 1e-9));
            QVERIFY2(std::abs(mantissa - 1) < 1e-6 || std::abs(mantissa - 2) < 1e-6 || std::abs(mantissa - 5) < 1e-6,
                     qPrintable(QString::number(t)));
        }
        QCOMPARE(int(v->exportData().front().rows), 12);
        // GRUSCOPE_SCREENSHOT_DIR: keep a picture of the dialog to look at.
        if (const QString shots = qEnvironmentVariable("GRUSCOPE_SCREENSHOT_DIR"); !shots.isEmpty())
            QVERIFY(d->grab().save(shots + QStringLiteral("/sweep-dialog.png")));

        const QString csv = dir.filePath(QStringLiteral("sweep.csv"));
        d->saveCsv(csv);
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), 1 + 12 + 4);
        QVERIFY(lines[0].startsWith("T,B,U,I,backend,ran,"));

        // A bad grid is refused in words, and nothing runs.
        d->setGrid(QStringLiteral("4"), QStringLiteral("0"), QStringLiteral("3"));
        d->start();
        QVERIFY(!d->running());
        QVERIFY2(d->statusText().contains(QStringLiteral("B: '0' is not a size")), qPrintable(d->statusText()));
    }

    void cancelStopsTheSweep()
    {
        SweepDialog d;
        d.show();
        // A grid that takes seconds; cancelled right away, it stops after the point in progress.
        d.setGrid(QStringLiteral("2000"), QStringLiteral("16, 32, 64"), QStringLiteral("128, 256, 512"));
        d.setRepeats(1, 5);
        d.start();
        QVERIFY(d.running());
        QTest::qWait(50);
        d.cancel();
        QTRY_VERIFY_WITH_TIMEOUT(!d.running(), 60000);
        QVERIFY2(d.statusText().startsWith(QStringLiteral("Cancelled after")), qPrintable(d.statusText()));
        QVERIFY(d.view()->result().cancelled);
        QVERIFY(d.view()->result().points.size() < 9);
        QVERIFY2(d.view()->titleText().contains(QStringLiteral("cancelled")), qPrintable(d.view()->titleText()));
    }
};

QTEST_MAIN(TstGuiSweep)
#include "tst_gui_sweep.moc"
