// Autosave and crash recovery. While the window runs, a marker file holds its process id and the
// session is written (atomically) to an autosave file a few seconds after each change and at
// least every 30 s while there are unsaved changes. A clean exit removes both. At start, an
// autosave left behind by a process that is no longer running means the last run ended badly:
// the window offers to restore it.
#pragma once

#include <QObject>
#include <QString>
#include <QTimer>

#include <functional>

namespace gsui {

class Document;

class Autosave : public QObject {
    Q_OBJECT
public:
    // `dir`: where the files live (default: the application's data folder). `extras` supplies the
    // window state to store alongside the document.
    Autosave(Document* doc, const QString& dir, QObject* parent = nullptr);
    ~Autosave() override;

    QString autosavePath() const;
    QString markerPath() const;

    // An autosave from a run that did not exit cleanly (and is not running now), or "".
    QString recoverableFile() const;
    // Start watching: writes the marker. Call after any recovery decision.
    void start();
    // Clean exit: removes the autosave and the marker.
    void finishCleanly();
    // Discard a recoverable autosave the user declined.
    void discardRecoverable();
    // Write now (also used by tests). Returns false and sets lastError() on failure.
    bool saveNow();
    const QString& lastError() const { return m_lastError; }

    // Unsaved work set aside (a lesson runs on its own example meanwhile): while held, the autosave
    // file is that session JSON, written now, and the document's changes are not saved over it.
    // release() goes back to saving the document.
    void hold(const QByteArray& session);
    void release();
    bool holding() const { return !m_held.isEmpty(); }

    void setDelayMs(int ms) { m_soon.setInterval(ms); }
    void setWindowStateProvider(std::function<QByteArray()> f) { m_windowState = std::move(f); }

signals:
    void saved(const QString& path);
    void failed(const QString& message);

private:
    Document* m_doc;
    QString m_dir;
    QTimer m_soon;     // a few seconds after a change
    QTimer m_periodic; // at least every 30 s while modified
    bool m_dirty = false;
    bool m_started = false;
    QString m_lastError;
    std::function<QByteArray()> m_windowState;
    QByteArray m_held;
};

} // namespace gsui
