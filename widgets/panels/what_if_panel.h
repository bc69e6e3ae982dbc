// What if: change the layer's weights and watch every view recompute. One weight by its tensor,
// row and column (typed, or dragged on a slider), a gate's whole bias scaled, a unit ablated or
// held; each change is one step of Edit ▸ Undo (a slider's drag is one step). The column follows
// the unit selected anywhere in the window. See gruscope/weight_edits.h for what each edit does.
#pragma once

#include "model/document.h"
#include "model/weight_editor.h"

#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;

namespace gsui {

class WhatIfPanel : public QWidget {
    Q_OBJECT
public:
    WhatIfPanel(Document* doc, WeightEditor* editor, QWidget* parent = nullptr);

    // For tests.
    QComboBox* tensorChoice() const { return m_tensor; }
    QSpinBox* rowBox() const { return m_row; }
    QSpinBox* columnBox() const { return m_column; }
    QDoubleSpinBox* valueBox() const { return m_value; }
    QSlider* valueSlider() const { return m_valueSlider; }
    QPushButton* setButton() const { return m_set; }
    QComboBox* gateChoice() const { return m_gate; }
    QDoubleSpinBox* factorBox() const { return m_factor; }
    QPushButton* scaleButton() const { return m_scale; }
    QDoubleSpinBox* biasValueBox() const { return m_biasValue; }
    QPushButton* setBiasButton() const { return m_setBias; }
    QSpinBox* unitBox() const { return m_unit; }
    QPushButton* ablateButton() const { return m_ablate; }
    QPushButton* holdButton() const { return m_hold; }
    QPushButton* undoButton() const { return m_undo; }
    QPushButton* redoButton() const { return m_redo; }
    QString whereText() const;

    // Points the entry at one weight: tensor "kernel", "recurrent_kernel" or "bias", Keras layout
    // (a cell clicked in the Weights view). Out-of-range cells and other tensors are ignored.
    void pointAt(const QString& tensor, int row, int column);
    QString errorText() const;

private:
    void refresh();                                // ranges and the entry's current value
    void apply(const gruscope::WeightEdit& e, int dragId = 0);
    gruscope::WeightEdit setEdit(float value) const;

    Document* m_doc;
    WeightEditor* m_editor;
    QComboBox* m_tensor;
    QSpinBox* m_row;
    QSpinBox* m_column;
    QLabel* m_where;
    QDoubleSpinBox* m_value;
    QSlider* m_valueSlider;
    QPushButton* m_set;
    QComboBox* m_gate;
    QDoubleSpinBox* m_factor;
    QPushButton* m_scale;
    QDoubleSpinBox* m_biasValue;
    QPushButton* m_setBias;
    QSpinBox* m_unit;
    QPushButton* m_ablate;
    QPushButton* m_hold;
    QPushButton* m_undo;
    QPushButton* m_redo;
    QLabel* m_error;
    bool m_refreshing = false;
    int m_dragSerial = 0; // a new id per slider drag
    int m_dragId = 0;
};

} // namespace gsui
