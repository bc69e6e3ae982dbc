// What the window keeps between runs, in QSettings: its geometry and dock layout, the theme and
// the recent files. Each call opens the settings afresh, so that two windows (or a test and the
// window it drives) always see what the other wrote.
#pragma once

#include "model/limits.h"
#include "theme.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <memory>

class QSettings;

namespace gsui {

class WindowSettings {
public:
    static constexpr int kMaxRecent = 8;

    // `path`: "" for the user's GruScope settings, else an .ini file (tests use a temporary one).
    explicit WindowSettings(QString path) : m_path(std::move(path)) {}

    QStringList recentFiles() const; // absolute paths, most recent first
    void addRecentFile(const QString& path);

    Theme theme() const; // System when none was saved
    void setTheme(Theme theme);

    WindowLimits limits() const; // the defaults for what was never saved
    void setLimits(const WindowLimits& limits);

    QByteArray geometry() const;
    QByteArray windowState() const;
    void setWindow(const QByteArray& geometry, const QByteArray& state);

private:
    std::unique_ptr<QSettings> open() const;

    QString m_path;
};

} // namespace gsui
