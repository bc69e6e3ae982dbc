#include "window_settings.h"

#include <QFileInfo>
#include <QSettings>

#include <algorithm>

namespace gsui {

namespace {

const QString kRecent = QStringLiteral("recentFiles");
const QString kTheme = QStringLiteral("theme");
const QString kGeometry = QStringLiteral("geometry");
const QString kState = QStringLiteral("windowState");

} // namespace

std::unique_ptr<QSettings> WindowSettings::open() const
{
    if (m_path.isEmpty())
        return std::make_unique<QSettings>(QStringLiteral("GruScope"), QStringLiteral("GruScope"));
    return std::make_unique<QSettings>(m_path, QSettings::IniFormat);
}

QStringList WindowSettings::recentFiles() const { return open()->value(kRecent).toStringList(); }

void WindowSettings::addRecentFile(const QString& path)
{
    auto s = open();
    QStringList list = s->value(kRecent).toStringList();
    const QString abs = QFileInfo(path).absoluteFilePath();
    list.removeAll(abs);
    list.prepend(abs);
    while (list.size() > kMaxRecent)
        list.removeLast();
    s->setValue(kRecent, list);
}

Theme WindowSettings::theme() const
{
    return Theme(std::clamp(open()->value(kTheme, int(Theme::System)).toInt(), 0, 2));
}

void WindowSettings::setTheme(Theme theme) { open()->setValue(kTheme, int(theme)); }

WindowLimits WindowSettings::limits() const
{
    const auto s = open();
    WindowLimits l = defaultWindowLimits();
    l.maxElements = std::max<qint64>(1, s->value(QStringLiteral("limits/max_elements"), qint64(l.maxElements)).toLongLong());
    l.traceCapBytes = std::max<qulonglong>(1, s->value(QStringLiteral("limits/trace_cap_bytes"), qulonglong(l.traceCapBytes)).toULongLong());
    l.runMemoryBytes = std::max<qlonglong>(0, s->value(QStringLiteral("limits/run_memory_bytes"), qlonglong(l.runMemoryBytes)).toLongLong());
    l.isolateFiles = s->value(QStringLiteral("limits/isolate_files"), l.isolateFiles).toBool();
    l.parseTimeoutSeconds = std::max(0.1, s->value(QStringLiteral("limits/parse_timeout_seconds"), l.parseTimeoutSeconds).toDouble());
    return l;
}

void WindowSettings::setLimits(const WindowLimits& l)
{
    const auto s = open();
    s->setValue(QStringLiteral("limits/max_elements"), qint64(l.maxElements));
    s->setValue(QStringLiteral("limits/trace_cap_bytes"), qulonglong(l.traceCapBytes));
    s->setValue(QStringLiteral("limits/run_memory_bytes"), qlonglong(l.runMemoryBytes));
    s->setValue(QStringLiteral("limits/isolate_files"), l.isolateFiles);
    s->setValue(QStringLiteral("limits/parse_timeout_seconds"), l.parseTimeoutSeconds);
}

QByteArray WindowSettings::geometry() const { return open()->value(kGeometry).toByteArray(); }

QByteArray WindowSettings::windowState() const { return open()->value(kState).toByteArray(); }

void WindowSettings::setWindow(const QByteArray& geometry, const QByteArray& state)
{
    auto s = open();
    s->setValue(kGeometry, geometry);
    s->setValue(kState, state);
}

} // namespace gsui
