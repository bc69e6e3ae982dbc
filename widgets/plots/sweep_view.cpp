#include "plots/sweep_view.h"

#include "plots/legend_placement.h"
#include "plots/plot_theme.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace gsui {

using namespace gruscope;

namespace {

// One colour per backend, the same in every sweep.
QColor backendColour(BackendKind k)
{
    switch (k) {
    case BackendKind::Cpu: return QColor(0x1f, 0x77, 0xb4);
    case BackendKind::Reference: return QColor(0x7f, 0x7f, 0x7f);
    case BackendKind::Cudnn: return QColor(0x2c, 0xa0, 0x2c);
    case BackendKind::Cuda: return QColor(0xd6, 0x27, 0x28);
    default: return QColor(0x94, 0x67, 0xbd);
    }
}

QString num(double v, int digits = 3) { return QString::number(v, 'g', digits); }

} // namespace

SweepView::SweepView(QWidget* parent) : QWidget(parent)
{
    m_tChoice = new QComboBox(this);
    m_bChoice = new QComboBox(this);
    m_title = new QLabel(this);
    m_title->setWordWrap(true);
    m_plot = new QCustomPlot(this);
    m_plot->setMinimumHeight(220);
    m_plot->xAxis->setLabel(tr("units U (log)"));
    m_plot->yAxis->setLabel(tr("µs per step (log)"));
    for (QCPAxis* a : {m_plot->xAxis, m_plot->yAxis}) {
        a->setScaleType(QCPAxis::stLogarithmic);
        a->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    }
    m_plot->legend->setVisible(true);
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
    keepLegendOffTheData(m_plot, m_plot->axisRect(), m_plot->legend);
    m_table = new QTableWidget(this);
    m_table->setColumnCount(8);
    m_table->setHorizontalHeaderLabels({tr("T"), tr("B"), tr("U"), tr("backend"), tr("ms per call"), tr("µs per step"),
                                        tr("vs cpu"), tr("Keras on a GPU")});
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->verticalHeader()->setVisible(false);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);

    auto* choose = new QHBoxLayout;
    choose->addWidget(new QLabel(tr("Plot the points of T ="), this));
    choose->addWidget(m_tChoice);
    choose->addWidget(new QLabel(tr("and B ="), this));
    choose->addWidget(m_bChoice);
    choose->addStretch(1);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_plot);
    split->addWidget(m_table);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(choose);
    layout->addWidget(m_title);
    layout->addWidget(split, 1);
    auto slice = [this] { showSlice(m_tChoice->currentData().toLongLong(), m_bChoice->currentData().toLongLong()); };
    connect(m_tChoice, &QComboBox::activated, this, slice);
    connect(m_bChoice, &QComboBox::activated, this, slice);
    applyPlotTheme(m_plot, palette());
    redraw();
}

void SweepView::setResult(const SweepResult& result)
{
    m_result = result;
    for (auto [box, values] : {std::pair{m_tChoice, &result.spec.T}, std::pair{m_bChoice, &result.spec.B}}) {
        const QSignalBlocker block(box);
        box->clear();
        for (int64_t v : *values)
            box->addItem(QString::number(v), QVariant::fromValue<qlonglong>(v));
    }
    // The table: every point.
    m_table->setRowCount(int(result.points.size()));
    for (int row = 0; row < int(result.points.size()); ++row) {
        const SweepPoint& p = result.points[size_t(row)];
        double cpu = 0;
        for (const SweepPoint& q : result.points)
            if (q.T == p.T && q.B == p.B && q.U == p.U && q.backend == BackendKind::Cpu && q.ran)
                cpu = q.medianMs;
        const QStringList cells{QString::number(p.T), QString::number(p.B), QString::number(p.U),
                                QString::fromLatin1(backendName(p.backend)), p.ran ? num(p.medianMs, 4) : QStringLiteral("—"),
                                p.ran ? num(p.usPerStep, 4) : QStringLiteral("—"),
                                p.ran && cpu > 0 ? num(p.medianMs / cpu, 3) : QStringLiteral("—"),
                                QString::fromStdString(p.verdict) +
                                    (p.ran ? QString() : tr(" · did not run: %1").arg(QString::fromStdString(p.why)))};
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            if (c < 7)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (!p.ran)
                item->setToolTip(QString::fromStdString(p.why));
            m_table->setItem(row, c, item);
        }
    }
    m_table->resizeColumnsToContents();
    // The largest T and B first: where a GPU is likeliest to pay.
    m_T = result.spec.T.empty() ? 0 : result.spec.T.back();
    m_B = result.spec.B.empty() ? 0 : result.spec.B.back();
    m_tChoice->setCurrentIndex(m_tChoice->count() - 1);
    m_bChoice->setCurrentIndex(m_bChoice->count() - 1);
    redraw();
}

void SweepView::showSlice(int64_t T, int64_t B)
{
    m_T = T;
    m_B = B;
    m_tChoice->setCurrentIndex(m_tChoice->findData(QVariant::fromValue<qlonglong>(T)));
    m_bChoice->setCurrentIndex(m_bChoice->findData(QVariant::fromValue<qlonglong>(B)));
    redraw();
}

std::vector<std::pair<QString, std::vector<std::pair<double, double>>>> SweepView::curves() const
{
    std::vector<std::pair<QString, std::vector<std::pair<double, double>>>> out;
    for (const SweepPoint& p : m_result.points) {
        if (p.T != m_T || p.B != m_B || !p.ran)
            continue;
        const QString name = QString::fromLatin1(backendName(p.backend));
        auto it = std::find_if(out.begin(), out.end(), [&](const auto& c) { return c.first == name; });
        if (it == out.end()) {
            out.push_back({name, {}});
            it = out.end() - 1;
        }
        it->second.push_back({double(p.U), p.usPerStep});
    }
    return out;
}

QString SweepView::titleText() const { return m_title->text(); }

void SweepView::redraw()
{
    m_plot->clearGraphs();
    m_plot->clearItems();
    if (m_result.points.empty()) {
        m_title->setText(m_result.cancelled ? tr("The sweep was cancelled before its first point.")
                                            : tr("Run a sweep to time this machine's backends over a grid of T, B and U."));
        m_plot->replot();
        return;
    }
    double lo = 1e300, hi = 0;
    for (const auto& [name, pts] : curves()) {
        QCPGraph* g = m_plot->addGraph();
        g->setName(name);
        const QColor colour = backendColour(*backendFromName(name.toStdString()));
        g->setPen(QPen(colour, 2));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, colour, colour, 6));
        for (const auto& [u, us] : pts) {
            g->addData(u, us);
            lo = std::min(lo, us);
            hi = std::max(hi, us);
        }
    }
    const double uMin = double(*std::min_element(m_result.spec.U.begin(), m_result.spec.U.end()));
    const double uMax = double(*std::max_element(m_result.spec.U.begin(), m_result.spec.U.end()));
    m_plot->xAxis->setRange(uMin / 1.5, uMax * 1.5);
    // Ticks at the swept U values (a log ticker over less than a decade gave 2.5, 5, 7.5 for
    // U = 3, 5, 9), at most about a dozen, evenly apart on the log axis.
    auto unitTicks = QSharedPointer<QCPAxisTickerText>::create();
    std::vector<int64_t> us = m_result.spec.U;
    std::sort(us.begin(), us.end());
    const double minGap = std::log(uMax * 1.5 / (uMin / 1.5)) / 12.0;
    double lastKept = 0;
    for (int64_t u : us)
        if (lastKept == 0 || std::log(double(u) / lastKept) >= minGap) {
            unitTicks->addTick(double(u), QString::number(u));
            lastKept = double(u);
        }
    m_plot->xAxis->setTicker(unitTicks);
    if (hi > 0) {
        m_plot->yAxis->setRange(lo / 2, hi * 2);
        // 1-2-5 ticks on the log axis: over less than a couple of decades a log ticker falls back
        // to linear steps (0.5, 1, 1.5, 2, 2.5 crowded at the top); over many, powers of 10 only.
        auto timeTicks = QSharedPointer<QCPAxisTickerText>::create();
        std::vector<double> values;
        for (int e = int(std::floor(std::log10(lo / 2))); e <= int(std::ceil(std::log10(hi * 2))); ++e)
            for (double m : {1.0, 2.0, 5.0})
                if (const double v = m * std::pow(10.0, e); v >= lo / 2 && v <= hi * 2)
                    values.push_back(v);
        const bool decadesOnly = values.size() > 9;
        for (double v : values)
            if (!decadesOnly || std::abs(std::log10(v) - std::round(std::log10(v))) < 1e-9)
                timeTicks->addTick(v, QString::number(v, 'g', 3));
        m_plot->yAxis->setTicker(timeTicks);
    }
    // The crossover of this (T, B).
    QString cross;
    for (const SweepCrossover& x : m_result.crossovers) {
        if (x.T != m_T || x.B != m_B)
            continue;
        if (x.fromU) {
            auto* line = new QCPItemStraightLine(m_plot);
            line->point1->setCoords(double(*x.fromU), 1);
            line->point2->setCoords(double(*x.fromU), 10);
            line->setPen(QPen(QColor(0x2c, 0xa0, 0x2c), 1.5, Qt::DashLine));
            cross = tr("%1 beats cpu from U = %2 (dashed line)").arg(QString::fromStdString(x.gpuBackend)).arg(*x.fromU);
        } else {
            cross = tr("no crossover: %1").arg(QString::fromStdString(x.note));
        }
    }
    int eligible = 0;
    for (const SweepPoint& p : m_result.points)
        eligible += p.cudnnEligible ? 1 : 0;
    const QString features = m_result.spec.features > 0 ? QString::number(m_result.spec.features) : tr("U");
    const QString cancelled = m_result.cancelled ? tr(" · cancelled: the grid is incomplete") : QString();
    m_title->setText(tr("T = %1, B = %2, I = %3 · %4 · Keras would take cuDNN for %5 of %6 points on a GPU machine%7")
                         .arg(QString::number(m_T), QString::number(m_B), features, cross, QString::number(eligible),
                              QString::number(m_result.points.size()), cancelled));
    m_plot->replot();
}

std::vector<ShownData> SweepView::exportData() const
{
    ShownData d;
    d.name = QStringLiteral("sweep");
    d.columns = 8;
    d.columnNames = {QStringLiteral("T"), QStringLiteral("B"), QStringLiteral("U"), QStringLiteral("I"), QStringLiteral("backend"),
                     QStringLiteral("ran"), QStringLiteral("median_ms"), QStringLiteral("cudnn_eligible")};
    for (const SweepPoint& p : m_result.points) {
        // The backend as its enum number (the table is numeric); the names are in the column's order cpu=1,
        // reference=2, cudnn=3, cuda=4 (BackendKind).
        d.values.insert(d.values.end(), {double(p.T), double(p.B), double(p.U), double(p.I), double(int(p.backend)),
                                         p.ran ? 1.0 : 0.0, p.ran ? p.medianMs : std::nan(""), p.cudnnEligible ? 1.0 : 0.0});
        ++d.rows;
    }
    return {d};
}

} // namespace gsui
