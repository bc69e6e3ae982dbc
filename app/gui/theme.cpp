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

QString errorBannerStyleSheet(const QPalette& palette)
{
    const bool dark = palette.color(QPalette::Window).lightness() < 128;
    const char* background = dark ? "#5a1f1d" : "#fde2e1";
    const char* text = dark ? "#ffd9d6" : "#8a1111";
    const char* border = dark ? "#a3504b" : "#e5a3a0";
    return QStringLiteral("QLabel { background: %1; color: %2; border: 1px solid %3; border-radius: 3px; "
                          "padding: 4px 6px; }")
        .arg(QLatin1String(background), QLatin1String(text), QLatin1String(border));
}

} // namespace gsui
