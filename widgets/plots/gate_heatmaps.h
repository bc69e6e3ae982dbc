// GateHeatmaps: z, r, h~ and h of the selected sample as four stacked heatmaps, units × processing
// steps (time on x, unit on y, unit 0 at the top), each with its own colour scale, a shared time
// axis (drag/zoom on x together, double-click resets), hatched columns where the mask skipped the
// step, a cursor at the current step and an outline around the selected unit.
//
// Cost model: the colour maps are refilled only when a new result (or another sample) arrives;
// a step change moves the cursor items on their own buffered layer and redraws only that layer,
// and a unit change does the same for the unit outline.
//
// Mouse: a click on a cell selects that unit and step; Ctrl+click adds/removes the unit from the
// units plotted over time (Document::plottedUnits). Hovering shows the cell's value.
#pragma once

#include "model/document.h"
#include "model/shown_refresh.h"
#include "plots/exportable.h"

#include <QPoint>
#include <QSharedPointer>
#include <QWidget>

#include <array>
#include <memory>
#include <vector>

class QCustomPlot;
class QCPAxisRect;
class QCPAxisTicker;
class QCPAxisTickerText;
class QCPColorMap;
class QCPColorScale;
class QCPItemRect;
class QCPItemStraightLine;
class QCPLayer;
class QCPTextElement;
class QMouseEvent;

namespace gsui {

class GateHeatmaps : public QWidget, public Exportable {
    Q_OBJECT
public:
    explicit GateHeatmaps(Document* doc, QWidget* parent = nullptr);

    static constexpr int kPanels = 4; // z, r, h~, h (in this order, top to bottom)

    QCustomPlot* plot() const { return m_plot; }
    // The time (processing step) where the cursor line stands; −1 before any result.
    double cursorKey() const;
    // The axis rect and colour map of panel 0..3 (z, r, h~, h).
    QCPAxisRect* panelRect(int panel) const;
    QCPColorMap* colorMap(int panel) const;
    // The pixel of plot() at the centre of cell (step, unit) of a panel (valid after a replot).
    QPoint cellCenter(int panel, int step, int unit) const;
    // The line above the panels: the sample, go_backwards, what hatching means, or the message.
    QString titleText() const;
    // The message shown instead of data ("sample 3 was not traced …"); empty when data is shown.
    QString message() const { return m_message; }
    // How often the colour maps were refilled (a new result or sample; never on a step change).
    int refillCount() const { return m_refills; }

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

private:
    struct Panel {
        QCPAxisRect* rect = nullptr;
        QCPColorScale* scale = nullptr;
        QCPColorMap* map = nullptr;
        // The colour scale's ticks: about three (tall panels), or the two ends of its range
        // (short ones, where a count of one showed a signed scale as a lone "0").
        QSharedPointer<QCPAxisTicker> scaleTicks;
        QSharedPointer<QCPAxisTickerText> scaleEnds;
        QCPItemStraightLine* cursorHalo = nullptr;
        QCPItemStraightLine* cursor = nullptr;
        QCPItemRect* unitHalo = nullptr;
        QCPItemRect* unitBox = nullptr;
        std::vector<QCPItemRect*> plottedBoxes;
        std::vector<QCPItemRect*> maskBands;
    };

    void refill();          // new result or sample: colour maps, ranges, mask bands
    void labelScaleEnds(Panel& pn); // the ends ticker's ticks at the map's data range
    void moveCursor();      // step change: cursor layer only
    void updateUnitMarks(); // unit / plotted units: cursor layer only
    void placeCursor();     // position only, no redraw
    void placeUnitMarks();
    void clearMaskBands();
    void fitToPanelHeight(); // labels and ticks that fit each panel's laid-out height
    void setAllTimeRanges(double lower, double upper);
    void onTimeRangeChanged(int panel);
    // Panel and cell under a widget position; false outside the heat maps.
    bool cellAt(const QPoint& pos, int* panel, int* step, int* unit) const;
    void onMousePress(QMouseEvent* event);
    void onMouseRelease(QMouseEvent* event);
    void onMouseMove(QMouseEvent* event);
    const gruscope::ArrayF* panelArray(int panel) const;

    Document* m_doc;
    QCustomPlot* m_plot;
    QCPTextElement* m_title;
    QCPLayer* m_cursorLayer;
    std::array<Panel, kPanels> m_panels;
    std::shared_ptr<const RunOutcome> m_outcome; // what the maps show
    // Refreshes that wait while the view is hidden (a dock tabbed away or closed): see ShownRefresh.
    void bringUpToDate() const;
    ShownRefresh* m_whenShownStep = nullptr;
    ShownRefresh* m_whenShownAll = nullptr;
    int m_slot = -1;                              // its trace row for the selected sample
    QString m_message;
    int m_refills = 0;
    bool m_syncingRanges = false;
    QPoint m_pressPos;
    bool m_pressed = false;
};

} // namespace gsui
