// The window's themes: System (the platform's palette), Light and Dark, all drawn with the Fusion
// style, which honours a palette in full on every platform (a dark palette needs that). The plots
// follow the palette through plots/plot_theme.h, the error banner through errorBannerStyleSheet.
#pragma once

#include <QPalette>
#include <QString>

#include <optional>

namespace gsui {

enum class Theme { System, Light, Dark };

void applyTheme(Theme theme); // application palette + style
// "system", "light", "dark" (any case); nullopt for anything else.
std::optional<Theme> themeFromName(const QString& name);

// The error banner on `palette`: pale red with dark red text on a light palette, dark red with
// light text on a dark one, so that it reads as an error and stays legible in both.
QString errorBannerStyleSheet(const QPalette& palette);

} // namespace gsui
