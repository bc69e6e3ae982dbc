// Colours of QCustomPlot plots from the application palette, so that every plot is legible in a
// light and in a dark theme (QCustomPlot draws white backgrounds and black axes by default).
#pragma once

#include <QPalette>

class QCustomPlot;
class QWidget;

namespace gsui {

// Background, axes, ticks, labels, grids, legends and colour-scale axes of one plot.
void applyPlotTheme(QCustomPlot* plot, const QPalette& palette);
// Every QCustomPlot below `root` (the root included when it is one).
void applyPlotThemeToAll(QWidget* root, const QPalette& palette);

// A dark palette for the Fusion style (the window's "Dark" theme).
QPalette darkPalette();

} // namespace gsui
