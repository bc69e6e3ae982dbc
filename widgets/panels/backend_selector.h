// BackendSelector: which backend runs the layer — auto, then every registered backend in the order
// auto considers them (model/backend_choice.h). Each item's text and tooltip say whether it can run
// the current layer here and why not; a choice that cannot is still selectable, and the run then
// fails with the engine's reason in the window's error banner rather than falling back silently.
// The items follow every change that decides what can run (arguments, mask, training, input).
#pragma once

#include "model/document.h"

#include <QComboBox>
#include <QTimer>

namespace gsui {

class BackendSelector : public QComboBox {
    Q_OBJECT
public:
    explicit BackendSelector(Document* doc, QWidget* parent = nullptr);

    // Re-checks every choice against the document now (otherwise on the next event-loop turn).
    void refresh();

protected:
    void changeEvent(QEvent* event) override;

private:
    Document* m_doc;
    QTimer m_soon; // coalesces the several signals of one edit into one check
};

} // namespace gsui
