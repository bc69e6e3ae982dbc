// Run ▸ Timing sweep…: time a GRU over a grid of T × B × U on this machine's backends without
// leaving the window (gruscope/sweep.h). The sweep runs off the UI thread with a progress bar and
// Cancel; the result shows in a SweepView (curves per backend, the CPU/GPU crossover, every point
// with its cuDNN verdict) and saves as CSV, or as a figure through the view.
#pragma once

#include "gruscope/sweep.h"

#include <QDialog>
#include <QFutureWatcher>

#include <atomic>
#include <memory>

class QCheckBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace gsui {

class SweepView;

class SweepDialog : public QDialog {
    Q_OBJECT
public:
    explicit SweepDialog(QWidget* parent = nullptr);
    ~SweepDialog() override;

    // The grid as typed ("10, 100, 1000"); false with the reason in `why` when it is not a list of
    // positive sizes.
    bool readSpec(gruscope::SweepSpec* spec, QString* why) const;
    void setGrid(const QString& T, const QString& B, const QString& U);
    void setRepeats(int warmup, int repeats);

    void start();  // runs the sweep now (the Run button)
    void cancel(); // stops it after the point in progress
    bool running() const { return m_running; }
    SweepView* view() const { return m_view; }
    QString statusText() const;
    // Writes the points as CSV (atomic). Throws gruscope::Error naming the file on failure.
    void saveCsv(const QString& path) const;

signals:
    void sweepFinished(); // its result (or error) is shown

private:
    void setRunning(bool running);

    QLineEdit* m_T;
    QLineEdit* m_B;
    QLineEdit* m_U;
    QCheckBox* m_resetAfter;
    std::vector<std::pair<gruscope::BackendKind, QCheckBox*>> m_backends;
    QPushButton* m_run;
    QPushButton* m_save;
    QProgressBar* m_progress;
    QLabel* m_status;
    SweepView* m_view;
    int m_warmup = 1, m_repeats = 3;
    bool m_running = false; // from start() until the result is shown
    std::shared_ptr<std::atomic<bool>> m_cancel;
    // The sweep's result, or its error in words.
    using Outcome = std::pair<std::shared_ptr<gruscope::SweepResult>, QString>;
    QFutureWatcher<Outcome> m_watcher;
};

} // namespace gsui
