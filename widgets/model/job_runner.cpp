#include "model/job_runner.h"

#include "gruscope/error.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThread>
#include <QtConcurrent/QtConcurrentRun>

namespace gsui {

JobRunner::JobRunner(QObject* parent) : QObject(parent)
{
    m_debounce.setSingleShot(true);
    connect(&m_debounce, &QTimer::timeout, this, &JobRunner::start);
    m_progressPoll.setInterval(100);
    connect(&m_progressPoll, &QTimer::timeout, this, [this] {
        if (m_progress)
            emit progress(m_progress->stepsDone.load(), m_progress->stepsTotal.load());
    });
    connect(&m_watcher, &QFutureWatcher<Outcome>::finished, this, &JobRunner::onFinished);
}

JobRunner::~JobRunner()
{
    if (m_progress)
        m_progress->cancel = true;
    m_watcher.waitForFinished();
}

void JobRunner::request()
{
    ++m_requests;
    if (m_running) {
        // The job in flight works for older requests: stop it; onFinished starts the next.
        m_progress->cancel = true;
        return;
    }
    if (!m_debounce.isActive())
        m_debounce.start(0);
}

void JobRunner::runNow()
{
    ++m_requests;
    m_debounce.stop();
    if (m_running) {
        m_progress->cancel = true;
        return;
    }
    start();
}

void JobRunner::cancel()
{
    m_debounce.stop();
    if (m_running) {
        m_cancelled = true;
        m_cancelledAt = m_requests;
        m_progress->cancel = true;
    }
}

void JobRunner::start()
{
    if (m_running)
        return;
    const quint64 id = m_lastId + 1;
    Work work = m_factory ? m_factory(id) : Work{};
    if (!work)
        return; // the factory declined (and said why itself)
    m_lastId = id;
    m_jobCovers = m_requests;
    m_cancelled = false;
    m_progress = std::make_shared<gruscope::CallProgress>();
    m_running = true;
    emit started(id);
    m_progressPoll.start();
    m_watcher.setFuture(QtConcurrent::run([work = std::move(work), progress = m_progress]() -> Outcome {
        Outcome out;
        try {
            out.deliver = work(*progress);
        } catch (const gruscope::Error& e) {
            if (e.code() == gruscope::ErrorCode::Cancelled)
                out.cancelled = true;
            else
                out.error = QString::fromUtf8(e.what());
        } catch (const std::exception& e) {
            out.error = QStringLiteral("internal error: %1").arg(QString::fromUtf8(e.what()));
        }
        return out;
    }));
}

void JobRunner::onFinished()
{
    m_running = false;
    m_progressPoll.stop();
    const Outcome out = m_watcher.result();
    const quint64 id = m_lastId;
    const bool superseded = m_requests != m_jobCovers;
    // A cancel() after the last request wins; a request after cancel() asks for a new job.
    const bool cancelledByUser = m_cancelled && m_cancelledAt == m_requests;
    if (superseded && !cancelledByUser) {
        emit dropped(id);
        m_debounce.start(m_debounceMs); // edits are still arriving: wait for quiet
        return;
    }
    if (m_cancelled || out.cancelled || m_progress->cancel) {
        emit cancelled(id);
        return;
    }
    if (!out.error.isEmpty()) {
        emit failed(id, out.error);
        return;
    }
    if (out.deliver)
        out.deliver();
    emit delivered(id);
}

bool JobRunner::waitForIdle(int timeoutMs)
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
