// UnitLinesPlot: chosen units over processing steps as lines. A quantity selector picks h, z, r
// or h~ for every plotted unit, or all four of one unit; the unit picker takes "0, 3, 5" or ranges
// "0-7" (Document::plottedUnits; empty = the selected unit). Shows a legend, the current-step
// cursor on a buffered layer (a step change redraws only that layer) and shaded masked steps.
// A click in the plot moves the current step there.
#pragma once

#include "model/document.h"
#include "model/shown_refresh.h"
#include "plots/exportable.h"

#include <QWidget>

#include <memory>
#include <optional>
#include <vector>

class QComboBox;
class QCustomPlot;
class QCPItemStraightLine;
class QCPItemRect;
class QCPLayer;
class QLabel;
class QLineEdit;
class QMouseEvent;

namespace gsui {

class UnitLinesPlot : public QWidget, public Exportable {
    Q_OBJECT
public:
    enum class Quantity { H, Z, R, Hh, AllOfOneUnit };

    explicit UnitLinesPlot(Document* doc, QWidget* parent = nullptr);

    QCustomPlot* plot() const { return m_plot; }
    Quantity quantity() const;
    void setQuantity(Quantity q);
    // The units drawn now: Document::plottedUnits, or the selected unit when that is empty (one
    // unit only with AllOfOneUnit).
    QList<int> shownUnits() const;
    double cursorKey() const; // −1 when hidden
    QLineEdit* unitEdit() const { return m_units; }
    QComboBox* quantitySelector() const { return m_quantity; }

    // "0, 3, 5-7" → {0, 3, 5, 6, 7}; nullopt with a reason in `error` for bad text or units
    // outside 0..units−1. Empty text gives an empty list.
    static std::optional<QList<int>> parseUnitList(const QString& text, int units, QString* error);
    static QString formatUnitList(const QList<int>& units);

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
    void rebuild();    // result, sample, quantity, units
    void moveCursor(); // step: cursor layer only
    void placeCursor(); // position only, no redraw
    void applyUnitText();
    void syncUnitText();
    void onMouseRelease(QMouseEvent* event);

    Document* m_doc;
    QComboBox* m_quantity;
    QLineEdit* m_units;
    QLabel* m_status;
    QCustomPlot* m_plot;
    QCPLayer* m_cursorLayer;
    QCPItemStraightLine* m_cursor;
    std::vector<QCPItemRect*> m_maskBands;
    std::shared_ptr<const RunOutcome> m_outcome;
    // Refreshes that wait while the view is hidden (a dock tabbed away or closed): see ShownRefresh.
    void bringUpToDate() const;
    ShownRefresh* m_whenShownStep = nullptr;
    ShownRefresh* m_whenShownAll = nullptr;
    int m_slot = -1;
    int64_t m_lastT = -1;
    QPoint m_pressPos;
};

} // namespace gsui
