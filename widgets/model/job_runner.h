// JobRunner: the one way the window runs work in the background (the Document's runs, backend
// comparisons). One job at a time on Qt's thread pool, the newest wins:
//
//   - Every job has an id. A request that arrives while a job runs supersedes it: the job is told
//     to stop (CallProgress::cancel, which the engine checks at every step) and whatever it returns
//     is dropped, because the requests it was started for are no longer the newest. Then the next
//     job starts, after `debounceMs` of quiet, so a burst of edits costs one more run, not one each.
//   - A request while nothing runs starts on the next event-loop turn: the several signals of one
//     edit coalesce into one job, and a single edit is not delayed by the debounce.
//   - cancel() stops the job in flight and whatever is pending; a cancelled job delivers nothing.
//
// A job comes in two halves. The factory runs on the UI thread when the job starts: it snapshots
// what the job needs (or declines by returning no work). The work runs on a worker and returns the
// Deliver closure that puts its result on screen; the runner calls it on the UI thread only for
// the newest job, not cancelled. Work fails by throwing: gruscope::Error with ErrorCode::Cancelled
// when it noticed the cancel flag, any other exception as an error message.
#pragma once

#include "gruscope/layer.h"

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <QTimer>

#include <functional>
#include <memory>

namespace gsui {

class JobRunner : public QObject {
    Q_OBJECT
public:
    using Deliver = std::function<void()>;                               // UI thread
    using Work = std::function<Deliver(gruscope::CallProgress& progress)>; // worker thread
    using Factory = std::function<Work(quint64 id)>;                     // UI thread, at start

    explicit JobRunner(QObject* parent = nullptr);
    ~JobRunner() override; // cancels the job in flight and waits for it to return

    void setFactory(Factory factory) { m_factory = std::move(factory); }
    // Quiet time awaited after a job was superseded, before the next one starts.
    void setDebounceMs(int ms) { m_debounceMs = ms; }
    int debounceMs() const { return m_debounceMs; }

    // A job is running, about to start, or waiting out the debounce.
    bool busy() const { return m_running || m_debounce.isActive(); }
    bool running() const { return m_running; }
    // The id of the newest job started (0 before the first).
    quint64 lastId() const { return m_lastId; }
    // Blocks (processing events) until not busy; false on timeout. For tests and --screenshot.
    bool waitForIdle(int timeoutMs = 30000);

public slots:
    void request(); // debounced, see above
    void runNow();  // starts at once when idle; supersedes the running job otherwise
    void cancel();

signals:
    void started(quint64 id);
    void progress(qint64 done, qint64 total); // every 100 ms while a job runs
    void delivered(quint64 id);                // after its Deliver ran
    void failed(quint64 id, const QString& message);
    void cancelled(quint64 id);
    void dropped(quint64 id); // superseded: its result (or error) was thrown away

private:
    struct Outcome {
        Deliver deliver;
        QString error;
        bool cancelled = false;
    };
    void start();
    void onFinished();

    Factory m_factory;
    QTimer m_debounce;
    int m_debounceMs = 25;
    QTimer m_progressPoll;
    QFutureWatcher<Outcome> m_watcher;
    std::shared_ptr<gruscope::CallProgress> m_progress; // the running job's
    quint64 m_lastId = 0;
    // Requests are numbered; a job covers the requests made before it started. One that returns
    // after a newer request is stale, whatever it computed.
    quint64 m_requests = 0;
    quint64 m_jobCovers = 0;
    bool m_running = false;
    bool m_cancelled = false;     // cancel() during the running job
    quint64 m_cancelledAt = 0;    // m_requests when cancel() was called
};

} // namespace gsui
