#include "plots/compare_view.h"

#include "model/engine_qt.h"
#include "model/run_controller.h"
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
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>

namespace gsui {

using namespace gruscope;

namespace {

constexpr double kStepThreshold = 1e-6; // "first step where |Δ| exceeds 1e-6"
constexpr double kLogFloor = 1e-10;     // exact agreement drawn here on the log axis
const QColor kBackendColor[] = {QColor(31, 119, 180), QColor(214, 39, 40), QColor(148, 103, 189)};

double median(std::vector<double> v)
{
    if (v.empty())
        return std::numeric_limits<double>::quiet_NaN();
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// |a − b| where a NaN on one side only is an infinite difference (and NaN on both sides none).
double absDiff(double a, double b)
{
    const bool na = std::isnan(a), nb = std::isnan(b);
    if (na || nb)
        return na && nb ? 0.0 : std::numeric_limits<double>::infinity();
    if (a == b) // also equal infinities
        return 0.0;
    return std::fabs(a - b);
}

// The spacing of float32 numbers at |x|: x = m·2^e with m in [0.5, 1) has ULP 2^(e − 24).
double ulp32(double x)
{
    int e = 0;
    std::frexp(std::max(std::fabs(x), double(std::numeric_limits<float>::min())), &e);
    return std::ldexp(1.0, e - 24);
}

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

// Every Δ of one backend against the reference (the first entry of `all`).
void computeDeltas(BackendComparison& b, const BackendComparison& ref, const GruConfig& config, QStringList& notes)
{
    const RunResult& x = b.outcome->result;
    const RunResult& r = ref.outcome->result;
    const Trace& tx = x.trace;
    const Trace& tr = r.trace;
    if (tx.h.shape == tr.h.shape && tx.samples == tr.samples && tx.stepBegin == tr.stepBegin && tx.h.rank() == 3) {
        const int64_t S = tx.h.shape[0], W = tx.h.shape[1], U = tx.h.shape[2];
        b.deltaPerStep.assign(size_t(W), 0.0);
        b.deltaPerUnit.assign(size_t(U), 0.0);
        b.maxDelta = 0;
        for (int64_t s = 0; s < S; ++s)
            for (int64_t w = 0; w < W; ++w)
                for (int64_t u = 0; u < U; ++u) {
                    const size_t k = size_t((s * W + w) * U + u);
                    const double d = absDiff(tx.h.data[k], tr.h.data[k]);
                    b.deltaPerStep[size_t(w)] = std::max(b.deltaPerStep[size_t(w)], d);
                    b.deltaPerUnit[size_t(u)] = std::max(b.deltaPerUnit[size_t(u)], d);
                    b.maxDelta = std::max(b.maxDelta, d);
                }
        for (int64_t w = 0; w < W; ++w)
            if (b.deltaPerStep[size_t(w)] > kStepThreshold) {
                b.firstStepOver = tx.stepBegin + w;
                break;
            }
    } else {
        notes << QObject::tr("%1: its gate trace does not cover the reference's samples and steps; only the output is "
                             "compared")
                     .arg(b.backend);
    }

    // The output against the reference's float64 output (its float32 output when that is absent).
    const bool has64 = r.output64.shape == x.output.shape && !r.output64.data.empty();
    if (!has64 && r.output.shape != x.output.shape) {
        notes << QObject::tr("%1: output shape %2 differs from the reference's %3")
                     .arg(b.backend, qs(x.output.shape), qs(r.output.shape));
        return;
    }
    auto refAt = [&](size_t k) { return has64 ? r.output64.data[k] : double(r.output.data[k]); };
    b.maxOutputDelta = 0;
    double scale = 0; // the output's largest finite magnitude
    const Shape& sh = x.output.shape;
    const bool sequence = sh.size() == 3;
    // (B, T, U), or (T, B, U) for time_major; each output timestep is a processing step.
    const int64_t T = sequence ? (config.time_major ? sh[0] : sh[1]) : 0;
    if (sequence)
        b.outputDeltaPerStep.assign(size_t(T), 0.0);
    for (size_t k = 0; k < x.output.data.size(); ++k) {
        const double ref64 = refAt(k);
        const double d = absDiff(x.output.data[k], ref64);
        b.maxOutputDelta = std::max(b.maxOutputDelta, d);
        if (std::isfinite(ref64))
            scale = std::max(scale, std::fabs(ref64));
        if (sequence) {
            const int64_t U = sh[2];
            const int64_t t = config.time_major ? int64_t(k) / (sh[1] * U) : (int64_t(k) / U) % sh[1];
            b.outputDeltaPerStep[size_t(t)] = std::max(b.outputDeltaPerStep[size_t(t)], d);
        }
    }
    // "ULP-ish": the error in float32 ULPs at the output's own scale. The states of a recurrence
    // carry an absolute error of a few ULPs of their magnitude (about 1), so counting ULPs of each
    // element would make a state near 0 read as thousands of ULPs for the same absolute error.
    b.maxUlps = b.maxOutputDelta / ulp32(scale);
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
    connect(&m_watcher, &QFutureWatcher<std::shared_ptr<ComparisonResult>>::finished, this, &CompareView::onFinished);
    m_poll.setInterval(100);
    connect(&m_poll, &QTimer::timeout, this, &CompareView::pollProgress);
    connect(doc, &Document::runInputsChanged, this, [this] {
        ++m_inputsGeneration;
        if (m_result || m_busy)
            setStale(true);
    });
    applyPlotTheme(m_plot, palette());
}

CompareView::~CompareView()
{
    if (m_progress) {
        m_progress->cancel = true;
        m_progress->call.cancel = true;
    }
    m_watcher.waitForFinished();
}

QString CompareView::gpuStatus() const
{
    const DeviceInfo& dev = probeDevice();
    return dev.present ? QString() : qs(dev.reason);
}

void CompareView::runComparison(int repeats)
{
    if (m_busy)
        return;
    m_repeats->setValue(repeats);
    repeats = m_repeats->value();
    if (!m_doc->configValid()) {
        QStringList lines;
        for (const auto& i : m_doc->configIssues())
            lines << qs(i.message());
        const QString msg = tr("Cannot compare: the arguments are invalid (%1).").arg(lines.join(QStringLiteral("; ")));
        m_status->setText(msg);
        emit finished(false, msg);
        return;
    }
    // Snapshot the document on the UI thread: the worker only sees these copies.
    std::vector<RunRequest> requests;
    requests.push_back(makeRunRequest(*m_doc, BackendKind::Reference));
    requests.push_back(makeRunRequest(*m_doc, BackendKind::Cpu));
    if (probeDevice().present)
        requests.push_back(makeRunRequest(*m_doc, BackendKind::Cudnn));
    // Every backend traces the same samples (the request decides by size), so the traces line up.
    for (auto& rq : requests)
        rq.traceSamples = requests.front().traceSamples;

    m_progress = std::make_shared<Progress>();
    m_progress->backends = int(requests.size());
    m_progress->repeats = repeats;
    const quint64 generation = ++m_generation;
    m_startedAtInputs = m_inputsGeneration;
    m_busy = true;
    m_run->setEnabled(false);
    m_cancel->setEnabled(true);
    m_status->setText(tr("Comparing…"));
    m_poll.start();

    const GruConfig config = m_doc->config();
    auto progress = m_progress;
    m_watcher.setFuture(QtConcurrent::run([requests = std::move(requests), repeats, progress, generation,
                                           config]() -> std::shared_ptr<ComparisonResult> {
        auto out = std::make_shared<ComparisonResult>();
        out->generation = generation;
        out->repeats = repeats;
        out->notes = requests.front().notes;
        for (size_t k = 0; k < requests.size(); ++k) {
            BackendComparison b;
            b.backend = QString::fromLatin1(backendName(requests[k].backend));
            progress->backend = int(k);
            for (int rep = 0; rep < repeats; ++rep) {
                progress->repeat = rep;
                if (progress->cancel) {
                    out->cancelled = true;
                    return out;
                }
                progress->call.stepsDone = 0;
                try {
                    auto o = executeRun(requests[k], &progress->call);
                    b.forwardSeconds.push_back(o->result.seconds);
                    b.wallSeconds.push_back(o->wallSeconds);
                    b.outcome = std::move(o);
                } catch (const Error& e) {
                    if (e.code() == ErrorCode::Cancelled || progress->cancel) {
                        out->cancelled = true;
                        return out;
                    }
                    b.error = QString::fromUtf8(e.what());
                    break;
                } catch (const std::exception& e) {
                    b.error = errorText(e);
                    break;
                }
            }
            if (!b.error.isEmpty())
                b.outcome.reset();
            out->backends.push_back(std::move(b));
        }
        const BackendComparison& ref = out->backends.front();
        if (!ref.outcome) {
            out->error = QObject::tr("the reference backend failed, nothing to compare with: %1").arg(ref.error);
            return out;
        }
        out->traceStepBegin = ref.outcome->result.trace.stepBegin;
        out->backends.front().maxDelta = 0;
        out->backends.front().maxOutputDelta = 0;
        for (size_t k = 1; k < out->backends.size(); ++k)
            if (out->backends[k].outcome)
                computeDeltas(out->backends[k], ref, config, out->notes);
        return out;
    }));
}

void CompareView::cancel()
{
    if (!m_busy || !m_progress)
        return;
    m_progress->cancel = true;
    m_progress->call.cancel = true;
    m_status->setText(tr("Cancelling…"));
}

void CompareView::pollProgress()
{
    if (!m_progress || !m_busy)
        return;
    const int k = m_progress->backend, n = m_progress->backends;
    static const char* const names[] = {"reference", "cpu", "cudnn"};
    const qint64 done = m_progress->call.stepsDone.load(), total = m_progress->call.stepsTotal.load();
    m_status->setText(tr("Running %1 (backend %2 of %3), run %4 of %5%6")
                          .arg(QString::fromLatin1(names[std::clamp(k, 0, 2)]))
                          .arg(k + 1)
                          .arg(n)
                          .arg(m_progress->repeat.load() + 1)
                          .arg(m_progress->repeats.load())
                          .arg(total > 0 ? tr(" — step %1 of %2").arg(done).arg(total) : QString()));
}

void CompareView::onFinished()
{
    m_poll.stop();
    std::shared_ptr<ComparisonResult> r;
    try {
        r = m_watcher.result();
    } catch (const std::exception& e) {
        m_busy = false;
        m_run->setEnabled(true);
        m_cancel->setEnabled(false);
        m_status->setText(tr("Comparison failed: %1").arg(errorText(e)));
        emit finished(false, m_status->text());
        return;
    }
    m_busy = false;
    m_run->setEnabled(true);
    m_cancel->setEnabled(false);
    if (!r || r->cancelled) {
        m_status->setText(m_result ? tr("Cancelled; the previous comparison is still shown.") : tr("Cancelled."));
        emit finished(false, tr("cancelled"));
        return;
    }
    if (!r->error.isEmpty()) {
        m_status->setText(tr("Comparison failed: %1").arg(r->error));
        emit finished(false, r->error);
        return;
    }
    m_result = r;
    setStale(m_inputsGeneration != m_startedAtInputs);
    showResult();
    emit finished(true, QString());
}

void CompareView::setStale(bool stale)
{
    m_stale = stale;
    m_staleLine->setVisible(stale && (m_result || m_busy));
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
    threshold->point1->setCoords(0, kStepThreshold);
    threshold->point2->setCoords(1, kStepThreshold);
    threshold->setPen(QPen(QColor(128, 128, 128), 1, Qt::DotLine));
    if (hi <= 0) {
        lo = 1e-9;
        hi = 1e-5;
    }
    const double yLo = std::pow(10.0, std::floor(std::log10(std::min(lo, kStepThreshold))) - 0.3);
    const double yHi = std::pow(10.0, std::ceil(std::log10(std::max(hi, kStepThreshold))) + 0.3);
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
                     ms(median(b.forwardSeconds)),
                     ms(*mn) + QStringLiteral(" – ") + ms(*mx),
                     ms(median(b.wallSeconds)),
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
        for (double v : {median(b.forwardSeconds) * 1e3, *mn * 1e3, *mx * 1e3, median(b.wallSeconds) * 1e3, b.maxDelta,
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
