#include "plots/step_bars_plot.h"

#include "plots/plot_theme.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QFontMetrics>
#include <QLabel>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace gsui {

namespace {

const char* kPanelName[StepBarsPlot::kPanels] = {"z", "r", "h~", "h"};
const char* kPanelFile[StepBarsPlot::kPanels] = {"z", "r", "hh", "h"};
// The same hues as the unit lines' "z, r, h~, h of one unit" view.
const QColor kPanelColor[StepBarsPlot::kPanels] = {QColor(255, 127, 14), QColor(44, 160, 44), QColor(148, 103, 189),
                                                   QColor(31, 119, 180)};

QString fmt(double v)
{
    if (!std::isfinite(v))
        return QStringLiteral("—");
    QString s = QString::number(v, 'f', 4);
    if (s.startsWith(QLatin1Char('-')))
        s.replace(0, 1, QStringLiteral("−")); // a real minus, as in the equation view
    return s;
}

} // namespace

StepBarsPlot::StepBarsPlot(Document* doc, QWidget* parent) : QWidget(parent), m_doc(doc)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("stepBarsPlot"));
    m_plot->setMinimumSize(260, 196); // with the title label above: as tall as the plot with its title was
    m_plot->setToolTip(tr("z, r, h~ and h of every unit at the current step. Click a bar: select that unit."));
    // The step and the selected unit's values, above the plot: a label gets the height its lines
    // need from the dock's layout, where a title inside the plot was squeezed with the panels.
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("stepBarsTitle"));
    m_title->setAlignment(Qt::AlignCenter);
    m_title->setTextFormat(Qt::PlainText);
    layout->addWidget(m_title);
    layout->addWidget(m_plot, 1);

    // Bars are axis-aligned rectangles: without antialiasing they are crisp and several times
    // cheaper to draw (this plot is redrawn on every step).
    m_plot->setNotAntialiasedElements(QCP::aePlottables);
    m_plot->plotLayout()->clear();
    m_plot->plotLayout()->setRowSpacing(2);

    // A short panel (a small dock) has no room for three labels (−1, 0, 1 piled on each other):
    // it keeps one interval, which shows 0 and 1 for z and r and 0 alone for h~ and h.
    connect(m_plot, &QCustomPlot::afterLayout, this, [this] {
        const int lineHeight = QFontMetrics(m_plot->font()).height();
        bool changed = false;
        for (Panel& pn : m_panels) {
            if (!pn.rect || !pn.yTicker)
                continue;
            const int want = pn.rect->height() < 3 * lineHeight ? 1 : 2;
            if (pn.yTicker->tickCount() != want) {
                pn.yTicker->setTickCount(want);
                changed = true;
            }
        }
        if (changed)
            m_plot->replot(QCustomPlot::rpQueuedReplot);
    });

    auto* group = new QCPMarginGroup(m_plot);
    auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
    ticker->setTickStep(1.0);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    for (int p = 0; p < kPanels; ++p) {
        Panel& pn = m_panels[size_t(p)];
        pn.rect = new QCPAxisRect(m_plot, true);
        m_plot->plotLayout()->addElement(p, 0, pn.rect);
        pn.rect->setMarginGroup(QCP::msLeft | QCP::msRight, group);
        QCPAxis* x = pn.rect->axis(QCPAxis::atBottom);
        QCPAxis* y = pn.rect->axis(QCPAxis::atLeft);
        x->setTicker(ticker);
        x->setTickLabels(p == kPanels - 1);
        x->grid()->setVisible(false);
        y->setLabel(QLatin1String(kPanelName[p]));
        // Few ticks on multiples of 0.5 (0, 1 or −1, 0, 1): the panels are short.
        auto yTicker = QSharedPointer<QCPAxisTickerFixed>::create();
        yTicker->setTickStep(0.5);
        yTicker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
        yTicker->setTickCount(2);
        y->setTicker(yTicker);
        pn.rect->setRangeDrag(Qt::Orientations());
        pn.rect->setRangeZoom(Qt::Orientations());
        pn.yTicker = yTicker;
        pn.bars = new QCPBars(x, y);
        pn.bars->setWidthType(QCPBars::wtPlotCoords);
        pn.bars->setWidth(0.8);
        pn.bars->setSelectable(QCP::stNone);
        pn.selected = new QCPBars(x, y);
        pn.selected->setWidthType(QCPBars::wtPlotCoords);
        pn.selected->setWidth(0.8);
        pn.selected->setSelectable(QCP::stNone);
    }
    m_panels.back().rect->axis(QCPAxis::atBottom)->setLabel(tr("unit"));
    connect(m_plot, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) { m_pressPos = e->pos(); });
    connect(m_plot, &QCustomPlot::mouseRelease, this, &StepBarsPlot::onMouseRelease);

    // Made in this order so that, shown again with both pending, the full refresh runs first.
    auto visible = [this] { return isVisible() && !visibleRegion().isEmpty(); };
    m_whenShownStep = new ShownRefresh(this, visible, [this] { showStep(); });
    m_whenShownAll = new ShownRefresh(this, visible, [this] { rebuild(); });
    connect(doc, &Document::resultChanged, this, [this] { m_whenShownAll->request(); });
    connect(doc, &Document::sampleChanged, this, [this] { m_whenShownAll->request(); });
    connect(doc, &Document::stepChanged, this, [this] { m_whenShownStep->request(); });
    connect(doc, &Document::unitChanged, this, [this] { m_whenShownStep->request(); });

    applyPlotTheme(m_plot, palette());
    applyColors();
    rebuild();
}

QCPAxisRect* StepBarsPlot::panelRect(int panel) const
{
    return panel >= 0 && panel < kPanels ? m_panels[size_t(panel)].rect : nullptr;
}

std::vector<double> StepBarsPlot::shownValues(int panel) const
{
    std::vector<double> v;
    if (panel < 0 || panel >= kPanels || !m_outcome)
        return v;
    v.assign(size_t(m_outcome->U), std::numeric_limits<double>::quiet_NaN());
    for (const QCPBars* b : {m_panels[size_t(panel)].bars, m_panels[size_t(panel)].selected})
        for (auto it = b->data()->constBegin(); it != b->data()->constEnd(); ++it) {
            const int u = int(std::lround(it->key));
            if (u >= 0 && u < m_outcome->U)
                v[size_t(u)] = it->value;
        }
    return v;
}

QString StepBarsPlot::titleText() const { return m_title->text(); }

void StepBarsPlot::applyColors()
{
    const QColor fg = palette().color(QPalette::Text);
    for (int p = 0; p < kPanels; ++p) {
        Panel& pn = m_panels[size_t(p)];
        QColor fill = kPanelColor[p];
        fill.setAlpha(190);
        pn.bars->setBrush(fill);
        pn.bars->setPen(Qt::NoPen);
        // The selected unit in the text colour: the strongest contrast in either theme.
        pn.selected->setBrush(fg);
        pn.selected->setPen(QPen(fg, 1));
    }
}

void StepBarsPlot::rebuild()
{
    m_outcome = m_doc->result();
    m_slot = m_outcome ? m_outcome->traceSlot(m_doc->selectedSample()) : -1;
    if (m_outcome && m_slot >= 0) {
        const RunOutcome& o = *m_outcome;
        const gruscope::Trace& trc = o.result.trace;
        const gruscope::ArrayF* arrays[kPanels] = {&trc.z, &trc.r, &trc.hh, &trc.h};
        const size_t rowBegin = size_t(int64_t(m_slot) * trc.steps() * o.U), rowEnd = rowBegin + size_t(trc.steps() * o.U);
        for (int p = 0; p < kPanels; ++p) {
            // Fixed over the whole run (the activation's range, widened to the data): stepping
            // moves the bars, not the axis.
            double lo = p < 2 ? 0.0 : -1.0, hi = 1.0;
            for (size_t i = rowBegin; i < rowEnd && i < arrays[p]->data.size(); ++i) {
                const double v = arrays[p]->data[i];
                if (std::isfinite(v)) {
                    lo = std::min(lo, v);
                    hi = std::max(hi, v);
                }
            }
            const double pad = 0.04 * (hi - lo);
            m_panels[size_t(p)].rect->axis(QCPAxis::atLeft)->setRange(lo - (p < 2 && lo == 0 ? 0 : pad), hi + pad);
            m_panels[size_t(p)].rect->axis(QCPAxis::atBottom)->setRange(-0.6, double(o.U) - 0.4);
        }
    }
    showStep();
}

void StepBarsPlot::showStep()
{
    const int step = m_doc->currentStep();
    const int unit = m_doc->selectedUnit();
    if (!m_outcome || m_slot < 0 || !m_outcome->stepTraced(step)) {
        for (Panel& pn : m_panels) {
            pn.bars->data()->clear();
            pn.selected->data()->clear();
        }
        m_shownStep = -1;
        m_highlighted = -1;
        m_title->setText(!m_outcome ? tr("no run yet")
                         : m_slot < 0 ? tr("sample %1 was not traced by the last run").arg(m_doc->selectedSample())
                                      : tr("step %1 was not traced").arg(step));
        m_plot->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    const RunOutcome& o = *m_outcome;
    const gruscope::Trace& trc = o.result.trace;
    const gruscope::ArrayF* arrays[kPanels] = {&trc.z, &trc.r, &trc.hh, &trc.h};
    const int U = int(o.U);
    const bool haveUnit = unit >= 0 && unit < U;
    QVector<double> keys, values;
    keys.reserve(U);
    values.reserve(U);
    for (int p = 0; p < kPanels; ++p) {
        keys.clear();
        values.clear();
        for (int u = 0; u < U; ++u) {
            if (u == unit)
                continue;
            keys << u;
            values << o.traced(*arrays[p], m_slot, step, u);
        }
        m_panels[size_t(p)].bars->setData(keys, values, true);
        if (haveUnit)
            m_panels[size_t(p)].selected->setData({double(unit)}, {double(o.traced(*arrays[p], m_slot, step, unit))}, true);
        else
            m_panels[size_t(p)].selected->data()->clear();
    }
    m_shownStep = step;
    m_highlighted = haveUnit ? unit : -1;

    QString title = tr("step %1 (t = %2)").arg(step).arg(o.timeIndex(step));
    if (!trc.kept.data.empty() && trc.kept.data[size_t(int64_t(m_slot) * trc.steps() + (step - trc.stepBegin))] == 0)
        title += tr(" · masked step: h kept");
    if (haveUnit) {
        const QString values = tr("unit %1: z %2, r %3, h~ %4, h %5")
                                   .arg(QString::number(unit), fmt(o.traced(trc.z, m_slot, step, unit)),
                                        fmt(o.traced(trc.r, m_slot, step, unit)), fmt(o.traced(trc.hh, m_slot, step, unit)),
                                        fmt(o.traced(trc.h, m_slot, step, unit)));
        // A centred line wider than the view is clipped at both ends (a narrow dock): the unit's
        // values then go on a line of their own.
        const QString oneLine = title + QStringLiteral(" · ") + values;
        title = m_title->fontMetrics().horizontalAdvance(oneLine) + 16 <= width() ? oneLine
                                                                                                 : title + QLatin1Char('\n') + values;
    }
    m_title->setText(title);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void StepBarsPlot::onMouseRelease(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton || !m_outcome ||
        (event->pos() - m_pressPos).manhattanLength() > QApplication::startDragDistance())
        return;
    for (const Panel& pn : m_panels) {
        if (!pn.rect->rect().contains(event->pos()))
            continue;
        const int u = int(std::lround(pn.rect->axis(QCPAxis::atBottom)->pixelToCoord(event->pos().x())));
        if (u >= 0 && u < m_outcome->U)
            m_doc->setSelectedUnit(u);
        return;
    }
}

std::vector<ShownData> StepBarsPlot::exportData() const
{
    bringUpToDate();
    std::vector<ShownData> tables;
    if (m_shownStep < 0 || !m_outcome)
        return tables;
    ShownData d;
    d.name = QStringLiteral("gates_step%1_sample%2").arg(m_shownStep).arg(m_doc->selectedSample());
    d.rows = kPanels;
    d.columns = m_outcome->U;
    for (int p = 0; p < kPanels; ++p) {
        d.rowNames << QLatin1String(kPanelFile[p]);
        const auto v = shownValues(p);
        d.values.insert(d.values.end(), v.begin(), v.end());
    }
    for (int64_t u = 0; u < m_outcome->U; ++u)
        d.columnNames << QStringLiteral("unit %1").arg(u);
    tables.push_back(std::move(d));
    return tables;
}

QString StepBarsPlot::exportTitle() const { return tr("Gates at step %1").arg(m_doc->currentStep()); }

void StepBarsPlot::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyPlotTheme(m_plot, palette());
        applyColors();
        m_plot->replot(QCustomPlot::rpQueuedReplot);
    }
}

void StepBarsPlot::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    if (isVisible() && m_shownStep >= 0)
        showStep();
}

void StepBarsPlot::bringUpToDate() const
{
    // An export reads the view even while it is out of sight: run what waited for it first.
    m_whenShownAll->flush();
    m_whenShownStep->flush();
}

} // namespace gsui
