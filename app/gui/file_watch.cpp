#include "file_watch.h"

#include <QFileInfo>

namespace gsui {

FileWatch::FileWatch(QObject* parent) : QObject(parent)
{
    connect(&m_watcher, &QFileSystemWatcher::fileChanged, this, [this](const QString&) { check(); });
    // A file replaced by a rename shows up as a change of its folder.
    connect(&m_watcher, &QFileSystemWatcher::directoryChanged, this, [this](const QString&) { check(); });
}

void FileWatch::watch(const QString& path)
{
    if (!m_watcher.files().isEmpty())
        m_watcher.removePaths(m_watcher.files());
    if (!m_watcher.directories().isEmpty())
        m_watcher.removePaths(m_watcher.directories());
    m_path = path;
    m_reportedRemoved = false;
    if (path.isEmpty())
        return;
    const QFileInfo info(path);
    m_size = info.size();
    m_modified = info.lastModified();
    m_watcher.addPath(path);
    m_watcher.addPath(info.absolutePath());
}

void FileWatch::check()
{
    if (m_path.isEmpty())
        return;
    const QFileInfo info(m_path);
    if (!info.exists()) {
        if (!m_reportedRemoved) {
            m_reportedRemoved = true;
            emit removed(m_path);
        }
        return;
    }
    // Back (or replaced): watch the new file.
    if (!m_watcher.files().contains(m_path))
        m_watcher.addPath(m_path);
    const bool wasRemoved = m_reportedRemoved;
    m_reportedRemoved = false;
    if (wasRemoved || info.size() != m_size || info.lastModified() != m_modified) {
        m_size = info.size();
        m_modified = info.lastModified();
        emit changed(m_path);
    }
}

} // namespace gsui
