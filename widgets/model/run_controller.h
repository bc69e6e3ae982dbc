// RunController: keeps the Document's run result up to date. Every change that needs a new run
// (Document::runInputsChanged, and the backend choice) asks its JobRunner for one: the run
// snapshots the document, runs the engine off the UI thread on the chosen backend and publishes
// the result; edits in a burst cancel the run in flight and wait for quiet (see job_runner.h), and
// a stale result is never published. Errors (a backend that cannot run this layer here included)
// go to Document::publishError and leave the previous result in place.
#pragma once

#include "model/document.h"
#include "model/job_runner.h"
#include "model/run_request.h"

#include <QElapsedTimer>
#include <QObject>

namespace gsui {

class RunController : public QObject {
    Q_OBJECT
public:
    explicit RunController(Document* doc, QObject* parent = nullptr);

    // Quiet time awaited after a run was superseded by further edits.
    void setDebounceMs(int ms) { m_runner.setDebounceMs(ms); }
    int debounceMs() const { return m_runner.debounceMs(); }
    bool busy() const { return m_runner.busy(); }
    // Blocks (processing events) until no run is pending or running; false on timeout. For tests
    // and the --screenshot mode.
    bool waitForIdle(int timeoutMs = 30000) { return m_runner.waitForIdle(timeoutMs); }
    // Latency of the last published run: from the edit that asked for it to its publication.
    double lastLatencyMs() const { return m_lastLatencyMs; }

public slots:
    void requestRun(); // debounced
    void runNow();
    void cancel();

signals:
    void started();
    void progress(qint64 done, qint64 total);
    void finished(bool ok, const QString& message); // message: the error, or "" on success
    void cancelled();

private:
    JobRunner::Work prepare(quint64 id); // the runner's factory
    void markRequest();

    Document* m_doc;
    JobRunner m_runner;
    QElapsedTimer m_requestClock; // since the first edit not yet covered by a published run
    bool m_requestClockRunning = false;
    double m_lastLatencyMs = 0;
};

} // namespace gsui
