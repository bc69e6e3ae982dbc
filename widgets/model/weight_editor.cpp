#include "model/weight_editor.h"

#include <QUndoCommand>

namespace gsui {

using namespace gruscope;

class WeightEditCommand : public QUndoCommand {
public:
    WeightEditCommand(WeightEditor* editor, std::shared_ptr<const GruWeights> before, std::shared_ptr<const GruWeights> after,
                      const QString& text, int dragId)
        : m_editor(editor), m_before(std::move(before)), m_after(std::move(after)), m_dragId(dragId)
    {
        setText(text);
    }
    void redo() override { set(*m_after); }
    void undo() override { set(*m_before); }
    int id() const override { return m_dragId == 0 ? -1 : m_dragId; }
    bool mergeWith(const QUndoCommand* other) override
    {
        const auto* o = static_cast<const WeightEditCommand*>(other);
        m_after = o->m_after;
        setText(o->text());
        return true;
    }

private:
    void set(const GruWeights& w)
    {
        m_editor->m_applying = true;
        m_editor->m_doc->setWeights(w);
        m_editor->m_applying = false;
    }

    WeightEditor* m_editor;
    std::shared_ptr<const GruWeights> m_before, m_after;
    int m_dragId;
};

WeightEditor::WeightEditor(Document* doc, QObject* parent) : QObject(parent), m_doc(doc)
{
    auto forget = [this] {
        if (!m_applying)
            m_stack.clear();
    };
    connect(doc, &Document::weightsChanged, this, forget);
    connect(doc, &Document::modelReplaced, this, forget);
}

void WeightEditor::apply(const WeightEdit& edit, int dragId)
{
    const auto before = m_doc->weights();
    auto after = std::make_shared<GruWeights>(*before);
    applyWeightEdit(*after, m_doc->config().units, edit); // throws before anything changes
    m_stack.push(new WeightEditCommand(this, before, std::move(after),
                                       QString::fromStdString(describeWeightEdit(edit, m_doc->config().units)), dragId));
}

} // namespace gsui
