#include "model/state_table_model.h"

#include <QGuiApplication>
#include <QLocale>
#include <QPalette>

namespace gsui {

StateTableModel::StateTableModel(Document* doc, QObject* parent) : QAbstractTableModel(parent), m_doc(doc)
{
    // What the resolved state depends on: the mode and its values, B (the input), U (the
    // arguments) and, in LastFinal mode, the last run.
    connect(doc, &Document::initialStateChanged, this, &StateTableModel::reload);
    connect(doc, &Document::inputChanged, this, &StateTableModel::reload);
    connect(doc, &Document::configChanged, this, &StateTableModel::reload);
    connect(doc, &Document::resultChanged, this, [this] {
        if (m_doc->initialStateMode() == InitialStateMode::LastFinal)
            reload();
    });
    reload();
}

void StateTableModel::reload()
{
    beginResetModel();
    m_state = m_doc->resolvedInitialState();
    endResetModel();
}

int StateTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() || m_state.rank() != 2 ? 0 : int(m_state.shape[0]);
}

int StateTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() || m_state.rank() != 2 ? 0 : int(m_state.shape[1]);
}

QVariant StateTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= columnCount())
        return {};
    const float v = m_state.data[size_t(int64_t(index.row()) * m_state.shape[1] + index.column())];
    switch (role) {
    case Qt::DisplayRole: return QString::number(double(v), 'g', 4);
    case Qt::EditRole: return QString::number(double(v), 'g', 9);
    case Qt::TextAlignmentRole: return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ToolTipRole: return tr("h0[sample %1, unit %2] = %3").arg(index.row()).arg(index.column()).arg(double(v), 0, 'g', 9);
    case Qt::ForegroundRole:
        if (m_doc->initialStateMode() != InitialStateMode::Custom)
            return QGuiApplication::palette().color(QPalette::PlaceholderText);
        return {};
    default: return {};
    }
}

QVariant StateTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole)
        return {};
    return orientation == Qt::Horizontal ? QStringLiteral("u%1").arg(section) : QStringLiteral("b%1").arg(section);
}

Qt::ItemFlags StateTableModel::flags(const QModelIndex& index) const
{
    return index.isValid() ? Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsEditable : Qt::NoItemFlags;
}

bool StateTableModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (role != Qt::EditRole || !index.isValid() || index.row() >= rowCount() || index.column() >= columnCount())
        return false;
    const QString text = value.toString().trimmed();
    bool ok = false;
    double v = QLocale::c().toDouble(text, &ok);
    if (!ok)
        v = QLocale().toDouble(text, &ok);
    if (!ok)
        v = text.toDouble(&ok); // "nan", "inf"
    if (!ok)
        return false;
    gruscope::ArrayF s = m_doc->resolvedInitialState();
    if (s.shape != m_state.shape)
        return false;
    s.data[size_t(int64_t(index.row()) * s.shape[1] + index.column())] = float(v);
    try {
        m_doc->setCustomInitialState(std::move(s)); // emits initialStateChanged: the editor reloads
    } catch (const std::exception&) {
        return false;
    }
    return true;
}

} // namespace gsui
