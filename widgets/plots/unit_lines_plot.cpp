#include "plots/unit_lines_plot.h"

#include "plots/legend_placement.h"
#include "plots/plot_theme.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace gsui {

namespace {

constexpr int kMaxLines = 32;      // more lines than this are unreadable; the rest are left out
constexpr int kMaxLegendRows = 12; // above this the legend would cover the plot

// Tableau 10: distinct hues that stay apart on light and dark backgrounds.
QColor lineColor(int i)
{
    static const QColor colors[] = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44),
                                    QColor(214, 39, 40),  QColor(148, 103, 189), QColor(140, 86, 75),
                                    QColor(227, 119, 194), QColor(127, 127, 127), QColor(188, 189, 34),
                                    QColor(23, 190, 207)};
    return colors[i % 10];
}

const gruscope::ArrayF& quantityArray(const gruscope::Trace& tr, int q)
{
    switch (q) {
    case 1: return tr.z;
    case 2: return tr.r;
    case 3: return tr.hh;
    default: return tr.h;
    }
}

const char* kQuantityName[] = {"h", "z", "r", "h~"};
const char* kQuantityFile[] = {"h", "z", "r", "hh"};

} // namespace

UnitLinesPlot::UnitLinesPlot(Document* doc, QWidget* parent) : QWidget(parent), m_doc(doc)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    auto* row = new QHBoxLayout;
    row->setContentsMargins(4, 2, 4, 0);
    auto* showLabel = new QLabel(tr("Show"), this);
    row->addWidget(showLabel);
    m_quantity = new QComboBox(this);
    m_quantity->setObjectName(QStringLiteral("linesQuantity"));
    m_quantity->addItem(tr("h — state"), int(Quantity::H));
    m_quantity->addItem(tr("z — update gate"), int(Quantity::Z));
    m_quantity->addItem(tr("r — reset gate"), int(Quantity::R));
    m_quantity->addItem(tr("h~ — candidate"), int(Quantity::Hh));
    m_quantity->addItem(tr("z, r, h~, h of one unit"), int(Quantity::AllOfOneUnit));
    m_quantity->setToolTip(tr("Which quantity to draw over time for the chosen units"));
    showLabel->setBuddy(m_quantity);
    row->addWidget(m_quantity);
    auto* unitsLabel = new QLabel(tr("Units"), this);
    row->addWidget(unitsLabel);
    m_units = new QLineEdit(this);
    m_units->setObjectName(QStringLiteral("linesUnits"));
    m_units->setToolTip(tr("Units to draw, e.g. \"0, 3, 5-7\"; empty: the selected unit. Ctrl+click a heatmap row "
                           "adds or removes a unit."));
    m_units->setClearButtonEnabled(true);
    unitsLabel->setBuddy(m_units);
    row->addWidget(m_units, 1);
    layout->addLayout(row);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("linesStatus"));
    m_status->setWordWrap(true);
    m_status->setContentsMargins(6, 0, 6, 0);
    m_status->hide();
    layout->addWidget(m_status);

    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("unitLinesPlot"));
    m_plot->setMinimumSize(280, 160);
    layout->addWidget(m_plot, 1);
    m_plot->addLayer(QStringLiteral("cursor"), m_plot->layer(QStringLiteral("main")), QCustomPlot::limAbove);
    m_cursorLayer = m_plot->layer(QStringLiteral("cursor"));
    m_cursorLayer->setMode(QCPLayer::lmBuffered);
    m_cursor = new QCPItemStraightLine(m_plot);
    m_cursor->setLayer(m_cursorLayer);
    m_cursor->setSelectable(false);
    for (QCPItemPosition* p : {m_cursor->point1, m_cursor->point2}) {
        p->setTypeX(QCPItemPosition::ptPlotCoords);
        p->setTypeY(QCPItemPosition::ptAxisRectRatio);
    }
    m_cursor->setVisible(false);
    m_plot->xAxis->setLabel(tr("processing step s"));
    auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
    ticker->setTickStep(1.0);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    m_plot->xAxis->setTicker(ticker);
    m_plot->legend->setVisible(true);
    m_plot->legend->setFont(QFont(font().family(), std::max(7, font().pointSize() - 1)));
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    keepLegendOffTheData(m_plot, m_plot->axisRect(), m_plot->legend);
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->setToolTip(tr("Click: go to that step. Drag or wheel: move or zoom time; double-click: whole run."));

    connect(m_quantity, qOverload<int>(&QComboBox::currentIndexChanged), this, &UnitLinesPlot::rebuild);
    connect(m_units, &QLineEdit::editingFinished, this, &UnitLinesPlot::applyUnitText);
    connect(m_plot, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) { m_pressPos = e->pos(); });
    connect(m_plot, &QCustomPlot::mouseRelease, this, &UnitLinesPlot::onMouseRelease);
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) {
        if (m_outcome)
            m_plot->xAxis->setRange(-0.5, double(m_outcome->T) - 0.5);
        m_plot->replot(QCustomPlot::rpQueuedReplot);
    });
    // Made in this order so that, shown again with both pending, the full refresh runs first.
    auto visible = [this] { return isVisible() && !visibleRegion().isEmpty(); };
    m_whenShownStep = new ShownRefresh(this, visible, [this] { moveCursor(); });
    m_whenShownAll = new ShownRefresh(this, visible, [this] { rebuild(); });
    connect(doc, &Document::resultChanged, this, [this] { m_whenShownAll->request(); });
    connect(doc, &Document::sampleChanged, this, [this] { m_whenShownAll->request(); });
    connect(doc, &Document::unitChanged, this, [this] {
        // The selected unit only matters while no units are listed (or for the all-four view).
        if (m_doc->plottedUnits().isEmpty() || quantity() == Quantity::AllOfOneUnit)
            rebuild();
        syncUnitText();
    });
    connect(doc, &Document::plottedUnitsChanged, this, [this] {
        syncUnitText();
        rebuild();
    });
    connect(doc, &Document::stepChanged, this, [this] { m_whenShownStep->request(); });

    applyPlotTheme(m_plot, palette());
    syncUnitText();
    rebuild();
}

UnitLinesPlot::Quantity UnitLinesPlot::quantity() const { return Quantity(m_quantity->currentData().toInt()); }

void UnitLinesPlot::setQuantity(Quantity q) { m_quantity->setCurrentIndex(m_quantity->findData(int(q))); }

QList<int> UnitLinesPlot::shownUnits() const
{
    QList<int> units = m_doc->plottedUnits();
    if (quantity() == Quantity::AllOfOneUnit) {
        // The selected unit when it is listed or nothing is listed, else the first listed one.
        const int sel = m_doc->selectedUnit();
        if (sel >= 0 && (units.isEmpty() || units.contains(sel)))
            return {sel};
        return units.isEmpty() ? QList<int>{} : QList<int>{units.first()};
    }
    if (units.isEmpty() && m_doc->selectedUnit() >= 0)
        units << m_doc->selectedUnit();
    return units;
}

double UnitLinesPlot::cursorKey() const { return m_cursor->visible() ? m_cursor->point1->coords().x() : -1.0; }

std::optional<QList<int>> UnitLinesPlot::parseUnitList(const QString& text, int units, QString* error)
{
    QList<int> out;
    static const QRegularExpression sep(QStringLiteral("[,;\\s]+"));
    static const QRegularExpression range(QStringLiteral("^(\\d+)\\s*[-–]\\s*(\\d+)$"));
    // Ranges may be written "5-7" or "5 - 7": join the spaces around a dash before splitting.
    QString t = text;
    static const QRegularExpression dash(QStringLiteral("\\s*[-–]\\s*"));
    t.replace(dash, QStringLiteral("-"));
    for (const QString& part : t.split(sep, Qt::SkipEmptyParts)) {
        bool ok = false;
        const int v = part.toInt(&ok);
        int lo = v, hi = v;
        if (!ok) {
            const auto m = range.match(part);
            if (!m.hasMatch()) {
                if (error)
                    *error = tr("\"%1\" is not a unit number or a range like 2-5").arg(part);
                return std::nullopt;
            }
            lo = m.captured(1).toInt();
            hi = m.captured(2).toInt();
            if (lo > hi)
                std::swap(lo, hi);
        }
        if (lo < 0 || hi >= units) {
            if (error)
                *error = tr("unit %1 does not exist: this layer has units 0–%2").arg(lo < 0 ? lo : hi).arg(units - 1);
            return std::nullopt;
        }
        for (int u = lo; u <= hi; ++u)
            if (!out.contains(u))
                out << u;
    }
    return out;
}

QString UnitLinesPlot::formatUnitList(const QList<int>& units)
{
    QStringList parts;
    for (int u : units)
        parts << QString::number(u);
    return parts.join(QStringLiteral(", "));
}

void UnitLinesPlot::applyUnitText()
{
    QString error;
    const auto units = parseUnitList(m_units->text(), int(m_doc->config().units), &error);
    if (!units) {
        m_status->setText(error);
        m_status->setStyleSheet(QStringLiteral("color: #d03030;"));
        m_status->show();
        return;
    }
    m_status->hide();
    m_doc->setPlottedUnits(*units);
    syncUnitText(); // normalised: "5-7" → "5, 6, 7"
}

void UnitLinesPlot::syncUnitText()
{
    if (!m_units->hasFocus() || m_units->text().isEmpty())
        m_units->setText(formatUnitList(m_doc->plottedUnits()));
    const int sel = m_doc->selectedUnit();
    m_units->setPlaceholderText(sel >= 0 ? tr("selected unit (%1); e.g. 0, 3, 5-7").arg(sel)
                                         : tr("e.g. 0, 3, 5-7"));
}

void UnitLinesPlot::rebuild()
{
    m_outcome = m_doc->result();
    const int sample = m_doc->selectedSample();
    m_slot = m_outcome ? m_outcome->traceSlot(sample) : -1;
    m_plot->clearGraphs();
    for (QCPItemRect* band : m_maskBands)
        m_plot->removeItem(band);
    m_maskBands.clear();

    QString note;
    if (!m_outcome || m_outcome->T <= 0) {
        note = tr("no run yet");
    } else if (m_slot < 0) {
        note = tr("sample %1 was not traced by the last run; a run for it is on its way").arg(sample);
    }
    const QList<int> allUnits = shownUnits();
    if (note.isEmpty() && allUnits.isEmpty())
        note = tr("no unit selected: click a heatmap cell or list units above");
    if (!note.isEmpty()) {
        m_status->setStyleSheet(QString());
        m_status->setText(note);
        m_status->show();
        m_cursor->setVisible(false);
        m_plot->legend->setVisible(false);
        m_plot->replot(QCustomPlot::rpQueuedReplot);
        return;
    }

    const RunOutcome& o = *m_outcome;
    const gruscope::Trace& trc = o.result.trace;
    QList<int> units = allUnits;
    QStringList remarks;
    if (units.size() > kMaxLines) {
        remarks << tr("%1 units listed: the first %2 are drawn").arg(units.size()).arg(kMaxLines);
        units = units.mid(0, kMaxLines);
    }
    QVector<double> keys(int(o.T));
    for (int s = 0; s < o.T; ++s)
        keys[s] = s;
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    auto addLine = [&](int q, int unit, const QColor& color, const QString& name, Qt::PenStyle style, double width) {
        const gruscope::ArrayF& a = quantityArray(trc, q);
        QVector<double> values(int(o.T), std::numeric_limits<double>::quiet_NaN());
        for (int64_t s = trc.stepBegin; s < trc.stepEnd; ++s) {
            const double v = o.traced(a, m_slot, s, unit);
            values[int(s)] = v;
            if (std::isfinite(v)) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
        }
        QCPGraph* g = m_plot->addGraph();
        g->setData(keys, values, true);
        // The raster engine strokes wide antialiased polylines slowly (~30 ms for 1000 points at
        // 1.8 px): long runs get 1 px lines, which it draws fast.
        g->setPen(QPen(color, o.T > 200 ? 1.0 : width, style));
        g->setName(name);
        g->setSelectable(QCP::stNone);
        if (o.T <= 60)
            g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 3.5));
    };

    double nominalLo = -1, nominalHi = 1;
    QString yLabel;
    if (quantity() == Quantity::AllOfOneUnit) {
        const int u = units.first();
        addLine(1, u, QColor(255, 127, 14), tr("z (update)"), Qt::SolidLine, 1.6);
        addLine(2, u, QColor(44, 160, 44), tr("r (reset)"), Qt::SolidLine, 1.6);
        addLine(3, u, QColor(148, 103, 189), tr("h~ (candidate)"), Qt::DashLine, 1.6);
        addLine(0, u, QColor(31, 119, 180), tr("h (state)"), Qt::SolidLine, 2.4);
        yLabel = tr("unit %1").arg(u);
    } else {
        const int q = int(quantity());
        for (int i = 0; i < units.size(); ++i)
            addLine(q, units[i], lineColor(i), tr("unit %1").arg(units[i]), Qt::SolidLine, 1.8);
        yLabel = QLatin1String(kQuantityName[q]);
        if (q == 1 || q == 2)
            nominalLo = 0;
    }
    m_plot->yAxis->setLabel(yLabel);
    // The activation's natural range, widened to the data (relu, linear, ... leave it).
    if (lo <= hi) {
        nominalLo = std::min(nominalLo, lo);
        nominalHi = std::max(nominalHi, hi);
    }
    const double pad = 0.05 * (nominalHi - nominalLo);
    m_plot->yAxis->setRange(nominalLo - pad, nominalHi + pad);
    // Keep the user's zoom while the run keeps its length.
    if (o.T != m_lastT)
        m_plot->xAxis->setRange(-0.5, double(o.T) - 0.5);
    m_lastT = o.T;

    // Shaded masked steps, under the lines.
    bool anyMasked = false;
    if (!trc.kept.data.empty()) {
        QColor shade = palette().color(QPalette::Text);
        shade.setAlpha(40);
        int64_t s = trc.stepBegin;
        while (s < trc.stepEnd) {
            auto kept = [&](int64_t k) { return trc.kept.data[size_t(int64_t(m_slot) * trc.steps() + (k - trc.stepBegin))] != 0; };
            if (kept(s)) {
                ++s;
                continue;
            }
            int64_t e = s;
            while (e + 1 < trc.stepEnd && !kept(e + 1))
                ++e;
            auto* band = new QCPItemRect(m_plot);
            band->setLayer(QStringLiteral("grid"));
            band->setSelectable(false);
            for (QCPItemPosition* p : {band->topLeft, band->bottomRight}) {
                p->setTypeX(QCPItemPosition::ptPlotCoords);
                p->setTypeY(QCPItemPosition::ptAxisRectRatio);
            }
            band->topLeft->setCoords(double(s) - 0.5, 0);
            band->bottomRight->setCoords(double(e) + 0.5, 1);
            band->setPen(Qt::NoPen);
            band->setBrush(shade);
            m_maskBands.push_back(band);
            anyMasked = true;
            s = e + 1;
        }
    }
    if (anyMasked)
        remarks << tr("shaded: masked steps (the state is carried over)");
    if (o.config.go_backwards)
        remarks << tr("go_backwards: step s reads time index t = %1 − s").arg(o.T - 1);
    const bool legend = m_plot->graphCount() <= kMaxLegendRows;
    if (!legend)
        remarks << tr("legend hidden for more than %1 lines; colours repeat every 10 units").arg(kMaxLegendRows);
    m_plot->legend->setVisible(legend);
    m_status->setStyleSheet(QString());
    m_status->setText(remarks.join(QStringLiteral(" · ")));
    m_status->setVisible(!remarks.isEmpty());
    placeCursor();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void UnitLinesPlot::moveCursor()
{
    placeCursor();
    m_cursorLayer->replot();
}

void UnitLinesPlot::placeCursor()
{
    const bool show = m_outcome && m_slot >= 0 && m_plot->graphCount() > 0;
    const double key = m_doc->currentStep();
    m_cursor->point1->setCoords(key, 0);
    m_cursor->point2->setCoords(key, 1);
    QColor c = palette().color(QPalette::Text);
    m_cursor->setPen(QPen(c, 1.5));
    m_cursor->setVisible(show);
}

void UnitLinesPlot::onMouseRelease(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton || !m_outcome ||
        (event->pos() - m_pressPos).manhattanLength() > QApplication::startDragDistance())
        return;
    if (!m_plot->axisRect()->rect().contains(event->pos()))
        return;
    const int step = int(std::lround(m_plot->xAxis->pixelToCoord(event->pos().x())));
    if (step >= 0 && step < m_outcome->T)
        m_doc->setCurrentStep(step);
}

std::vector<ShownData> UnitLinesPlot::exportData() const
{
    bringUpToDate();
    std::vector<ShownData> tables;
    if (!m_outcome || m_slot < 0)
        return tables;
    const RunOutcome& o = *m_outcome;
    ShownData d;
    const int sample = int(o.result.trace.samples[size_t(m_slot)]);
    QList<int> units = shownUnits().mid(0, kMaxLines);
    if (units.isEmpty())
        return tables;
    struct Col {
        int q;
        int unit;
    };
    std::vector<Col> cols;
    if (quantity() == Quantity::AllOfOneUnit) {
        for (int q : {1, 2, 3, 0})
            cols.push_back({q, units.first()});
        d.name = QStringLiteral("unit%1_sample%2").arg(units.first()).arg(sample);
    } else {
        for (int u : units)
            cols.push_back({int(quantity()), u});
        d.name = QStringLiteral("%1_units_sample%2").arg(QLatin1String(kQuantityFile[int(quantity())])).arg(sample);
    }
    d.rows = o.T;
    d.columns = int64_t(cols.size());
    d.values.assign(size_t(d.rows * d.columns), std::numeric_limits<double>::quiet_NaN());
    for (size_t c = 0; c < cols.size(); ++c)
        d.columnNames << QStringLiteral("%1[%2]").arg(QLatin1String(kQuantityFile[cols[c].q])).arg(cols[c].unit);
    for (int64_t s = 0; s < o.T; ++s) {
        d.rowNames << QStringLiteral("s%1").arg(s);
        if (!o.stepTraced(s))
            continue;
        for (size_t c = 0; c < cols.size(); ++c)
            d.values[size_t(s) * cols.size() + c] = o.traced(quantityArray(o.result.trace, cols[c].q), m_slot, s, cols[c].unit);
    }
    tables.push_back(std::move(d));
    return tables;
}

QString UnitLinesPlot::exportTitle() const { return tr("Units over time, sample %1").arg(m_doc->selectedSample()); }

void UnitLinesPlot::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyPlotTheme(m_plot, palette());
        rebuild();
    }
}

void UnitLinesPlot::bringUpToDate() const
{
    // An export reads the view even while it is out of sight: run what waited for it first.
    m_whenShownAll->flush();
    m_whenShownStep->flush();
}

} // namespace gsui
