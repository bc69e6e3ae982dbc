#include "model/chain_navigator.h"

#include "model/engine_qt.h"
#include "model/model_files.h"

#include "gruscope/error.h"

namespace gsui {

using namespace gruscope;

ChainNavigator::ChainNavigator(Document* doc, QObject* parent) : QObject(parent), m_doc(doc)
{
    // A model from elsewhere (an example, a session, another file) ends the navigation; an input
    // edited on the first stage becomes the chain's input.
    connect(doc, &Document::modelReplaced, this, [this] {
        if (!m_showing)
            clear();
    });
    connect(doc, &Document::inputChanged, this, [this] {
        if (!m_showing && m_current >= 0 && m_choices[size_t(m_current)].stage == 0) {
            m_input = m_doc->input();
            m_inputSource = m_doc->inputSource();
        }
    });
    connect(doc, &Document::maskChanged, this, [this] {
        if (!m_showing && m_current >= 0 && m_choices[size_t(m_current)].stage == 0)
            m_mask = m_doc->mask();
    });
}

void ChainNavigator::clear()
{
    m_file.reset();
    m_chain.reset();
    m_choices.clear();
    m_labels.clear();
    m_summary.clear();
    m_current = -1;
    emit changed();
}

void ChainNavigator::setFile(std::shared_ptr<const LoadedWeightFile> file, int shownLayer)
{
    clear();
    if (!file || file->info.layers.empty())
        return;
    try {
        m_chain = planModelChain(file->info);
    } catch (const Error&) {
        return; // nothing to chain (the window still shows the layer it opened)
    }
    m_file = std::move(file);
    const WeightFileInfo& info = m_file->info;
    for (size_t s = 0; s < m_chain->stages.size(); ++s) {
        const ChainStage& st = m_chain->stages[s];
        for (size_t k = 0; k < st.layers.size(); ++k) {
            m_choices.push_back({s, st.layers[k]});
            m_labels << (st.layers.size() == 2 ? tr("%1 · %2 · %3").arg(s + 1).arg(qs(st.name), k == 0 ? tr("forward") : tr("backward"))
                                               : tr("%1 · %2").arg(s + 1).arg(qs(st.name)));
        }
    }
    m_summary = qs(describeModelChain(*m_chain, info)).trimmed();
    // Nothing to choose between: one plain GRU.
    if (m_choices.size() < 2) {
        m_choices.clear();
        m_labels.clear();
        emit changed();
        return;
    }
    m_current = -1;
    for (size_t i = 0; i < m_choices.size(); ++i)
        if (m_choices[i].layer == size_t(shownLayer))
            m_current = int(i);
    // The window's input is the input of the layer it shows; only the first stage's is the chain's.
    if (m_current >= 0 && m_choices[size_t(m_current)].stage == 0) {
        m_input = m_doc->input();
        m_inputSource = m_doc->inputSource();
        m_mask = m_doc->mask();
    } else if (m_current >= 0) {
        m_input = ArrayF(); // known once the first stage is shown
    }
    emit changed();
}

int ChainNavigator::choiceOfLayer(int layer) const
{
    for (size_t i = 0; i < m_choices.size(); ++i)
        if (m_choices[i].layer == size_t(layer))
            return int(i);
    return -1;
}

void ChainNavigator::show(int index)
{
    if (!m_file || index < 0 || index >= int(m_choices.size()))
        return;
    const Choice c = m_choices[size_t(index)];
    const WeightFileInfo& info = m_file->info;
    if (m_input.data.empty() && c.stage != 0)
        throw Error(ErrorCode::InvalidArgument, "show the first layer first: its input is the model's input");
    // The stages before this one, on the chain's input (before anything changes).
    ArrayF x = m_input;
    if (c.stage > 0) {
        ModelChain prefix = *m_chain;
        prefix.stages.resize(c.stage);
        CallInputs in;
        in.x = m_input;
        in.mask = m_mask;
        const auto out = runModelChain(prefix, info, [this](size_t i) { return m_file->weights(i); }, in, BackendKind::Cpu);
        x = out.back().output;
    }
    const int step = m_doc->currentStep();
    m_showing = true;
    try {
        loadLayer(*m_doc, *m_file, int(c.layer));
        if (m_input.data.empty()) { // the first stage, shown first from a later one: its input as the window made it
            m_input = m_doc->input();
            m_inputSource = m_doc->inputSource();
            m_mask = m_doc->mask();
        } else {
            // The first stage's input is the user's if it was; a later stage's is the model's.
            m_doc->setInput(x, c.stage == 0 ? tr("the model's input") : tr("the output of %1").arg(qs(m_chain->stages[c.stage - 1].name)),
                            c.stage == 0 ? m_inputSource : Document::InputSource::Given);
            const bool maskFits = m_mask && m_mask->shape == Shape({x.shape[0], x.shape[1]});
            m_doc->setMask(maskFits ? m_mask : std::nullopt);
        }
    } catch (...) {
        m_showing = false;
        throw;
    }
    m_showing = false;
    m_doc->setCurrentStep(step);
    m_current = index;
    emit changed();
}

} // namespace gsui
