// CompareView: the Document's current input on every backend this build registers
// (model/comparison.h, the engine's compareBackends), shown as max|Δh| against the float64
// reference per processing step and per unit on log axes, and a table with one row per backend:
// median and fastest call, host <-> device copies, differences of outputs, final state and states,
// the first step past the tolerance, the worst step and unit, ULPs, and whether the gates were
// rebuilt on the CPU. A backend that cannot run here keeps its row, which says why (no driver,
// Keras's cuDNN conditions). The comparison runs as a JobRunner job, off the UI thread, can be
// cancelled, and goes stale (and says so) as soon as the document's run inputs change.
#pragma once

#include "model/comparison.h"
#include "model/document.h"
#include "model/job_runner.h"
#include "plots/exportable.h"

#include <QWidget>

#include <memory>
#include <vector>

class QComboBox;
class QCustomPlot;
class QLabel;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace gsui {

class CompareView : public QWidget, public Exportable {
    Q_OBJECT
public:
    explicit CompareView(Document* doc, QWidget* parent = nullptr);

    // Starts a comparison with `repeats` timed calls per backend (also sets the spin box). Returns
    // at once; `finished` is emitted when the results are shown.
    void runComparison(int repeats);
    void cancel();
    bool running() const { return m_runner.busy(); } // until the results are shown
    // |Δh| above this marks the first step past it (the combo box's value).
    double tolerance() const;
    void setTolerance(double tolerance);

    // Backends that ran in the shown comparison, in the table's order.
    QStringList backendsCompared() const;
    // The shown row of a backend ("cpu", "cudnn", ...), null when there is no comparison.
    const gruscope::CompareRow* row(const QString& backend) const;
    // max|Δh| over the traced steps, units and samples of a backend that ran (0 for "reference");
    // NaN when it did not run.
    double maxAbsDelta(const QString& backend) const;
    double maxAbsOutputDelta(const QString& backend) const;
    // The document's run inputs changed after the shown comparison started.
    bool stale() const { return m_stale; }
    // Why the GPU backends cannot run here ("" when a GPU is usable).
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
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void buildPlot();
    void onCompared(std::shared_ptr<const ComparisonResult> result);
    void endRun();
    void showPlots();
    void showTable();
    void showStatus();
    void fitReasons(); // the spans of the "not run here" reasons, for the table's width
    void setStale(bool stale);
    void showProgress(qint64 done, qint64 total);

    Document* m_doc;
    QPushButton* m_run;
    QPushButton* m_cancel;
    QSpinBox* m_repeats;
    QComboBox* m_tolerance;
    QLabel* m_gpuLine;
    QLabel* m_status;
    QLabel* m_staleLine;
    QCustomPlot* m_plot;
    QTableWidget* m_table;
    JobRunner m_runner;
    std::shared_ptr<const ComparisonResult> m_result;
    quint64 m_inputsGeneration = 0; // bumped on every run-input change
    quint64 m_startedAtInputs = 0;
    bool m_stale = false;
    int m_fittedWidth = -1; // the viewport width fitReasons last fitted
};

} // namespace gsui
