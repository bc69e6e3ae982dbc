// Cancelling a long run, a thousand times over, as a user pressing Esc would: every cancel stops
// the run in flight, no cancelled run publishes a result, the window's previous result stays, and
// the process's memory stays flat (no leaked worker, buffers or trace per cancelled run).
#include "model/document.h"
#include "model/examples.h"
#include "model/run_controller.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QTest>

#include <fstream>
#include <malloc.h>
#include <unistd.h>

using namespace gsui;

namespace {

// Resident memory of this process in bytes (/proc/self/statm, second field), after giving the
// allocator's free memory back to the system: glibc keeps freed blocks of a large run for reuse,
// which is not a leak and would otherwise show as a jump of one run's size.
int64_t residentBytes()
{
    malloc_trim(0);
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
        // Only the Document's result is held here: a second reference to the first result would
        // keep a whole run's buffers (about 37 MiB with the trace) alive beside a later result once
        // a round on a busy machine finished before its cancel, and read as a jump in memory.
        auto kept = doc.result();
        QVERIFY(kept);
        const qint64 runMs = clock.elapsed();
        QVERIFY2(runMs >= 8, qPrintable(QStringLiteral("a whole run took only %1 ms: too short to cancel").arg(runMs)));
        const int window = int(std::min<qint64>(8, runMs / 4));
        int cancelled = 0; // a counter, not a QSignalSpy: the spy's list would grow with every round
        connect(&controller, &RunController::cancelled, this, [&cancelled] { ++cancelled; });

        // GRUSCOPE_CANCEL_ROUNDS: more rounds, to look for a slow leak.
        const int rounds = [] {
            bool ok = false;
            const int n = qEnvironmentVariableIntValue("GRUSCOPE_CANCEL_ROUNDS", &ok);
            return ok && n >= 200 ? n : 1000;
        }();
        const int warm = rounds / 10, mid = rounds * 11 / 20;
        int64_t rssWarm = 0, rssMid = 0, rssEnd = 0;
        int finishedFirst = 0; // runs that ended before the cancel came (a busy machine held the test back)
        for (int i = 0; i < rounds; ++i) {
            controller.runNow();
            // Esc at a random moment of the run's first few milliseconds (a whole run takes longer).
            QTest::qWait(QRandomGenerator::global()->bounded(window));
            if (!controller.busy()) {
                QVERIFY(controller.waitForIdle(10000));
                ++finishedFirst;
                kept = doc.result();
                continue;
            }
            controller.cancel();
            QVERIFY(controller.waitForIdle(10000));
            if (i + 1 == warm)
                rssWarm = residentBytes();
            else if (i + 1 == mid)
                rssMid = residentBytes();
        }
        rssEnd = residentBytes();
        // Every run was stopped by its cancel, and none published anything.
        QVERIFY2(finishedFirst * 20 <= rounds, qPrintable(QStringLiteral("%1 runs ended before their cancel").arg(finishedFirst)));
        QCOMPARE(cancelled, rounds - finishedFirst);
        QCOMPARE(doc.result(), kept);
        const double MiB = 1 << 20;
        qInfo("a whole run: %lld ms; %d runs cancelled; resident memory %.1f MiB after %d, %.1f after %d, %.1f after %d", runMs,
              rounds, double(rssWarm) / MiB, warm, double(rssMid) / MiB, mid, double(rssEnd) / MiB, rounds);
        // A leak of even 20 KB per cancelled run would add 9 MiB over the last 450 rounds.
        QVERIFY2(double(rssEnd - rssMid) / MiB < 8 && double(rssEnd - rssWarm) / MiB < 16,
                 qPrintable(QStringLiteral("resident memory grew: %1 → %2 → %3 MiB").arg(rssWarm / MiB).arg(rssMid / MiB).arg(rssEnd / MiB)));

        // And a run that is not cancelled still completes.
        controller.runNow();
        QVERIFY(controller.waitForIdle(60000));
        QVERIFY(doc.result() != kept);
        qInfo("%d of %d runs ended before their cancel came", finishedFirst, rounds);
    }
};

QTEST_GUILESS_MAIN(TstCancelLoop)
#include "tst_cancel_loop.moc"
