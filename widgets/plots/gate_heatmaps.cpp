#include "plots/gate_heatmaps.h"

#include "plots/color_scales.h"

#include "plots/plot_theme.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <vector>
#include <limits>

namespace gsui {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const char* kPanelName[GateHeatmaps::kPanels] = {"z", "r", "h~", "h"};
const char* kPanelFile[GateHeatmaps::kPanels] = {"z", "r", "hh", "h"};
const char* kPanelRole[GateHeatmaps::kPanels] = {"update gate", "reset gate", "candidate", "state"};

// A position for items: x in plot coordinates of the panel, y as a fraction of its height.
void placeXKeyYRatio(QCPItemPosition* p, QCPAxisRect* rect)
{
    p->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
    p->setAxisRect(rect);
    p->setTypeX(QCPItemPosition::ptPlotCoords);
    p->setTypeY(QCPItemPosition::ptAxisRectRatio);
}

// x as a fraction of the panel's width, y in plot coordinates (units).
void placeXRatioYUnit(QCPItemPosition* p, QCPAxisRect* rect)
{
    p->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
    p->setAxisRect(rect);
    p->setTypeX(QCPItemPosition::ptAxisRectRatio);
    p->setTypeY(QCPItemPosition::ptPlotCoords);
}

QCPItemRect* makeUnitBox(QCustomPlot* plot, QCPAxisRect* rect, QCPLayer* layer, const QPen& pen)
{
    auto* box = new QCPItemRect(plot);
    box->setLayer(layer);
    box->setClipAxisRect(rect);
    box->setSelectable(false);
    placeXRatioYUnit(box->topLeft, rect);
    placeXRatioYUnit(box->bottomRight, rect);
    box->setPen(pen);
    box->setBrush(Qt::NoBrush);
    box->setVisible(false);
    return box;
}

QCPItemStraightLine* makeCursorLine(QCustomPlot* plot, QCPAxisRect* rect, QCPLayer* layer, const QPen& pen)
{
    auto* line = new QCPItemStraightLine(plot);
    line->setLayer(layer);
    line->setClipAxisRect(rect);
    line->setSelectable(false);
    placeXKeyYRatio(line->point1, rect);
    placeXKeyYRatio(line->point2, rect);
    line->setPen(pen);
    line->setVisible(false);
    return line;
}

// Cells of n ≥ 1 points at integer coordinates 0..n−1. QCPColorMap spans its key range from the
// first to the last cell centre, so one cell alone would have no width: it is stored twice at
// ±0.25, which covers [−0.5, 0.5] like any other cell.
int cellCount(int64_t n) { return n == 1 ? 2 : int(n); }
QCPRange cellRange(int64_t n) { return n == 1 ? QCPRange(-0.25, 0.25) : QCPRange(0, double(n - 1)); }

} // namespace

GateHeatmaps::GateHeatmaps(Document* doc, QWidget* parent) : QWidget(parent), m_doc(doc)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("gateHeatmapsPlot"));
    m_plot->setMinimumSize(320, 300);
    m_plot->setToolTip(QString());
    setToolTip(tr("Click a cell: select that unit and step. Ctrl+click: add or remove the unit in the line plot. "
                  "Drag or wheel: move or zoom time; double-click: whole run."));
    layout->addWidget(m_plot);

    m_plot->setNoAntialiasingOnDrag(true);
    m_plot->plotLayout()->clear();
    m_plot->plotLayout()->setRowSpacing(2);
    m_title = new QCPTextElement(m_plot, QString(), QFont(font().family(), font().pointSize(), QFont::Bold));
    m_plot->plotLayout()->addElement(0, 0, m_title);

    // The cursor and unit outline live on their own buffered layer above the maps: moving them
    // repaints that layer's buffer only, not the maps.
    m_plot->addLayer(QStringLiteral("cursor"), m_plot->layer(QStringLiteral("main")), QCustomPlot::limAbove);
    m_cursorLayer = m_plot->layer(QStringLiteral("cursor"));
    m_cursorLayer->setMode(QCPLayer::lmBuffered);

    auto* leftGroup = new QCPMarginGroup(m_plot);
    auto xTicker = QSharedPointer<QCPAxisTickerFixed>::create();
    xTicker->setTickStep(1.0);
    xTicker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    for (int p = 0; p < kPanels; ++p) {
        Panel& pn = m_panels[size_t(p)];
        pn.rect = new QCPAxisRect(m_plot, true);
        m_plot->plotLayout()->addElement(p + 1, 0, pn.rect);
        pn.rect->setupFullAxesBox(false);
        pn.rect->axis(QCPAxis::atTop)->setVisible(false);
        pn.rect->axis(QCPAxis::atRight)->setVisible(false);
        pn.rect->setRangeDrag(Qt::Horizontal);
        pn.rect->setRangeZoom(Qt::Horizontal);
        QCPAxis* x = pn.rect->axis(QCPAxis::atBottom);
        QCPAxis* y = pn.rect->axis(QCPAxis::atLeft);
        x->setTicker(xTicker);
        x->grid()->setVisible(false);
        y->grid()->setVisible(false);
        x->setTickLabels(p == kPanels - 1);
        auto yTicker = QSharedPointer<QCPAxisTickerFixed>::create();
        yTicker->setTickStep(1.0);
        yTicker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
        y->setTicker(yTicker);
        y->setRangeReversed(true); // unit 0 on top, as in a table
        y->setLabel(tr("%1 · unit").arg(QLatin1String(kPanelName[p])));
        x->setRange(-0.5, 0.5);
        y->setRange(-0.5, 0.5);

        pn.scale = new QCPColorScale(m_plot);
        m_plot->plotLayout()->addElement(p + 1, 1, pn.scale);
        pn.scale->setType(QCPAxis::atRight);
        pn.scale->setBarWidth(10);
        pn.scale->setRangeDrag(false);
        pn.scale->setRangeZoom(false);
        pn.scale->axis()->setLabel(tr("%1 %2").arg(QLatin1String(kPanelName[p]), tr(kPanelRole[p])));
        pn.scaleTicks = pn.scale->axis()->ticker();
        pn.scaleTicks->setTickCount(3);
        pn.scaleEnds = QSharedPointer<QCPAxisTickerText>::create();
        auto* rowGroup = new QCPMarginGroup(m_plot);
        pn.rect->setMarginGroup(QCP::msLeft | QCP::msRight, leftGroup);
        pn.rect->setMarginGroup(QCP::msTop | QCP::msBottom, rowGroup);
        pn.scale->setMarginGroup(QCP::msTop | QCP::msBottom, rowGroup);

        pn.map = new QCPColorMap(x, y);
        pn.map->setColorScale(pn.scale);
        pn.map->setInterpolate(false);
        pn.map->setTightBoundary(false);
        pn.map->setGradient(p < 2 ? gateGradient() : signedGradient());
        pn.map->setDataRange(p < 2 ? QCPRange(0, 1) : QCPRange(-1, 1));
        pn.map->setSelectable(QCP::stNone);
        labelScaleEnds(pn);

        // White halo under a dark line: visible on every colour of both gradients.
        pn.cursorHalo = makeCursorLine(m_plot, pn.rect, m_cursorLayer, QPen(QColor(255, 255, 255, 220), 4));
        pn.cursor = makeCursorLine(m_plot, pn.rect, m_cursorLayer, QPen(QColor(20, 20, 20), 1.6));
        pn.unitHalo = makeUnitBox(m_plot, pn.rect, m_cursorLayer, QPen(QColor(255, 255, 255, 220), 3.5));
        pn.unitBox = makeUnitBox(m_plot, pn.rect, m_cursorLayer, QPen(QColor(20, 20, 20), 1.4));

        connect(x, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this, p] { onTimeRangeChanged(p); });
    }
    m_panels.back().rect->axis(QCPAxis::atBottom)->setLabel(tr("processing step s"));
    // Heights are known only once laid out; changing labels and ticks moves only the horizontal
    // margins, so a second layout keeps the heights and this settles.
    connect(m_plot, &QCustomPlot::afterLayout, this, &GateHeatmaps::fitToPanelHeight);
    m_plot->plotLayout()->setColumnStretchFactor(1, 0.01);
    m_plot->plotLayout()->setRowStretchFactor(0, 0.01);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);

    connect(m_plot, &QCustomPlot::mousePress, this, &GateHeatmaps::onMousePress);
    connect(m_plot, &QCustomPlot::mouseRelease, this, &GateHeatmaps::onMouseRelease);
    connect(m_plot, &QCustomPlot::mouseMove, this, &GateHeatmaps::onMouseMove);
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) {
        if (m_outcome)
            setAllTimeRanges(-0.5, double(m_outcome->T) - 0.5);
        m_plot->replot(QCustomPlot::rpQueuedReplot);
    });

    // Made in this order so that, shown again with both pending, the full refresh runs first.
    auto visible = [this] { return isVisible() && !visibleRegion().isEmpty(); };
    m_whenShownStep = new ShownRefresh(this, visible, [this] { moveCursor(); });
    m_whenShownAll = new ShownRefresh(this, visible, [this] { refill(); });
    connect(doc, &Document::resultChanged, this, [this] { m_whenShownAll->request(); });
    connect(doc, &Document::sampleChanged, this, [this] { m_whenShownAll->request(); });
    connect(doc, &Document::stepChanged, this, [this] { m_whenShownStep->request(); });
    connect(doc, &Document::unitChanged, this, &GateHeatmaps::updateUnitMarks);
    connect(doc, &Document::plottedUnitsChanged, this, &GateHeatmaps::updateUnitMarks);

    applyPlotTheme(m_plot, palette());
    refill();
}

QCPAxisRect* GateHeatmaps::panelRect(int panel) const
{
    return panel >= 0 && panel < kPanels ? m_panels[size_t(panel)].rect : nullptr;
}

QCPColorMap* GateHeatmaps::colorMap(int panel) const
{
    return panel >= 0 && panel < kPanels ? m_panels[size_t(panel)].map : nullptr;
}

QString GateHeatmaps::titleText() const { return m_title->text(); }

double GateHeatmaps::cursorKey() const
{
    const auto* c = m_panels[0].cursor;
    return c->visible() ? c->point1->coords().x() : -1.0;
}

QPoint GateHeatmaps::cellCenter(int panel, int step, int unit) const
{
    const QCPAxisRect* r = panelRect(panel);
    if (!r)
        return {};
    return QPoint(int(std::lround(r->axis(QCPAxis::atBottom)->coordToPixel(step))),
                  int(std::lround(r->axis(QCPAxis::atLeft)->coordToPixel(unit))));
}

const gruscope::ArrayF* GateHeatmaps::panelArray(int panel) const
{
    if (!m_outcome)
        return nullptr;
    const gruscope::Trace& trc = m_outcome->result.trace;
    switch (panel) {
    case 0: return &trc.z;
    case 1: return &trc.r;
    case 2: return &trc.hh;
    case 3: return &trc.h;
    default: return nullptr;
    }
}

void GateHeatmaps::fitToPanelHeight()
{
    // A short panel (a small window with the lesson strip open: about 35 px each) cannot hold its
    // rotated labels or a tick per unit: the labels ran into the next panel's and the unit numbers
    // into each other. Such a panel keeps the gate's name on the left, drops the right-hand label
    // and keeps ticks about two lines apart.
    bool changed = false;
    auto set = [&changed](bool differs, auto&& apply) {
        if (differs) {
            apply();
            changed = true;
        }
    };
    for (int p = 0; p < kPanels; ++p) {
        Panel& pn = m_panels[size_t(p)];
        QCPAxis* y = pn.rect->axis(QCPAxis::atLeft);
        QCPAxis* scaleAxis = pn.scale->axis();
        const int height = pn.rect->height();
        const QString longLeft = tr("%1 · unit").arg(QLatin1String(kPanelName[p]));
        const QString longRight = tr("%1 %2").arg(QLatin1String(kPanelName[p]), tr(kPanelRole[p]));
        const QString left = QFontMetrics(y->labelFont()).horizontalAdvance(longLeft) <= height ? longLeft
                                                                                                 : QString::fromLatin1(kPanelName[p]);
        const QString right = QFontMetrics(scaleAxis->labelFont()).horizontalAdvance(longRight) <= height ? longRight : QString();
        const int ticks = std::clamp(height / (2 * QFontMetrics(y->tickLabelFont()).height()), 1, 5);
        set(y->label() != left, [&] { y->setLabel(left); });
        set(scaleAxis->label() != right, [&] { scaleAxis->setLabel(right); });
        set(y->ticker()->tickCount() != ticks, [&] { y->ticker()->setTickCount(ticks); });
        // Fewer than three lines' room: the range's two ends, which say what the colours span.
        const auto& scaleTicker = ticks < 3 ? pn.scaleEnds : pn.scaleTicks;
        set(scaleAxis->ticker() != scaleTicker, [&] { scaleAxis->setTicker(scaleTicker); });
    }
    if (changed)
        m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void GateHeatmaps::labelScaleEnds(Panel& pn)
{
    const QCPRange r = pn.map->dataRange();
    pn.scaleEnds->clear();
    pn.scaleEnds->addTick(r.lower, m_plot->locale().toString(r.lower, 'g', 3));
    pn.scaleEnds->addTick(r.upper, m_plot->locale().toString(r.upper, 'g', 3));
}

void GateHeatmaps::clearMaskBands()
{
    for (Panel& pn : m_panels) {
        for (QCPItemRect* band : pn.maskBands)
            m_plot->removeItem(band);
        pn.maskBands.clear();
    }
}

void GateHeatmaps::refill()
{
    const auto out = m_doc->result();
    const int sample = m_doc->selectedSample();
    const int64_t oldT = m_outcome ? m_outcome->T : -1;
    m_outcome = out;
    m_slot = out ? out->traceSlot(sample) : -1;
    ++m_refills;
    clearMaskBands();

    if (!out || out->T <= 0 || out->U <= 0) {
        m_message = tr("no run yet: the gates appear once the layer has run");
    } else if (m_slot < 0) {
        m_message = tr("sample %1 was not traced by the last run (a large batch traces the selected sample only); "
                       "a run for it is on its way")
                        .arg(sample);
    } else {
        m_message.clear();
    }

    const int64_t T = out ? std::max<int64_t>(out->T, 1) : 1;
    const int64_t U = out ? std::max<int64_t>(out->U, 1) : 1;
    static const gruscope::Trace kNoTrace;
    const gruscope::Trace& trc = out ? out->result.trace : kNoTrace;
    const int64_t W = trc.steps();
    for (int p = 0; p < kPanels; ++p) {
        Panel& pn = m_panels[size_t(p)];
        QCPColorMapData* d = pn.map->data();
        d->setSize(cellCount(T), cellCount(U));
        d->setRange(cellRange(T), cellRange(U));
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        const gruscope::ArrayF* a = panelArray(p);
        const bool have = m_message.isEmpty() && a && !a->data.empty();
        const int kc = cellCount(T), uc = cellCount(U);
        struct InfCell {
            int k, v;
            bool positive;
        };
        std::vector<InfCell> infinite;
        for (int k = 0; k < kc; ++k) {
            const int64_t s = T == 1 ? 0 : k;
            const bool inWindow = have && s >= trc.stepBegin && s < trc.stepEnd;
            const float* row = inWindow ? a->data.data() + (int64_t(m_slot) * W + (s - trc.stepBegin)) * out->U : nullptr;
            for (int v = 0; v < uc; ++v) {
                const int64_t u = U == 1 ? 0 : v;
                const double value = row ? double(row[u]) : kNaN;
                if (std::isinf(value)) {
                    // QCPColorGradient::colorize converts (value − lower)·factor to int: an
                    // infinity there is undefined behaviour. Such cells get the scale's end colour
                    // once the range is known.
                    infinite.push_back({k, v, value > 0});
                    continue;
                }
                d->setCell(k, v, value);
                if (std::isfinite(value)) {
                    lo = std::min(lo, value);
                    hi = std::max(hi, value);
                }
            }
        }
        // Fixed ranges keep colours comparable between runs and steps; an activation whose values
        // leave them (relu, linear, ...) widens the scale to the data, symmetric for h~ and h so
        // that white stays at 0.
        QCPRange range = p < 2 ? QCPRange(0, 1) : QCPRange(-1, 1);
        if (lo <= hi) {
            if (p < 2) {
                range.lower = std::min(range.lower, lo);
                range.upper = std::max(range.upper, hi);
            } else {
                const double m = std::max({1.0, std::abs(lo), std::abs(hi)});
                range = QCPRange(-m, m);
            }
        }
        for (const InfCell& c : infinite)
            d->setCell(c.k, c.v, c.positive ? range.upper : range.lower);
        pn.map->setDataRange(range);
        labelScaleEnds(pn);
        pn.rect->axis(QCPAxis::atLeft)->setRange(-0.5, double(U) - 0.5);

        // Hatched columns over the steps the mask skipped (the cell ran, Keras kept h_{t−1}).
        if (m_message.isEmpty() && !trc.kept.data.empty()) {
            int64_t s = trc.stepBegin;
            while (s < trc.stepEnd) {
                if (trc.kept.data[size_t(int64_t(m_slot) * W + (s - trc.stepBegin))] != 0) {
                    ++s;
                    continue;
                }
                int64_t e = s;
                while (e + 1 < trc.stepEnd && trc.kept.data[size_t(int64_t(m_slot) * W + (e + 1 - trc.stepBegin))] == 0)
                    ++e;
                auto* band = new QCPItemRect(m_plot);
                band->setClipAxisRect(pn.rect);
                band->setSelectable(false);
                placeXKeyYRatio(band->topLeft, pn.rect);
                placeXKeyYRatio(band->bottomRight, pn.rect);
                band->topLeft->setCoords(double(s) - 0.5, 0);
                band->bottomRight->setCoords(double(e) + 0.5, 1);
                band->setPen(Qt::NoPen);
                QColor hatch = palette().color(QPalette::Text);
                hatch.setAlpha(170);
                band->setBrush(QBrush(hatch, Qt::BDiagPattern));
                pn.maskBands.push_back(band);
                s = e + 1;
            }
        }
    }
    // Keep the user's zoom while the run keeps its length; a new length shows the whole run.
    if (T != oldT)
        setAllTimeRanges(-0.5, double(T) - 0.5);

    QString title;
    if (!m_message.isEmpty()) {
        title = m_message;
    } else {
        title = tr("Gates of sample %1 over %2 steps").arg(sample).arg(T);
        if (out->config.go_backwards)
            title += tr(" · go_backwards: step s reads t = %1 − s").arg(T - 1);
        bool anyMasked = false;
        for (const Panel& pn : m_panels)
            anyMasked = anyMasked || !pn.maskBands.empty();
        if (anyMasked)
            title += tr(" · hatched: masked steps (h kept)");
        if (trc.stepBegin > 0 || trc.stepEnd < out->T)
            title += tr(" · grey: steps not traced");
        if (trc.rebuilt)
            title += tr(" · %1: gates rebuilt on the CPU from the GPU's states").arg(QString::fromStdString(out->result.backend));
    }
    m_title->setText(title);
    m_panels.back().rect->axis(QCPAxis::atBottom)->setLabel(
        out && out->config.go_backwards ? tr("processing step s (reads time index t = T−1−s)") : tr("processing step s"));

    // One full replot for everything (the cursor layer included), not one per part.
    placeCursor();
    placeUnitMarks();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void GateHeatmaps::moveCursor()
{
    placeCursor();
    m_cursorLayer->replot();
}

void GateHeatmaps::placeCursor()
{
    const bool show = m_outcome && m_message.isEmpty();
    const double key = double(m_doc->currentStep());
    for (Panel& pn : m_panels)
        for (QCPItemStraightLine* line : {pn.cursorHalo, pn.cursor}) {
            line->point1->setCoords(key, 0);
            line->point2->setCoords(key, 1);
            line->setVisible(show);
        }
}

void GateHeatmaps::updateUnitMarks()
{
    placeUnitMarks();
    m_cursorLayer->replot();
}

void GateHeatmaps::placeUnitMarks()
{
    const bool show = m_outcome && m_message.isEmpty();
    const int unit = m_doc->selectedUnit();
    const QList<int>& plotted = m_doc->plottedUnits();
    QColor mark = palette().color(QPalette::Highlight);
    for (Panel& pn : m_panels) {
        for (QCPItemRect* box : {pn.unitHalo, pn.unitBox}) {
            box->topLeft->setCoords(0, unit - 0.5);
            box->bottomRight->setCoords(1, unit + 0.5);
            box->setVisible(show && unit >= 0 && unit < (m_outcome ? m_outcome->U : 0));
        }
        // Dotted outlines for the units drawn over time, so the line plot's units can be found here.
        for (QCPItemRect* b : pn.plottedBoxes)
            m_plot->removeItem(b);
        pn.plottedBoxes.clear();
        if (!show)
            continue;
        for (int u : plotted) {
            if (u == unit || u >= m_outcome->U)
                continue;
            auto* b = makeUnitBox(m_plot, pn.rect, m_cursorLayer, QPen(mark, 1.5, Qt::DashLine));
            b->topLeft->setCoords(0, u - 0.5);
            b->bottomRight->setCoords(1, u + 0.5);
            b->setVisible(true);
            pn.plottedBoxes.push_back(b);
        }
    }
}

void GateHeatmaps::setAllTimeRanges(double lower, double upper)
{
    m_syncingRanges = true;
    for (Panel& pn : m_panels)
        pn.rect->axis(QCPAxis::atBottom)->setRange(lower, upper);
    m_syncingRanges = false;
}

// One time axis for all four panels: a drag or zoom on any of them moves the others, kept inside
// the run (−0.5 .. T−0.5).
void GateHeatmaps::onTimeRangeChanged(int panel)
{
    if (m_syncingRanges || !m_outcome)
        return;
    QCPRange r = m_panels[size_t(panel)].rect->axis(QCPAxis::atBottom)->range();
    const double lo = -0.5, hi = double(m_outcome->T) - 0.5;
    if (r.size() >= hi - lo) {
        r = QCPRange(lo, hi);
    } else if (r.lower < lo) {
        r = QCPRange(lo, lo + r.size());
    } else if (r.upper > hi) {
        r = QCPRange(hi - r.size(), hi);
    }
    r.lower = std::max(r.lower, lo);
    setAllTimeRanges(r.lower, r.upper);
}

bool GateHeatmaps::cellAt(const QPoint& pos, int* panel, int* step, int* unit) const
{
    if (!m_outcome || !m_message.isEmpty())
        return false;
    for (int p = 0; p < kPanels; ++p) {
        const QCPAxisRect* r = m_panels[size_t(p)].rect;
        if (!r->rect().contains(pos))
            continue;
        const int s = int(std::lround(r->axis(QCPAxis::atBottom)->pixelToCoord(pos.x())));
        const int u = int(std::lround(r->axis(QCPAxis::atLeft)->pixelToCoord(pos.y())));
        if (s < 0 || s >= m_outcome->T || u < 0 || u >= m_outcome->U)
            return false;
        *panel = p;
        *step = s;
        *unit = u;
        return true;
    }
    return false;
}

void GateHeatmaps::onMousePress(QMouseEvent* event)
{
    m_pressed = event->button() == Qt::LeftButton;
    m_pressPos = event->pos();
}

void GateHeatmaps::onMouseRelease(QMouseEvent* event)
{
    if (!m_pressed || event->button() != Qt::LeftButton)
        return;
    m_pressed = false;
    // A drag pans the time axis; only a click without movement picks a cell.
    if ((event->pos() - m_pressPos).manhattanLength() > QApplication::startDragDistance())
        return;
    int p = 0, s = 0, u = 0;
    if (!cellAt(event->pos(), &p, &s, &u))
        return;
    if (event->modifiers() & Qt::ControlModifier) {
        QList<int> units = m_doc->plottedUnits();
        if (units.contains(u)) {
            units.removeAll(u);
        } else {
            // The line plot shows the selected unit while the list is empty: keep it there.
            if (units.isEmpty() && m_doc->selectedUnit() >= 0 && m_doc->selectedUnit() != u)
                units << m_doc->selectedUnit();
            units << u;
        }
        m_doc->setPlottedUnits(units);
        return;
    }
    m_doc->setSelectedUnit(u);
    m_doc->setCurrentStep(s);
}

void GateHeatmaps::onMouseMove(QMouseEvent* event)
{
    int p = 0, s = 0, u = 0;
    if (event->buttons() != Qt::NoButton || !cellAt(event->pos(), &p, &s, &u)) {
        QToolTip::hideText();
        return;
    }
    const gruscope::Trace& trc = m_outcome->result.trace;
    QString text;
    if (!m_outcome->stepTraced(s)) {
        text = tr("step %1 was not traced").arg(s);
    } else {
        const double v = m_outcome->traced(*panelArray(p), m_slot, s, u);
        text = tr("%1 of unit %2 at step %3 (t = %4): %5")
                   .arg(QLatin1String(kPanelName[p]))
                   .arg(u)
                   .arg(s)
                   .arg(m_outcome->timeIndex(s))
                   .arg(v, 0, 'f', 4);
        if (!trc.kept.data.empty() && trc.kept.data[size_t(int64_t(m_slot) * trc.steps() + (s - trc.stepBegin))] == 0)
            text += tr("\nmasked step: the state keeps h_{t−1}");
    }
    QToolTip::showText(event->globalPosition().toPoint(), text, m_plot);
}

std::vector<ShownData> GateHeatmaps::exportData() const
{
    bringUpToDate();
    std::vector<ShownData> tables;
    if (!m_outcome || !m_message.isEmpty())
        return tables;
    const int64_t T = m_outcome->T, U = m_outcome->U;
    const int sample = int(m_outcome->result.trace.samples[size_t(m_slot)]);
    for (int p = 0; p < kPanels; ++p) {
        ShownData d;
        d.name = QStringLiteral("%1_sample%2").arg(QLatin1String(kPanelFile[p])).arg(sample);
        d.rows = U;
        d.columns = T;
        d.values.assign(size_t(U * T), kNaN);
        for (int64_t u = 0; u < U; ++u) {
            d.rowNames << QStringLiteral("unit %1").arg(u);
            for (int64_t s = 0; s < T; ++s)
                if (m_outcome->stepTraced(s))
                    d.values[size_t(u * T + s)] = m_outcome->traced(*panelArray(p), m_slot, s, u);
        }
        for (int64_t s = 0; s < T; ++s)
            d.columnNames << QStringLiteral("s%1").arg(s);
        tables.push_back(std::move(d));
    }
    return tables;
}

QString GateHeatmaps::exportTitle() const
{
    return tr("Gate heatmaps, sample %1").arg(m_doc->selectedSample());
}

void GateHeatmaps::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyPlotTheme(m_plot, palette());
        refill(); // the hatch and plotted-unit outlines take colours from the palette
    }
}

void GateHeatmaps::bringUpToDate() const
{
    // An export reads the view even while it is out of sight: run what waited for it first.
    m_whenShownAll->flush();
    m_whenShownStep->flush();
}

} // namespace gsui
