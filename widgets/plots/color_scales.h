// The colour scales every heatmap uses, so that the same value has the same colour in every view.
#pragma once

#include <qcustomplot.h>

#include <QColor>

namespace gsui {

// Viridis (perceptually uniform, colour-blind safe) for the gates z and r, in [0, 1] with the
// default sigmoid.
QCPColorGradient gateGradient(const QColor& nanColor = QColor(128, 128, 128));

// Blue – white – red (ColorBrewer RdBu, reversed) for signed values (h~, h, weights): white is 0,
// so the sign reads at a glance.
QCPColorGradient signedGradient(const QColor& nanColor = QColor(128, 128, 128));

} // namespace gsui
