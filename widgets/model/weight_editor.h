// WeightEditor: what-if edits of the Document's weights with undo and redo (Edit ▸ Undo, Redo).
// Each edit (gruscope/weight_edits.h) is one step of a QUndoStack holding the weights before and
// after; a slider's drag merges into one step. Any other change of the weights (a new file, other
// units, re-initialised weights) ends the history: its steps no longer fit.
#pragma once

#include "model/document.h"

#include "gruscope/weight_edits.h"

#include <QObject>
#include <QUndoStack>

namespace gsui {

class WeightEditor : public QObject {
    Q_OBJECT
public:
    explicit WeightEditor(Document* doc, QObject* parent = nullptr);

    // Applies the edit as one undo step; `dragId` ≠ 0: consecutive edits with the same id (a
    // slider being dragged) merge into one step. Throws gruscope::Error for an edit that does not
    // fit the weights; nothing changes then.
    void apply(const gruscope::WeightEdit& edit, int dragId = 0);
    QUndoStack* stack() { return &m_stack; }
    // Whether the weights differ from those the model was opened with.
    bool edited() const { return m_stack.index() > 0; }

private:
    Document* m_doc;
    QUndoStack m_stack;
    bool m_applying = false; // our own setWeights: not an outside change
    friend class WeightEditCommand;
};

} // namespace gsui
