// RunController: recomputes the Document's layer on a worker thread. An edit while nothing runs
// starts a run on the next event-loop turn; edits arriving in a burst (a spin box held down, a
// mask stroke) cancel the run in flight and wait `debounceMs` for quiet. The controller snapshots
// the document, runs the engine off the UI thread and publishes the result.
// A request during a run cancels that run (the engine stops at its next step) and starts again
// with the newest inputs; a stale result is never published. Errors go to Document::publishError
// and leave the previous result in place.
#pragma once

#include "model/document.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QObject>
#include <QTimer>

#include <memory>

namespace gsui {

// Everything one run needs, copied on the UI thread.
struct RunRequest {
    quint64 generation = 0;
    gruscope::GruConfig config;
    std::shared_ptr<const gruscope::GruWeights> weights;
    gruscope::ArrayF x; // (B, T, I)
    std::optional<gruscope::ArrayU8> mask;
    gruscope::ArrayF h0;
    bool training = false;
    uint64_t seed = 0;
    gruscope::BackendKind backend = gruscope::BackendKind::Cpu;
    std::vector<int64_t> traceSamples; // empty: all
    QStringList notes;
};

// Traces of every sample are kept up to this size; above it only the selected sample is traced.
constexpr uint64_t kTraceAllSamplesBytes = uint64_t(64) << 20;

// The request for the document's current state.
RunRequest makeRunRequest(const Document& doc, gruscope::BackendKind backend = gruscope::BackendKind::Cpu);

// Runs a request (any thread). Throws gruscope::Error; `progress` may be null.
std::shared_ptr<RunOutcome> executeRun(const RunRequest& request, gruscope::CallProgress* progress);

class RunController : public QObject {
    Q_OBJECT
public:
    explicit RunController(Document* doc, QObject* parent = nullptr);
    ~RunController() override;

    // Quiet time awaited after a run was superseded by further edits.
    void setDebounceMs(int ms) { m_debounceMs = ms; }
    int debounceMs() const { return m_debounceMs; }
    bool busy() const { return m_running || m_debounce.isActive() || m_pending; }
    // Blocks (processing events) until no run is pending or running; false on timeout. For tests
    // and the --screenshot mode.
    bool waitForIdle(int timeoutMs = 30000);
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
    void start();
    void onFinished();

    Document* m_doc;
    QTimer m_debounce;
    int m_debounceMs = 25;
    QTimer m_progressPoll;
    QFutureWatcher<std::shared_ptr<RunOutcome>> m_watcher;
    std::unique_ptr<gruscope::CallProgress> m_progress;
    quint64 m_generation = 0;
    bool m_running = false;
    bool m_pending = false;
    bool m_userCancelled = false;
    QElapsedTimer m_requestClock; // since the first edit not yet covered by a published run
    bool m_requestClockRunning = false;
    double m_lastLatencyMs = 0;
};

} // namespace gsui
