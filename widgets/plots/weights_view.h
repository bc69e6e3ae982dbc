// WeightsView: the layer's weights as pictures and numbers. One QCustomPlot holds a heatmap per
// tensor — kernel K (I × 3U), recurrent kernel R (U × 3U) and bias (2 × 3U with reset_after, 1 × 3U
// without, absent without use_bias) — with the gate blocks z | r | h labelled on the top axis and
// separated by lines, one diverging colour scale symmetric around 0, NaN cells in their own colour
// and ±Inf cells marked, and below them a histogram per tensor (stacked by gate block, or the whole
// tensor). Under the plot a table gives gruscope::inspectWeights' statistics and diagnostics.
//
// Why columns: in Keras layout every gate of unit j reads one column of each tensor,
//   z_j = σ(x·K[:, j] + b_z[j] + h·R[:, j]),  r_j likewise with column U + j,
//   h~_j from column 2U + j,
// so the selected unit's three columns (and, in R, its row: how h_j feeds every gate) are outlined,
// and clicking any column selects its unit in the Document.
#pragma once

#include "model/document.h"
#include "model/shown_refresh.h"
#include "plots/exportable.h"

#include "gruscope/inspect.h"

#include <QPointer>
#include <QWidget>

#include <array>
#include <vector>

class QCPAxisRect;
class QCPColorMap;
class QCPColorScale;
class QCPItemRect;
class QCPLayer;
class QCPMarginGroup;
class QComboBox;
class QLabel;
class QListWidget;
class QMouseEvent;
class QTableWidget;
class QCustomPlot;

namespace gsui {

class WeightsView : public QWidget, public Exportable {
    Q_OBJECT
public:
    explicit WeightsView(Document* doc, QWidget* parent = nullptr);

    // For tests and the window.
    QCustomPlot* plot() const { return m_plot; }
    int highlightedUnit() const { return m_highlighted; } // −1: none
    // "All 162 weights are finite." or "2 non-finite weights: 1 NaN, 1 Inf (kernel[z]: 1 NaN; ...)".
    QString nonFiniteSummary() const { return m_nonFinite; }
    int nanCount() const { return int(m_nanTotal); }
    int infCount() const { return int(m_infTotal); }
    // The colour map of one tensor ("kernel", "recurrent_kernel", "bias"); null when absent.
    QCPColorMap* heatmap(const QString& tensor) const;
    // Histograms: false = one per tensor, true = stacked per gate block (the default).
    bool histogramsByGate() const { return m_byGate; }
    void setHistogramsByGate(bool byGate);
    // Points at one tensor ("kernel", "recurrent_kernel", "bias"; "" for none), as the File panel
    // asks when one of the layer's datasets is clicked: its heatmap title is marked and its row in
    // the statistics table selected. A new model clears it.
    void showTensor(const QString& tensor);
    QString shownTensor() const { return m_focus; }

    // Exportable
    QCustomPlot* exportPlot() const override
    {
        m_whenShown->flush();
        return m_plot;
    }
    std::vector<ShownData> exportData() const override;
    QString exportTitle() const override { return tr("Weights"); }

signals:
    // A left click on a heatmap cell: the tensor ("kernel", "recurrent_kernel", "bias") and the
    // cell's row and column in Keras layout. Sent after the unit is selected in the Document, so
    // that the What if panel can point its entry at exactly that weight.
    void cellPicked(const QString& tensor, int row, int column);

protected:
    void changeEvent(QEvent* event) override;

private:
    struct Panel {
        QString tensor;              // "kernel", "recurrent_kernel", "bias"
        const gruscope::ArrayF* data = nullptr;
        int64_t rows = 0, cols = 0;
        QCPAxisRect* rect = nullptr;
        QCPColorMap* map = nullptr;
        std::array<QCPItemRect*, 6> columnMarks{}; // z, r, h columns: dark halo + light line each
        std::array<QCPItemRect*, 2> rowMarks{};    // recurrent kernel only: the unit's row
    };

    void rebuild();     // new shapes or values: the whole plot, table and caption
    void buildStats();  // the table and the diagnostics from inspectWeights
    void updateHighlight(); // moves the outlines to the selected unit and redraws the overlay layer only
    void placeHighlight();
    void onPlotMouse(QMouseEvent* event, bool press);
    const Panel* panelAt(const QPointF& pos, int64_t* row, int64_t* col) const;
    void applyTheme();
    void applyFocus(); // showTensor's marks on the current plot and table

    Document* m_doc;
    std::shared_ptr<const gruscope::GruWeights> m_weights; // what is drawn (kept alive)
    // New weights or arguments while the tab is not shown wait for it (ShownRefresh).
    ShownRefresh* m_whenShown = nullptr;
    bool m_weightsPending = false; // new weights arrived: a full rebuild, not only the statistics
    QLabel* m_caption;
    QLabel* m_unitLine;
    QComboBox* m_histMode;
    QCustomPlot* m_plot;
    QTableWidget* m_table;
    QListWidget* m_diagnostics;
    QCPLayer* m_overlay = nullptr;
    QCPColorScale* m_scale = nullptr;
    QCPMarginGroup* m_heatGroup = nullptr; // lines up the heatmaps' left and right margins
    std::vector<Panel> m_panels;
    gruscope::Inspection m_inspection;
    QString m_nonFinite;
    int64_t m_nanTotal = 0, m_infTotal = 0;
    int m_highlighted = -1;
    bool m_byGate = true;
    QString m_focus; // showTensor
    double m_range = 1.0;
};

} // namespace gsui
