#include "model/run_controller.h"

#include "gruscope/error.h"

#include <QCoreApplication>
#include <QThread>
#include <QtConcurrent/QtConcurrentRun>

#include <chrono>

namespace gsui {

using namespace gruscope;

RunRequest makeRunRequest(const Document& doc, BackendKind backend)
{
    RunRequest r;
    r.config = doc.config();
    r.weights = doc.weights();
    r.x = doc.input();
    r.mask = doc.mask();
    r.h0 = doc.resolvedInitialState();
    r.training = doc.training();
    r.seed = doc.dropoutSeed();
    r.backend = backend;
    const int64_t B = doc.batch(), T = doc.steps(), U = std::max<int64_t>(1, doc.config().units);
    if (Trace::bytesFor(B, T, U) > kTraceAllSamplesBytes && B > 1) {
        r.traceSamples = {int64_t(doc.selectedSample())};
        r.notes << QObject::tr("large run: gate traces kept for the selected sample %1 only (all %2 samples would take "
                               "%3 MiB)")
                       .arg(doc.selectedSample())
                       .arg(B)
                       .arg(double(Trace::bytesFor(B, T, U)) / double(1 << 20), 0, 'f', 0);
    }
    return r;
}

std::shared_ptr<RunOutcome> executeRun(const RunRequest& rq, CallProgress* progress)
{
    const auto t0 = std::chrono::steady_clock::now();
    requireValidConfig(rq.config);
    GruLayer layer(rq.config, *rq.weights);

    const int64_t B = rq.x.shape.at(0), T = rq.x.shape.at(1), I = rq.x.shape.at(2), U = rq.config.units;
    CallInputs in;
    in.training = rq.training;
    in.seed = rq.seed;
    in.progress = progress;
    in.initialState = rq.h0;
    if (!rq.config.time_major) {
        in.x = rq.x;
        in.mask = rq.mask;
    } else {
        // The window keeps (B, T, I); a time-major layer takes (T, B, I) and a (T, B) mask.
        in.x = ArrayF(Shape{T, B, I});
        for (int64_t b = 0; b < B; ++b)
            for (int64_t t = 0; t < T; ++t)
                std::copy_n(rq.x.data.begin() + (b * T + t) * I, I, in.x.data.begin() + (t * B + b) * I);
        if (rq.mask) {
            ArrayU8 m(Shape{T, B});
            for (int64_t b = 0; b < B; ++b)
                for (int64_t t = 0; t < T; ++t)
                    m.data[size_t(t * B + b)] = rq.mask->data[size_t(b * T + t)];
            in.mask = std::move(m);
        }
    }
    TraceOptions trace;
    trace.enabled = true;
    trace.samples = rq.traceSamples;
    trace.memoryCapBytes = uint64_t(512) << 20;

    auto out = std::make_shared<RunOutcome>();
    out->result = layer.call(in, rq.backend, trace);
    out->generation = rq.generation;
    out->config = rq.config;
    out->weights = rq.weights;
    out->x = rq.x;
    out->mask = rq.mask;
    out->h0 = rq.h0;
    out->training = rq.training;
    out->B = B;
    out->T = T;
    out->I = I;
    out->U = U;
    out->notes = rq.notes;
    if (!out->result.trace.note.empty())
        out->notes << QString::fromStdString(out->result.trace.note);
    for (const auto& n : out->result.notes)
        out->notes << QString::fromStdString(n);
    out->wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
}

RunController::RunController(Document* doc, QObject* parent) : QObject(parent), m_doc(doc)
{
    m_debounce.setSingleShot(true);
    connect(&m_debounce, &QTimer::timeout, this, &RunController::start);
    m_progressPoll.setInterval(100);
    connect(&m_progressPoll, &QTimer::timeout, this, [this] {
        if (m_progress)
            emit progress(m_progress->stepsDone.load(), m_progress->stepsTotal.load());
    });
    connect(&m_watcher, &QFutureWatcher<std::shared_ptr<RunOutcome>>::finished, this, &RunController::onFinished);
    connect(doc, &Document::runInputsChanged, this, &RunController::requestRun);
    // A sample that the last (large) run did not trace needs a run of its own.
    connect(doc, &Document::sampleChanged, this, [this](int sample) {
        const auto r = m_doc->result();
        if (r && r->traceSlot(sample) < 0)
            requestRun();
    });
}

RunController::~RunController()
{
    if (m_progress)
        m_progress->cancel = true;
    m_watcher.waitForFinished();
}

void RunController::requestRun()
{
    if (!m_requestClockRunning) {
        m_requestClock.start();
        m_requestClockRunning = true;
    }
    if (m_running) {
        // Newer inputs: stop the run in flight and start over once it has returned.
        m_pending = true;
        m_progress->cancel = true;
        return;
    }
    // Leading edge: when nothing is running, start on the next event-loop turn (so that the
    // several signals of one edit coalesce) instead of waiting out the debounce; edits that keep
    // coming while a run is in flight cancel it and wait for the debounce (see onFinished).
    if (!m_debounce.isActive()) {
        m_debounce.start(0);
        return;
    }
}

void RunController::runNow()
{
    if (!m_requestClockRunning) {
        m_requestClock.start();
        m_requestClockRunning = true;
    }
    m_debounce.stop();
    if (m_running) {
        m_pending = true;
        m_progress->cancel = true;
        return;
    }
    start();
}

void RunController::cancel()
{
    m_debounce.stop();
    m_pending = false;
    if (m_running) {
        m_userCancelled = true;
        m_progress->cancel = true;
    }
}

void RunController::start()
{
    if (m_running)
        return;
    if (!m_doc->configValid()) {
        // The arguments panel shows each problem inline; the plots keep the last good run.
        QStringList lines;
        for (const auto& i : m_doc->configIssues())
            lines << QString::fromStdString(i.message());
        m_requestClockRunning = false;
        const QString msg = tr("not run: %1").arg(lines.join(QStringLiteral("; ")));
        m_doc->publishError(msg);
        emit finished(false, msg);
        return;
    }
    RunRequest rq = makeRunRequest(*m_doc);
    rq.generation = ++m_generation;
    m_progress = std::make_unique<CallProgress>();
    m_running = true;
    m_pending = false;
    m_userCancelled = false;
    CallProgress* progress = m_progress.get();
    emit started();
    m_progressPoll.start();
    m_watcher.setFuture(QtConcurrent::run([rq = std::move(rq), progress]() -> std::shared_ptr<RunOutcome> {
        try {
            return executeRun(rq, progress);
        } catch (const Error& e) {
            auto failed = std::make_shared<RunOutcome>();
            failed->generation = 0;
            failed->notes << QString::fromUtf8(e.what());
            failed->result.backend = e.code() == ErrorCode::Cancelled ? "cancelled" : "error";
            return failed;
        } catch (const std::exception& e) {
            auto failed = std::make_shared<RunOutcome>();
            failed->notes << QStringLiteral("internal error: %1").arg(QString::fromUtf8(e.what()));
            failed->result.backend = "error";
            return failed;
        }
    }));
}

void RunController::onFinished()
{
    m_running = false;
    m_progressPoll.stop();
    std::shared_ptr<RunOutcome> out = m_watcher.result();
    const bool ok = out && out->generation == m_generation && out->generation != 0;
    if (m_pending) {
        // Superseded: whatever came back is stale. Edits are still arriving, so wait for quiet.
        m_pending = false;
        m_debounce.start(m_debounceMs);
        return;
    }
    if (ok) {
        m_lastLatencyMs = m_requestClockRunning ? double(m_requestClock.nsecsElapsed()) / 1e6 : 0.0;
        m_requestClockRunning = false;
        m_doc->publishResult(out);
        emit finished(true, QString());
        return;
    }
    m_requestClockRunning = false;
    if (out && out->result.backend == "cancelled") {
        emit cancelled();
        emit finished(false, tr("run cancelled; the plots show the previous run"));
        return;
    }
    const QString msg = out && !out->notes.isEmpty() ? out->notes.first() : tr("the run failed");
    m_doc->publishError(msg);
    emit finished(false, msg);
}

bool RunController::waitForIdle(int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    while (busy()) {
        if (clock.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        QThread::msleep(1);
    }
    QCoreApplication::processEvents();
    return true;
}

} // namespace gsui
