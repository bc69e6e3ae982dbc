// A legend inside the plot that moves to whichever corner of its axis rect hides the least of the
// lines, so that it never sits on the data a user is reading (QCustomPlot's inset legend stays in
// one fixed corner).
#pragma once

class QCPAxisRect;
class QCPLegend;
class QCustomPlot;

namespace gsui {

// Keeps `legend` (an inset of `rect`, element 0 of its inset layout) in the emptiest corner: after
// each layout it counts the graphs' points and line segments that each corner's legend-sized box
// (a few pixels wider) would cover. Ties keep the current corner, then prefer the top right. When
// every corner covers some, the legend's fill turns translucent so that the lines show through.
void keepLegendOffTheData(QCustomPlot* plot, QCPAxisRect* rect, QCPLegend* legend);

} // namespace gsui
