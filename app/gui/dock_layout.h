// The window's docks, after hotspot's dockwidgetsetup: which panel lives in which dock, where each
// dock starts, and the arrangement for a window size when no layout was saved. The docks' object
// names are the keys of the saved layout (QMainWindow::saveState), so they never change.
#pragma once

#include <QSize>

class QMainWindow;
class QWidget;

namespace gsui {

struct DockedPanels {
    QWidget* args = nullptr;        // "Layer arguments", left, top
    QWidget* eligibility = nullptr; // "cuDNN eligibility", left, below the arguments
    QWidget* input = nullptr;       // "Input", right, top
    QWidget* equations = nullptr;   // "Equations" (at the current step), right, below the input
    QWidget* lines = nullptr;       // "Units over time", under the central views
    QWidget* bars = nullptr;        // "All units" (the gates at the current step), a tab beside the equations
    QWidget* fileTree = nullptr;    // "File", a tab beside the equations and the bars
};

// Creates the seven docks (argsDock, eligibilityDock, inputDock, equationDock, linesDock, barsDock,
// fileDock) around `window`'s central widget. The tall panels scroll inside their docks.
void setupDocks(QMainWindow* window, const DockedPanels& panels);

// For a window of `size`: on wide screens (at least 1600 × 950) the bars sit beside the unit lines
// under the heatmaps; on smaller ones they share a tab with the equations so the heatmaps keep
// their height.
void arrangeDocks(QMainWindow* window, const QSize& size);

} // namespace gsui
