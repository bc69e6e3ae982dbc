// SaturationView ("Saturation & memory"): per unit, how often z and r sit saturated (below 0.1,
// above 0.9) over the traced steps of the last run, the memory time constant τ = −1/ln z̄ on a
// log axis, and the units flagged dead, stuck or always-reset (gruscope/saturation.h computes
// them; masked steps are left out). Over every traced sample, or the selected sample only. A
// click on a unit selects it in the document; the document's selected unit is shaded here, as in
// the heatmaps and the weights.
#pragma once

#include "model/document.h"
#include "model/shown_refresh.h"
#include "plots/exportable.h"

#include "gruscope/saturation.h"

#include <QWidget>

#include <array>
#include <memory>

class QCPAxisRect;
class QCPBars;
class QCPGraph;
class QCPItemRect;
class QCPItemText;
class QCPTextElement;
class QComboBox;
class QCustomPlot;
class QMouseEvent;

namespace gsui {

class SaturationView : public QWidget, public Exportable {
    Q_OBJECT
public:
    explicit SaturationView(Document* doc, QWidget* parent = nullptr);

    enum Panel { Fractions, Tau, Flags, kPanels };
    enum class Scope { AllSamples, SelectedSample };

    QCustomPlot* plot() const { return m_plot; }
    QCPAxisRect* panelRect(int panel) const;
    QComboBox* scopeBox() const { return m_scope; }
    void setScope(Scope scope);
    // What is drawn: the engine's report for the current result and scope (bringing it up to date).
    const gruscope::SaturationReport& report() const;
    // The unit shaded as selected (−1: none).
    int highlightedUnit() const { return m_highlighted; }
    // Where unit `unit`'s bar group is drawn (the middle of its column in the fractions panel).
    QPoint unitCenter(int unit) const;
    QString titleText() const;
    // The note a panel shows when it has nothing to draw ("" when it has).
    QString emptyNote(int panel) const;
    // The unit whose column holds pixel `pos` (−1: none).
    int unitAt(const QPoint& pos) const;
    // How many times the report was recomputed (a hidden view waits until it is shown again).
    int rebuildCount() const { return m_rebuilds; }

    // Exportable
    QCustomPlot* exportPlot() const override;
    std::vector<ShownData> exportData() const override;
    QString exportTitle() const override;

protected:
    void changeEvent(QEvent* event) override;

private:
    void rebuild();          // result, scope, sample: the report and every series
    void updateHighlight();  // selected unit
    void applyColors();
    void onMouseRelease(QMouseEvent* event);
    void onMouseMove(QMouseEvent* event);
    void bringUpToDate() const;

    Document* m_doc;
    QComboBox* m_scope;
    QCustomPlot* m_plot;
    QCPTextElement* m_title;
    std::array<QCPAxisRect*, kPanels> m_rects{};
    std::array<QCPBars*, 4> m_bars{};          // % z<low, z>high, r<low, r>high
    QCPGraph* m_tau = nullptr;                  // finite τ
    QCPGraph* m_tauEdge = nullptr;              // τ = ∞ (at the top) or 0 (at the bottom)
    std::array<QCPGraph*, 3> m_flagMarks{};     // dead, stuck, always-reset
    std::array<QCPItemRect*, kPanels> m_shade{}; // the selected unit's column
    std::array<QCPItemText*, kPanels> m_empty{}; // says why a panel is empty
    ShownRefresh* m_whenShownUnit = nullptr;
    ShownRefresh* m_whenShownAll = nullptr;
    std::shared_ptr<const RunOutcome> m_outcome;
    gruscope::SaturationReport m_report;
    int m_highlighted = -1;
    int m_rebuilds = 0;
    QPoint m_pressPos;
};

} // namespace gsui
