// The lessons' content. Each check looks at the Document only, so a student may do a task any way
// the window allows (the panel, the What if tab, a typed value) and still pass.
#include "model/lessons.h"

#include "model/examples.h"

#include "gruscope/eligibility.h"
#include "gruscope/weight_edits.h"

namespace gsui {

using namespace gruscope;

namespace {

// Every r bias entry of every unit set to `value` (the reset gate then sits at σ(value)).
// What the What if panel's "A gate's bias: r = value, Set" does.
void setResetBias(Document& doc, float value)
{
    GruWeights w = *doc.weights();
    WeightEdit e;
    e.kind = WeightEdit::Kind::SetBias;
    e.gate = 1;
    e.value = value;
    applyWeightEdit(w, doc.config().units, e);
    doc.setWeights(std::move(w));
}

bool resetBiasBelow(const Document& doc, float limit)
{
    const auto w = doc.weights();
    const int64_t U = doc.config().units;
    if (!w || w->bias.data.empty())
        return false;
    const int64_t rows = w->bias.shape.size() == 2 ? w->bias.shape[0] : 1;
    for (int64_t j = 0; j < U; ++j) {
        float sum = 0;
        for (int64_t r = 0; r < rows; ++r)
            sum += w->bias.data[size_t(r * 3 * U + U + j)];
        if (sum > limit)
            return false;
    }
    return true;
}

void setFlag(Document& doc, bool GruConfig::*flag, bool value)
{
    GruConfig c = doc.config();
    c.*flag = value;
    doc.setConfig(c);
}

// A (B, T) mask keeping the first or the last `keep` steps of every sample.
ArrayU8 paddedMask(const Document& doc, int64_t keep, bool right)
{
    const int64_t B = doc.batch(), T = doc.steps();
    ArrayU8 m({B, T}, 0);
    for (int64_t b = 0; b < B; ++b)
        for (int64_t t = 0; t < T; ++t)
            m.data[size_t(b * T + t)] = right ? (t < keep) : (t >= T - keep);
    return m;
}

bool hasPadding(const Document& doc)
{
    if (!doc.mask())
        return false;
    for (auto v : doc.mask()->data)
        if (v == 0)
            return true;
    return false;
}

std::vector<Lesson> build()
{
    std::vector<Lesson> all;

    all.push_back({QObject::tr("What z, the update gate, does"),
                   {
                       {QObject::tr("A GRU keeps one number per unit, its state <b>h</b>, and updates it at every step of "
                                    "the sequence. The <b>update gate z</b> (between 0 and 1) decides how much of the old "
                                    "state to keep:<br><b>h<sub>new</sub> = z·h<sub>old</sub> + (1 − z)·h~</b><br>where h~ is "
                                    "a new candidate made from the input. z near 1 keeps the old state; z near 0 replaces it."),
                        QObject::tr("Step through time with → (or the ▶ buttons) to step 3 and watch the z row of the "
                                    "heatmaps change."),
                        LessonView::Gates, [](Document& d) { loadExample(d, QStringLiteral("sine")); },
                        [](const Document& d) { return d.currentStep() >= 3; }, [](Document& d) { d.setCurrentStep(3); }},
                       {QObject::tr("Now force unit 0 to keep its state: make its z almost exactly 1. In <b>What if</b>, "
                                    "<i>Hold</i> zeroes z's weights for that unit and sets its bias to 20, so z = σ(20) ≈ 1."),
                        QObject::tr("In What if ▸ A unit, choose unit 0 and press Hold."), LessonView::WhatIf, {},
                        [](const Document& d) {
                            const auto w = d.weights();
                            return w && !w->bias.data.empty() && w->bias.data[0] >= 19.0f;
                        },
                        [](Document& d) {
                            GruWeights w = *d.weights();
                            WeightEdit e;
                            e.kind = WeightEdit::Kind::Hold;
                            e.unit = 0;
                            applyWeightEdit(w, d.config().units, e);
                            d.setWeights(std::move(w));
                        }},
                       {QObject::tr("Unit 0's line in <b>Units over time</b> is now flat at its starting value 0: with z ≈ 1 "
                                    "the new candidate never gets in. Ctrl+Z (Edit ▸ Undo) brings the weights back."),
                        QObject::tr("Compare it with a free unit: Ctrl+click unit 1 in a heatmap so that the line plot shows "
                                    "units 0 and 1 together."),
                        LessonView::UnitLines, {},
                        [](const Document& d) { return d.plottedUnits().contains(0) && d.plottedUnits().contains(1); },
                        [](Document& d) { d.setPlottedUnits({0, 1}); }},
                   }});

    all.push_back({QObject::tr("What r, the reset gate, does"),
                   {
                       {QObject::tr("The candidate h~ is made from the input and from the old state:<br><b>h~ = tanh(x·K + "
                                    "b<sub>in</sub> + r ⊙ (h·R + b<sub>rec</sub>))</b><br>The <b>reset gate r</b> (between 0 and "
                                    "1) decides how much of the old state goes into the candidate. r near 0 makes the "
                                    "candidate forget the past and listen to the input alone."),
                        QObject::tr("Push every unit's r towards 0: in What if ▸ A gate's bias, choose r (reset), set the "
                                    "value −10 and press Set."),
                        LessonView::WhatIf, [](Document& d) { loadExample(d, QStringLiteral("sine")); },
                        [](const Document& d) { return resetBiasBelow(d, -5.0f); }, [](Document& d) { setResetBias(d, -10.0f); }},
                       {QObject::tr("The r row of the heatmaps is now dark (near 0) everywhere. In <b>Equations</b> the "
                                    "term r ⊙ (h·R + b<sub>rec</sub>) is about 0: each unit's candidate depends "
                                    "on the current input only."),
                        QObject::tr("Step to step 5 and read the h~ line in the equations."), LessonView::Equations, {},
                        [](const Document& d) { return d.currentStep() >= 5; }, [](Document& d) { d.setCurrentStep(5); }},
                   }});

    all.push_back({QObject::tr("reset_after: r before or after the product"),
                   {
                       {QObject::tr("There are two ways to apply r. Keras 3 (and cuDNN) use <b>reset_after=True</b>: "
                                    "r ⊙ (h·R + b<sub>rec</sub>), r multiplies after the product. Older Keras used "
                                    "<b>reset_after=False</b>: (r ⊙ h)·R, r multiplies the state before it. They give "
                                    "different numbers from the same weights, and the bias has another shape."),
                        QObject::tr("Untick reset_after in Layer arguments."), LessonView::Arguments,
                        [](Document& d) { loadExample(d, QStringLiteral("sine")); },
                        [](const Document& d) { return !d.config().reset_after; },
                        [](Document& d) { setFlag(d, &GruConfig::reset_after, false); }},
                       {QObject::tr("The <b>cuDNN eligibility</b> panel now fails a condition: cuDNN only has the "
                                    "reset_after=True form, so on a GPU Keras would run its slower generic loop. The "
                                    "equations show r ⊙ h inside the product."),
                        QObject::tr("Read the failing condition, then tick reset_after again."), LessonView::Eligibility, {},
                        [](const Document& d) { return d.config().reset_after; },
                        [](Document& d) { setFlag(d, &GruConfig::reset_after, true); }},
                   }});

    all.push_back({QObject::tr("Masks must be right-padded for cuDNN"),
                   {
                       {QObject::tr("Sequences in a batch have different lengths; shorter ones are padded and a <b>mask</b> "
                                    "marks the padding (0) so the layer skips those steps. This example's four sequences "
                                    "have 12, 9, 6 and 3 real steps, padding after them: <b>right padding</b>, 1 1 1 0 0, "
                                    "the only kind Keras's cuDNN path works with. On masked steps the state h is kept: see the "
                                    "flat end of the h heatmap for samples 1 to 3 (Sample, top right)."),
                        QObject::tr("Give the input a left-padded mask (0 0 1 1 1): Input ▸ Mask ▸ left-padded preset."),
                        LessonView::Input, [](Document& d) { loadExample(d, QStringLiteral("masked_sum")); },
                        [](const Document& d) { return hasPadding(d) && !isRightPadded(*d.mask()); },
                        [](Document& d) { d.setMask(paddedMask(d, std::max<int64_t>(1, d.steps() * 2 / 3), false)); }},
                       {QObject::tr("The <b>cuDNN eligibility</b> panel now fails the mask condition: cuDNN would read the "
                                    "padding as real steps, so Keras does not give it this mask."),
                        QObject::tr("Make the mask right-padded (the right-padded preset), with some padding left."),
                        LessonView::Eligibility, {}, [](const Document& d) { return hasPadding(d) && isRightPadded(*d.mask()); },
                        [](Document& d) { d.setMask(paddedMask(d, std::max<int64_t>(1, d.steps() * 2 / 3), true)); }},
                   },
                   QStringLiteral("masked_sum")});

    all.push_back({QObject::tr("go_backwards and stateful"),
                   {
                       {QObject::tr("<b>go_backwards=True</b> makes the layer read the sequence from its last step to its "
                                    "first. The heatmaps' axis is the processing step: step 0 now reads the last time step "
                                    "(the equations say which time index t each step reads)."),
                        QObject::tr("Tick go_backwards in Layer arguments."), LessonView::Arguments,
                        [](Document& d) { loadExample(d, QStringLiteral("sine")); },
                        [](const Document& d) { return d.config().go_backwards; },
                        [](Document& d) { setFlag(d, &GruConfig::go_backwards, true); }},
                       {QObject::tr("<b>stateful=True</b> carries the final state of one call into the next, so a long "
                                    "sequence can be fed in pieces. Here the same effect: start each run from the last "
                                    "run's final state instead of zeros."),
                        QObject::tr("In Input ▸ Initial state choose \"the last run's final state\"."), LessonView::Input, {},
                        [](const Document& d) { return d.initialStateMode() == InitialStateMode::LastFinal; },
                        [](Document& d) { d.setInitialStateMode(InitialStateMode::LastFinal); }},
                   }});
    return all;
}

} // namespace

const std::vector<Lesson>& lessons()
{
    static const std::vector<Lesson> all = build();
    return all;
}

} // namespace gsui
