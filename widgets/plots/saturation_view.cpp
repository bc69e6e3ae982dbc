#include "plots/saturation_view.h"

#include "plots/plot_theme.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace gsui {

namespace {

// z in the gate plots' orange, r in their green: the light shade for "below low", the dark one
// for "above high".
const QColor kBarColor[4] = {QColor(255, 187, 120), QColor(214, 97, 0), QColor(152, 223, 138), QColor(30, 120, 30)};
const QColor kTauColor(31, 119, 180);
const QColor kFlagColor[3] = {QColor(127, 127, 127), QColor(214, 39, 40), QColor(148, 103, 189)}; // dead, stuck, reset
const gruscope::SaturationFlag kFlag[3] = {gruscope::kSatDead, gruscope::kSatStuck, gruscope::kSatAlwaysReset};
const char* kFlagName[3] = {"dead", "stuck", "always-reset"};

QString num(double v, int digits = 3)
{
    if (std::isinf(v))
        return QStringLiteral("∞");
    if (std::isnan(v))
        return QStringLiteral("—");
    return QString::number(v, 'g', digits);
}

QString pct(double fraction) { return QString::number(100.0 * fraction, 'f', 1) + QStringLiteral(" %"); }

} // namespace

SaturationView::SaturationView(Document* doc, QWidget* parent) : QWidget(parent), m_doc(doc)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* top = new QHBoxLayout;
    top->setContentsMargins(4, 2, 4, 0);
    top->addWidget(new QLabel(tr("Steps of"), this));
    m_scope = new QComboBox(this);
    m_scope->setObjectName(QStringLiteral("saturationScope"));
    m_scope->addItems({tr("every traced sample"), tr("the selected sample")});
    m_scope->setToolTip(tr("Which traced steps the numbers cover. Masked steps are always left out: Keras keeps the "
                           "previous state on them."));
    top->addWidget(m_scope);
    top->addStretch(1);
    layout->addLayout(top);

    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("saturationPlot"));
    m_plot->setMinimumSize(320, 300);
    layout->addWidget(m_plot, 1);
    m_plot->setNotAntialiasedElements(QCP::aePlottables);

    // Title, legend, then the three panels; the legend leaves the default axis rect before the
    // layout is cleared (which deletes that rect).
    QCPLegend* legend = m_plot->legend;
    m_plot->axisRect()->insetLayout()->take(legend);
    m_plot->plotLayout()->clear();
    m_plot->plotLayout()->setRowSpacing(2);
    m_title = new QCPTextElement(m_plot, QString(), QFont(font().family(), font().pointSize()));
    m_plot->plotLayout()->addElement(0, 0, m_title);
    m_plot->plotLayout()->addElement(1, 0, legend);
    legend->setVisible(true);
    legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    legend->setWrap(5); // two even rows: the bars and τ, then the flags
    legend->setFont(QFont(font().family(), std::max(7, font().pointSize() - 1)));
    legend->setMargins(QMargins(4, 2, 4, 2));

    auto* group = new QCPMarginGroup(m_plot);
    auto unitTicker = QSharedPointer<QCPAxisTickerFixed>::create();
    unitTicker->setTickStep(1.0);
    unitTicker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    const double stretch[kPanels] = {3.0, 2.0, 1.0};
    for (int p = 0; p < kPanels; ++p) {
        auto* rect = new QCPAxisRect(m_plot, true);
        m_rects[size_t(p)] = rect;
        m_plot->plotLayout()->addElement(p + 2, 0, rect);
        rect->setMarginGroup(QCP::msLeft | QCP::msRight, group);
        rect->setRangeDrag(Qt::Orientations());
        rect->setRangeZoom(Qt::Orientations());
        QCPAxis* x = rect->axis(QCPAxis::atBottom);
        x->setTicker(unitTicker);
        x->setTickLabels(p == Flags);
        x->grid()->setVisible(false);
        // The selected unit's column. On the layer of the axis rect (whose themed background
        // would cover a lower layer), made after the rect and before the data: drawn between them.
        auto* shade = new QCPItemRect(m_plot);
        shade->setClipAxisRect(rect);
        for (QCPItemPosition* pos : {shade->topLeft, shade->bottomRight}) {
            pos->setAxes(x, rect->axis(QCPAxis::atLeft));
            pos->setAxisRect(rect);
            pos->setTypeX(QCPItemPosition::ptPlotCoords);
            pos->setTypeY(QCPItemPosition::ptAxisRectRatio);
        }
        shade->setVisible(false);
        m_shade[size_t(p)] = shade;
        auto* note = new QCPItemText(m_plot);
        note->setClipAxisRect(rect);
        note->position->setAxisRect(rect);
        note->position->setType(QCPItemPosition::ptAxisRectRatio);
        note->position->setCoords(0.5, 0.5);
        note->setPositionAlignment(Qt::AlignCenter);
        note->setText(QString()); // QCPItemText starts out saying "text"
        note->setVisible(false);
        m_empty[size_t(p)] = note;
    }
    for (int r = 0; r < 2; ++r)
        m_plot->plotLayout()->setRowStretchFactor(r, 0.01);
    for (int p = 0; p < kPanels; ++p)
        m_plot->plotLayout()->setRowStretchFactor(p + 2, stretch[p]);
    m_rects[Flags]->axis(QCPAxis::atBottom)->setLabel(tr("unit"));

    // Fractions: four bars per unit, side by side.
    {
        QCPAxisRect* rect = m_rects[Fractions];
        QCPAxis* y = rect->axis(QCPAxis::atLeft);
        y->setLabel(tr("% of steps"));
        y->setRange(0, 105);
        auto* bars = new QCPBarsGroup(m_plot);
        bars->setSpacingType(QCPBarsGroup::stAbsolute);
        bars->setSpacing(0);
        const QString names[4] = {tr("z < 0.1"), tr("z > 0.9"), tr("r < 0.1"), tr("r > 0.9")};
        for (int k = 0; k < 4; ++k) {
            auto* b = new QCPBars(rect->axis(QCPAxis::atBottom), y);
            b->setWidthType(QCPBars::wtPlotCoords);
            b->setWidth(0.2);
            b->setBarsGroup(bars);
            b->setSelectable(QCP::stNone);
            b->setName(names[k]);
            m_bars[size_t(k)] = b;
        }
    }
    // τ on a log axis: it spans from a fraction of a step to thousands.
    {
        QCPAxisRect* rect = m_rects[Tau];
        QCPAxis* y = rect->axis(QCPAxis::atLeft);
        y->setLabel(tr("τ (steps)"));
        y->setScaleType(QCPAxis::stLogarithmic);
        auto logTicker = QSharedPointer<QCPAxisTickerLog>::create();
        logTicker->setSubTickCount(0);
        y->setTicker(logTicker);
        y->setNumberFormat(QStringLiteral("gb"));
        m_tau = new QCPGraph(rect->axis(QCPAxis::atBottom), y);
        m_tau->setLineStyle(QCPGraph::lsNone);
        m_tau->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 7));
        m_tau->setName(tr("τ = −1/ln z̄"));
        m_tau->setSelectable(QCP::stNone);
        m_tauEdge = new QCPGraph(rect->axis(QCPAxis::atBottom), y);
        m_tauEdge->setLineStyle(QCPGraph::lsNone);
        m_tauEdge->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssTriangle, 9));
        m_tauEdge->setName(tr("τ off the axis (∞ or 0)"));
        m_tauEdge->setSelectable(QCP::stNone);
    }
    // Flags: one row per kind, a mark per flagged unit.
    {
        QCPAxisRect* rect = m_rects[Flags];
        QCPAxis* y = rect->axis(QCPAxis::atLeft);
        auto ticker = QSharedPointer<QCPAxisTickerText>::create();
        for (int k = 0; k < 3; ++k)
            ticker->addTick(k, tr(kFlagName[k]));
        y->setTicker(ticker);
        y->setRange(-0.7, 2.7);
        y->grid()->setVisible(false);
        for (int k = 0; k < 3; ++k) {
            auto* g = new QCPGraph(rect->axis(QCPAxis::atBottom), y);
            g->setLineStyle(QCPGraph::lsNone);
            g->setSelectable(QCP::stNone);
            g->setName(tr(kFlagName[k]));
            m_flagMarks[size_t(k)] = g;
        }
    }

    connect(m_plot, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) { m_pressPos = e->pos(); });
    connect(m_plot, &QCustomPlot::mouseRelease, this, &SaturationView::onMouseRelease);
    connect(m_plot, &QCustomPlot::mouseMove, this, &SaturationView::onMouseMove);
    connect(m_scope, &QComboBox::currentIndexChanged, this, [this] { m_whenShownAll->request(); });

    // Made in this order so that, shown again with both pending, the full refresh runs first.
    auto visible = [this] { return isVisible() && !visibleRegion().isEmpty(); };
    m_whenShownUnit = new ShownRefresh(this, visible, [this] { updateHighlight(); });
    m_whenShownAll = new ShownRefresh(this, visible, [this] { rebuild(); });
    connect(doc, &Document::resultChanged, this, [this] { m_whenShownAll->request(); });
    connect(doc, &Document::sampleChanged, this, [this] {
        if (m_scope->currentIndex() == int(Scope::SelectedSample))
            m_whenShownAll->request();
    });
    connect(doc, &Document::unitChanged, this, [this] { m_whenShownUnit->request(); });

    applyPlotTheme(m_plot, palette());
    applyColors();
    rebuild();
}

QCPAxisRect* SaturationView::panelRect(int panel) const
{
    return panel >= 0 && panel < kPanels ? m_rects[size_t(panel)] : nullptr;
}

void SaturationView::setScope(Scope scope) { m_scope->setCurrentIndex(int(scope)); }

const gruscope::SaturationReport& SaturationView::report() const
{
    bringUpToDate();
    return m_report;
}

QString SaturationView::titleText() const { return m_title->text(); }

QString SaturationView::emptyNote(int panel) const
{
    bringUpToDate();
    return panel >= 0 && panel < kPanels && m_empty[size_t(panel)]->visible() ? m_empty[size_t(panel)]->text() : QString();
}

QPoint SaturationView::unitCenter(int unit) const
{
    QCPAxisRect* rect = m_rects[Fractions];
    const double x = rect->axis(QCPAxis::atBottom)->coordToPixel(unit);
    return QPoint(int(std::lround(x)), rect->rect().center().y());
}

int SaturationView::unitAt(const QPoint& pos) const
{
    if (!m_report.valid())
        return -1;
    for (QCPAxisRect* rect : m_rects) {
        if (!rect->rect().contains(pos))
            continue;
        const int u = int(std::lround(rect->axis(QCPAxis::atBottom)->pixelToCoord(pos.x())));
        return u >= 0 && u < int(m_report.units.size()) ? u : -1;
    }
    return -1;
}

void SaturationView::applyColors()
{
    for (int k = 0; k < 4; ++k) {
        m_bars[size_t(k)]->setBrush(kBarColor[k]);
        m_bars[size_t(k)]->setPen(Qt::NoPen);
    }
    m_tau->setPen(QPen(kTauColor));
    m_tau->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, kTauColor, kTauColor, 7));
    m_tauEdge->setPen(QPen(kTauColor));
    m_tauEdge->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssTriangle, kTauColor, Qt::white, 9));
    for (int k = 0; k < 3; ++k) {
        m_flagMarks[size_t(k)]->setPen(QPen(kFlagColor[k]));
        m_flagMarks[size_t(k)]->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssSquare, kFlagColor[k], kFlagColor[k], 10));
    }
    // The selected column in the text colour, faint: visible in a light and a dark theme.
    QColor fg = palette().color(QPalette::Text);
    for (QCPItemText* note : m_empty)
        note->setColor(palette().color(QPalette::PlaceholderText));
    QColor fill = fg;
    fill.setAlpha(30);
    for (QCPItemRect* s : m_shade) {
        s->setBrush(fill);
        s->setPen(Qt::NoPen);
    }
}

void SaturationView::rebuild()
{
    ++m_rebuilds;
    m_outcome = m_doc->result();
    gruscope::SaturationOptions opt;
    m_report = {};
    if (m_outcome) {
        if (m_scope->currentIndex() == int(Scope::SelectedSample))
            opt.slot = m_outcome->traceSlot(m_doc->selectedSample());
        if (opt.slot < 0 && m_scope->currentIndex() == int(Scope::SelectedSample))
            m_report.message = tr("sample %1 was not traced by the last run").arg(m_doc->selectedSample()).toStdString();
        else
            m_report = gruscope::analyzeSaturation(m_outcome->result.trace, opt);
    }
    const int U = int(m_report.units.size());
    QVector<double> keys, values[4], tauKeys, tauValues, edgeKeys, edgeValues, flagKeys[3], flagValues[3];
    // τ's axis: at least half a step to 50 steps (the scale of a short sequence), widened to the
    // finite values, so that the typical 1–3 steps do not sit in a corner of empty decades.
    double lo = 0.5, hi = 50;
    for (const auto& u : m_report.units)
        if (std::isfinite(u.tau) && u.tau > 0) {
            lo = std::min(lo, u.tau / 2);
            hi = std::max(hi, u.tau * 2);
        }
    lo = std::max(lo, 1e-3);
    for (int u = 0; u < U; ++u) {
        const gruscope::UnitSaturation& s = m_report.units[size_t(u)];
        keys << u;
        const double f[4] = {s.lowZ, s.highZ, s.lowR, s.highR};
        for (int k = 0; k < 4; ++k)
            values[k] << 100.0 * f[k];
        if (std::isfinite(s.tau) && s.tau >= lo) {
            tauKeys << u;
            tauValues << s.tau;
        } else if (!std::isnan(s.tau)) {
            edgeKeys << u;
            edgeValues << (std::isinf(s.tau) ? hi : lo);
        }
        for (int k = 0; k < 3; ++k)
            if (s.flags & kFlag[k]) {
                flagKeys[k] << u;
                flagValues[k] << k;
            }
    }
    for (int k = 0; k < 4; ++k)
        m_bars[size_t(k)]->setData(keys, values[k], true);
    m_tau->setData(tauKeys, tauValues, true);
    m_tauEdge->setData(edgeKeys, edgeValues, true);
    // The triangles' legend entry only when there are triangles.
    if (edgeKeys.isEmpty())
        m_tauEdge->removeFromLegend();
    else
        m_tauEdge->addToLegend();
    for (int k = 0; k < 3; ++k)
        m_flagMarks[size_t(k)]->setData(flagKeys[k], flagValues[k], true);
    m_rects[Tau]->axis(QCPAxis::atLeft)->setRange(lo / 1.5, hi * 1.5);
    // An empty panel says so, rather than leave a first-time reader wondering what is missing.
    bool anySaturated = false, anyFlagged = false;
    for (const auto& u : m_report.units) {
        anySaturated = anySaturated || u.lowZ + u.highZ + u.lowR + u.highR > 0;
        anyFlagged = anyFlagged || u.flags != gruscope::kSatNone;
    }
    const auto& th = m_report.thresholds;
    m_empty[Fractions]->setText(m_report.valid() && !anySaturated
                                    ? tr("no gate saturates: z and r stay between %1 and %2 on every step").arg(th.low).arg(th.high)
                                    : QString());
    m_empty[Flags]->setText(m_report.valid() && !anyFlagged ? tr("no unit is dead, stuck or always-reset") : QString());
    for (QCPItemText* note : m_empty)
        note->setVisible(!note->text().isEmpty());
    for (QCPAxisRect* rect : m_rects)
        rect->axis(QCPAxis::atBottom)->setRange(-0.6, std::max(1, U) - 0.4);

    if (!m_outcome)
        m_title->setText(tr("no run yet"));
    else if (!m_report.valid())
        m_title->setText(tr("nothing to show: %1").arg(QString::fromStdString(m_report.message)));
    m_highlighted = -2; // force the title and shading to be redone
    updateHighlight();
}

void SaturationView::updateHighlight()
{
    const int U = int(m_report.units.size());
    const int unit = m_doc->selectedUnit();
    const bool have = unit >= 0 && unit < U;
    for (QCPItemRect* s : m_shade) {
        s->setVisible(have);
        if (have) {
            s->topLeft->setCoords(unit - 0.5, 0);
            s->bottomRight->setCoords(unit + 0.5, 1);
        }
    }
    m_highlighted = have ? unit : -1;
    if (m_report.valid()) {
        const QString scope = m_report.samples.size() == 1 ? tr("sample %1").arg(m_report.samples[0])
                                                            : tr("%1 traced samples").arg(m_report.samples.size());
        QString title = tr("%1 units over %2, %3 kept steps · %4 dead, %5 stuck, %6 always-reset")
                            .arg(U)
                            .arg(scope)
                            .arg(m_report.steps)
                            .arg(m_report.count(gruscope::kSatDead))
                            .arg(m_report.count(gruscope::kSatStuck))
                            .arg(m_report.count(gruscope::kSatAlwaysReset));
        // Two lines, always: the title does not wrap, and a narrow window would cut one long line.
        if (have) {
            const auto& s = m_report.units[size_t(unit)];
            title += tr("\nunit %1: z̄ %2, τ %3 steps").arg(unit).arg(num(s.zMean), num(s.tau));
            const QString flags = QString::fromStdString(gruscope::saturationFlagNames(s.flags));
            if (!flags.isEmpty())
                title += QStringLiteral(" (%1)").arg(flags);
        } else {
            title += tr("\nclick a unit to select it; hover for its numbers");
        }
        m_title->setText(title);
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void SaturationView::onMouseRelease(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton || (event->pos() - m_pressPos).manhattanLength() > QApplication::startDragDistance())
        return;
    const int u = unitAt(event->pos());
    if (u >= 0)
        m_doc->setSelectedUnit(u);
}

void SaturationView::onMouseMove(QMouseEvent* event)
{
    const int u = unitAt(event->pos());
    if (u < 0) {
        m_plot->setToolTip(tr("Per unit: how often z and r are saturated, the memory time constant τ and the flags. "
                              "Click a unit: select it."));
        return;
    }
    const auto& s = m_report.units[size_t(u)];
    const auto& th = m_report.thresholds;
    QString tip = tr("unit %1 over %2 kept steps\nz < %3: %4   z > %5: %6\nr < %3: %7   r > %5: %8\n|h~| > %5: %9\n")
                      .arg(u)
                      .arg(m_report.steps)
                      .arg(th.low)
                      .arg(pct(s.lowZ))
                      .arg(th.high)
                      .arg(pct(s.highZ), pct(s.lowR), pct(s.highR), pct(s.satHh));
    tip += tr("z̄ %1, τ = −1/ln z̄ = %2 steps\nh moves by %3").arg(num(s.zMean, 4), num(s.tau, 4), num(s.hRange));
    if (s.flags & gruscope::kSatDead)
        tip += tr("\ndead: h moves by less than %1 over the steps").arg(th.deadRange);
    if (s.flags & gruscope::kSatStuck)
        tip += tr("\nstuck: z > %1 on at least %2 % of the steps, it hardly takes in anything new")
                   .arg(th.high)
                   .arg(100 * th.most);
    if (s.flags & gruscope::kSatAlwaysReset)
        tip += tr("\nalways-reset: r < %1 on at least %2 % of the steps, its candidate ignores the past")
                   .arg(th.low)
                   .arg(100 * th.most);
    m_plot->setToolTip(tip);
}

QCustomPlot* SaturationView::exportPlot() const
{
    bringUpToDate();
    return m_plot;
}

std::vector<ShownData> SaturationView::exportData() const
{
    bringUpToDate();
    std::vector<ShownData> tables;
    if (!m_report.valid())
        return tables;
    ShownData d;
    d.name = m_report.samples.size() == 1 ? QStringLiteral("saturation_sample%1").arg(m_report.samples[0])
                                          : QStringLiteral("saturation");
    d.columnNames = {QStringLiteral("z_low"), QStringLiteral("z_high"), QStringLiteral("r_low"), QStringLiteral("r_high"),
                     QStringLiteral("hh_saturated"), QStringLiteral("z_mean"), QStringLiteral("tau"), QStringLiteral("h_range"),
                     QStringLiteral("dead"), QStringLiteral("stuck"), QStringLiteral("always_reset"), QStringLiteral("steps")};
    d.rows = int64_t(m_report.units.size());
    d.columns = d.columnNames.size();
    for (size_t u = 0; u < m_report.units.size(); ++u) {
        const auto& s = m_report.units[u];
        d.rowNames << QStringLiteral("unit %1").arg(u);
        d.values.insert(d.values.end(), {s.lowZ, s.highZ, s.lowR, s.highR, s.satHh, s.zMean, s.tau, s.hRange,
                                         double((s.flags & gruscope::kSatDead) != 0), double((s.flags & gruscope::kSatStuck) != 0),
                                         double((s.flags & gruscope::kSatAlwaysReset) != 0), double(m_report.steps)});
    }
    tables.push_back(std::move(d));
    return tables;
}

QString SaturationView::exportTitle() const { return tr("Saturation & memory"); }

void SaturationView::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyPlotTheme(m_plot, palette());
        applyColors();
        m_plot->replot(QCustomPlot::rpQueuedReplot);
    }
}

void SaturationView::bringUpToDate() const
{
    // An export (or a test) reads the view while it may be out of sight: run what waited first.
    m_whenShownAll->flush();
    m_whenShownUnit->flush();
}

} // namespace gsui
