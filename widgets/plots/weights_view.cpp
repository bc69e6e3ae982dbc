#include "plots/weights_view.h"

#include "plots/color_scales.h"

#include "model/engine_qt.h"
#include "plots/plot_theme.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QSplitter>
#include <QStyle>
#include <QTableWidget>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace gsui {

using namespace gruscope;

namespace {

// Colours chosen so that no two meanings share a hue: the weights run blue (negative) → white (0)
// → red (positive); NaN is green, which the diverging scale never produces; ±Inf cells keep the
// scale's end colour and carry a gold square; the selected unit is a white line in a black halo,
// which shows on any cell colour in a light or a dark theme.
const QColor kNanColor(0, 200, 0);
const QColor kInfFill(255, 200, 0);
const QColor kGateColor[3] = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44)};
constexpr int kHistogramBins = 30;

// About `target` ticks per block at round steps (1, 2, 5, 10, ...).
int64_t tickStep(int64_t n, int target)
{
    const double raw = double(n) / std::max(1, target);
    int64_t step = 1;
    for (int64_t base = 1;; base *= 10) {
        for (int64_t m : {1, 2, 5})
            if (double(base * m) >= raw)
                return std::max<int64_t>(step, base * m);
        if (base > (int64_t(1) << 40))
            return base;
    }
}

QString num(double v)
{
    if (std::isnan(v))
        return QStringLiteral("NaN");
    return QString::number(v, 'g', 4);
}

QString tensorTitle(const QString& tensor)
{
    if (tensor == QLatin1String("kernel"))
        return QObject::tr("kernel K — multiplies the input x_t");
    if (tensor == QLatin1String("recurrent_kernel"))
        return QObject::tr("recurrent_kernel R — multiplies the state h_{t−1}");
    return QObject::tr("bias");
}

} // namespace

WeightsView::WeightsView(Document* doc, QWidget* parent) : QWidget(parent), m_doc(doc)
{
    m_caption = new QLabel(this);
    m_caption->setWordWrap(true);
    m_caption->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_caption->setObjectName(QStringLiteral("nonFiniteSummary"));

    m_unitLine = new QLabel(this);
    m_unitLine->setWordWrap(true);

    m_histMode = new QComboBox(this);
    m_histMode->addItem(tr("stacked by gate block (z, r, h)"));
    m_histMode->addItem(tr("whole tensor"));
    m_histMode->setToolTip(tr("Histograms of the finite weights of each tensor: one colour per gate block, or one bar "
                              "per bin for the whole tensor"));
    connect(m_histMode, &QComboBox::currentIndexChanged, this, [this](int i) { setHistogramsByGate(i == 0); });

    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("weightsPlot"));
    m_plot->setMinimumSize(360, 470);
    m_plot->setMouseTracking(true);
    m_plot->setAutoAddPlottableToLegend(false);
    m_plot->setToolTip(QString()); // per-cell tooltips come from the mouse-move handler
    m_plot->addLayer(QStringLiteral("unitOverlay"), m_plot->layer(QStringLiteral("main")), QCustomPlot::limAbove);
    m_overlay = m_plot->layer(QStringLiteral("unitOverlay"));
    m_overlay->setMode(QCPLayer::lmBuffered); // moving the outline redraws this layer only
    connect(m_plot, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) { onPlotMouse(e, true); });
    connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) { onPlotMouse(e, false); });

    m_table = new QTableWidget(this);
    m_table->setObjectName(QStringLiteral("weightStats"));
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->verticalHeader()->setVisible(false);
    m_table->setAlternatingRowColors(true);

    m_diagnostics = new QListWidget(this);
    m_diagnostics->setObjectName(QStringLiteral("weightDiagnostics"));
    m_diagnostics->setWordWrap(true);

    auto* top = new QHBoxLayout;
    top->addWidget(m_unitLine, 1);
    top->addWidget(new QLabel(tr("Histograms:"), this));
    top->addWidget(m_histMode);

    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_plot);
    split->addWidget(m_table);
    split->addWidget(m_diagnostics);
    split->setStretchFactor(0, 6);
    split->setStretchFactor(1, 2);
    split->setStretchFactor(2, 1);
    split->setChildrenCollapsible(false);
    split->setSizes({700, 200, 70});
    m_table->setMinimumHeight(90);
    m_diagnostics->setMinimumHeight(40);

    auto* lay = new QVBoxLayout(this);
    lay->setContentsMargins(4, 4, 4, 4);
    lay->addWidget(m_caption);
    lay->addLayout(top);
    lay->addWidget(split, 1);

    m_whenShown = new ShownRefresh(this, [this] { return isVisible() && !visibleRegion().isEmpty(); }, [this] {
        if (m_weightsPending || m_weights != m_doc->weights())
            rebuild();
        else
            buildStats();
        m_weightsPending = false;
    });
    auto newWeights = [this] {
        m_weightsPending = true;
        m_whenShown->request();
    };
    connect(doc, &Document::weightsChanged, this, newWeights);
    connect(doc, &Document::modelReplaced, this, [this] { m_focus.clear(); });
    connect(doc, &Document::modelReplaced, this, newWeights);
    // Diagnostics compare the weights with the arguments (e.g. a bias shape for the other
    // reset_after), so an argument edit re-inspects even when the weights stay.
    connect(doc, &Document::configChanged, this, [this] { m_whenShown->request(); });
    connect(doc, &Document::unitChanged, this, &WeightsView::updateHighlight);
    rebuild();
}

QCPColorMap* WeightsView::heatmap(const QString& tensor) const
{
    for (const Panel& p : m_panels)
        if (p.tensor == tensor)
            return p.map;
    return nullptr;
}

void WeightsView::setHistogramsByGate(bool byGate)
{
    if (m_histMode->currentIndex() != (byGate ? 0 : 1))
        m_histMode->setCurrentIndex(byGate ? 0 : 1); // comes back here through the signal
    if (m_byGate == byGate)
        return;
    m_byGate = byGate;
    rebuild();
}

void WeightsView::rebuild()
{
    const auto w = m_doc->weights();
    m_weights = w;

    // Everything is remade: shapes (units, features, bias variant) can change at any time, and a
    // few heatmaps are cheap next to a run.
    m_plot->clearItems();
    m_plot->clearPlottables();
    m_plot->plotLayout()->clear();
    for (QCPMarginGroup* g : m_plot->findChildren<QCPMarginGroup*>())
        delete g;
    m_panels.clear();
    m_scale = nullptr;

    if (!w || w->units() <= 0) {
        m_caption->setText(tr("No weights."));
        m_plot->replot(QCustomPlot::rpQueuedReplot);
        buildStats();
        return;
    }
    const int64_t U = w->units(), G = 3 * U;

    // The tensors to draw, all with 3U columns in z | r | h blocks.
    auto addPanel = [&](const QString& name, const ArrayF& a) {
        if (a.data.empty())
            return;
        Panel p;
        p.tensor = name;
        p.data = &a;
        p.cols = a.shape.back();
        p.rows = a.size() / std::max<int64_t>(1, p.cols);
        if (p.cols == G && p.rows > 0)
            m_panels.push_back(p);
    };
    addPanel(QStringLiteral("kernel"), w->kernel);
    addPanel(QStringLiteral("recurrent_kernel"), w->recurrentKernel);
    addPanel(QStringLiteral("bias"), w->bias);

    // One colour scale for every tensor, symmetric around 0 over the finite weights, so that
    // colours compare across tensors and white always means 0.
    double maxAbs = 0;
    m_nanTotal = m_infTotal = 0;
    for (const Panel& p : m_panels)
        for (float v : p.data->data) {
            if (std::isnan(v))
                ++m_nanTotal;
            else if (std::isinf(v))
                ++m_infTotal;
            else
                maxAbs = std::max(maxAbs, double(std::fabs(v)));
        }
    m_range = maxAbs > 0 ? maxAbs : 1.0;

    auto* layout = m_plot->plotLayout();
    m_heatGroup = new QCPMarginGroup(m_plot); // owned by m_plot (its QObject parent), like every layout element
    m_scale = new QCPColorScale(m_plot);
    m_scale->setType(QCPAxis::atRight);
    m_scale->setGradient(signedGradient(kNanColor));
    m_scale->setDataRange(QCPRange(-m_range, m_range));
    m_scale->setBarWidth(12);
    m_scale->axis()->setLabel(tr("weight (white = 0)"));

    const int64_t unitStep = tickStep(U, 5);
    int row = 0;
    for (size_t k = 0; k < m_panels.size(); ++k) {
        Panel& p = m_panels[k];
        const bool last = k + 1 == m_panels.size();
        auto* rect = new QCPAxisRect(m_plot);
        layout->addElement(row, 0, rect);
        p.rect = rect;
        rect->setMarginGroup(QCP::msLeft | QCP::msRight, m_heatGroup);
        rect->setupFullAxesBox(false);
        QCPAxis* xb = rect->axis(QCPAxis::atBottom);
        QCPAxis* xt = rect->axis(QCPAxis::atTop);
        QCPAxis* yl = rect->axis(QCPAxis::atLeft);
        QCPAxis* yr = rect->axis(QCPAxis::atRight);
        for (QCPAxis* a : {xb, xt, yl, yr}) {
            a->grid()->setVisible(false);
            a->setSubTicks(false);
        }
        yr->setTickLabels(false);
        yr->setTicks(false);

        // Gate blocks on the top axis; unit index within its block on the bottom axis.
        auto blocks = QSharedPointer<QCPAxisTickerText>::create();
        const QString blockName[3] = {tr("z — update gate"), tr("r — reset gate"), tr("h~ — candidate")};
        for (int g = 0; g < 3; ++g)
            blocks->addTick(double(g * U) + double(U - 1) / 2.0, blockName[g]);
        xt->setTicker(blocks);
        xt->setTickLabels(true);
        xt->setTickLength(0, 0);
        xt->setRange(-0.5, double(G) - 0.5);
        xt->setLabel(tr("%1   (%2 × %3)").arg(tensorTitle(p.tensor)).arg(p.rows).arg(G));

        auto units = QSharedPointer<QCPAxisTickerText>::create();
        for (int g = 0; g < 3; ++g)
            for (int64_t j = 0; j < U; j += unitStep)
                units->addTick(double(g * U + j), QString::number(j));
        xb->setTicker(units);
        xb->setRange(-0.5, double(G) - 0.5);
        xb->setTickLabels(last);
        if (last)
            xb->setLabel(tr("unit j inside each gate block (column = block·U + j); click a cell to select its unit"));

        auto rowsTicker = QSharedPointer<QCPAxisTickerText>::create();
        if (p.tensor == QLatin1String("bias")) {
            if (p.rows == 2) {
                rowsTicker->addTick(0, tr("input b_in"));
                rowsTicker->addTick(1, tr("recurrent b_rec"));
            } else {
                rowsTicker->addTick(0, tr("b"));
            }
            yl->setLabel(QString());
        } else if (p.tensor == QLatin1String("kernel") && p.rows > 3) {
            // The kernel's band is thin next to R: its first and last feature are enough.
            rowsTicker->addTick(0, QStringLiteral("0"));
            rowsTicker->addTick(double(p.rows - 1), QString::number(p.rows - 1));
        } else {
            const int64_t step = tickStep(p.rows, 4);
            for (int64_t i = 0; i < p.rows; i += step)
                rowsTicker->addTick(double(i), QString::number(i));
            yl->setLabel(p.tensor == QLatin1String("kernel") ? tr("feature i") : tr("state unit i"));
        }
        yl->setTicker(rowsTicker);
        yl->setRangeReversed(true); // row 0 on top, as the matrix is written
        yl->setRange(-0.5, double(p.rows) - 0.5);
        yr->setRangeReversed(true);
        yr->setRange(-0.5, double(p.rows) - 0.5);

        // A heatmap of the tensor itself: cell (column, row) = weight[row, column]. ±Inf cannot go
        // through the gradient (QCustomPlot converts the colour index to int), so those cells get
        // the scale's end colour here and a gold square on top.
        auto* map = new QCPColorMap(xb, yl);
        map->setName(p.tensor);
        map->setInterpolate(false);
        map->setTightBoundary(false);
        map->data()->setSize(int(p.cols), int(p.rows));
        // A single row or column would have zero extent; QCustomPlot then draws nothing.
        map->data()->setRange(p.cols > 1 ? QCPRange(0, double(p.cols - 1)) : QCPRange(-0.5, 0.5),
                              p.rows > 1 ? QCPRange(0, double(p.rows - 1)) : QCPRange(-0.5, 0.5));
        QVector<double> infKeys, infValues;
        for (int64_t r = 0; r < p.rows; ++r)
            for (int64_t c = 0; c < p.cols; ++c) {
                double v = p.data->data[size_t(r * p.cols + c)];
                if (std::isinf(v)) {
                    infKeys << double(c);
                    infValues << double(r);
                    v = v > 0 ? m_range : -m_range;
                }
                map->data()->setCell(int(c), int(r), v);
            }
        map->setColorScale(m_scale);
        map->setGradient(signedGradient(kNanColor));
        map->setDataRange(QCPRange(-m_range, m_range));
        if (!infKeys.isEmpty()) {
            auto* inf = new QCPGraph(xb, yl);
            inf->setName(p.tensor + QStringLiteral(" Inf"));
            inf->setLineStyle(QCPGraph::lsNone);
            inf->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssSquare, QPen(Qt::black, 1.5), QBrush(kInfFill), 9));
            inf->setData(infKeys, infValues);
        }

        // Block separators between z | r and r | h.
        for (int g = 1; g < 3; ++g) {
            auto* line = new QCPItemStraightLine(m_plot);
            line->setClipAxisRect(rect);
            line->point1->setAxes(xb, yl);
            line->point2->setAxes(xb, yl);
            line->point1->setCoords(double(g * U) - 0.5, 0);
            line->point2->setCoords(double(g * U) - 0.5, 1);
            line->setPen(QPen(Qt::black, 2));
        }

        // The selected unit's outlines, on the buffered overlay layer.
        auto makeMark = [&](bool halo) {
            auto* m = new QCPItemRect(m_plot);
            m->setLayer(m_overlay);
            m->setClipAxisRect(rect);
            m->topLeft->setAxes(xb, yl);
            m->bottomRight->setAxes(xb, yl);
            m->setPen(halo ? QPen(Qt::black, 4) : QPen(Qt::white, 1.5));
            m->setBrush(Qt::NoBrush);
            m->setSelectable(false);
            m->setVisible(false);
            return m;
        };
        for (int g = 0; g < 3; ++g) {
            p.columnMarks[2 * size_t(g)] = makeMark(true);
            p.columnMarks[2 * size_t(g) + 1] = makeMark(false);
        }
        if (p.tensor == QLatin1String("recurrent_kernel")) {
            p.rowMarks[0] = makeMark(true);
            p.rowMarks[1] = makeMark(false);
        }
        p.map = map;

        // Rows of the heatmaps share the height by their row counts, within bounds so that a
        // one-feature kernel or a bias stays readable next to a 256-unit recurrent kernel.
        double stretch = 1.0;
        if (p.tensor == QLatin1String("kernel"))
            stretch = std::clamp(double(p.rows) / double(U), 0.3, 1.0);
        else if (p.tensor == QLatin1String("bias"))
            stretch = p.rows == 2 ? 0.22 : 0.15;
        layout->setRowStretchFactor(row, stretch);
        rect->setMinimumSize(QSize(0, p.tensor == QLatin1String("bias")     ? int(14 * p.rows)
                                      : p.tensor == QLatin1String("kernel") ? int(std::min<int64_t>(60, 16 * p.rows))
                                                                            : 90));
        if (p.tensor == QLatin1String("recurrent_kernel")) {
            layout->addElement(row, 1, m_scale);
            auto* scaleGroup = new QCPMarginGroup(m_plot); // NOLINT(clang-analyzer-cplusplus.NewDeleteLeaks): owned by m_plot (QObject parent)
            rect->setMarginGroup(QCP::msTop | QCP::msBottom, scaleGroup);
            m_scale->setMarginGroup(QCP::msTop | QCP::msBottom, scaleGroup);
        }
        ++row;
    }
    if (!m_scale->layout()) { // (always placed: a recurrent kernel exists whenever U > 0)
        layout->addElement(0, 1, m_scale);
    }
    layout->setColumnStretchFactor(0, 1.0);
    layout->setColumnStretchFactor(1, 0.01);

    // Histograms of the finite weights, one axis rect per tensor, bins shared by the gate blocks
    // so that the stacked bars add up to the tensor's histogram.
    auto* hist = new QCPLayoutGrid;
    layout->addElement(row, 0, hist);
    layout->setRowStretchFactor(row, 0.9);
    hist->setColumnSpacing(8);
    QCPLegend* legend = nullptr;
    QCPAxisRect* firstHist = nullptr;
    for (const Panel& p : m_panels) {
        auto* rect = new QCPAxisRect(m_plot);
        hist->addElement(0, hist->columnCount(), rect);
        rect->setMinimumSize(QSize(80, 60));
        rect->axis(QCPAxis::atBottom)->setLabel(tr("%1 values").arg(p.tensor));
        rect->axis(QCPAxis::atBottom)->ticker()->setTickCount(4);
        // Counts are whole numbers.
        auto countTicker = QSharedPointer<QCPAxisTickerFixed>::create();
        countTicker->setTickStep(1.0);
        countTicker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
        countTicker->setTickCount(4);
        rect->axis(QCPAxis::atLeft)->setTicker(countTicker);
        rect->axis(QCPAxis::atLeft)->setLabel(p.tensor == QLatin1String("kernel") ? tr("count") : QString());
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        for (float v : p.data->data)
            if (std::isfinite(v)) {
                lo = std::min(lo, double(v));
                hi = std::max(hi, double(v));
            }
        if (!(lo <= hi)) { // nothing finite
            lo = -1;
            hi = 1;
        }
        if (hi - lo < 1e-12) {
            lo -= 0.5;
            hi += 0.5;
        }
        const double width = (hi - lo) / kHistogramBins;
        std::array<QVector<double>, 3> counts;
        for (auto& c : counts)
            c = QVector<double>(kHistogramBins, 0.0);
        for (int64_t i = 0; i < p.data->size(); ++i) {
            const float v = p.data->data[size_t(i)];
            if (!std::isfinite(v))
                continue;
            const int bin = std::clamp(int((double(v) - lo) / width), 0, kHistogramBins - 1);
            const int gate = m_byGate ? int((i % p.cols) / U) : 0;
            counts[size_t(gate)][bin] += 1;
        }
        QVector<double> keys(kHistogramBins);
        for (int b = 0; b < kHistogramBins; ++b)
            keys[b] = lo + (b + 0.5) * width;
        double top = 1;
        QCPBars* below = nullptr;
        for (int g = 0; g < (m_byGate ? 3 : 1); ++g) {
            auto* bars = new QCPBars(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
            bars->setName(m_byGate ? QString::fromLatin1(gateName(g)) + (g == 2 ? QStringLiteral("~") : QString())
                                   : p.tensor);
            bars->setWidth(width);
            QColor c = m_byGate ? kGateColor[g] : QColor(90, 120, 170);
            bars->setPen(QPen(c.darker(130)));
            c.setAlpha(200);
            bars->setBrush(c);
            bars->setData(keys, counts[size_t(g)], true);
            if (below)
                bars->moveAbove(below);
            below = bars;
        }
        for (int b = 0; b < kHistogramBins; ++b) {
            double s = 0;
            for (auto& c : counts)
                s += c[b];
            top = std::max(top, s);
        }
        rect->axis(QCPAxis::atBottom)->setRange(lo - width, hi + width);
        rect->axis(QCPAxis::atLeft)->setRange(0, top * 1.08);
        if (!firstHist)
            firstHist = rect;
    }
    if (m_byGate && firstHist) {
        // Beside the histograms rather than inside one, where it would hide bars. (A legend must be
        // in the plot's layout before it takes a layer or items.)
        // Its own little column, top-aligned: a legend filling the cell would spread its items.
        auto* legendColumn = new QCPLayoutGrid;
        hist->addElement(0, hist->columnCount(), legendColumn);
        hist->setColumnStretchFactor(hist->columnCount() - 1, 0.01);
        legend = new QCPLegend;
        legendColumn->addElement(0, 0, legend);
        legendColumn->addElement(1, 0, new QCPLayoutElement(m_plot));
        legendColumn->setRowStretchFactor(0, 0.001);
        legendColumn->setRowStretchFactor(1, 1.0);
        legend->setLayer(QStringLiteral("legend"));
        legend->setVisible(true);
        legend->setMargins(QMargins(4, 4, 4, 4));
        QFont f = font();
        f.setPointSizeF(f.pointSizeF() * 0.85);
        legend->setFont(f);
        legend->setRowSpacing(0);
        legend->setIconSize(10, 10);
        for (int i = 0; i < m_plot->plottableCount(); ++i)
            if (auto* b = qobject_cast<QCPBars*>(m_plot->plottable(i)); b && b->keyAxis()->axisRect() == firstHist)
                b->addToLegend(legend);
    }
    m_plot->legend = legend; // the theme colours the plot's legend

    // Caption: NaN and Inf by tensor, with where the first one sits.
    buildStats();
    int64_t total = 0;
    QStringList where;
    for (const TensorStats& t : m_inspection.tensors) {
        total += t.count;
        if (t.nanCount || t.infCount) {
            QStringList parts;
            if (t.nanCount)
                parts << tr("%n NaN", nullptr, int(t.nanCount));
            if (t.infCount)
                parts << tr("%n Inf", nullptr, int(t.infCount));
            where << tr("%1: %2, the first at %3").arg(qs(t.name), parts.join(tr(" and ")), qs(t.firstNonFinite));
        }
    }
    if (m_nanTotal + m_infTotal == 0) {
        m_nonFinite = tr("All %1 weights are finite.").arg(total);
        m_caption->setStyleSheet(QString());
    } else {
        m_nonFinite = tr("%1 non-finite weights: %2 NaN (green cells), %3 Inf (gold squares) — %4. The layer refuses to "
                         "run with them.")
                          .arg(m_nanTotal + m_infTotal)
                          .arg(m_nanTotal)
                          .arg(m_infTotal)
                          .arg(where.join(QStringLiteral("; ")));
        m_caption->setStyleSheet(QStringLiteral("color: #d03030; font-weight: bold;"));
    }
    m_caption->setText(m_nonFinite);

    applyTheme();
    placeHighlight();
    applyFocus();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void WeightsView::showTensor(const QString& tensor)
{
    m_focus = tensor;
    applyFocus();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void WeightsView::applyFocus()
{
    // The heatmap's title gets a marker and bold type; the colours stay the theme's.
    static const QString marker = QStringLiteral("▶ ");
    for (const Panel& p : m_panels) {
        QCPAxis* top = p.rect->axis(QCPAxis::atTop);
        QString label = top->label();
        if (label.startsWith(marker))
            label.remove(0, marker.size());
        const bool on = p.tensor == m_focus;
        top->setLabel(on ? marker + label : label);
        QFont font = top->labelFont();
        font.setBold(on);
        top->setLabelFont(font);
    }
    // The tensor's bold row in the statistics (its gate blocks follow it).
    for (int row = 0; row < m_table->rowCount(); ++row)
        if (const auto* item = m_table->item(row, 0); item && !m_focus.isEmpty() && item->text() == m_focus) {
            m_table->selectRow(row);
            m_table->scrollToItem(item);
            return;
        }
}

void WeightsView::buildStats()
{
    m_inspection = {};
    try {
        if (const auto w = m_doc->weights())
            m_inspection = inspectWeights(m_doc->config(), *w, ss(m_doc->origin().layerName.isEmpty()
                                                                        ? tr("weights")
                                                                        : m_doc->origin().layerName));
    } catch (const std::exception& e) {
        // The heatmaps still show the weights; the list says why there are no statistics.
        m_inspection.diagnostics.push_back({Diagnostic::Severity::Error, "weights", ss(errorText(e))});
    }

    const QStringList headers = {tr("Tensor / gate block"), tr("shape"), tr("min"), tr("max"), tr("mean"), tr("std"),
                                 tr("‖·‖₂"), tr("NaN"), tr("Inf"), tr("first non-finite")};
    m_table->clear();
    m_table->setColumnCount(int(headers.size()));
    m_table->setHorizontalHeaderLabels(headers);
    m_table->setRowCount(int(m_inspection.tensors.size() + m_inspection.blocks.size()));
    int row = 0;
    auto add = [&](const TensorStats& s, bool block) {
        const QStringList cells = {block ? QStringLiteral("    ") + qs(s.name) : qs(s.name),
                                   qs(s.shape),
                                   num(s.min),
                                   num(s.max),
                                   num(s.mean),
                                   num(s.stddev),
                                   num(s.norm),
                                   QString::number(s.nanCount),
                                   QString::number(s.infCount),
                                   qs(s.firstNonFinite)};
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            if (c >= 2 && c <= 8)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (!block) {
                QFont f = item->font();
                f.setBold(true);
                item->setFont(f);
            }
            if ((c == 7 && s.nanCount) || (c == 8 && s.infCount)) {
                item->setBackground(QColor(220, 60, 60));
                item->setForeground(Qt::white);
            }
            m_table->setItem(row, c, item);
        }
        ++row;
    };
    // Each tensor, then its gate blocks (and bias rows).
    for (const TensorStats& t : m_inspection.tensors) {
        add(t, false);
        const std::string prefix = t.name + "[";
        for (const TensorStats& b : m_inspection.blocks)
            if (b.name.rfind(prefix, 0) == 0)
                add(b, true);
    }
    m_table->setRowCount(row);
    m_table->resizeColumnsToContents();
    m_table->horizontalHeader()->setStretchLastSection(true);
    applyFocus();

    m_diagnostics->clear();
    for (const Diagnostic& d : m_inspection.diagnostics) {
        const QStyle::StandardPixmap icon = d.severity == Diagnostic::Severity::Error     ? QStyle::SP_MessageBoxCritical
                                            : d.severity == Diagnostic::Severity::Warning ? QStyle::SP_MessageBoxWarning
                                                                                          : QStyle::SP_MessageBoxInformation;
        m_diagnostics->addItem(new QListWidgetItem(style()->standardIcon(icon), qs(d.where) + QStringLiteral(": ") +
                                                                                    qs(d.message)));
    }
    if (m_inspection.diagnostics.empty())
        m_diagnostics->addItem(new QListWidgetItem(style()->standardIcon(QStyle::SP_DialogApplyButton),
                                                   tr("No problems found: the shapes fit the arguments, every weight is "
                                                      "finite and no gate block is constant.")));
}

void WeightsView::updateHighlight()
{
    placeHighlight();
    m_overlay->replot(); // redraws only the overlay when the other layers' buffers are valid
}

void WeightsView::placeHighlight()
{
    const int64_t U = m_weights ? m_weights->units() : 0;
    const int j = m_doc->selectedUnit();
    m_highlighted = (j >= 0 && j < U) ? j : -1;
    for (Panel& p : m_panels) {
        for (int g = 0; g < 3; ++g)
            for (int k = 0; k < 2; ++k) {
                QCPItemRect* m = p.columnMarks[2 * size_t(g) + size_t(k)];
                if (!m)
                    continue;
                m->setVisible(m_highlighted >= 0);
                const double c = double(g * U + m_highlighted);
                m->topLeft->setCoords(c - 0.5, -0.5);
                m->bottomRight->setCoords(c + 0.5, double(p.rows) - 0.5);
            }
        for (QCPItemRect* m : p.rowMarks) {
            if (!m)
                continue;
            m->setVisible(m_highlighted >= 0);
            m->topLeft->setCoords(-0.5, double(m_highlighted) - 0.5);
            m->bottomRight->setCoords(double(3 * U) - 0.5, double(m_highlighted) + 0.5);
        }
    }
    if (m_highlighted >= 0)
        m_unitLine->setText(tr("Unit %1 outlined: its gates read columns z%1, r%1 and h%1 (= %1, %2, %3) of K, R and the "
                               "bias; row %1 of R is how h%1 feeds every gate. Click a cell to select its unit and make "
                               "that weight the What if entry.")
                                .arg(m_highlighted)
                                .arg(U + m_highlighted)
                                .arg(2 * U + m_highlighted));
    else
        m_unitLine->setText(tr("Click a cell of a heatmap to select its unit in every view and make that weight the What if entry."));
}

const WeightsView::Panel* WeightsView::panelAt(const QPointF& pos, int64_t* row, int64_t* col) const
{
    for (const Panel& p : m_panels) {
        if (!p.rect || !p.rect->rect().contains(pos.toPoint()))
            continue;
        const double x = p.rect->axis(QCPAxis::atBottom)->pixelToCoord(pos.x());
        const double y = p.rect->axis(QCPAxis::atLeft)->pixelToCoord(pos.y());
        const int64_t c = int64_t(std::floor(x + 0.5)), r = int64_t(std::floor(y + 0.5));
        if (c < 0 || c >= p.cols || r < 0 || r >= p.rows)
            return nullptr;
        *row = r;
        *col = c;
        return &p;
    }
    return nullptr;
}

void WeightsView::onPlotMouse(QMouseEvent* event, bool press)
{
    int64_t r = 0, c = 0;
    const Panel* p = panelAt(event->position(), &r, &c);
    if (!p || !m_weights) {
        if (!press)
            QToolTip::hideText();
        return;
    }
    const int64_t U = m_weights->units();
    if (U <= 0)
        return;
    const int64_t g = c / U, j = c % U;
    if (press) {
        if (event->button() == Qt::LeftButton) {
            m_doc->setSelectedUnit(int(j));
            emit cellPicked(p->tensor, int(r), int(c));
        }
        return;
    }
    QString rowName;
    if (p->tensor == QLatin1String("bias"))
        rowName = p->rows == 2 ? (r == 0 ? tr("input row") : tr("recurrent row")) : QString();
    else
        rowName = (p->tensor == QLatin1String("kernel") ? tr("feature %1") : tr("from h%1")).arg(r);
    const float v = p->data->data[size_t(r * p->cols + c)];
    const QString value = std::isfinite(v) ? QString::number(double(v), 'g', 7)
                          : std::isnan(v)  ? QStringLiteral("NaN")
                                           : (v > 0 ? QStringLiteral("+Inf") : QStringLiteral("−Inf"));
    QToolTip::showText(event->globalPosition().toPoint(),
                       tr("%1[%2, %3] — %4, gate %5 of unit %6\n= %7")
                           .arg(p->tensor,
                                p->rows == 1 && p->tensor == QLatin1String("bias") ? QStringLiteral("0") : QString::number(r),
                                QString::number(c), rowName.isEmpty() ? tr("bias") : rowName,
                                QString::fromLatin1(gateName(int(g))), QString::number(j), value),
                       m_plot);
}

std::vector<ShownData> WeightsView::exportData() const
{
    m_whenShown->flush();
    std::vector<ShownData> out;
    const int64_t U = m_weights ? m_weights->units() : 0;
    if (U <= 0)
        return out;
    for (const Panel& p : m_panels) {
        ShownData t;
        t.name = p.tensor;
        t.rows = p.rows;
        t.columns = p.cols;
        t.values.assign(p.data->data.begin(), p.data->data.end());
        for (int64_t c = 0; c < p.cols; ++c)
            t.columnNames << QString::fromLatin1(gateName(int(c / U))) + QString::number(c % U);
        for (int64_t r = 0; r < p.rows; ++r) {
            if (p.tensor == QLatin1String("bias"))
                t.rowNames << (p.rows == 2 ? (r == 0 ? QStringLiteral("input") : QStringLiteral("recurrent"))
                                           : QStringLiteral("bias"));
            else
                t.rowNames << (p.tensor == QLatin1String("kernel") ? QStringLiteral("x%1") : QStringLiteral("h%1")).arg(r);
        }
        out.push_back(std::move(t));
    }
    ShownData s;
    s.name = QStringLiteral("weight_stats");
    s.columnNames = {QStringLiteral("min"), QStringLiteral("max"), QStringLiteral("mean"), QStringLiteral("std"),
                     QStringLiteral("norm"), QStringLiteral("nan"), QStringLiteral("inf")};
    s.columns = s.columnNames.size();
    auto add = [&](const TensorStats& x) {
        s.rowNames << qs(x.name);
        for (double v : {x.min, x.max, x.mean, x.stddev, x.norm, double(x.nanCount), double(x.infCount)})
            s.values.push_back(v);
        ++s.rows;
    };
    for (const TensorStats& x : m_inspection.tensors)
        add(x);
    for (const TensorStats& x : m_inspection.blocks)
        add(x);
    out.push_back(std::move(s));
    return out;
}

void WeightsView::applyTheme()
{
    applyPlotTheme(m_plot, palette());
}

void WeightsView::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange)
        applyTheme();
    QWidget::changeEvent(event);
}

} // namespace gsui
