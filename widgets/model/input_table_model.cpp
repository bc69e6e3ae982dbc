#include "model/input_table_model.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <QGuiApplication>
#include <QLocale>
#include <QPalette>

#include <algorithm>

namespace gsui {

InputTableModel::InputTableModel(Document* doc, QObject* parent)
    : QAbstractTableModel(parent), m_doc(doc), m_rows(int(doc->steps())), m_columns(int(doc->features()))
{
    m_highlightRow = currentTimeIndex();
    connect(doc, &Document::inputChanged, this, &InputTableModel::onInputChanged);
    connect(doc, &Document::maskChanged, this, &InputTableModel::refreshAll);
    connect(doc, &Document::sampleChanged, this, &InputTableModel::refreshAll);
    connect(doc, &Document::stepChanged, this, &InputTableModel::onStepChanged);
    // go_backwards changes which time index the current step reads.
    connect(doc, &Document::configChanged, this, &InputTableModel::onStepChanged);
}

int InputTableModel::sample() const
{
    return std::clamp(m_doc->selectedSample(), 0, std::max(1, int(m_doc->batch())) - 1);
}

int InputTableModel::currentTimeIndex() const
{
    const int T = int(m_doc->steps());
    if (T <= 0)
        return -1;
    const int s = std::clamp(m_doc->currentStep(), 0, T - 1);
    return m_doc->config().go_backwards ? T - 1 - s : s;
}

int InputTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : m_rows; }
int InputTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : m_columns; }

bool InputTableModel::isMasked(int t) const
{
    const auto& mask = m_doc->mask();
    if (!mask || t < 0 || t >= m_doc->steps())
        return false;
    return mask->data[size_t(int64_t(sample()) * m_doc->steps() + t)] == 0;
}

QVariant InputTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows || index.column() >= m_columns || m_doc->batch() == 0)
        return {};
    const int t = index.row(), i = index.column();
    const float v = m_doc->input().data[size_t((int64_t(sample()) * m_doc->steps() + t) * m_doc->features() + i)];
    switch (role) {
    case Qt::DisplayRole: return QString::number(double(v), 'g', 6);
    case Qt::EditRole: return QString::number(double(v), 'g', 9); // float32 round-trips in 9 digits
    case Qt::TextAlignmentRole: return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ForegroundRole:
        if (isMasked(t))
            return QBrush(QGuiApplication::palette().color(QPalette::Disabled, QPalette::Text));
        return {};
    case Qt::FontRole:
        if (isMasked(t)) {
            QFont f;
            f.setItalic(true);
            return f;
        }
        return {};
    case Qt::BackgroundRole:
        if (t == m_highlightRow) {
            QColor c = QGuiApplication::palette().color(QPalette::Highlight);
            c.setAlpha(50);
            return QBrush(c);
        }
        return {};
    case Qt::ToolTipRole:
        return tr("sample %1, t = %2, x%3 = %4%5")
            .arg(QString::number(sample()), QString::number(t), QString::number(i), QString::number(double(v), 'g', 9),
                 isMasked(t) ? tr("\nmasked: the layer skips this step and keeps h") : QString());
    default: return {};
    }
}

QVariant InputTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal) {
        if (role == Qt::DisplayRole)
            return QStringLiteral("x%1").arg(section);
        if (role == Qt::ToolTipRole)
            return tr("input feature %1").arg(section);
        return {};
    }
    if (role == Qt::DisplayRole)
        return isMasked(section) ? tr("%1 ∅").arg(section) : QString::number(section);
    if (role == Qt::ToolTipRole)
        return isMasked(section) ? tr("t = %1 (masked)").arg(section) : tr("t = %1").arg(section);
    if (role == Qt::ForegroundRole && isMasked(section))
        return QBrush(QGuiApplication::palette().color(QPalette::Disabled, QPalette::Text));
    return {};
}

Qt::ItemFlags InputTableModel::flags(const QModelIndex& index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsEditable;
}

bool InputTableModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (role != Qt::EditRole || !index.isValid() || index.row() >= m_rows || index.column() >= m_columns)
        return false;
    const QString text = value.toString().trimmed();
    bool ok = false;
    double v = QLocale::c().toDouble(text, &ok);
    if (!ok)
        v = QLocale().toDouble(text, &ok);
    if (!ok) {
        // QLocale does not read "nan"/"inf"; QString::toDouble does.
        v = text.toDouble(&ok);
    }
    if (!ok)
        return false;
    m_doc->setInputValue(sample(), index.row(), index.column(), float(v));
    return true;
}

void InputTableModel::onInputChanged()
{
    const int rows = int(m_doc->steps()), columns = int(m_doc->features());
    if (rows != m_rows || columns != m_columns) {
        beginResetModel();
        m_rows = rows;
        m_columns = columns;
        m_highlightRow = currentTimeIndex();
        endResetModel();
        return;
    }
    refreshAll();
}

void InputTableModel::refreshAll()
{
    if (m_rows > 0 && m_columns > 0)
        emit dataChanged(index(0, 0), index(m_rows - 1, m_columns - 1));
    if (m_rows > 0)
        emit headerDataChanged(Qt::Vertical, 0, m_rows - 1);
}

void InputTableModel::onStepChanged()
{
    const int row = currentTimeIndex();
    if (row == m_highlightRow)
        return;
    const int old = m_highlightRow;
    m_highlightRow = row;
    for (int r : {old, row})
        if (r >= 0 && r < m_rows && m_columns > 0)
            emit dataChanged(index(r, 0), index(r, m_columns - 1), {Qt::BackgroundRole});
}

} // namespace gsui
