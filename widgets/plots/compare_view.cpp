#include "plots/compare_view.h"

#include "model/engine_qt.h"
#include "plots/plot_theme.h"

#include "gruscope/device.h"
#include "gruscope/error.h"

#include <qcustomplot.h>

#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QScrollBar>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace gsui {

using namespace gruscope;

namespace {

constexpr double kLogFloor = 1e-10;     // exact agreement drawn here on the log axis
const QColor kBackendColor[] = {QColor(31, 119, 180), QColor(214, 39, 40), QColor(148, 103, 189)};

QString ms(double seconds)
{
    if (std::isnan(seconds))
        return QStringLiteral("—");
    const double v = seconds * 1e3;
    return QString::number(v, 'f', v < 1 ? 3 : v < 100 ? 2 : 1);
}

QString sci(double v)
{
    if (std::isnan(v))
        return QStringLiteral("—");
    if (std::isinf(v))
        return QStringLiteral("∞ (NaN on one side)");
    if (v == 0)
        return QStringLiteral("0 (identical)");
    return QString::number(v, 'e', 2);
}

} // namespace

CompareView::CompareView(Document* doc, QWidget* parent) : QWidget(parent), m_doc(doc)
{
    m_run = new QPushButton(tr("Compare backends"), this);
    m_run->setObjectName(QStringLiteral("runCompare"));
    m_run->setToolTip(tr("Run the current input on every backend of this machine and compare each with the float64 "
                         "reference"));
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("cancelCompare"));
    m_cancel->setEnabled(false);
    m_repeats = new QSpinBox(this);
    m_repeats->setObjectName(QStringLiteral("compareRepeats"));
    m_repeats->setRange(1, 100);
    m_repeats->setValue(5);
    m_repeats->setToolTip(tr("Runs per backend; the table shows the median time"));

    m_gpuLine = new QLabel(this);
    m_gpuLine->setWordWrap(true);
    m_gpuLine->setObjectName(QStringLiteral("gpuStatus"));
    m_gpuLine->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setObjectName(QStringLiteral("compareStatus"));
    m_staleLine = new QLabel(this);
    m_staleLine->setObjectName(QStringLiteral("compareStale"));
    m_staleLine->setWordWrap(true);
    m_staleLine->setStyleSheet(QStringLiteral("QLabel { background: #fff3c4; color: #5a4500; padding: 4px; "
                                              "border: 1px solid #e0c060; border-radius: 3px; }"));
    m_staleLine->setText(tr("The inputs changed after this comparison: the numbers below are for the previous inputs. "
                            "<a href=\"rerun\">Re-run the comparison</a>"));
    m_staleLine->setVisible(false);
    connect(m_staleLine, &QLabel::linkActivated, this, [this] { runComparison(m_repeats->value()); });

    const DeviceInfo& dev = probeDevice();
    if (dev.present)
        m_gpuLine->setText(tr("GPU: %1 (compute %2.%3), CUDA driver %4, cuDNN %5 — cudnn is compared too.")
                               .arg(qs(dev.name))
                               .arg(dev.computeMajor)
                               .arg(dev.computeMinor)
                               .arg(qs(cudaVersionString(dev.driverVersion)))
                               .arg(qs(cudnnVersionString(dev.cudnnVersion))));
    else
        m_gpuLine->setText(tr("No cudnn comparison: %1. cpu (float32) is still compared with reference (float64).")
                               .arg(qs(dev.reason)));

    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("comparePlot"));
    m_plot->setMinimumSize(360, 240);
    m_plot->setAutoAddPlottableToLegend(false);
    m_plot->plotLayout()->clear();
    for (int k = 0; k < 2; ++k) {
        auto* rect = new QCPAxisRect(m_plot);
        m_plot->plotLayout()->addElement(0, k, rect);
        QCPAxis* y = rect->axis(QCPAxis::atLeft);
        y->setScaleType(QCPAxis::stLogarithmic);
        y->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
        y->setNumberFormat(QStringLiteral("eb"));
        y->setNumberPrecision(0);
        y->setRange(1e-9, 1e-5);
        y->setLabel(k == 0 ? tr("max |Δh| vs reference (float64)") : QString());
        rect->axis(QCPAxis::atBottom)->setLabel(k == 0 ? tr("processing step (over units and samples)")
                                                       : tr("unit (over steps and samples)"));
        rect->axis(QCPAxis::atBottom)->setRange(0, 1);
        // Steps and units are whole numbers.
        auto whole = QSharedPointer<QCPAxisTickerFixed>::create();
        whole->setTickStep(1.0);
        whole->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
        rect->axis(QCPAxis::atBottom)->setTicker(whole);
    }
    auto* legend = new QCPLegend;
    m_plot->axisRects().first()->insetLayout()->addElement(legend, Qt::AlignTop | Qt::AlignLeft);
    legend->setLayer(QStringLiteral("legend"));
    legend->setVisible(false);
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 0.85);
    legend->setFont(f);
    legend->setRowSpacing(0);
    m_plot->legend = legend;

    m_table = new QTableWidget(this);
    m_table->setObjectName(QStringLiteral("compareTable"));
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->setVisible(false);
    m_table->setWordWrap(false);
    m_table->setMaximumHeight(120); // grows to its rows once there are results

    auto* top = new QHBoxLayout;
    top->addWidget(m_run);
    top->addWidget(new QLabel(tr("runs per backend:"), this));
    top->addWidget(m_repeats);
    top->addWidget(m_cancel);
    top->addStretch(1);

    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_plot);
    split->addWidget(m_table);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    split->setChildrenCollapsible(false);

    auto* lay = new QVBoxLayout(this);
    lay->setContentsMargins(4, 4, 4, 4);
    lay->addLayout(top);
    lay->addWidget(m_gpuLine);
    lay->addWidget(m_staleLine);
    lay->addWidget(m_status);
    lay->addWidget(split, 1);

    m_status->setText(tr("Press “Compare backends” to run the current input on every backend and see how far each is "
                         "from the float64 reference."));

    connect(m_run, &QPushButton::clicked, this, [this] { runComparison(m_repeats->value()); });
    connect(m_cancel, &QPushButton::clicked, this, &CompareView::cancel);
    connect(doc, &Document::runInputsChanged, this, [this] {
        ++m_inputsGeneration;
        if (m_result || running())
            setStale(true);
    });

    // The comparison runs as the runner's job: snapshot at start, compare on a worker, show the
    // result only if nothing cancelled it.
    m_runner.setFactory([this](quint64 id) -> JobRunner::Work {
        auto where = std::make_shared<ComparisonProgress>();
        m_where = where;
        m_startedAtInputs = m_inputsGeneration;
        return [this, id, where, repeats = m_repeats->value(),
                requests = comparisonRequests(*m_doc)](CallProgress& call) -> JobRunner::Deliver {
            std::shared_ptr<ComparisonResult> r = compareBackends(requests, repeats, call, where.get());
            r->generation = id;
            return [this, r] { onCompared(r); };
        };
    });
    connect(&m_runner, &JobRunner::started, this, [this] {
        m_run->setEnabled(false);
        m_cancel->setEnabled(true);
        m_status->setText(tr("Comparing…"));
    });
    connect(&m_runner, &JobRunner::progress, this, &CompareView::showProgress);
    connect(&m_runner, &JobRunner::cancelled, this, [this] {
        endRun();
        m_status->setText(m_result ? tr("Cancelled; the previous comparison is still shown.") : tr("Cancelled."));
        emit finished(false, tr("cancelled"));
    });
    connect(&m_runner, &JobRunner::failed, this, [this](quint64, const QString& message) {
        endRun();
        m_status->setText(tr("Comparison failed: %1").arg(message));
        emit finished(false, m_status->text());
    });
    applyPlotTheme(m_plot, palette());
}

QString CompareView::gpuStatus() const
{
    const DeviceInfo& dev = probeDevice();
    return dev.present ? QString() : qs(dev.reason);
}

void CompareView::runComparison(int repeats)
{
    if (running())
        return;
    m_repeats->setValue(repeats);
    if (!m_doc->configValid()) {
        QStringList lines;
        for (const auto& i : m_doc->configIssues())
            lines << qs(i.message());
        const QString msg = tr("Cannot compare: the arguments are invalid (%1).").arg(lines.join(QStringLiteral("; ")));
        m_status->setText(msg);
        emit finished(false, msg);
        return;
    }
    m_runner.runNow();
}

void CompareView::cancel()
{
    if (!running())
        return;
    m_runner.cancel();
    m_status->setText(tr("Cancelling…"));
}

void CompareView::showProgress(qint64 done, qint64 total)
{
    if (!m_where || !running())
        return;
    const int k = m_where->backend, n = m_where->backends;
    static const char* const names[] = {"reference", "cpu", "cudnn"};
    m_status->setText(tr("Running %1 (backend %2 of %3), run %4 of %5%6")
                          .arg(QString::fromLatin1(names[std::clamp(k, 0, 2)]))
                          .arg(k + 1)
                          .arg(n)
                          .arg(m_where->repeat.load() + 1)
                          .arg(m_where->repeats.load())
                          .arg(total > 0 ? tr(" — step %1 of %2").arg(done).arg(total) : QString()));
}

void CompareView::endRun()
{
    m_run->setEnabled(true);
    m_cancel->setEnabled(false);
}

void CompareView::onCompared(std::shared_ptr<const ComparisonResult> r)
{
    endRun();
    if (!r->error.isEmpty()) {
        m_status->setText(tr("Comparison failed: %1").arg(r->error));
        emit finished(false, r->error);
        return;
    }
    m_result = std::move(r);
    setStale(m_inputsGeneration != m_startedAtInputs);
    showResult();
    emit finished(true, QString());
}

void CompareView::setStale(bool stale)
{
    m_stale = stale;
    m_staleLine->setVisible(stale && (m_result || running()));
}

QStringList CompareView::backendsCompared() const
{
    QStringList out;
    if (m_result)
        for (const auto& b : m_result->backends)
            if (b.outcome)
                out << b.backend;
    return out;
}

double CompareView::maxAbsDelta(const QString& backend) const
{
    if (m_result)
        for (const auto& b : m_result->backends)
            if (b.backend == backend && b.outcome)
                return b.maxDelta;
    return std::numeric_limits<double>::quiet_NaN();
}

double CompareView::maxAbsOutputDelta(const QString& backend) const
{
    if (m_result)
        for (const auto& b : m_result->backends)
            if (b.backend == backend && b.outcome)
                return b.maxOutputDelta;
    return std::numeric_limits<double>::quiet_NaN();
}

void CompareView::showResult()
{
    const ComparisonResult& r = *m_result;
    const BackendComparison& ref = r.backends.front();

    // ---- plots ----
    m_plot->clearPlottables();
    m_plot->clearItems();
    const auto rects = m_plot->axisRects();
    QCPAxisRect* perStep = rects.value(0);
    QCPAxisRect* perUnit = rects.value(1);
    m_plot->legend->clearItems();
    double lo = 1e300, hi = 0;
    int64_t maxSteps = 1, maxUnits = 1;
    bool anyZero = false;
    int colour = 0;
    auto addGraph = [&](QCPAxisRect* rect, const QString& name, const std::vector<double>& v, double x0,
                        const QColor& c, Qt::PenStyle style) {
        QVector<double> keys, values;
        for (size_t i = 0; i < v.size(); ++i) {
            keys << x0 + double(i);
            // Exact agreement has no logarithm: it sits on the floor, which the status line names.
            double y = v[i];
            if (std::isinf(y))
                y = 1e3;
            if (!(y > 0)) {
                anyZero = true;
                y = kLogFloor;
            }
            values << y;
            lo = std::min(lo, y);
            hi = std::max(hi, y);
        }
        auto* g = new QCPGraph(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
        g->setName(name);
        g->setPen(QPen(c, style == Qt::SolidLine ? 1.8 : 1.2, style));
        g->setLineStyle(v.size() > 1 ? QCPGraph::lsLine : QCPGraph::lsNone);
        g->setScatterStyle(v.size() <= 64 ? QCPScatterStyle(QCPScatterStyle::ssCircle, 4) : QCPScatterStyle());
        g->setData(keys, values, true);
        return g;
    };
    for (size_t k = 1; k < r.backends.size(); ++k) {
        const BackendComparison& b = r.backends[k];
        const QColor c = kBackendColor[colour++ % 3];
        if (!b.outcome)
            continue;
        if (!b.deltaPerStep.empty()) {
            auto* g = addGraph(perStep, tr("%1: h (trace)").arg(b.backend), b.deltaPerStep, double(r.traceStepBegin), c,
                               Qt::SolidLine);
            g->addToLegend(m_plot->legend);
            maxSteps = std::max<int64_t>(maxSteps, r.traceStepBegin + int64_t(b.deltaPerStep.size()));
        }
        if (!b.outputDeltaPerStep.empty()) {
            auto* g = addGraph(perStep, tr("%1: output (vs float64)").arg(b.backend), b.outputDeltaPerStep, 0, c,
                               Qt::DashLine);
            g->addToLegend(m_plot->legend);
            maxSteps = std::max<int64_t>(maxSteps, int64_t(b.outputDeltaPerStep.size()));
        }
        if (!b.deltaPerUnit.empty()) {
            addGraph(perUnit, tr("%1: h per unit").arg(b.backend), b.deltaPerUnit, 0, c, Qt::SolidLine);
            maxUnits = std::max<int64_t>(maxUnits, int64_t(b.deltaPerUnit.size()));
        }
    }
    m_plot->legend->setVisible(m_plot->legend->itemCount() > 0);
    // The 1e-6 line of the table's "first step over" column.
    auto* threshold = new QCPItemStraightLine(m_plot);
    threshold->setClipAxisRect(perStep);
    threshold->point1->setAxes(perStep->axis(QCPAxis::atBottom), perStep->axis(QCPAxis::atLeft));
    threshold->point2->setAxes(perStep->axis(QCPAxis::atBottom), perStep->axis(QCPAxis::atLeft));
    threshold->point1->setCoords(0, kFirstStepThreshold);
    threshold->point2->setCoords(1, kFirstStepThreshold);
    threshold->setPen(QPen(QColor(128, 128, 128), 1, Qt::DotLine));
    if (hi <= 0) {
        lo = 1e-9;
        hi = 1e-5;
    }
    const double yLo = std::pow(10.0, std::floor(std::log10(std::min(lo, kFirstStepThreshold))) - 0.3);
    const double yHi = std::pow(10.0, std::ceil(std::log10(std::max(hi, kFirstStepThreshold))) + 0.3);
    for (QCPAxisRect* rect : {perStep, perUnit}) {
        rect->axis(QCPAxis::atLeft)->setRange(yLo, yHi);
    }
    perStep->axis(QCPAxis::atBottom)->setRange(-0.5, double(std::max<int64_t>(maxSteps, 1)) - 0.5);
    perUnit->axis(QCPAxis::atBottom)->setRange(-0.5, double(std::max<int64_t>(maxUnits, 1)) - 0.5);
    applyPlotTheme(m_plot, palette());
    m_plot->replot(QCustomPlot::rpQueuedReplot);

    // ---- table ----
    const QStringList headers = {tr("backend"),
                                 tr("forward\nmedian (ms)"),
                                 tr("forward\nmin – max (ms)"),
                                 tr("whole call\nmedian (ms)"),
                                 tr("max |Δh|\nvs reference"),
                                 tr("max |Δ output|\nvs float64"),
                                 tr("first step\n|Δh| > 1e-6"),
                                 tr("output error\n(float32 ULPs)")};
    m_table->clear();
    m_table->clearSpans();
    m_table->setColumnCount(int(headers.size()));
    m_table->setHorizontalHeaderLabels(headers);
    m_table->setRowCount(int(r.backends.size()));
    m_table->horizontalHeaderItem(1)->setToolTip(tr("RunResult::seconds: the backend's forward pass alone (gate "
                                                    "tracing on; GPU transfers not included)"));
    m_table->horizontalHeaderItem(3)->setToolTip(tr("The whole call on the worker: layer construction, input copies, "
                                                    "transfers and the forward pass"));
    m_table->horizontalHeaderItem(7)->setToolTip(tr("max |Δ output| in float32 ULPs of the output's largest "
                                                    "magnitude (the float64 reference's), i.e. the relative error "
                                                    "at the output's scale"));
    for (int row = 0; row < int(r.backends.size()); ++row) {
        const BackendComparison& b = r.backends[size_t(row)];
        const bool isRef = row == 0;
        QStringList cells;
        if (!b.outcome) {
            cells = {b.backend, tr("failed: %1").arg(b.error)};
        } else {
            const auto [mn, mx] = std::minmax_element(b.forwardSeconds.begin(), b.forwardSeconds.end());
            cells = {b.backend + (isRef ? tr(" (float64)") : QString()),
                     ms(medianOf(b.forwardSeconds)),
                     ms(*mn) + QStringLiteral(" – ") + ms(*mx),
                     ms(medianOf(b.wallSeconds)),
                     isRef ? tr("— (the reference)") : sci(b.maxDelta),
                     isRef ? QStringLiteral("—") : sci(b.maxOutputDelta),
                     isRef ? QStringLiteral("—")
                           : (b.deltaPerStep.empty() ? QStringLiteral("—")
                              : b.firstStepOver < 0  ? tr("none")
                                                     : QString::number(b.firstStepOver)),
                     isRef || std::isnan(b.maxUlps) ? QStringLiteral("—") : QString::number(b.maxUlps, 'f', 1)};
        }
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            if (c > 0 && b.outcome)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (!b.outcome)
                item->setForeground(QColor(200, 40, 40));
            m_table->setItem(row, c, item);
        }
        if (!b.outcome)
            m_table->setSpan(row, 1, 1, int(headers.size()) - 1);
    }
    m_table->resizeColumnsToContents();
    // As tall as its rows, so that the plots get the rest of the panel.
    int h = m_table->horizontalHeader()->sizeHint().height() + 2 * m_table->frameWidth() + 4;
    for (int row = 0; row < m_table->rowCount(); ++row)
        h += m_table->rowHeight(row);
    if (m_table->horizontalScrollBar()->isVisible() ||
        m_table->horizontalHeader()->length() > m_table->viewport()->width())
        h += m_table->horizontalScrollBar()->sizeHint().height();
    m_table->setMaximumHeight(h);

    QStringList status;
    status << tr("%1 runs per backend; input %2 × %3 × %4, %5 units.")
                  .arg(r.repeats)
                  .arg(ref.outcome->B)
                  .arg(ref.outcome->T)
                  .arg(ref.outcome->I)
                  .arg(ref.outcome->U);
    if (anyZero)
        status << tr("Exact agreement (Δ = 0) is drawn at %1.").arg(kLogFloor, 0, 'g', 2);
    status << tr("The reference's trace is stored in float32, so Δh below half a float32 ULP reads as 0.");
    status << r.notes;
    m_status->setText(status.join(QLatin1Char(' ')));
}

std::vector<ShownData> CompareView::exportData() const
{
    std::vector<ShownData> out;
    if (!m_result)
        return out;
    const ComparisonResult& r = *m_result;
    ShownData steps, units, timing;
    steps.name = QStringLiteral("delta_h_per_step");
    units.name = QStringLiteral("delta_h_per_unit");
    std::vector<const BackendComparison*> compared;
    for (size_t k = 1; k < r.backends.size(); ++k)
        if (r.backends[k].outcome && !r.backends[k].deltaPerStep.empty())
            compared.push_back(&r.backends[k]);
    if (!compared.empty()) {
        steps.rows = int64_t(compared.front()->deltaPerStep.size());
        units.rows = int64_t(compared.front()->deltaPerUnit.size());
        steps.columns = units.columns = int64_t(compared.size());
        for (const auto* b : compared) {
            steps.columnNames << b->backend;
            units.columnNames << b->backend;
        }
        steps.values.resize(size_t(steps.rows * steps.columns));
        units.values.resize(size_t(units.rows * units.columns));
        for (int64_t i = 0; i < steps.rows; ++i) {
            steps.rowNames << QString::number(r.traceStepBegin + i);
            for (size_t c = 0; c < compared.size(); ++c)
                steps.values[size_t(i) * compared.size() + c] = compared[c]->deltaPerStep[size_t(i)];
        }
        for (int64_t i = 0; i < units.rows; ++i) {
            units.rowNames << QString::number(i);
            for (size_t c = 0; c < compared.size(); ++c)
                units.values[size_t(i) * compared.size() + c] = compared[c]->deltaPerUnit[size_t(i)];
        }
        out.push_back(steps);
        out.push_back(units);
    }
    timing.name = QStringLiteral("backend_timings");
    timing.columnNames = {QStringLiteral("forward_median_ms"), QStringLiteral("forward_min_ms"),
                          QStringLiteral("forward_max_ms"),    QStringLiteral("call_median_ms"),
                          QStringLiteral("max_abs_delta_h"),   QStringLiteral("max_abs_delta_output"),
                          QStringLiteral("first_step_over_1e-6"), QStringLiteral("output_ulps")};
    timing.columns = timing.columnNames.size();
    for (const auto& b : r.backends) {
        if (!b.outcome)
            continue;
        const auto [mn, mx] = std::minmax_element(b.forwardSeconds.begin(), b.forwardSeconds.end());
        timing.rowNames << b.backend;
        for (double v : {medianOf(b.forwardSeconds) * 1e3, *mn * 1e3, *mx * 1e3, medianOf(b.wallSeconds) * 1e3, b.maxDelta,
                         b.maxOutputDelta, double(b.firstStepOver), b.maxUlps})
            timing.values.push_back(v);
        ++timing.rows;
    }
    out.push_back(timing);
    return out;
}

void CompareView::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange)
        applyPlotTheme(m_plot, palette());
    QWidget::changeEvent(event);
}

} // namespace gsui
