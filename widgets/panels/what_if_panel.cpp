#include "panels/what_if_panel.h"

#include "gruscope/error.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <iterator>

namespace gsui {

using namespace gruscope;

namespace {

// The slider covers [−3, 3] in steps of 0.001 (wider values are typed).
constexpr int kSliderScale = 1000;
constexpr double kSliderRange = 3.0;

} // namespace

WhatIfPanel::WhatIfPanel(Document* doc, WeightEditor* editor, QWidget* parent) : QWidget(parent), m_doc(doc), m_editor(editor)
{
    auto* intro = new QLabel(tr("Change the weights and every view recomputes. Ctrl+Z undoes, Ctrl+Shift+Z redoes; "
                                "File ▸ Save weights and sessions keep the edited weights."),
                             this);
    intro->setWordWrap(true);

    // One weight.
    m_tensor = new QComboBox(this);
    // Short names, the shapes in the tooltips: the dock shares its width with the equations.
    m_tensor->addItem(tr("kernel K"));
    m_tensor->setItemData(0, tr("inputs × 3U: multiplies the input x_t"), Qt::ToolTipRole);
    m_tensor->addItem(tr("recurrent kernel R"));
    m_tensor->setItemData(1, tr("units × 3U: multiplies the state h_{t−1}"), Qt::ToolTipRole);
    m_tensor->addItem(tr("bias"));
    m_tensor->setItemData(2, tr("1 × 3U, or 2 × 3U with reset_after (input row, recurrent row)"), Qt::ToolTipRole);
    m_tensor->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_tensor->setMinimumContentsLength(12);
    m_row = new QSpinBox(this);
    m_column = new QSpinBox(this);
    m_where = new QLabel(this);
    m_where->setWordWrap(true);
    m_value = new QDoubleSpinBox(this);
    m_value->setRange(-1000, 1000);
    m_value->setDecimals(4);
    m_value->setSingleStep(0.05);
    m_valueSlider = new QSlider(Qt::Horizontal, this);
    m_valueSlider->setRange(int(-kSliderRange * kSliderScale), int(kSliderRange * kSliderScale));
    m_valueSlider->setToolTip(tr("Drag: the weight follows live; one drag is one undo step"));
    m_set = new QPushButton(tr("Set"), this);
    auto* one = new QGroupBox(tr("One weight"), this);
    auto* oneForm = new QFormLayout(one);
    oneForm->addRow(tr("Tensor"), m_tensor);
    auto* rc = new QHBoxLayout;
    rc->addWidget(new QLabel(tr("row"), this));
    rc->addWidget(m_row);
    rc->addWidget(new QLabel(tr("col"), this));
    rc->addWidget(m_column);
    oneForm->addRow(tr("Entry"), rc);
    oneForm->addRow(QString(), m_where);
    auto* valueRow = new QHBoxLayout;
    valueRow->addWidget(m_value);
    valueRow->addWidget(m_set);
    oneForm->addRow(tr("Value"), valueRow);
    oneForm->addRow(QString(), m_valueSlider);

    // A gate's bias.
    m_gate = new QComboBox(this);
    m_gate->addItems({tr("z (update)"), tr("r (reset)"), tr("h~ (candidate)")});
    m_factor = new QDoubleSpinBox(this);
    m_factor->setRange(-10, 10);
    m_factor->setDecimals(3);
    m_factor->setSingleStep(0.1);
    m_factor->setValue(2);
    m_scale = new QPushButton(tr("Scale"), this);
    m_scale->setToolTip(tr("Every bias entry of that gate, for every unit (both rows with reset_after), times the factor"));
    m_biasValue = new QDoubleSpinBox(this);
    m_biasValue->setRange(-100, 100);
    m_biasValue->setDecimals(3);
    m_biasValue->setSingleStep(0.5);
    m_biasValue->setValue(-10);
    m_setBias = new QPushButton(tr("Set"), this);
    m_setBias->setToolTip(tr("Every unit's bias of that gate set to the value (with reset_after's two rows: the input row "
                             "takes the value, the recurrent row 0)"));
    auto* bias = new QGroupBox(tr("A gate's bias"), this);
    auto* biasForm = new QGridLayout(bias);
    biasForm->addWidget(m_gate, 0, 0, 2, 1);
    biasForm->addWidget(new QLabel(QStringLiteral("×"), this), 0, 1);
    biasForm->addWidget(m_factor, 0, 2);
    biasForm->addWidget(m_scale, 0, 3);
    biasForm->addWidget(new QLabel(QStringLiteral("="), this), 1, 1);
    biasForm->addWidget(m_biasValue, 1, 2);
    biasForm->addWidget(m_setBias, 1, 3);

    // A unit.
    m_unit = new QSpinBox(this);
    m_ablate = new QPushButton(tr("Ablate"), this);
    m_ablate->setToolTip(tr("Zero the unit's h~ columns of K, R and the bias, and its row of R: h~ = tanh(0) = 0, so the "
                            "unit keeps its initial state and no other unit reads it"));
    m_hold = new QPushButton(tr("Hold"), this);
    m_hold->setToolTip(tr("Zero the unit's z columns and set its z bias to 20: z = σ(20) ≈ 1, so h' = z·h + (1 − z)·h~ ≈ h "
                          "and the unit keeps its state"));
    auto* unit = new QGroupBox(tr("A unit"), this);
    auto* unitRow = new QHBoxLayout(unit);
    unitRow->addWidget(m_unit);
    unitRow->addWidget(m_ablate);
    unitRow->addWidget(m_hold);
    unitRow->addStretch(1);

    m_undo = new QPushButton(this);
    m_redo = new QPushButton(this);
    auto* history = new QHBoxLayout;
    history->addWidget(m_undo);
    history->addWidget(m_redo);
    m_error = new QLabel(this);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #c0392b"));

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(one);
    layout->addWidget(bias);
    layout->addWidget(unit);
    layout->addLayout(history);
    layout->addWidget(m_error);
    layout->addStretch(1);

    connect(m_tensor, &QComboBox::currentIndexChanged, this, &WhatIfPanel::refresh);
    connect(m_row, &QSpinBox::valueChanged, this, &WhatIfPanel::refresh);
    connect(m_column, &QSpinBox::valueChanged, this, &WhatIfPanel::refresh);
    connect(m_set, &QPushButton::clicked, this, [this] { apply(setEdit(float(m_value->value()))); });
    connect(m_value, &QDoubleSpinBox::editingFinished, this, [this] {
        if (!m_refreshing && m_value->hasFocus())
            apply(setEdit(float(m_value->value())));
    });
    connect(m_valueSlider, &QSlider::sliderPressed, this, [this] { m_dragId = 1000 + (++m_dragSerial % 100000); });
    connect(m_valueSlider, &QSlider::sliderReleased, this, [this] { m_dragId = 0; });
    connect(m_valueSlider, &QSlider::valueChanged, this, [this](int v) {
        if (m_refreshing)
            return;
        // A drag merges into one undo step; a click or key on the slider is a step of its own.
        apply(setEdit(float(double(v) / kSliderScale)), m_dragId);
    });
    connect(m_scale, &QPushButton::clicked, this, [this] {
        WeightEdit e;
        e.kind = WeightEdit::Kind::ScaleBias;
        e.gate = m_gate->currentIndex();
        e.factor = m_factor->value();
        apply(e);
    });
    connect(m_setBias, &QPushButton::clicked, this, [this] {
        WeightEdit e;
        e.kind = WeightEdit::Kind::SetBias;
        e.gate = m_gate->currentIndex();
        e.value = float(m_biasValue->value());
        apply(e);
    });
    for (auto [button, kind] : {std::pair{m_ablate, WeightEdit::Kind::Ablate}, std::pair{m_hold, WeightEdit::Kind::Hold}})
        connect(button, &QPushButton::clicked, this, [this, kind = kind] {
            WeightEdit e;
            e.kind = kind;
            e.unit = m_unit->value();
            apply(e);
        });
    QUndoStack* stack = m_editor->stack();
    connect(m_undo, &QPushButton::clicked, stack, &QUndoStack::undo);
    connect(m_redo, &QPushButton::clicked, stack, &QUndoStack::redo);
    connect(stack, &QUndoStack::indexChanged, this, &WhatIfPanel::refresh);
    connect(stack, &QUndoStack::cleanChanged, this, &WhatIfPanel::refresh);
    connect(m_doc, &Document::weightsChanged, this, &WhatIfPanel::refresh);
    connect(m_doc, &Document::configChanged, this, &WhatIfPanel::refresh);
    // The column follows the unit selected anywhere, keeping its gate.
    connect(m_doc, &Document::unitChanged, this, [this](int u) {
        const int U = int(m_doc->config().units);
        if (u < 0 || U <= 0)
            return;
        m_unit->setValue(u);
        m_column->setValue((m_column->value() / U) * U + u);
    });
    refresh();
}

WeightEdit WhatIfPanel::setEdit(float value) const
{
    WeightEdit e;
    e.kind = WeightEdit::Kind::Set;
    e.tensor = WeightEdit::Tensor(m_tensor->currentIndex());
    e.row = m_row->value();
    e.column = m_column->value();
    e.value = value;
    return e;
}

void WhatIfPanel::apply(const WeightEdit& e, int dragId)
{
    try {
        m_editor->apply(e, dragId);
        m_error->clear();
    } catch (const std::exception& ex) {
        m_error->setText(QString::fromUtf8(ex.what()));
    }
}

QString WhatIfPanel::whereText() const { return m_where->text(); }

void WhatIfPanel::pointAt(const QString& tensor, int row, int column)
{
    static const QLatin1String names[] = {QLatin1String("kernel"), QLatin1String("recurrent_kernel"), QLatin1String("bias")};
    const auto it = std::find(std::begin(names), std::end(names), tensor);
    if (it == std::end(names) || row < 0 || column < 0)
        return;
    m_tensor->setCurrentIndex(int(it - std::begin(names))); // refresh() sets the row's range for this tensor
    if (row > m_row->maximum() || column > m_column->maximum())
        return;
    m_row->setValue(row);
    m_column->setValue(column);
}
QString WhatIfPanel::errorText() const { return m_error->text(); }

void WhatIfPanel::refresh()
{
    m_refreshing = true;
    const auto w = m_doc->weights();
    const int U = int(m_doc->config().units);
    const ArrayF* a = nullptr;
    if (w) {
        switch (m_tensor->currentIndex()) {
        case 0: a = &w->kernel; break;
        case 1: a = &w->recurrentKernel; break;
        default: a = &w->bias; break;
        }
    }
    const int rows = !a || a->data.empty() ? 0 : a->shape.size() == 2 ? int(a->shape[0]) : 1;
    m_row->setRange(0, std::max(0, rows - 1));
    m_column->setRange(0, std::max(0, 3 * U - 1));
    m_unit->setRange(0, std::max(0, U - 1));
    const bool any = rows > 0 && U > 0;
    for (QWidget* x : {static_cast<QWidget*>(m_value), static_cast<QWidget*>(m_valueSlider), static_cast<QWidget*>(m_set)})
        x->setEnabled(any);
    if (any) {
        static const char* gates[] = {"z", "r", "h~"};
        const int col = m_column->value();
        const float v = a->data[size_t(int64_t(m_row->value()) * 3 * U + col)];
        QString rowMeaning;
        if (m_tensor->currentIndex() == 0)
            rowMeaning = tr("input feature %1").arg(m_row->value());
        else if (m_tensor->currentIndex() == 1)
            rowMeaning = tr("from h of unit %1").arg(m_row->value());
        else
            rowMeaning = rows == 2 ? (m_row->value() == 0 ? tr("input bias") : tr("recurrent bias")) : tr("bias");
        m_where->setText(tr("%1 → %2 of unit %3 · now %4").arg(rowMeaning, QLatin1String(gates[col / U])).arg(col % U).arg(double(v), 0, 'g', 6));
        m_value->setValue(v);
        if (m_dragId == 0)
            m_valueSlider->setValue(int(std::lround(std::clamp(double(v), -kSliderRange, kSliderRange) * kSliderScale)));
    } else {
        m_where->setText(rows == 0 && m_tensor->currentIndex() == 2 ? tr("this layer has no bias") : QString());
    }
    QUndoStack* stack = m_editor->stack();
    m_undo->setEnabled(stack->canUndo());
    m_redo->setEnabled(stack->canRedo());
    m_undo->setText(stack->canUndo() ? tr("Undo %1").arg(stack->undoText()) : tr("Undo"));
    m_redo->setText(stack->canRedo() ? tr("Redo %1").arg(stack->redoText()) : tr("Redo"));
    m_refreshing = false;
}

} // namespace gsui
