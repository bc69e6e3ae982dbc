#include "autosave.h"

#include "model/document.h"
#include "model/engine_qt.h"
#include "model/session.h"

#include "gruscope/atomic_file.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>

#include <csignal>
#include <cerrno>
#include <sys/types.h>
#include <unistd.h>

namespace gsui {

namespace {

bool processAlive(qint64 pid)
{
    if (pid <= 0)
        return false;
    if (pid == qint64(QCoreApplication::applicationPid()))
        return true;
    // kill(pid, 0) probes without sending anything; EPERM still means the process exists.
    return ::kill(pid_t(pid), 0) == 0 || errno == EPERM;
}

} // namespace

Autosave::Autosave(Document* doc, const QString& dir, QObject* parent) : QObject(parent), m_doc(doc), m_dir(dir)
{
    if (m_dir.isEmpty())
        m_dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    m_soon.setSingleShot(true);
    m_soon.setInterval(3000);
    m_periodic.setInterval(30000);
    // Only unsaved work is worth recovering: a freshly opened file or example is not.
    connect(&m_soon, &QTimer::timeout, this, [this] {
        if (m_doc->modified() && !holding())
            saveNow();
    });
    connect(&m_periodic, &QTimer::timeout, this, [this] {
        if (m_dirty && m_doc->modified() && !holding())
            saveNow();
    });
    // Saved or freshly loaded work: an older autosave would only offer stale work after a crash.
    // Not while work is held: the document then is not the work to recover.
    connect(doc, &Document::modifiedChanged, this, [this](bool modified) {
        if (m_started && !modified && !holding()) {
            m_soon.stop();
            m_dirty = false;
            QFile::remove(autosavePath());
        }
    });
    // The backend choice is kept in sessions but is no run input of the comparison, so it has a
    // signal of its own.
    for (auto changed : {&Document::runInputsChanged, &Document::backendChanged})
        connect(doc, changed, this, [this] {
            if (!m_started)
                return;
            m_dirty = true;
            m_soon.start();
        });
}

Autosave::~Autosave() = default;

QString Autosave::autosavePath() const { return QDir(m_dir).filePath(QStringLiteral("autosave.gruscope.json")); }
QString Autosave::markerPath() const { return QDir(m_dir).filePath(QStringLiteral("running.pid")); }

QString Autosave::recoverableFile() const
{
    if (!QFileInfo::exists(autosavePath()))
        return {};
    QFile marker(markerPath());
    if (!marker.open(QIODevice::ReadOnly))
        return {}; // no marker: the last run exited cleanly (its autosave is a leftover)
    const qint64 pid = marker.readAll().trimmed().toLongLong();
    if (processAlive(pid) && pid != qint64(QCoreApplication::applicationPid()))
        return {}; // another window is running and owns that autosave
    return autosavePath();
}

void Autosave::start()
{
    QDir().mkpath(m_dir);
    QFile marker(markerPath());
    if (marker.open(QIODevice::WriteOnly | QIODevice::Truncate))
        marker.write(QByteArray::number(QCoreApplication::applicationPid()));
    m_started = true;
    m_periodic.start();
}

void Autosave::finishCleanly()
{
    m_soon.stop();
    m_periodic.stop();
    m_started = false;
    QFile::remove(autosavePath());
    QFile::remove(markerPath());
}

void Autosave::discardRecoverable()
{
    QFile::remove(autosavePath());
    QFile::remove(markerPath());
}

void Autosave::hold(const QByteArray& session)
{
    m_held = session;
    m_soon.stop();
    if (holding())
        saveNow();
}

void Autosave::release()
{
    if (!holding())
        return;
    m_held.clear();
    // Back to the document: its unsaved changes are saved soon, or there is nothing to recover.
    if (m_doc->modified()) {
        m_dirty = true;
        m_soon.start();
    } else {
        QFile::remove(autosavePath());
    }
}

bool Autosave::saveNow()
{
    try {
        QDir().mkpath(m_dir);
        if (holding()) {
            gruscope::writeBytesAtomically(autosavePath().toStdString(), m_held.toStdString());
        } else {
            SessionExtras extras;
            if (m_windowState)
                extras.windowState = m_windowState();
            saveSession(autosavePath(), *m_doc, extras);
        }
        m_dirty = false;
        m_lastError.clear();
        emit saved(autosavePath());
        return true;
    } catch (const std::exception& e) {
        m_lastError = tr("autosave failed: %1").arg(errorText(e));
        emit failed(m_lastError);
        return false;
    }
}

} // namespace gsui
