// StepBarsPlot: z, r, h~ and h of every unit at the current step, as four small bar charts that
// share the unit axis; the selected unit's bars are drawn in the highlight colour and its values
// are written in the title. A click on a bar selects that unit. A step change only replaces the
// bars' values (U per chart); the value axes stay fixed for the whole run so that stepping shows
// the bars move, not the axes.
#pragma once

#include "model/document.h"
#include "model/shown_refresh.h"
#include "plots/exportable.h"

#include <QSharedPointer>
#include <QWidget>

#include <array>
#include <memory>
#include <vector>

class QCPAxisRect;
class QCPAxisTickerFixed;
class QCPBars;
class QLabel;
class QCustomPlot;
class QMouseEvent;
class QResizeEvent;

namespace gsui {

class StepBarsPlot : public QWidget, public Exportable {
    Q_OBJECT
public:
    explicit StepBarsPlot(Document* doc, QWidget* parent = nullptr);

    static constexpr int kPanels = 4; // z, r, h~, h (top to bottom)

    QCustomPlot* plot() const { return m_plot; }
    QCPAxisRect* panelRect(int panel) const;
    // The values drawn in a panel, one per unit (the selected unit's bar included), in unit order.
    std::vector<double> shownValues(int panel) const;
    // The unit drawn in the highlight colour (−1: none).
    int highlightedUnit() const { return m_highlighted; }
    // The step the bars show (−1 before any result).
    int shownStep() const { return m_shownStep; }
    QString titleText() const;

    // Exportable
    QCustomPlot* exportPlot() const override
    {
        bringUpToDate();
        return m_plot;
    }
    std::vector<ShownData> exportData() const override;
    QString exportTitle() const override;

protected:
    void changeEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override; // the title's line breaks follow the width

private:
    struct Panel {
        QCPAxisRect* rect = nullptr;
        QCPBars* bars = nullptr;     // every unit
        QCPBars* selected = nullptr; // the selected unit only, drawn over it
        QSharedPointer<QCPAxisTickerFixed> yTicker; // its tick count follows the panel's height
    };
    void rebuild();   // result, sample: axes and value ranges
    void showStep();  // step, unit: bar values and title
    void applyColors();
    void onMouseRelease(QMouseEvent* event);

    Document* m_doc;
    QCustomPlot* m_plot;
    QLabel* m_title;
    std::array<Panel, kPanels> m_panels;
    std::shared_ptr<const RunOutcome> m_outcome;
    // Refreshes that wait while the view is hidden (a dock tabbed away or closed): see ShownRefresh.
    void bringUpToDate() const;
    ShownRefresh* m_whenShownStep = nullptr;
    ShownRefresh* m_whenShownAll = nullptr;
    int m_slot = -1;
    int m_highlighted = -1;
    int m_shownStep = -1;
    QPoint m_pressPos;
};

} // namespace gsui
