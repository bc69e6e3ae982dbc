// CompareView: the Document's current input on every backend this machine has — cpu (float32,
// Eigen), reference (float64, straight from the equations) and cudnn when a GPU is usable — each
// repeated N times for a median time, then how far each backend's states are from the float64
// reference: max|Δh| per timestep (over units and samples) and per unit (over time) on a log axis,
// and a table of times and errors. The runs happen on a worker thread and can be cancelled; the
// results go stale (and say so) as soon as the document's run inputs change.
//
// What is compared: the per-step states h_t of the gate trace (the reference's trace is stored in
// float32, rounded from its float64 values), and the layer's output against the reference's
// float64 output (RunResult::output64).
#pragma once

#include "model/document.h"
#include "plots/exportable.h"

#include "gruscope/layer.h"

#include <QFutureWatcher>
#include <QTimer>
#include <QWidget>

#include <atomic>
#include <limits>
#include <memory>
#include <vector>

class QCustomPlot;
class QLabel;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace gsui {

// What one backend did across the repeats, and how far it is from the reference.
struct BackendComparison {
    QString backend;              // "cpu", "reference", "cudnn"
    QString error;                // non-empty when the backend failed (the others still count)
    std::vector<double> forwardSeconds; // RunResult::seconds of each repeat (the backend's forward pass)
    std::vector<double> wallSeconds;    // the whole executeRun call of each repeat
    std::shared_ptr<const RunOutcome> outcome; // the last repeat
    // Against the reference (empty / NaN for the reference itself or a failure).
    std::vector<double> deltaPerStep; // max|Δh| over traced samples and units, per traced step
    std::vector<double> deltaPerUnit; // max|Δh| over traced samples and steps, per unit
    std::vector<double> outputDeltaPerStep; // max|Δ output| per output timestep (sequence outputs)
    double maxDelta = std::numeric_limits<double>::quiet_NaN();       // of trace h
    double maxOutputDelta = std::numeric_limits<double>::quiet_NaN(); // of the output vs output64
    int64_t firstStepOver = -1;   // first processing step with max|Δh| > 1e-6 (−1: none)
    double maxUlps = std::numeric_limits<double>::quiet_NaN(); // of the output, in float32 ULPs of the reference
};

struct ComparisonResult {
    quint64 generation = 0;
    bool cancelled = false;
    QString error; // the whole comparison failed (e.g. the reference itself)
    int repeats = 0;
    std::vector<BackendComparison> backends; // reference first
    int64_t traceStepBegin = 0;
    QStringList notes;
};

class CompareView : public QWidget, public Exportable {
    Q_OBJECT
public:
    explicit CompareView(Document* doc, QWidget* parent = nullptr);
    ~CompareView() override;

    // Starts a comparison with `repeats` runs per backend (also sets the spin box). Returns at
    // once; `finished` is emitted when the results are shown.
    void runComparison(int repeats);
    void cancel();
    bool running() const { return m_busy; } // until the results are shown
    // Backends that ran successfully in the shown comparison, reference included.
    QStringList backendsCompared() const;
    // max|Δh| (trace states) of `backend` against the reference; 0 for "reference"; NaN when that
    // backend was not compared.
    double maxAbsDelta(const QString& backend) const;
    double maxAbsOutputDelta(const QString& backend) const;
    // The document's run inputs changed after the shown comparison started.
    bool stale() const { return m_stale; }
    // Why there is no cudnn column ("" when a GPU is usable).
    QString gpuStatus() const;
    const ComparisonResult* result() const { return m_result.get(); }
    QCustomPlot* plot() const { return m_plot; }
    QTableWidget* table() const { return m_table; }

    // Exportable
    QCustomPlot* exportPlot() const override { return m_plot; }
    std::vector<ShownData> exportData() const override;
    QString exportTitle() const override { return tr("Backend comparison"); }

signals:
    void finished(bool ok, const QString& message);

protected:
    void changeEvent(QEvent* event) override;

private:
    void onFinished();
    void showResult();
    void setStale(bool stale);
    void pollProgress();

    Document* m_doc;
    QPushButton* m_run;
    QPushButton* m_cancel;
    QSpinBox* m_repeats;
    QLabel* m_gpuLine;
    QLabel* m_status;
    QLabel* m_staleLine;
    QCustomPlot* m_plot;
    QTableWidget* m_table;
    QFutureWatcher<std::shared_ptr<ComparisonResult>> m_watcher;
    QTimer m_poll;
    struct Progress {
        std::atomic<bool> cancel{false};
        std::atomic<int> backend{0}, backends{0}, repeat{0}, repeats{0};
        gruscope::CallProgress call; // the run in flight (its cancel flag is set too)
    };
    std::shared_ptr<Progress> m_progress;
    std::shared_ptr<const ComparisonResult> m_result;
    quint64 m_generation = 0;
    quint64 m_inputsGeneration = 0; // bumped on every run-input change
    quint64 m_startedAtInputs = 0;
    bool m_stale = false;
    bool m_busy = false;
};

} // namespace gsui
