#include "theme.h"

#include "plots/plot_theme.h"

#include <QApplication>
#include <QStyle>
#include <QStyleFactory>

namespace gsui {

void applyTheme(Theme theme)
{
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    if (theme == Theme::Dark)
        QApplication::setPalette(darkPalette());
    else
        QApplication::setPalette(QApplication::style()->standardPalette());
}

std::optional<Theme> themeFromName(const QString& name)
{
    const QString n = name.toLower();
    if (n == QLatin1String("system"))
        return Theme::System;
    if (n == QLatin1String("light"))
        return Theme::Light;
    if (n == QLatin1String("dark"))
        return Theme::Dark;
    return std::nullopt;
}

} // namespace gsui
