// FileWatch: notices when the weight file the window's model came from changes or disappears on
// disk after it was read. The window holds everything it read (weights, tree), so nothing breaks;
// the user is told, and File ▸ Reload reads the file again on request. Editors replace files by
// renaming a new one over the old, which ends an inotify watch; the watch is renewed each time.
#pragma once

#include <QDateTime>
#include <QFileSystemWatcher>
#include <QObject>
#include <QString>

namespace gsui {

class FileWatch : public QObject {
    Q_OBJECT
public:
    explicit FileWatch(QObject* parent = nullptr);

    // Watch `path` from now on (as it is now); "" stops watching.
    void watch(const QString& path);
    const QString& path() const { return m_path; }

signals:
    void changed(const QString& path); // its content, size or time changed, or it was replaced
    void removed(const QString& path); // deleted or moved away

private:
    void check();

    QFileSystemWatcher m_watcher;
    QString m_path;
    qint64 m_size = -1;
    QDateTime m_modified;
    bool m_reportedRemoved = false;
};

} // namespace gsui
