// DiffView: the model's weights (A, as they are now, edits included) against a second set B of
// the same shape (another checkpoint, the file before the edits). Per gate block the largest
// |Δ|, ‖Δ‖/‖A‖, the entries changed and the sign flips (gruscope::diffWeights, as
// `gruscope-cli diff` prints them); Δ = B − A of the kernel and the recurrent kernel as heatmaps
// with the z | r | h blocks; the units whose weights moved most (a click selects the unit
// everywhere); and B run on the window's input, its h of the selected unit drawn over A's.
#pragma once

#include "model/document.h"
#include "plots/exportable.h"

#include "gruscope/inspect.h"

#include <QFutureWatcher>
#include <QWidget>

#include <memory>
#include <optional>

class QCPColorMap;
class QCPMarginGroup;
class QCustomPlot;
class QLabel;
class QListWidget;
class QTableWidget;

namespace gsui {

class DiffView : public QWidget, public Exportable {
    Q_OBJECT
public:
    explicit DiffView(Document* doc, QWidget* parent = nullptr);

    // The weights to compare with, and what to call them ("ckpt_2.h5 · gru"). Runs B on the
    // window's input in the background.
    void setOther(gruscope::GruWeights weights, const QString& label);
    bool hasOther() const { return bool(m_other); }
    const std::optional<gruscope::WeightDiff>& diff() const { return m_diff; }
    QString summaryText() const;
    QTableWidget* blockTable() const { return m_blocks; }
    QListWidget* unitList() const { return m_units; }
    QCustomPlot* plot() const { return m_plot; }
    // The Δ heatmaps (for tests).
    QCPColorMap* kernelMap() const { return m_kernel; }
    QCPColorMap* recurrentMap() const { return m_recurrent; }
    // The overlay's curves for the selected unit: A's and B's h over the processing steps.
    std::vector<double> overlayA() const;
    std::vector<double> overlayB() const;
    bool runningB() const { return m_watcher.isRunning(); }

    // Modest, so that the tab does not push the docks aside; the splitters share what there is.
    QSize sizeHint() const override { return {640, 480}; }

    QCustomPlot* exportPlot() const override { return m_plot; }
    std::vector<ShownData> exportData() const override;
    QString exportTitle() const override { return tr("Weight diff"); }

private:
    void recompute();     // the diff, after A or B changed
    void runOther();      // B on the window's input
    void drawOverlay();
    void showComparison(bool shown); // the table, the unit list and the plots, or only the summary

    Document* m_doc;
    std::shared_ptr<const gruscope::GruWeights> m_other;
    QString m_label;
    std::optional<gruscope::WeightDiff> m_diff;
    std::shared_ptr<const RunOutcome> m_otherRun;
    QFutureWatcher<std::shared_ptr<RunOutcome>> m_watcher;
    QLabel* m_summary;
    QTableWidget* m_blocks;
    QListWidget* m_units;
    QCustomPlot* m_plot;
    QCPColorMap* m_kernel = nullptr;
    QCPColorMap* m_recurrent = nullptr;
    QCPMarginGroup* m_margins = nullptr;
};

} // namespace gsui
