// InitialStateEditor: where the run's h0 (B, U) comes from — zeros (Keras's default), uniform
// random in [−1, 1] with a seed (the range a tanh state takes), the final state of the last run
// (to continue a sequence, like a stateful layer), or custom values. The table always shows the
// state the next run will start from (Document::resolvedInitialState); editing a cell turns that
// state into a custom one with the edit applied, so "random, then tweak unit 3" is one click.
#pragma once

#include "model/document.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QSpinBox;
class QTableView;

namespace gsui {

class StateTableModel;

class InitialStateEditor : public QWidget {
    Q_OBJECT
public:
    explicit InitialStateEditor(Document* doc, QWidget* parent = nullptr);

    QComboBox* modeCombo() const { return m_mode; } // items in InitialStateMode order
    QSpinBox* seedSpin() const { return m_seed; }
    QTableView* table() const { return m_table; }

private:
    void syncFromDocument();

    Document* m_doc;
    QComboBox* m_mode;
    QLabel* m_seedLabel;
    QSpinBox* m_seed;
    QLabel* m_explain;
    QTableView* m_table;
    StateTableModel* m_model;
};

} // namespace gsui
