// InputTableModel: the Document's input values for one sample as a table — rows are timesteps,
// columns are features — editable in place. It always shows the Document's selected sample, so
// the table, the plots and the equation view talk about the same sequence. Masked steps are drawn
// greyed (the layer skips them: h_t = h_{t−1}), and the current step's row is tinted.
#pragma once

#include "model/document.h"

#include <QAbstractTableModel>

namespace gsui {

class InputTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    explicit InputTableModel(Document* doc, QObject* parent = nullptr);

    // The sample shown (the Document's selected sample).
    int sample() const;

    int rowCount(const QModelIndex& parent = {}) const override;    // timesteps
    int columnCount(const QModelIndex& parent = {}) const override; // features
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    // Accepts any number QString::toDouble reads in the C locale or the user's locale ("nan" and
    // "inf" included); anything else is refused and the value stays.
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

    // Time index t is masked (skipped) for the shown sample.
    bool isMasked(int t) const;

private:
    void onInputChanged();
    void refreshAll();
    void onStepChanged();
    int currentTimeIndex() const; // the time index the current processing step reads

    Document* m_doc;
    int m_rows = 0, m_columns = 0;
    int m_highlightRow = -1;
};

} // namespace gsui
