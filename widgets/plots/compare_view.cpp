#include "plots/compare_view.h"

#include "model/engine_qt.h"
#include "plots/legend_placement.h"
#include "plots/plot_theme.h"

#include "gruscope/device.h"

#include <qcustomplot.h>

#include <QComboBox>
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

constexpr double kLogFloor = 1e-10; // exact agreement drawn here on the log axis

// The table's columns.
enum Column { ColBackend, ColCall, ColMin, ColCopies, ColDevice, ColOutput, ColState, ColH, ColFirst, ColWorst, ColUlps, ColGates, ColCount };

// One colour per backend, the same in every comparison.
QColor backendColor(BackendKind kind)
{
    switch (kind) {
    case BackendKind::Cudnn: return QColor(44, 160, 44);
    case BackendKind::Cuda: return QColor(148, 103, 189);
    case BackendKind::Cpu: return QColor(31, 119, 180);
    default: return QColor(127, 127, 127);
    }
}

bool isGpu(BackendKind kind) { return kind == BackendKind::Cudnn || kind == BackendKind::Cuda; }

QString ms(double seconds)
{
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

// 1e-06 as "1e-6".
QString power10(double v)
{
    const double e = std::round(std::log10(v));
    return std::fabs(std::pow(10.0, e) - v) <= 1e-12 * v ? QStringLiteral("1e%1").arg(int(e)) : QString::number(v, 'g', 3);
}

double maxOf(const std::vector<double>& v)
{
    return v.empty() ? std::numeric_limits<double>::quiet_NaN() : *std::max_element(v.begin(), v.end());
}

} // namespace

CompareView::CompareView(Document* doc, QWidget* parent) : QWidget(parent), m_doc(doc)
{
    m_run = new QPushButton(tr("Compare backends"), this);
    m_run->setObjectName(QStringLiteral("runCompare"));
    m_run->setToolTip(tr("Run the current input on every backend of this build and compare each with the float64 "
                         "reference; a backend that cannot run here says why"));
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("cancelCompare"));
    m_cancel->setEnabled(false);
    m_repeats = new QSpinBox(this);
    m_repeats->setObjectName(QStringLiteral("compareRepeats"));
    m_repeats->setRange(1, 100);
    m_repeats->setValue(5);
    m_repeats->setToolTip(tr("Timed calls per backend after one untimed warm-up; the table shows their median"));
    m_tolerance = new QComboBox(this);
    m_tolerance->setObjectName(QStringLiteral("compareTolerance"));
    for (double t : {1e-7, 1e-6, 1e-5, 1e-4, 1e-3})
        m_tolerance->addItem(power10(t), t);
    m_tolerance->setToolTip(tr("The first processing step whose max |Δh| exceeds this is named in the table (for the "
                               "next comparison)"));
    setTolerance(kDefaultCompareTolerance);

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
    if (dev.cudaUsable)
        m_gpuLine->setText(tr("GPU: %1 (compute %2), CUDA driver %3, %4.")
                               .arg(qs(dev.name), QStringLiteral("%1.%2").arg(dev.computeMajor).arg(dev.computeMinor),
                                    qs(cudaVersionString(dev.driverVersion)),
                                    dev.present ? tr("cuDNN %1").arg(qs(cudnnVersionString(dev.cudnnVersion)))
                                                : tr("no cuDNN: %1").arg(qs(dev.reason))));
    else
        m_gpuLine->setText(tr("No GPU backend can run here: %1.").arg(qs(dev.reason)));

    buildPlot();

    m_table = new QTableWidget(this);
    m_table->setObjectName(QStringLiteral("compareTable"));
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->setVisible(false);
    m_table->setWordWrap(true); // a reason why a backend did not run wraps within its row
    m_table->setMaximumHeight(120); // grows to its rows once there are results
    m_table->viewport()->installEventFilter(this);

    auto* top = new QHBoxLayout;
    top->addWidget(m_run);
    top->addWidget(new QLabel(tr("timed calls:"), this));
    top->addWidget(m_repeats);
    top->addWidget(new QLabel(tr("tolerance:"), this));
    top->addWidget(m_tolerance);
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
        m_startedAtInputs = m_inputsGeneration;
        return [this, id, rq = makeComparisonRequest(*m_doc, m_repeats->value(), tolerance())](
                   CallProgress& call) -> JobRunner::Deliver {
            std::shared_ptr<ComparisonResult> r = gsui::runComparison(rq, call);
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

void CompareView::buildPlot()
{
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("comparePlot"));
    m_plot->setMinimumSize(360, 160);
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
        y->setLabel(k == 0 ? tr("max |Δh| vs float64") : QString());
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
    m_plot->axisRect(0)->insetLayout()->addElement(legend, Qt::AlignTop | Qt::AlignLeft);
    legend->setLayer(QStringLiteral("legend"));
    legend->setVisible(false);
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 0.85);
    legend->setFont(f);
    legend->setRowSpacing(0);
    m_plot->legend = legend;
    keepLegendOffTheData(m_plot, m_plot->axisRect(0), legend);
}

double CompareView::tolerance() const { return m_tolerance->currentData().toDouble(); }

void CompareView::setTolerance(double tolerance)
{
    int index = -1;
    for (int i = 0; i < m_tolerance->count(); ++i)
        if (m_tolerance->itemData(i).toDouble() == tolerance)
            index = i;
    if (index < 0) {
        m_tolerance->addItem(power10(tolerance), tolerance);
        index = m_tolerance->count() - 1;
    }
    m_tolerance->setCurrentIndex(index);
}

QString CompareView::gpuStatus() const
{
    const DeviceInfo& dev = probeDevice();
    return dev.cudaUsable ? QString() : qs(dev.reason);
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
    if (!running())
        return;
    // The engine runs the backends one after the other without saying which is at work; the
    // steps are those of the call in flight.
    QStringList names;
    for (BackendKind k : registeredBackends())
        names << QString::fromLatin1(backendName(k));
    m_status->setText(tr("Comparing %1: a warm-up and %2 timed calls each, then a traced one%3")
                          .arg(names.join(QStringLiteral(", ")))
                          .arg(m_repeats->value())
                          .arg(total > 0 ? tr(" — step %1 of %2 of the current call").arg(done).arg(total) : QString()));
}

void CompareView::endRun()
{
    m_run->setEnabled(true);
    m_cancel->setEnabled(false);
}

void CompareView::onCompared(std::shared_ptr<const ComparisonResult> r)
{
    endRun();
    m_result = std::move(r);
    setStale(m_inputsGeneration != m_startedAtInputs);
    showPlots();
    showTable();
    showStatus();
    emit finished(true, QString());
}

void CompareView::setStale(bool stale)
{
    m_stale = stale;
    m_staleLine->setVisible(stale && (m_result || running()));
}

const CompareRow* CompareView::row(const QString& backend) const
{
    if (m_result)
        for (const CompareRow& r : m_result->report.rows)
            if (qs(r.name) == backend)
                return &r;
    return nullptr;
}

QStringList CompareView::backendsCompared() const
{
    QStringList out;
    if (m_result)
        for (const CompareRow& r : m_result->report.rows)
            if (r.ran)
                out << qs(r.name);
    return out;
}

double CompareView::maxAbsDelta(const QString& backend) const
{
    const CompareRow* r = row(backend);
    return r && r->ran ? maxOf(r->maxAbsPerStep) : std::numeric_limits<double>::quiet_NaN();
}

double CompareView::maxAbsOutputDelta(const QString& backend) const
{
    const CompareRow* r = row(backend);
    return r && r->ran ? r->maxAbsOutput : std::numeric_limits<double>::quiet_NaN();
}

void CompareView::showPlots()
{
    const ComparisonResult& r = *m_result;
    const double tol = r.options.tolerance;
    m_plot->clearPlottables();
    m_plot->clearItems();
    const auto rects = m_plot->axisRects();
    QCPAxisRect* perStep = rects.value(0);
    QCPAxisRect* perUnit = rects.value(1);
    m_plot->legend->clearItems();
    double lo = 1e300, hi = 0;
    int64_t maxSteps = 1, maxUnits = 1;
    auto addGraph = [&](QCPAxisRect* rect, const QString& name, const std::vector<double>& v, double x0,
                        const QColor& c) {
        QVector<double> keys, values;
        for (size_t i = 0; i < v.size(); ++i) {
            keys << x0 + double(i);
            // Exact agreement has no logarithm: it sits on the floor, which the status line names.
            double y = v[i];
            if (std::isinf(y))
                y = 1e3;
            if (!(y > 0))
                y = kLogFloor;
            values << y;
            lo = std::min(lo, y);
            hi = std::max(hi, y);
        }
        auto* g = new QCPGraph(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
        g->setName(name);
        g->setPen(QPen(c, 1.8));
        g->setLineStyle(v.size() > 1 ? QCPGraph::lsLine : QCPGraph::lsNone);
        g->setScatterStyle(v.size() <= 64 ? QCPScatterStyle(QCPScatterStyle::ssCircle, 4) : QCPScatterStyle());
        g->setData(keys, values, true);
        return g;
    };
    // The reference against itself says nothing: every other backend that ran gets a curve.
    for (const CompareRow& row : r.report.rows) {
        if (!row.ran || row.kind == BackendKind::Reference)
            continue;
        const QColor c = backendColor(row.kind);
        if (!row.maxAbsPerStep.empty()) {
            auto* g = addGraph(perStep, tr("%1: h").arg(qs(row.name)), row.maxAbsPerStep, double(r.report.traceStepBegin), c);
            g->addToLegend(m_plot->legend);
            maxSteps = std::max<int64_t>(maxSteps, r.report.traceStepBegin + int64_t(row.maxAbsPerStep.size()));
        }
        if (!row.maxAbsPerUnit.empty()) {
            addGraph(perUnit, tr("%1: h per unit").arg(qs(row.name)), row.maxAbsPerUnit, 0, c);
            maxUnits = std::max<int64_t>(maxUnits, int64_t(row.maxAbsPerUnit.size()));
        }
    }
    m_plot->legend->setVisible(m_plot->legend->itemCount() > 0);
    // The tolerance of the table's "first step past" column.
    for (QCPAxisRect* rect : {perStep, perUnit}) {
        auto* line = new QCPItemStraightLine(m_plot);
        line->setClipAxisRect(rect);
        line->point1->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
        line->point2->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
        line->point1->setCoords(0, tol);
        line->point2->setCoords(1, tol);
        line->setPen(QPen(QColor(128, 128, 128), 1, Qt::DotLine));
    }
    if (hi <= 0) {
        lo = 1e-9;
        hi = 1e-5;
    }
    const double yLo = std::pow(10.0, std::floor(std::log10(std::min(lo, tol))) - 0.3);
    const double yHi = std::pow(10.0, std::ceil(std::log10(std::max(hi, tol))) + 0.3);
    for (QCPAxisRect* rect : {perStep, perUnit})
        rect->axis(QCPAxis::atLeft)->setRange(yLo, yHi);
    perStep->axis(QCPAxis::atBottom)->setRange(-0.5, double(maxSteps) - 0.5);
    perUnit->axis(QCPAxis::atBottom)->setRange(-0.5, double(maxUnits) - 0.5);
    applyPlotTheme(m_plot, palette());
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void CompareView::showTable()
{
    const ComparisonResult& r = *m_result;
    const QString tol = power10(r.options.tolerance);
    QStringList headers(ColCount);
    headers[ColBackend] = tr("backend");
    headers[ColCall] = tr("call\nmedian (ms)");
    headers[ColMin] = tr("call\nfastest (ms)");
    headers[ColCopies] = tr("copies\nmedian (ms)");
    headers[ColDevice] = tr("device\nmedian (ms)");
    headers[ColOutput] = tr("max |Δ output|\nvs float64");
    headers[ColState] = tr("max |Δ state|\nvs float64");
    headers[ColH] = tr("max |Δh|\nover steps");
    headers[ColFirst] = tr("first step\n|Δh| > %1").arg(tol);
    headers[ColWorst] = tr("worst |Δh|\nat step, unit");
    headers[ColUlps] = tr("output error\n(float32 ULPs)");
    headers[ColGates] = tr("gate trace");
    m_table->clear();
    m_table->clearSpans();
    m_table->setColumnCount(ColCount);
    m_table->setHorizontalHeaderLabels(headers);
    m_table->setRowCount(int(r.report.rows.size()));
    m_table->horizontalHeaderItem(ColCall)->setToolTip(
        tr("The whole forward pass, host <-> device copies included: the median of the timed calls, untraced, after one "
           "untimed warm-up"));
    m_table->horizontalHeaderItem(ColCopies)->setToolTip(tr("Of the call, the host <-> device copies (GPU backends)"));
    m_table->horizontalHeaderItem(ColDevice)->setToolTip(
        tr("Of the call, the forward pass on the GPU alone, timed with CUDA events (GPU backends)"));
    m_table->horizontalHeaderItem(ColH)->setToolTip(
        tr("The largest |Δh| of the states over the traced steps, units and samples (the curves above)"));
    m_table->horizontalHeaderItem(ColUlps)->setToolTip(
        tr("The largest |Δ output| in float32 ULPs at the outputs' scale: the spacing of float32 values at the "
           "largest |output| of the float64 reference"));
    m_table->horizontalHeaderItem(ColGates)->setToolTip(
        tr("GPU backends return states only: their gates are rebuilt on the CPU from those states and the weights"));

    std::vector<std::pair<int, QString>> notRun;
    for (int rowIndex = 0; rowIndex < int(r.report.rows.size()); ++rowIndex) {
        const CompareRow& row = r.report.rows[size_t(rowIndex)];
        QString summary;
        for (const BackendDescription& d : describeBackends())
            if (d.kind == row.kind)
                summary = qs(d.summary);
        auto* name = new QTableWidgetItem(qs(row.name) + (row.kind == BackendKind::Reference ? tr(" (float64)") : QString()));
        QStringList tip{summary};
        for (const std::string& n : row.notes)
            tip << qs(n);
        name->setToolTip(tip.join(QLatin1Char('\n')));
        name->setForeground(backendColor(row.kind));
        m_table->setItem(rowIndex, ColBackend, name);
        if (!row.ran) {
            notRun.emplace_back(rowIndex, tr("not run here: %1").arg(qs(row.reason)));
            continue;
        }
        const double h = maxOf(row.maxAbsPerStep);
        QStringList cells(ColCount);
        cells[ColCall] = ms(row.medianSeconds);
        cells[ColMin] = ms(row.minSeconds);
        cells[ColCopies] = isGpu(row.kind) ? ms(row.medianTransferSeconds) : QStringLiteral("—");
        cells[ColDevice] = isGpu(row.kind) ? ms(row.medianDeviceSeconds) : QStringLiteral("—");
        cells[ColOutput] = sci(row.maxAbsOutput);
        cells[ColState] = sci(row.maxAbsState);
        cells[ColH] = sci(h);
        cells[ColFirst] = row.maxAbsPerStep.empty() ? QStringLiteral("—")
                          : row.firstStepOver < 0  ? tr("none")
                                                   : QString::number(row.firstStepOver);
        cells[ColWorst] = row.worstStep < 0 || !(h > 0) ? QStringLiteral("—")
                                                        : tr("%1, %2").arg(row.worstStep).arg(row.worstUnit);
        cells[ColUlps] = QString::number(row.ulpsMax, 'f', 1);
        cells[ColGates] = row.traceRebuilt ? tr("rebuilt on the CPU") : tr("from the backend");
        for (int c = ColCall; c < ColCount; ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            if (row.kind == BackendKind::Reference && (c == ColOutput || c == ColState || c == ColUlps))
                item->setToolTip(tr("The reference's float32 result against its own float64 one: the rounding to "
                                    "float32 alone"));
            item->setTextAlignment((c == ColGates ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignVCenter);
            m_table->setItem(rowIndex, c, item);
        }
    }
    // The copy and device times exist for GPU backends only: without one that ran they would be
    // two columns of dashes, and the table would scroll sideways sooner.
    const bool gpuRan = std::any_of(r.report.rows.begin(), r.report.rows.end(),
                                    [](const CompareRow& row) { return row.ran && isGpu(row.kind); });
    m_table->setColumnHidden(ColCopies, !gpuRan);
    m_table->setColumnHidden(ColDevice, !gpuRan);
    // Widths from the numbers only: a reason spans the columns and wraps within them.
    m_table->resizeColumnsToContents();
    const bool dark = palette().color(QPalette::Window).lightness() < 128;
    for (const auto& [rowIndex, text] : notRun) {
        auto* item = new QTableWidgetItem(text);
        item->setForeground(dark ? QColor(255, 120, 120) : QColor(190, 30, 30));
        item->setToolTip(text);
        m_table->setItem(rowIndex, ColCall, item);
    }
    m_fittedWidth = -1;
    fitReasons();
}

void CompareView::fitReasons()
{
    if (!m_result || m_table->viewport()->width() == m_fittedWidth)
        return;
    m_fittedWidth = m_table->viewport()->width();
    // A reason spans the columns that fit beside the backend's name, not all of them: the numbers
    // may need a horizontal scroll bar on a narrow window, the reason a backend did not run should
    // be readable without one.
    const int room = m_fittedWidth - m_table->columnWidth(ColBackend);
    int span = 0;
    for (int c = ColCall, used = 0; c < ColCount; ++c) {
        used += m_table->columnWidth(c);
        if (span > 0 && used > room)
            break;
        ++span;
    }
    m_table->clearSpans();
    const auto& rows = m_result->report.rows;
    for (int i = 0; i < int(rows.size()); ++i)
        if (!rows[size_t(i)].ran && span > 1)
            m_table->setSpan(i, ColCall, 1, span);
    m_table->resizeRowsToContents();
    // As tall as its rows, so that the plots get the rest of the panel.
    int height = m_table->horizontalHeader()->sizeHint().height() + 2 * m_table->frameWidth() + 4;
    for (int i = 0; i < m_table->rowCount(); ++i)
        height += m_table->rowHeight(i);
    if (m_table->horizontalHeader()->length() > m_fittedWidth)
        height += m_table->horizontalScrollBar()->sizeHint().height();
    m_table->setMinimumHeight(height);
    m_table->setMaximumHeight(height);
}

bool CompareView::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_table->viewport() && event->type() == QEvent::Resize)
        fitReasons();
    return QWidget::eventFilter(watched, event);
}

void CompareView::showStatus()
{
    const ComparisonResult& r = *m_result;
    const CompareReport& rep = r.report;
    QStringList status;
    status << tr("%1 timed calls per backend after a warm-up; input %2 × %3 × %4, %5 units.")
                  .arg(r.options.repeats)
                  .arg(rep.B)
                  .arg(rep.T)
                  .arg(rep.I)
                  .arg(rep.U);
    QStringList rebuilt;
    bool anyZero = false;
    for (const CompareRow& row : rep.rows) {
        if (row.traceRebuilt)
            rebuilt << qs(row.name);
        if (row.ran && row.kind != BackendKind::Reference)
            anyZero = anyZero || std::any_of(row.maxAbsPerStep.begin(), row.maxAbsPerStep.end(), [](double v) { return v == 0; });
    }
    if (anyZero)
        status << tr("Exact agreement (Δ = 0) is drawn at %1; the reference's trace is stored in float32, so Δh below "
                     "half a float32 ULP reads as 0.")
                      .arg(kLogFloor, 0, 'g', 2);
    if (!rebuilt.isEmpty())
        status << tr("%1: gates rebuilt on the CPU from the GPU's states.").arg(rebuilt.join(QStringLiteral(", ")));
    status << r.notes;
    m_status->setText(status.join(QLatin1Char(' ')));
}

std::vector<ShownData> CompareView::exportData() const
{
    std::vector<ShownData> out;
    if (!m_result)
        return out;
    const CompareReport& rep = m_result->report;
    std::vector<const CompareRow*> curves; // what the plots show
    for (const CompareRow& row : rep.rows)
        if (row.ran && row.kind != BackendKind::Reference && !row.maxAbsPerStep.empty())
            curves.push_back(&row);
    if (!curves.empty()) {
        ShownData steps, units;
        steps.name = QStringLiteral("delta_h_per_step");
        units.name = QStringLiteral("delta_h_per_unit");
        steps.rows = int64_t(curves.front()->maxAbsPerStep.size());
        units.rows = int64_t(curves.front()->maxAbsPerUnit.size());
        steps.columns = units.columns = int64_t(curves.size());
        for (const CompareRow* row : curves) {
            steps.columnNames << qs(row->name);
            units.columnNames << qs(row->name);
        }
        for (int64_t i = 0; i < steps.rows; ++i) {
            steps.rowNames << QString::number(rep.traceStepBegin + i);
            for (const CompareRow* row : curves)
                steps.values.push_back(row->maxAbsPerStep[size_t(i)]);
        }
        for (int64_t i = 0; i < units.rows; ++i) {
            units.rowNames << QString::number(i);
            for (const CompareRow* row : curves)
                units.values.push_back(row->maxAbsPerUnit[size_t(i)]);
        }
        out.push_back(steps);
        out.push_back(units);
    }
    ShownData timing;
    timing.name = QStringLiteral("backend_timings");
    timing.columnNames = {QStringLiteral("call_median_ms"),   QStringLiteral("call_min_ms"),
                          QStringLiteral("copies_median_ms"), QStringLiteral("device_median_ms"),
                          QStringLiteral("max_abs_delta_output"),
                          QStringLiteral("max_abs_delta_state"), QStringLiteral("max_abs_delta_h"),
                          QStringLiteral("first_step_over_tolerance"), QStringLiteral("worst_step"),
                          QStringLiteral("worst_unit"),       QStringLiteral("output_ulps")};
    timing.columns = timing.columnNames.size();
    for (const CompareRow& row : rep.rows) {
        if (!row.ran)
            continue;
        timing.rowNames << qs(row.name);
        for (double v : {row.medianSeconds * 1e3, row.minSeconds * 1e3, row.medianTransferSeconds * 1e3,
                         row.medianDeviceSeconds * 1e3, row.maxAbsOutput,
                         row.maxAbsState, maxOf(row.maxAbsPerStep), double(row.firstStepOver), double(row.worstStep),
                         double(row.worstUnit), row.ulpsMax})
            timing.values.push_back(v);
        ++timing.rows;
    }
    out.push_back(timing);
    return out;
}

void CompareView::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange) {
        applyPlotTheme(m_plot, palette());
        if (m_result)
            showTable(); // the reasons' red follows the theme
    }
    QWidget::changeEvent(event);
}

} // namespace gsui
