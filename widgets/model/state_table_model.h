// StateTableModel: the initial state the next run starts from (Document::resolvedInitialState),
// B rows (samples) × U columns (units), editable in place. Editing a cell turns the state into a
// custom one with that edit applied, so "random, then tweak unit 3" is one edit. Values that are
// not the user's own (zeros, random, the last run's final state) are drawn in the placeholder
// colour.
#pragma once

#include "model/document.h"

#include <QAbstractTableModel>

namespace gsui {

class StateTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    explicit StateTableModel(Document* doc, QObject* parent = nullptr);

    // Re-reads the resolved state (its shape may have changed): a model reset. Called on every
    // document change the state depends on.
    void reload();

    int rowCount(const QModelIndex& parent = {}) const override;    // samples
    int columnCount(const QModelIndex& parent = {}) const override; // units
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    // Accepts what InputTableModel accepts (C or the user's locale, "nan", "inf"); anything else is
    // refused and the state stays.
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

private:
    Document* m_doc;
    gruscope::ArrayF m_state; // the resolved state when last reloaded
};

} // namespace gsui
