// ChainNavigator: the whole model of a weight file in the window, one layer at a time. The file's
// chain (gruscope/model_chain.h) is planned when the file opens; choosing a stage (and, for a
// Bidirectional, a direction) puts that layer into the Document with the input the model gives
// it: the window's input run through the stages before it. Every view then shows that layer,
// at the same step, so stepping moves through all layers together. The chain's input is the
// window's input as it was when the first stage was shown; editing the input on the first stage
// changes it.
#pragma once

#include "model/document.h"

#include "gruscope/isolated_parse.h"
#include "gruscope/model_chain.h"

#include <QObject>
#include <QStringList>

#include <memory>
#include <optional>

namespace gsui {

class ChainNavigator : public QObject {
    Q_OBJECT
public:
    explicit ChainNavigator(Document* doc, QObject* parent = nullptr);

    // The file just opened (its layer `shownLayer` of WeightFileInfo::layers is in the document).
    // A file whose chain has one plain GRU has nothing to navigate (choices() is empty).
    void setFile(std::shared_ptr<const gruscope::LoadedWeightFile> file, int shownLayer);
    void clear();

    // "1 · gru_1", "2 · bidirectional · forward", ...; empty when there is nothing to choose.
    QStringList choices() const { return m_labels; }
    int current() const { return m_current; }
    // Why the chain ends where it does, and what comes before it (for a tooltip).
    QString summary() const { return m_summary; }

    // The choice that shows layer `layer` of WeightFileInfo::layers, or −1.
    int choiceOfLayer(int layer) const;

    // Shows choice `index`. Throws gruscope::Error (a stage before it cannot run on this input);
    // the document is unchanged then.
    void show(int index);

signals:
    void changed(); // choices or current changed

private:
    struct Choice {
        size_t stage = 0;
        size_t layer = 0; // index into WeightFileInfo::layers
    };

    Document* m_doc;
    std::shared_ptr<const gruscope::LoadedWeightFile> m_file;
    std::optional<gruscope::ModelChain> m_chain;
    std::vector<Choice> m_choices;
    QStringList m_labels;
    QString m_summary;
    int m_current = -1;
    gruscope::ArrayF m_input; // the first stage's input
    Document::InputSource m_inputSource = Document::InputSource::Given;
    std::optional<gruscope::ArrayU8> m_mask;
    bool m_showing = false;   // our own setModel/setInput
};

} // namespace gsui
