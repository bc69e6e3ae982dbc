// SweepView: the result of a timing sweep (gruscope/sweep.h). For the (T, B) chosen above the plot,
// µs per step against U on log axes, one curve per backend, and the CPU/GPU crossover as a
// vertical line (or, when there is none, why, in the title); below, every point of the grid in a
// table with Keras's cuDNN verdict. Exports the figure and every point.
#pragma once

#include "plots/exportable.h"

#include "gruscope/sweep.h"

#include <QWidget>

class QComboBox;
class QCustomPlot;
class QLabel;
class QTableWidget;

namespace gsui {

class SweepView : public QWidget, public Exportable {
    Q_OBJECT
public:
    explicit SweepView(QWidget* parent = nullptr);

    void setResult(const gruscope::SweepResult& result);
    const gruscope::SweepResult& result() const { return m_result; }

    // The (T, B) the plot shows.
    void showSlice(int64_t T, int64_t B);
    int64_t shownT() const { return m_T; }
    int64_t shownB() const { return m_B; }
    // The plot's curves: backend name → (U, µs per step) of the points that ran.
    std::vector<std::pair<QString, std::vector<std::pair<double, double>>>> curves() const;
    QString titleText() const;
    QCustomPlot* plot() const { return m_plot; }
    QTableWidget* table() const { return m_table; }

    QCustomPlot* exportPlot() const override { return m_plot; }
    std::vector<ShownData> exportData() const override;
    QString exportTitle() const override { return QStringLiteral("timing sweep"); }

private:
    void redraw();

    gruscope::SweepResult m_result;
    int64_t m_T = 0, m_B = 0;
    QComboBox* m_tChoice;
    QComboBox* m_bChoice;
    QCustomPlot* m_plot;
    QLabel* m_title;
    QTableWidget* m_table;
};

} // namespace gsui
