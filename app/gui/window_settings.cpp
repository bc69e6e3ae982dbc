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

QByteArray WindowSettings::geometry() const { return open()->value(kGeometry).toByteArray(); }

QByteArray WindowSettings::windowState() const { return open()->value(kState).toByteArray(); }

void WindowSettings::setWindow(const QByteArray& geometry, const QByteArray& state)
{
    auto s = open();
    s->setValue(kGeometry, geometry);
    s->setValue(kState, state);
}

} // namespace gsui
