#include "plots/diff_view.h"

#include "model/run_request.h"
#include "plots/color_scales.h"
#include "plots/legend_placement.h"
#include "plots/plot_theme.h"

#include "gruscope/error.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <cmath>

namespace gsui {

using namespace gruscope;

namespace {

QString num(double v) { return QString::number(v, 'g', 4); }

// Δ = B − A of one tensor into a colour map: columns are the 3U gate columns, rows the tensor's
// rows (inputs for the kernel, units for the recurrent kernel). Returns the largest |Δ|.
double fillDelta(QCPColorMap* map, const ArrayF& a, const ArrayF& b)
{
    const int64_t rows = a.shape.at(0), cols = a.shape.at(1);
    map->data()->setSize(int(cols), int(rows));
    // The data range runs over cell centres; one row (a kernel of one input) would make it empty
    // and QCustomPlot would draw nothing, so it is given its cell's width. The axes show whole
    // cells: the edge ones are not cut in half.
    map->data()->setRange(cols > 1 ? QCPRange(0, double(cols - 1)) : QCPRange(-0.5, 0.5),
                          rows > 1 ? QCPRange(0, double(rows - 1)) : QCPRange(-0.5, 0.5));
    map->keyAxis()->setRange(-0.5, double(cols) - 0.5);
    map->valueAxis()->setRange(-0.5, double(rows) - 0.5);
    double most = 0;
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) {
            const double d = double(b.data[size_t(r * cols + c)]) - double(a.data[size_t(r * cols + c)]);
            map->data()->setCell(int(c), int(r), d);
            if (std::isfinite(d))
                most = std::max(most, std::fabs(d));
        }
    return most;
}

} // namespace

DiffView::DiffView(Document* doc, QWidget* parent) : QWidget(parent), m_doc(doc)
{
    m_summary = new QLabel(this);
    m_summary->setWordWrap(true);
    m_blocks = new QTableWidget(this);
    m_blocks->setColumnCount(5);
    m_blocks->setHorizontalHeaderLabels({tr("block"), tr("max |Δ|"), tr("‖Δ‖ / ‖A‖"), tr("changed"), tr("sign flips")});
    m_blocks->verticalHeader()->setVisible(false);
    m_blocks->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_units = new QListWidget(this);
    m_units->setToolTip(tr("The units whose weights moved most (the norm of Δ over the three columns that feed the unit's "
                           "gates). Click one to select it everywhere."));
    m_plot = new QCustomPlot(this);
    m_plot->setMinimumSize(320, 360);
    m_plot->plotLayout()->clear();
    auto* kRect = new QCPAxisRect(m_plot);
    auto* rRect = new QCPAxisRect(m_plot);
    auto* oRect = new QCPAxisRect(m_plot);
    m_plot->plotLayout()->addElement(0, 0, kRect);
    m_plot->plotLayout()->addElement(1, 0, rRect);
    m_plot->plotLayout()->addElement(2, 0, oRect);
    auto* scale = new QCPColorScale(m_plot);
    m_plot->plotLayout()->addElement(0, 1, scale);
    scale->setLabel(tr("Δ = B − A"));
    m_kernel = new QCPColorMap(kRect->axis(QCPAxis::atBottom), kRect->axis(QCPAxis::atLeft));
    m_recurrent = new QCPColorMap(rRect->axis(QCPAxis::atBottom), rRect->axis(QCPAxis::atLeft));
    for (QCPColorMap* map : {m_kernel, m_recurrent}) {
        map->setColorScale(scale);
        map->setGradient(signedGradient());
        map->setInterpolate(false);
    }
    kRect->axis(QCPAxis::atLeft)->setLabel(tr("Δ kernel · input"));
    rRect->axis(QCPAxis::atLeft)->setLabel(tr("Δ recurrent · unit"));
    for (QCPAxisRect* r : {kRect, rRect}) {
        r->axis(QCPAxis::atLeft)->setRangeReversed(true);
        // Rows and columns are whole numbers: no ticks between them.
        for (QCPAxis* axis : {r->axis(QCPAxis::atLeft), r->axis(QCPAxis::atBottom)}) {
            QSharedPointer<QCPAxisTickerFixed> whole(new QCPAxisTickerFixed);
            whole->setTickStep(1);
            whole->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
            axis->setTicker(whole);
        }
        r->axis(QCPAxis::atBottom)->setLabel(tr("gate column: z | r | h blocks of U each"));
    }
    oRect->axis(QCPAxis::atBottom)->setLabel(tr("processing step"));
    oRect->axis(QCPAxis::atLeft)->setLabel(tr("h of the unit"));
    m_margins = new QCPMarginGroup(m_plot); // owned by the plot
    for (QCPAxisRect* r : {kRect, rRect, oRect})
        r->setMarginGroup(QCP::msLeft | QCP::msRight, m_margins);
    QCPGraph* a = m_plot->addGraph(oRect->axis(QCPAxis::atBottom), oRect->axis(QCPAxis::atLeft));
    a->setName(tr("A (the window's model)"));
    a->setPen(QPen(QColor(0x1f, 0x77, 0xb4), 2));
    QCPGraph* b = m_plot->addGraph(oRect->axis(QCPAxis::atBottom), oRect->axis(QCPAxis::atLeft));
    b->setName(tr("B"));
    b->setPen(QPen(QColor(0xd6, 0x27, 0x28), 2, Qt::DashLine));
    auto* legend = new QCPLegend;
    oRect->insetLayout()->addElement(legend, Qt::AlignTop | Qt::AlignRight);
    legend->setLayer(QStringLiteral("legend"));
    legend->addItem(new QCPPlottableLegendItem(legend, a));
    legend->addItem(new QCPPlottableLegendItem(legend, b));
    keepLegendOffTheData(m_plot, oRect, legend);

    auto* left = new QSplitter(Qt::Vertical, this);
    left->addWidget(m_blocks);
    left->addWidget(m_units);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(left);
    split->addWidget(m_plot);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 2);
    // The block table needs its five columns readable from the start (a splitter otherwise gives
    // the left side only what its minimum size asks).
    split->setSizes({340, 680});
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(split, 1);

    connect(m_units, &QListWidget::itemClicked, this, [this](QListWidgetItem* item) {
        if (item->data(Qt::UserRole).isValid())
            m_doc->setSelectedUnit(item->data(Qt::UserRole).toInt());
    });
    connect(m_doc, &Document::weightsChanged, this, &DiffView::recompute);
    connect(m_doc, &Document::modelReplaced, this, [this] {
        m_other.reset(); // another model: B no longer belongs to it
        m_otherRun.reset();
        recompute();
    });
    // B follows the window's input: run it again when A's run used another input.
    connect(m_doc, &Document::resultChanged, this, [this] {
        const auto r = m_doc->result();
        if (m_other && r && (!m_otherRun || m_otherRun->x.shape != r->x.shape || m_otherRun->x.data != r->x.data ||
                             m_otherRun->config != r->config))
            runOther();
        drawOverlay();
    });
    connect(m_doc, &Document::unitChanged, this, &DiffView::drawOverlay);
    connect(&m_watcher, &QFutureWatcher<std::shared_ptr<RunOutcome>>::finished, this, [this] {
        m_otherRun = m_watcher.result();
        drawOverlay();
    });
    applyPlotTheme(m_plot, palette());
    recompute();
}

void DiffView::setOther(GruWeights weights, const QString& label)
{
    m_other = std::make_shared<const GruWeights>(std::move(weights));
    m_label = label;
    m_otherRun.reset();
    recompute();
    runOther();
}

QString DiffView::summaryText() const { return m_summary->text(); }

void DiffView::recompute()
{
    m_diff.reset();
    m_blocks->setRowCount(0);
    m_units->clear();
    const auto a = m_doc->weights();
    if (!m_other || !a) {
        m_summary->setText(tr("File ▸ Compare weights with… opens a second file (or the same file before your edits) and "
                              "shows how its weights differ from the window's model."));
        showComparison(false);
        return;
    }
    try {
        m_diff = diffWeights(*a, *m_other, 0.0, 10);
    } catch (const Error& e) {
        // The engine's message starts "cannot compare weights of different shapes: …".
        QString why = QString::fromUtf8(e.what());
        if (!why.isEmpty())
            why[0] = why[0].toUpper();
        m_summary->setText(tr("A: the window's model; B: %1.\n%2.\nFile ▸ Compare weights with… can take another layer "
                              "or file.")
                               .arg(m_label, why));
        showComparison(false);
        return;
    }
    showComparison(true);
    int64_t changed = 0, flips = 0, count = 0;
    m_blocks->setRowCount(int(m_diff->blocks.size()));
    for (int row = 0; row < int(m_diff->blocks.size()); ++row) {
        const BlockDiff& d = m_diff->blocks[size_t(row)];
        changed += d.changed;
        flips += d.signFlips;
        count += d.count;
        const QStringList cells{QString::fromStdString(d.name), num(d.maxAbs), num(d.relNorm), QString::number(d.changed),
                                QString::number(d.signFlips)};
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            if (c > 0)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_blocks->setItem(row, c, item);
        }
    }
    m_blocks->resizeColumnsToContents();
    for (const UnitChange& u : m_diff->mostChanged) {
        if (u.norm <= 0)
            continue; // an unchanged unit is not "most changed"
        auto* item = new QListWidgetItem(tr("unit %1 · ‖Δ‖ %2").arg(u.unit).arg(num(u.norm)), m_units);
        item->setData(Qt::UserRole, int(u.unit));
    }
    if (m_units->count() == 0) {
        auto* none = new QListWidgetItem(tr("no unit's weights changed"), m_units);
        none->setFlags(Qt::NoItemFlags);
    }
    m_summary->setText(m_diff->identical
                           ? tr("A: the window's model; B: %1. Identical: every weight is the same.").arg(m_label)
                           : tr("A: the window's model; B: %1. %2 of %3 weights differ, %4 changed sign.")
                                 .arg(m_label)
                                 .arg(changed)
                                 .arg(count)
                                 .arg(flips));
    const double most = std::max(fillDelta(m_kernel, a->kernel, m_other->kernel), fillDelta(m_recurrent, a->recurrentKernel, m_other->recurrentKernel));
    const double edge = most > 0 ? most : 1.0;
    m_kernel->setDataRange(QCPRange(-edge, edge));
    m_recurrent->setDataRange(QCPRange(-edge, edge));
    drawOverlay();
}

void DiffView::showComparison(bool shown)
{
    // Without two comparable models the table, the list and the plots would be empty frames with
    // placeholder axes: the summary line says why instead.
    if (!shown) {
        m_kernel->data()->clear();
        m_recurrent->data()->clear();
        for (int g = 0; g < m_plot->graphCount(); ++g)
            m_plot->graph(g)->data()->clear();
        m_plot->replot();
    }
    for (QWidget* w : {static_cast<QWidget*>(m_blocks), static_cast<QWidget*>(m_units), static_cast<QWidget*>(m_plot)})
        w->setVisible(shown);
}

void DiffView::runOther()
{
    if (!m_other || m_watcher.isRunning() || !m_doc->configValid())
        return;
    RunRequest rq = makeRunRequest(*m_doc);
    rq.weights = m_other;
    rq.backend = BackendKind::Cpu;
    m_watcher.setFuture(QtConcurrent::run([rq]() -> std::shared_ptr<RunOutcome> {
        try {
            return executeRun(rq, nullptr);
        } catch (const std::exception&) {
            return nullptr; // B cannot run on this input (its shapes no longer fit): no overlay
        }
    }));
}

namespace {

std::vector<double> unitTrace(const std::shared_ptr<const RunOutcome>& r, int sample, int unit)
{
    std::vector<double> out;
    if (!r || unit < 0 || unit >= r->U)
        return out;
    const int slot = r->traceSlot(sample);
    if (slot < 0)
        return out;
    for (int64_t s = r->result.trace.stepBegin; s < r->result.trace.stepEnd; ++s)
        out.push_back(r->traced(r->result.trace.h, slot, s, unit));
    return out;
}

} // namespace

std::vector<double> DiffView::overlayA() const
{
    return unitTrace(m_doc->result(), m_doc->selectedSample(), std::max(0, m_doc->selectedUnit()));
}

std::vector<double> DiffView::overlayB() const
{
    return unitTrace(m_otherRun, m_doc->selectedSample(), std::max(0, m_doc->selectedUnit()));
}

void DiffView::drawOverlay()
{
    const std::vector<double> a = m_other ? overlayA() : std::vector<double>{}, b = overlayB();
    for (int g = 0; g < 2; ++g) {
        const std::vector<double>& v = g == 0 ? a : b;
        QVector<double> x(qsizetype(v.size())), y(qsizetype(v.size()));
        for (size_t i = 0; i < v.size(); ++i) {
            x[qsizetype(i)] = double(i);
            y[qsizetype(i)] = v[i];
        }
        m_plot->graph(g)->setData(x, y, true);
    }
    m_plot->graph(0)->rescaleAxes();
    m_plot->graph(1)->rescaleAxes(true);
    m_plot->graph(0)->setName(tr("A: unit %1 (the window's model)").arg(std::max(0, m_doc->selectedUnit())));
    m_plot->graph(1)->setName(tr("B: %1").arg(m_label));
    m_plot->replot();
}

std::vector<ShownData> DiffView::exportData() const
{
    std::vector<ShownData> out;
    if (!m_diff)
        return out;
    ShownData d;
    d.name = QStringLiteral("weight_diff");
    d.columns = 4;
    d.columnNames = {QStringLiteral("max_abs"), QStringLiteral("rel_norm"), QStringLiteral("changed"), QStringLiteral("sign_flips")};
    for (const BlockDiff& b : m_diff->blocks) {
        d.values.insert(d.values.end(), {b.maxAbs, b.relNorm, double(b.changed), double(b.signFlips)});
        d.rowNames << QString::fromStdString(b.name);
        ++d.rows;
    }
    out.push_back(std::move(d));
    return out;
}

} // namespace gsui
