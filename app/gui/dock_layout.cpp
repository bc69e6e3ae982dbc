#include "dock_layout.h"

#include <QDockWidget>
#include <QMainWindow>
#include <QScrollArea>

namespace gsui {

namespace {

QDockWidget* makeDock(QMainWindow* w, const QString& title, const QString& name, QWidget* content, bool scroll)
{
    auto* dock = new QDockWidget(title, w);
    dock->setObjectName(name);
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable | QDockWidget::DockWidgetClosable);
    if (scroll) {
        auto* area = new QScrollArea(dock);
        area->setWidgetResizable(true);
        area->setFrameShape(QFrame::NoFrame);
        area->setWidget(content);
        dock->setWidget(area);
    } else {
        dock->setWidget(content);
    }
    return dock;
}

} // namespace

void setupDocks(QMainWindow* w, const DockedPanels& p)
{
    auto* args = makeDock(w, QObject::tr("Layer arguments"), QStringLiteral("argsDock"), p.args, true);
    auto* elig = makeDock(w, QObject::tr("cuDNN eligibility"), QStringLiteral("eligibilityDock"), p.eligibility, true);
    auto* input = makeDock(w, QObject::tr("Input"), QStringLiteral("inputDock"), p.input, true);
    // Short titles: four docks share the right column's tab bar, and at 1280 px longer ones were
    // cut to "W…". The step each shows is written inside it.
    auto* eq = makeDock(w, QObject::tr("Equations"), QStringLiteral("equationDock"), p.equations, false);
    auto* lines = makeDock(w, QObject::tr("Units over time"), QStringLiteral("linesDock"), p.lines, false);
    auto* bars = makeDock(w, QObject::tr("All units"), QStringLiteral("barsDock"), p.bars, false);

    w->addDockWidget(Qt::LeftDockWidgetArea, args);
    w->addDockWidget(Qt::LeftDockWidgetArea, elig);
    w->splitDockWidget(args, elig, Qt::Vertical);
    w->addDockWidget(Qt::RightDockWidgetArea, input);
    w->addDockWidget(Qt::RightDockWidgetArea, eq);
    w->splitDockWidget(input, eq, Qt::Vertical);
    w->addDockWidget(Qt::BottomDockWidgetArea, lines);
    w->tabifyDockWidget(eq, bars);
    eq->raise();
    w->setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
    w->setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    w->resizeDocks({args, input}, {340, 340}, Qt::Horizontal);
    w->resizeDocks({args, elig}, {420, 330}, Qt::Vertical);
    w->resizeDocks({input, eq}, {400, 350}, Qt::Vertical);
    w->resizeDocks({lines}, {220}, Qt::Vertical);
    // The file's structure: a third tab beside the equations and the bars, where a tall tree has
    // room (a new tab group in the left column made the window taller than 900 px).
    if (p.fileTree) {
        auto* file = makeDock(w, QObject::tr("File"), QStringLiteral("fileDock"), p.fileTree, false);
        w->tabifyDockWidget(bars, file);
        eq->raise();
    }
}

void arrangeDocks(QMainWindow* w, const QSize& size)
{
    auto* lines = w->findChild<QDockWidget*>(QStringLiteral("linesDock"));
    auto* bars = w->findChild<QDockWidget*>(QStringLiteral("barsDock"));
    auto* eq = w->findChild<QDockWidget*>(QStringLiteral("equationDock"));
    auto* args = w->findChild<QDockWidget*>(QStringLiteral("argsDock"));
    auto* input = w->findChild<QDockWidget*>(QStringLiteral("inputDock"));
    if (!lines || !bars || !eq || !args || !input)
        return;
    if (size.width() >= 1600 && size.height() >= 950) {
        // Room for everything at once: the bars beside the unit lines under the heatmaps.
        w->addDockWidget(Qt::BottomDockWidgetArea, bars);
        w->splitDockWidget(lines, bars, Qt::Horizontal);
        eq->raise();
        w->resizeDocks({args, input}, {380, 420}, Qt::Horizontal);
        w->resizeDocks({lines, bars}, {620, 420}, Qt::Horizontal);
        w->resizeDocks({lines}, {270}, Qt::Vertical);
        w->resizeDocks({input, eq}, {430, 470}, Qt::Vertical);
    } else {
        // Small screens: the heatmaps keep the height, the bars share a tab with the equations.
        w->tabifyDockWidget(eq, bars);
        eq->raise();
        w->resizeDocks({args, input}, {330, 330}, Qt::Horizontal);
        w->resizeDocks({lines}, {190}, Qt::Vertical);
        w->resizeDocks({input, eq}, {330, 400}, Qt::Vertical);
    }
}

} // namespace gsui
