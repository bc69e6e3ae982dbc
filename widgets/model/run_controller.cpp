#include "model/run_controller.h"

namespace gsui {

using namespace gruscope;

RunController::RunController(Document* doc, QObject* parent) : QObject(parent), m_doc(doc)
{
    m_runner.setFactory([this](quint64 id) { return prepare(id); });
    connect(&m_runner, &JobRunner::started, this, &RunController::started);
    connect(&m_runner, &JobRunner::progress, this, &RunController::progress);
    connect(&m_runner, &JobRunner::failed, this, [this](quint64, const QString& message) {
        m_requestClockRunning = false;
        m_doc->publishError(message);
        emit finished(false, message);
    });
    connect(&m_runner, &JobRunner::cancelled, this, [this] {
        m_requestClockRunning = false;
        emit cancelled();
        emit finished(false, tr("run cancelled; the plots show the previous run"));
    });
    connect(doc, &Document::runInputsChanged, this, &RunController::requestRun);
    connect(doc, &Document::backendChanged, this, &RunController::requestRun);
    // A sample that the last (large) run did not trace needs a run of its own.
    connect(doc, &Document::sampleChanged, this, [this](int sample) {
        const auto r = m_doc->result();
        if (r && r->traceSlot(sample) < 0)
            requestRun();
    });
}

void RunController::markRequest()
{
    if (!m_requestClockRunning) {
        m_requestClock.start();
        m_requestClockRunning = true;
    }
}

void RunController::requestRun()
{
    markRequest();
    m_runner.request();
}

void RunController::runNow()
{
    markRequest();
    m_runner.runNow();
}

void RunController::cancel() { m_runner.cancel(); }

JobRunner::Work RunController::prepare(quint64 id)
{
    if (!m_doc->configValid()) {
        // The arguments panel shows each problem inline; the plots keep the last good run.
        QStringList lines;
        for (const auto& i : m_doc->configIssues())
            lines << QString::fromStdString(i.message());
        m_requestClockRunning = false;
        const QString msg = tr("not run: %1").arg(lines.join(QStringLiteral("; ")));
        m_doc->publishError(msg);
        emit finished(false, msg);
        return {};
    }
    RunRequest rq = makeRunRequest(*m_doc);
    rq.generation = id;
    return [this, rq = std::move(rq)](CallProgress& progress) -> JobRunner::Deliver {
        std::shared_ptr<const RunOutcome> out = executeRun(rq, &progress);
        return [this, out] {
            m_lastLatencyMs = m_requestClockRunning ? double(m_requestClock.nsecsElapsed()) / 1e6 : 0.0;
            m_requestClockRunning = false;
            m_doc->publishResult(out);
            emit finished(true, QString());
        };
    };
}

} // namespace gsui
