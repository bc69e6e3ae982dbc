// CompareView: the backend comparison (model/comparison.h) of the Document's current input, shown
// as max|Δh| per timestep (over units and samples) and per unit (over time) on a log axis, and a
// table of median times and errors. The comparison runs as a JobRunner job, off the UI thread, and
// can be cancelled; its results go stale (and say so) as soon as the document's run inputs change.
#pragma once

#include "model/comparison.h"
#include "model/document.h"
#include "model/job_runner.h"
#include "plots/exportable.h"

#include <QWidget>

#include <memory>
#include <vector>

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

    // Starts a comparison with `repeats` runs per backend (also sets the spin box). Returns at
    // once; `finished` is emitted when the results are shown.
    void runComparison(int repeats);
    void cancel();
    bool running() const { return m_runner.busy(); } // until the results are shown
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
    void onCompared(std::shared_ptr<const ComparisonResult> result);
    void endRun();
    void showResult();
    void setStale(bool stale);
    void showProgress(qint64 done, qint64 total);

    Document* m_doc;
    QPushButton* m_run;
    QPushButton* m_cancel;
    QSpinBox* m_repeats;
    QLabel* m_gpuLine;
    QLabel* m_status;
    QLabel* m_staleLine;
    QCustomPlot* m_plot;
    QTableWidget* m_table;
    JobRunner m_runner;
    std::shared_ptr<const ComparisonProgress> m_where; // of the comparison in flight
    std::shared_ptr<const ComparisonResult> m_result;
    quint64 m_inputsGeneration = 0; // bumped on every run-input change
    quint64 m_startedAtInputs = 0;
    bool m_stale = false;
};

} // namespace gsui
