#include "plots/plot_theme.h"

#include <qcustomplot.h>

#include <QWidget>

namespace gsui {

namespace {

void themeAxis(QCPAxis* axis, const QColor& fg, const QColor& grid, const QColor& subGrid)
{
    if (!axis)
        return;
    axis->setBasePen(QPen(fg, 1));
    axis->setTickPen(QPen(fg, 1));
    axis->setSubTickPen(QPen(fg, 1));
    axis->setTickLabelColor(fg);
    axis->setLabelColor(fg);
    if (axis->grid()) {
        axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
        axis->grid()->setSubGridPen(QPen(subGrid, 1, Qt::DotLine));
        axis->grid()->setZeroLinePen(QPen(grid, 1, Qt::SolidLine));
    }
}

} // namespace

void applyPlotTheme(QCustomPlot* plot, const QPalette& palette)
{
    if (!plot)
        return;
    const QColor bg = palette.color(QPalette::Base);
    const QColor fg = palette.color(QPalette::Text);
    QColor grid = fg;
    grid.setAlpha(60);
    QColor subGrid = fg;
    subGrid.setAlpha(25);
    plot->setBackground(QBrush(bg));
    for (QCPAxisRect* rect : plot->axisRects()) {
        rect->setBackground(QBrush(bg));
        for (QCPAxis* axis : rect->axes())
            themeAxis(axis, fg, grid, subGrid);
    }
    for (int i = 0; i < plot->plotLayout()->elementCount(); ++i) {
        // Colour scales and text elements placed in the layout (titles).
        QCPLayoutElement* el = plot->plotLayout()->elementAt(i);
        if (auto* scale = qobject_cast<QCPColorScale*>(el))
            themeAxis(scale->axis(), fg, grid, subGrid);
        else if (auto* text = qobject_cast<QCPTextElement*>(el))
            text->setTextColor(fg);
        else if (auto* grid2 = qobject_cast<QCPLayoutGrid*>(el)) {
            for (int k = 0; k < grid2->elementCount(); ++k) {
                if (auto* s2 = qobject_cast<QCPColorScale*>(grid2->elementAt(k)))
                    themeAxis(s2->axis(), fg, grid, subGrid);
                else if (auto* t2 = qobject_cast<QCPTextElement*>(grid2->elementAt(k)))
                    t2->setTextColor(fg);
            }
        }
    }
    if (plot->legend) {
        plot->legend->setBrush(QBrush(bg));
        plot->legend->setTextColor(fg);
        plot->legend->setBorderPen(QPen(grid));
    }
    plot->replot(QCustomPlot::rpQueuedReplot);
}

void applyPlotThemeToAll(QWidget* root, const QPalette& palette)
{
    if (!root)
        return;
    if (auto* p = qobject_cast<QCustomPlot*>(root))
        applyPlotTheme(p, palette);
    for (QCustomPlot* p : root->findChildren<QCustomPlot*>())
        applyPlotTheme(p, palette);
}

QPalette darkPalette()
{
    QPalette p;
    const QColor window(45, 45, 48), base(30, 30, 32), text(225, 225, 225), disabled(130, 130, 130);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::ToolTipBase, QColor(60, 60, 64));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, disabled);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(255, 90, 90));
    p.setColor(QPalette::Link, QColor(100, 170, 255));
    p.setColor(QPalette::Highlight, QColor(60, 120, 200));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Light, QColor(70, 70, 74));
    p.setColor(QPalette::Midlight, QColor(60, 60, 64));
    p.setColor(QPalette::Mid, QColor(40, 40, 42));
    p.setColor(QPalette::Dark, QColor(25, 25, 27));
    p.setColor(QPalette::Shadow, Qt::black);
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, disabled);
    return p;
}

} // namespace gsui
