// Saving what a view shows: figures through QCustomPlot (PNG at 2x, PDF, SVG via QSvgGenerator),
// numbers as CSV or NumPy .npy/.npz. Every save is atomic (a temporary file renamed over the
// target) and throws gruscope::Error naming the file when it fails.
#pragma once

#include "plots/exportable.h"

#include <QString>

class QWidget;

namespace gsui {

// By the file's ending: .png, .pdf, .svg. Width and height 0 keep the plot's size on screen.
void savePlotFigure(QCustomPlot* plot, const QString& path, int width = 0, int height = 0);

// .csv: one table, with a header row when column names exist and a first column with row names
// when they exist. .npy: one table as float64 (rows, columns). .npz: every table under its name.
void saveShownData(const std::vector<ShownData>& tables, const QString& path);

// File dialogs + save for a view; errors appear in a message box on `parent`. Returns the path
// saved or an empty string.
QString exportFigureInteractive(QWidget* parent, const Exportable& view);
QString exportDataInteractive(QWidget* parent, const Exportable& view);

} // namespace gsui
