// Cancelling a long run, a thousand times over, as a user pressing Esc would: every cancel stops
// the run in flight, no cancelled run publishes a result, the window's previous result stays, and
// the process's memory stays flat (no leaked worker, buffers or trace per cancelled run).
#include "model/document.h"
#include "model/examples.h"
#include "model/run_controller.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTest>

#include <fstream>
#include <unistd.h>

using namespace gsui;

namespace {

// Resident memory of this process in bytes (/proc/self/statm, second field).
int64_t residentBytes()
{
    std::ifstream statm("/proc/self/statm");
    int64_t size = 0, resident = 0;
    statm >> size >> resident;
    return resident * int64_t(sysconf(_SC_PAGESIZE));
}

} // namespace

class TstCancelLoop : public QObject {
    Q_OBJECT
private slots:
    void cancelAThousandTimes()
    {
        Document doc;
        loadExample(doc, QStringLiteral("sine"));
        // Long enough (8 × 20000 steps with a full gate trace) that every run is still going when
        // it is cancelled.
        doc.setInput(gruscope::ArrayF({8, 20000, doc.input().shape[2]}, 0.3f));
        RunController controller(&doc);
        QElapsedTimer clock;
        clock.start();
        controller.runNow();
        QVERIFY(controller.waitForIdle(60000));
        const auto kept = doc.result();
        QVERIFY(kept);
        const qint64 runMs = clock.elapsed();
        QVERIFY2(runMs >= 8, qPrintable(QStringLiteral("a whole run took only %1 ms: too short to cancel").arg(runMs)));
        const int window = int(std::min<qint64>(8, runMs / 4));
        QSignalSpy cancelled(&controller, &RunController::cancelled);

        const int rounds = 1000, warm = 100;
        int64_t rssWarm = 0, rssPeak = 0;
        for (int i = 0; i < rounds; ++i) {
            controller.runNow();
            // Esc at a random moment of the run's first few milliseconds (a whole run takes longer).
            QTest::qWait(QRandomGenerator::global()->bounded(window));
            QVERIFY(controller.busy());
            controller.cancel();
            QVERIFY(controller.waitForIdle(10000));
            if (i + 1 == warm)
                rssWarm = residentBytes();
            if (i + 1 > warm)
                rssPeak = std::max(rssPeak, residentBytes());
        }
        // Every run was stopped by its cancel, and none published anything.
        QCOMPARE(int(cancelled.size()), rounds);
        QCOMPARE(doc.result(), kept);
        const double growthMiB = double(rssPeak - rssWarm) / (1 << 20);
        qInfo("a whole run: %lld ms; %d runs cancelled; resident memory %.1f MiB after %d, at most %.1f MiB after that (+%.1f MiB)", runMs, rounds,
              double(rssWarm) / (1 << 20), warm, double(rssPeak) / (1 << 20), growthMiB);
        // One run's outputs and trace here are ~40 MiB: a leak per run would pass this bound
        // within a few rounds.
        QVERIFY2(growthMiB < 24, qPrintable(QStringLiteral("resident memory grew by %1 MiB").arg(growthMiB)));

        // And a run that is not cancelled still completes.
        controller.runNow();
        QVERIFY(controller.waitForIdle(60000));
        QVERIFY(doc.result() != kept);
    }
};

QTEST_GUILESS_MAIN(TstCancelLoop)
#include "tst_cancel_loop.moc"
