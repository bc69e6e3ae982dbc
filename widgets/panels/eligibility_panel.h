// EligibilityPanel: would Keras run this GRU through cuDNN, and why not? A verdict at the top,
// then one row per condition gruscope::checkCudnnEligibility reports — a green, red or grey
// (does not apply to this flavor) mark, the title, the reason in words and, on failing rows, a
// "Fix" button that changes what has to change (eligibility_fixes.h). Below: the report's notes,
// the Keras version the rules follow, "Assume a GPU is present" and a line on this machine's GPU.
//
// Eligibility is a cheap pure function, so the panel recomputes synchronously on every document
// signal that can change it: no debounce, no visible delay. Rows are created once per condition
// id and updated in place — a Fix button is never deleted from inside its own click.
#pragma once

#include "model/document.h"

#include <QHash>
#include <QWidget>

class QAbstractButton;
class QCheckBox;
class QFrame;
class QLabel;
class QLineEdit;
class QPushButton;
class QVBoxLayout;

namespace gsui {

class EligibilityPanel : public QWidget {
    Q_OBJECT
public:
    explicit EligibilityPanel(Document* doc, QWidget* parent = nullptr);

    // For tests and the main window.
    int conditionCount() const;                         // conditions in the last report
    bool eligible() const;                              // the last report's verdict
    bool rowOk(const QString& id) const;                // false for an unknown id
    bool rowApplies(const QString& id) const;           // false for an unknown id
    QString rowReason(const QString& id) const;         // the reason as shown
    QAbstractButton* fixButton(const QString& id) const; // null for an unknown id; hidden unless failing
    QString gpuStatus() const;                          // the GPU line as shown
    QString verdictText() const;
    QStringList notes() const;

public slots:
    void refresh();

signals:
    // A fix was applied; `description` says what changed (also sent as Document::notice).
    void fixApplied(const QString& id, const QString& description);

protected:
    void changeEvent(QEvent* event) override;

private:
    struct Row {
        QFrame* frame = nullptr;
        QLabel* mark = nullptr;
        QLabel* title = nullptr;
        QLabel* reason = nullptr;
        QPushButton* fix = nullptr;
        bool ok = true;
        bool applies = true;
        int state = -1; // what the mark shows: 0 fails, 1 ok, 2 does not apply
    };

    Row& rowFor(const std::string& id);
    void applyFix(const QString& id);
    void updateMark(Row& row, int state, bool force = false);
    void restyle();
    QString describeGpu() const;

    Document* m_doc;
    QLabel* m_verdict = nullptr;
    QLabel* m_verdictDetail = nullptr;
    QVBoxLayout* m_rowsLayout = nullptr;
    QLabel* m_notes = nullptr;
    QLineEdit* m_kerasVersion = nullptr;
    QCheckBox* m_assumeGpu = nullptr;
    QLabel* m_gpu = nullptr;

    QHash<QString, Row> m_rows;
    QStringList m_order;
    QStringList m_noteList;
    bool m_eligible = false;
    int m_count = 0;
    int m_verdictState = -1;
};

} // namespace gsui
