// JobRunner, the window's one background runner, with jobs whose timing the test controls: a
// burst of requests is one job, a request during a job cancels it and starts one more after the
// debounce, a stale result is never delivered (even from a job that ignores the cancel flag),
// cancel() delivers nothing, an error leaves the last delivered result in place. Then the same
// promises through RunController on a real Document.
#include "model/document.h"
#include "model/job_runner.h"
#include "model/run_controller.h"

#include "gruscope/error.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <atomic>
#include <cmath>
#include <functional>
#include <stdexcept>

using namespace gsui;
using gruscope::CallProgress;
using gruscope::Error;
using gruscope::ErrorCode;

namespace {

// How a test job behaves on the worker.
enum class Behaviour {
    Quick,          // returns at once
    UntilCancelled, // runs until the cancel flag, then throws Cancelled (as the engine does)
    IgnoresCancel,  // sleeps `slowMs` whatever the flag says, then returns normally
    Throws,         // throws gruscope::Error(InvalidArgument, "bad input")
    ThrowsStd,      // throws std::runtime_error("boom")
};

// A runner whose jobs follow `behaviours` (one per job, the last one repeating) and deliver the
// string "job <id>" into `shown`, as a view would put its result on screen.
struct Harness {
    JobRunner runner;
    std::vector<Behaviour> behaviours{Behaviour::Quick};
    int slowMs = 300;
    int factoryCalls = 0;
    QStringList shown;
    std::atomic<bool> sawCancel{false};
    QSignalSpy started{&runner, &JobRunner::started};
    QSignalSpy delivered{&runner, &JobRunner::delivered};
    QSignalSpy dropped{&runner, &JobRunner::dropped};
    QSignalSpy cancelled{&runner, &JobRunner::cancelled};
    QSignalSpy failed{&runner, &JobRunner::failed};

    Harness()
    {
        runner.setFactory([this](quint64 id) -> JobRunner::Work {
            const Behaviour b = behaviours[std::min(size_t(factoryCalls), behaviours.size() - 1)];
            ++factoryCalls;
            return [this, id, b](CallProgress& progress) -> JobRunner::Deliver {
                switch (b) {
                case Behaviour::Quick: break;
                case Behaviour::UntilCancelled:
                    for (int i = 0; i < 2000 && !progress.cancel; ++i)
                        QThread::msleep(1);
                    if (progress.cancel) {
                        sawCancel = true;
                        throw Error(ErrorCode::Cancelled, "cancelled");
                    }
                    break;
                case Behaviour::IgnoresCancel:
                    QThread::msleep(slowMs);
                    sawCancel = sawCancel || progress.cancel;
                    break;
                case Behaviour::Throws: throw Error(ErrorCode::InvalidArgument, "bad input");
                case Behaviour::ThrowsStd: throw std::runtime_error("boom");
                }
                return [this, id] { shown << QStringLiteral("job %1").arg(id); };
            };
        });
    }

    // Processes events until a job has started.
    bool waitStarted(int count = 1) { return QTest::qWaitFor([&] { return started.count() >= count; }, 5000); }
};

quint64 idOf(const QSignalSpy& spy, int i) { return spy.at(i).at(0).toULongLong(); }

} // namespace

class TstJobRunner : public QObject {
    Q_OBJECT
private slots:
    void aBurstOfRequestsIsOneJob()
    {
        Harness h;
        for (int i = 0; i < 10; ++i)
            h.runner.request();
        QVERIFY(h.runner.busy());
        QCOMPARE(h.started.count(), 0); // not before the event loop turns: the burst coalesces
        QVERIFY(h.runner.waitForIdle());
        QCOMPARE(h.factoryCalls, 1);
        QCOMPARE(h.shown, QStringList{QStringLiteral("job 1")});
        QCOMPARE(h.runner.lastId(), quint64(1));
    }

    // Requests during a job stop it; one more job runs for all of them after the debounce.
    void requestsDuringAJobCancelItAndCoalesce()
    {
        Harness h;
        h.behaviours = {Behaviour::UntilCancelled, Behaviour::Quick};
        h.runner.setDebounceMs(150);
        h.runner.request();
        QVERIFY(h.waitStarted());
        QElapsedTimer clock;
        clock.start();
        for (int i = 0; i < 5; ++i)
            h.runner.request();
        QVERIFY(QTest::qWaitFor([&] { return h.dropped.count() == 1; }, 5000));
        const qint64 droppedAt = clock.elapsed();
        QVERIFY(h.runner.waitForIdle());
        QVERIFY(h.sawCancel);
        QCOMPARE(h.factoryCalls, 2);
        QCOMPARE(idOf(h.dropped, 0), quint64(1));
        QCOMPARE(h.shown, QStringList{QStringLiteral("job 2")});
        QCOMPARE(h.cancelled.count(), 0); // superseded is not cancelled by the user
        // The second job waited out the debounce after the first returned.
        QVERIFY2(clock.elapsed() - droppedAt >= 140, qPrintable(QString::number(clock.elapsed() - droppedAt)));
    }

    // A slow job that ignores the cancel flag returns a result after a newer request: dropped; the
    // newer, fast job's result is the only one shown.
    void aStaleResultIsNeverDelivered()
    {
        Harness h;
        h.behaviours = {Behaviour::IgnoresCancel, Behaviour::Quick};
        h.runner.setDebounceMs(0);
        h.runner.runNow();
        QCOMPARE(h.started.count(), 1); // runNow starts at once
        h.runner.runNow();              // newer, while the slow one runs
        QVERIFY(h.runner.waitForIdle());
        QVERIFY(h.sawCancel);           // it was told, and finished anyway
        QCOMPARE(h.dropped.count(), 1);
        QCOMPARE(idOf(h.dropped, 0), quint64(1));
        QCOMPARE(h.delivered.count(), 1);
        QCOMPARE(idOf(h.delivered, 0), quint64(2));
        QCOMPARE(h.shown, QStringList{QStringLiteral("job 2")});
    }

    void cancelDeliversNothing_data()
    {
        QTest::addColumn<int>("behaviour");
        QTest::newRow("the job stops at the flag") << int(Behaviour::UntilCancelled);
        QTest::newRow("the job finishes anyway") << int(Behaviour::IgnoresCancel);
    }
    void cancelDeliversNothing()
    {
        QFETCH(int, behaviour);
        Harness h;
        h.behaviours = {Behaviour(behaviour)};
        h.runner.setDebounceMs(0);
        h.runner.runNow();
        h.runner.request(); // pending work is cancelled too
        h.runner.cancel();
        QVERIFY(h.runner.waitForIdle());
        QCOMPARE(h.cancelled.count(), 1);
        QCOMPARE(idOf(h.cancelled, 0), quint64(1));
        QCOMPARE(h.delivered.count(), 0);
        QVERIFY(h.shown.isEmpty());
        QTest::qWait(50); // and nothing starts later
        QCOMPARE(h.factoryCalls, 1);
        QVERIFY(!h.runner.busy());
    }

    // A request after cancel() asks for new work: the cancelled job is dropped, a new one runs.
    void aRequestAfterCancelRunsAgain()
    {
        Harness h;
        h.behaviours = {Behaviour::UntilCancelled, Behaviour::Quick};
        h.runner.setDebounceMs(0);
        h.runner.runNow();
        h.runner.cancel();
        h.runner.request();
        QVERIFY(h.runner.waitForIdle());
        QCOMPARE(h.cancelled.count(), 0);
        QCOMPARE(h.dropped.count(), 1);
        QCOMPARE(h.shown, QStringList{QStringLiteral("job 2")});
    }

    void anErrorKeepsTheLastResult_data()
    {
        QTest::addColumn<int>("behaviour");
        QTest::addColumn<QString>("message");
        QTest::newRow("gruscope::Error") << int(Behaviour::Throws) << "bad input";
        QTest::newRow("another exception") << int(Behaviour::ThrowsStd) << "internal error: boom";
    }
    void anErrorKeepsTheLastResult()
    {
        QFETCH(int, behaviour);
        QFETCH(QString, message);
        Harness h;
        h.behaviours = {Behaviour::Quick, Behaviour(behaviour)};
        h.runner.runNow();
        QVERIFY(h.runner.waitForIdle());
        h.runner.runNow();
        QVERIFY(h.runner.waitForIdle());
        QCOMPARE(h.failed.count(), 1);
        QCOMPARE(idOf(h.failed, 0), quint64(2));
        QCOMPARE(h.failed.at(0).at(1).toString(), message);
        QCOMPARE(h.shown, QStringList{QStringLiteral("job 1")});
    }

    void aFactoryThatDeclinesStartsNothing()
    {
        JobRunner runner;
        int asked = 0;
        runner.setFactory([&](quint64) {
            ++asked;
            return JobRunner::Work{};
        });
        QSignalSpy started(&runner, &JobRunner::started);
        runner.runNow();
        runner.request();
        QVERIFY(runner.waitForIdle());
        QCOMPARE(asked, 2);
        QCOMPARE(started.count(), 0);
        QCOMPARE(runner.lastId(), quint64(0));
    }

    void progressIsReported()
    {
        JobRunner runner;
        runner.setFactory([](quint64) -> JobRunner::Work {
            return [](CallProgress& p) -> JobRunner::Deliver {
                p.stepsTotal = 10;
                for (int i = 1; i <= 10; ++i) {
                    QThread::msleep(40);
                    p.stepsDone = i;
                }
                return {};
            };
        });
        QSignalSpy progress(&runner, &JobRunner::progress);
        runner.runNow();
        QVERIFY(runner.waitForIdle());
        QVERIFY(progress.count() >= 2);
        for (const auto& args : progress) {
            QCOMPARE(args.at(1).toLongLong(), 10);
            QVERIFY(args.at(0).toLongLong() >= 0 && args.at(0).toLongLong() <= 10);
        }
    }

    // ---- through RunController --------------------------------------------------------------------

    // A burst of edits publishes one result, for the last edit.
    void controllerPublishesTheNewestInputsOnce()
    {
        Document doc;
        RunController controller(&doc);
        QVERIFY(controller.waitForIdle());
        QSignalSpy results(&doc, &Document::resultChanged);
        for (int i = 0; i < 10; ++i)
            doc.setInputValue(0, i, 0, 0.1f * float(i));
        QVERIFY(controller.waitForIdle());
        QCOMPARE(results.count(), 1);
        QVERIFY(doc.result()->x.data == doc.input().data);
    }

    void controllerKeepsTheLastResultOnError()
    {
        Document doc;
        RunController controller(&doc);
        QSignalSpy finished(&controller, &RunController::finished);
        controller.runNow();
        QVERIFY(controller.waitForIdle());
        const auto good = doc.result();
        QVERIFY(good);
        doc.setInputValue(0, 1, 0, std::nanf(""));
        QVERIFY(controller.waitForIdle());
        QCOMPARE(doc.result(), good);
        QVERIFY2(doc.lastError().contains(QStringLiteral("NaN"), Qt::CaseInsensitive), qPrintable(doc.lastError()));
        QCOMPARE(finished.last().at(0).toBool(), false);
        QCOMPARE(finished.last().at(1).toString(), doc.lastError());
    }

    void controllerCancelKeepsTheLastResult()
    {
        Document doc;
        RunController controller(&doc);
        controller.runNow();
        QVERIFY(controller.waitForIdle());
        const auto good = doc.result();
        // Long enough to be cancelled in flight.
        doc.setInput(gruscope::ArrayF(gruscope::Shape{64, 4000, 1}, 0.5f));
        QSignalSpy cancelled(&controller, &RunController::cancelled);
        controller.runNow();
        controller.cancel();
        QVERIFY(controller.waitForIdle());
        QCOMPARE(cancelled.count(), 1);
        QCOMPARE(doc.result(), good);
    }
};

QTEST_MAIN(TstJobRunner)
#include "tst_job_runner.moc"
