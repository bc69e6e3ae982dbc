// What a view can export: its plot as a figure (PNG/PDF/SVG, with axes and colour scales) and the
// numbers it shows as tables (CSV/.npy). Views implement this; the window's Export menu and the
// plots' context menus call plot_export.h on it.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <vector>

class QCustomPlot;

namespace gsui {

// A 2-D table of what is shown: rows × columns, row-major, with optional names.
struct ShownData {
    QString name;        // file-name friendly: "z_sample0", "kernel_z"
    int64_t rows = 0, columns = 0;
    std::vector<double> values; // rows × columns
    QStringList rowNames;       // optional, `rows` entries
    QStringList columnNames;    // optional, `columns` entries
};

class Exportable {
public:
    virtual ~Exportable() = default;
    // The plot to save as a figure (null when the view has none).
    virtual QCustomPlot* exportPlot() const = 0;
    // The numbers on screen, one table per panel (e.g. z, r, h~, h).
    virtual std::vector<ShownData> exportData() const = 0;
    // Short title for dialogs and default file names.
    virtual QString exportTitle() const = 0;
};

} // namespace gsui
