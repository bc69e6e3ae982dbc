// The window soaked in random use (label soak; not in the default test run: tools/dev soak runs
// it, also under AddressSanitizer). Thousands of seeded random edits go through QTest into the
// real widgets (the arguments' check boxes, lists and spin boxes, the input panel's generators,
// buttons), plus input cells, mask cells, stepping keys and tab switches, most of them while a
// run is in flight. Every so often the window is let settle and checked: the result is the run of
// exactly what the window now holds (no stale result), the heatmap shows that result, or the
// banner says why there is none. Memory is sampled; without ASan (whose quarantine holds freed
// memory on purpose) it must stay flat.
//
// GRUSCOPE_SOAK_EDITS (default 3000) and GRUSCOPE_SOAK_SEED (default 1) set the length and the
// sequence; the summary line gives both, so a failure can be replayed.
#include "main_window.h"
#include "test_support.h"
#include "../app/gui/window_test_options.h"
#include "gruscope/config.h"
#include "model/document.h"
#include "model/run_controller.h"
#include "panels/args_panel.h"
#include "panels/input_panel.h"
#include "plots/gate_heatmaps.h"

#include <QAbstractSpinBox>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QElapsedTimer>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSet>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <cstring>
#include <fstream>
#include <unistd.h>

using namespace gsui;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAsan = true;
#else
constexpr bool kAsan = false;
#endif
#else
constexpr bool kAsan = false;
#endif

int64_t residentBytes()
{
    std::ifstream statm("/proc/self/statm");
    int64_t size = 0, resident = 0;
    statm >> size >> resident;
    return resident * int64_t(sysconf(_SC_PAGESIZE));
}

int envInt(const char* name, int fallback)
{
    bool ok = false;
    const int v = qEnvironmentVariableIntValue(name, &ok);
    return ok && v > 0 ? v : fallback;
}

// What the soak may press: enabled, visible editors and buttons of a panel. Buttons that open a
// dialog ("Import…") are left out; a modal that opens anyway is closed by the watchdog.
QList<QWidget*> editors(QWidget* panel)
{
    QList<QWidget*> out;
    for (QWidget* w : panel->findChildren<QWidget*>()) {
        if (!w->isEnabled() || !w->isVisibleTo(panel))
            continue;
        // The backend list is left alone: without a GPU, cudnn and cuda only refuse (tst_gui_backend
        // covers that), and would hold the window in an error for half the soak.
        if (auto* c = qobject_cast<QComboBox*>(w); c && c->findText(QStringLiteral("cudnn"), Qt::MatchContains) >= 0)
            continue;
        if (qobject_cast<QCheckBox*>(w) || qobject_cast<QComboBox*>(w) || qobject_cast<QAbstractSpinBox*>(w))
            out << w;
        else if (auto* b = qobject_cast<QPushButton*>(w); b && !b->text().contains(QChar(0x2026)))
            out << w;
    }
    return out;
}

} // namespace

class TstWindowSoak : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void randomUseForThousandsOfEdits()
    {
        const int edits = envInt("GRUSCOPE_SOAK_EDITS", 3000);
        const quint32 seed = quint32(envInt("GRUSCOPE_SOAK_SEED", 1));
        QRandomGenerator rng(seed);
        QTemporaryDir dir;
        const MainWindowOptions o = gstest::windowOptions(dir, true);
        MainWindow w(o);
        w.resize(1400, 900);
        w.show();
        QVERIFY(w.openExample(QStringLiteral("sine")));
        QVERIFY(w.controller()->waitForIdle());
        Document* doc = w.document();

        // A modal dialog would stop the soak: close any that opens, and count them.
        int modals = 0;
        QTimer watchdog;
        connect(&watchdog, &QTimer::timeout, this, [&modals] {
            if (QWidget* m = QApplication::activeModalWidget()) {
                ++modals;
                m->close();
            }
        });
        watchdog.start(50);

        int checks = 0, errorsShown = 0, inFlight = 0;
        QSet<QString> errorKinds; // the beginnings of the errors shown, for the report
        QSet<QString> configsSeen, shapesSeen; // how much the soak moved
        int64_t rssAfterWarmup = 0, rssPeak = 0;
        const int warmup = std::min(1000, edits / 3);
        auto settleAndCheck = [&](int edit) {
            QVERIFY(w.controller()->waitForIdle(120000));
            ++checks;
            const auto r = doc->result();
            if (!doc->lastError().isEmpty()) {
                ++errorsShown;
                errorKinds.insert(doc->lastError().left(60));
                QVERIFY2(!w.bannerText().isEmpty(), qPrintable(QStringLiteral("edit %1: an error without a banner").arg(edit)));
                return;
            }
            QVERIFY2(r, qPrintable(QStringLiteral("edit %1: no result and no error").arg(edit)));
            configsSeen.insert(QString::fromStdString(gruscope::configToJson(r->config, false, -1)));
            shapesSeen.insert(QStringLiteral("%1x%2x%3").arg(r->B).arg(r->T).arg(r->I));
            // The result is the run of what the window holds now.
            QVERIFY2(r->config == doc->config(), qPrintable(QStringLiteral("edit %1: the result ran another config").arg(edit)));
            QVERIFY2(r->weights == doc->weights(), qPrintable(QStringLiteral("edit %1: the result ran other weights").arg(edit)));
            QVERIFY2(gstest::sameBits(r->x, doc->input()), qPrintable(QStringLiteral("edit %1: the result ran another input").arg(edit)));
            const bool sameMask = r->mask.has_value() == doc->mask().has_value() &&
                                  (!r->mask || (r->mask->shape == doc->mask()->shape && r->mask->data == doc->mask()->data));
            QVERIFY2(sameMask, qPrintable(QStringLiteral("edit %1: the result ran another mask").arg(edit)));
            // And the heatmap shows that result (it brings itself up to date when asked).
            const std::vector<ShownData> shown = w.gateHeatmaps()->exportData();
            if (!shown.empty()) {
                QCOMPARE(shown.front().rows, r->U);
                QCOMPARE(shown.front().columns, r->T);
                const int sample = shown.front().name.section(QStringLiteral("_sample"), 1).toInt();
                QCOMPARE(shown.front().name, QStringLiteral("z_sample%1").arg(sample));
                const int slot = r->traceSlot(sample);
                if (slot >= 0 && r->stepTraced(0)) {
                    const float z00 = r->traced(r->result.trace.z, slot, 0, 0);
                    QCOMPARE(float(shown.front().values[0]), z00);
                }
            }
            const int64_t rss = residentBytes();
            if (edit >= warmup && rssAfterWarmup == 0)
                rssAfterWarmup = rss;
            if (rssAfterWarmup)
                rssPeak = std::max(rssPeak, rss);
        };

        QElapsedTimer clock;
        clock.start();
        for (int edit = 1; edit <= edits; ++edit) {
            const int what = int(rng.bounded(100));
            // Press one of a panel's editors: click a box or button, step a list or spin box.
            auto pressOne = [&rng](QWidget* panel) {
                const QList<QWidget*> list = editors(panel);
                if (list.isEmpty())
                    return;
                QWidget* e = list[int(rng.bounded(qsizetype(list.size())))];
                if (qobject_cast<QCheckBox*>(e) || qobject_cast<QPushButton*>(e))
                    QTest::mouseClick(e, Qt::LeftButton);
                else
                    QTest::keyClick(e, rng.bounded(2) ? Qt::Key_Down : Qt::Key_Up);
            };
            if (what < 35) { // an argument
                pressOne(w.argsPanel());
            } else if (what < 45) { // the input panel's generators
                pressOne(w.inputPanel());
            } else if (what < 60) { // an input cell
                const auto& x = doc->input();
                if (x.rank() == 3 && x.data.size() > 0)
                    doc->setInputValue(rng.bounded(qint64(x.shape[0])), rng.bounded(qint64(x.shape[1])), rng.bounded(qint64(x.shape[2])),
                                       float(rng.generateDouble() * 4 - 2));
            } else if (what < 70) { // a mask cell
                const auto& x = doc->input();
                if (x.rank() == 3 && x.shape[1] > 0)
                    doc->setMaskCell(rng.bounded(qint64(x.shape[0])), rng.bounded(qint64(x.shape[1])), rng.bounded(4) != 0);
            } else if (what < 88) { // stepping keys
                static const Qt::Key keys[] = {Qt::Key_Right, Qt::Key_Left, Qt::Key_Right, Qt::Key_Home, Qt::Key_End};
                w.views()->currentWidget()->setFocus();
                QTest::keyClick(&w, keys[rng.bounded(5)]);
            } else { // another view
                w.views()->setCurrentIndex(int(rng.bounded(w.views()->count())));
            }
            inFlight += w.controller()->busy() ? 1 : 0;
            // Mostly keep going while the run is in flight; now and then let it finish and look.
            if (edit % 50 == 0)
                settleAndCheck(edit);
            else
                QTest::qWait(int(rng.bounded(3)));
            if (QTest::currentTestFailed())
                return;
        }
        settleAndCheck(edits);
        watchdog.stop();
        const double growthMiB = double(rssPeak - rssAfterWarmup) / (1 << 20);
        qInfo("seed %u: %d edits in %.0f s (%d while a run was in flight), %d checks (%d with an error shown), %d modal "
              "dialog(s) closed; %d layer configs and %d input shapes seen; resident memory %.1f MiB after %d edits, peak %.1f MiB after (+%.1f MiB)%s",
              seed, edits, clock.elapsed() / 1000.0, inFlight, checks, errorsShown, modals, int(configsSeen.size()), int(shapesSeen.size()), double(rssAfterWarmup) / (1 << 20),
              warmup, double(rssPeak) / (1 << 20), growthMiB, kAsan ? " (ASan build: memory not judged)" : "");
        for (const QString& e : errorKinds)
            qInfo("  error shown: %s…", qPrintable(e));
        QVERIFY2(kAsan || growthMiB < 64, qPrintable(QStringLiteral("resident memory grew by %1 MiB").arg(growthMiB)));
    }
};

QTEST_MAIN(TstWindowSoak)
#include "tst_window_soak.moc"
