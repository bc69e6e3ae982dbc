#include "model/eligibility_fixes.h"

#include "model/document.h"

#include "gruscope/eligibility.h"

#include <QCoreApplication>

namespace gsui {

using namespace gruscope;

namespace {

QString tr(const char* text)
{
    return QCoreApplication::translate("gsui::EligibilityFixes", text);
}

// Applies one argument change; says whether anything changed.
template <class F>
bool editConfig(Document* doc, F&& edit)
{
    GruConfig c = doc->config();
    edit(c);
    if (c == doc->config())
        return false;
    doc->setConfig(c);
    return true;
}

QString unchanged(const QString& what)
{
    return tr("%1 already holds; nothing changed").arg(what);
}

} // namespace

const QStringList& fixableConditionIds()
{
    static const QStringList ids = {
        QStringLiteral("use_cudnn"),         QStringLiteral("gpu"),
        QStringLiteral("activation"),        QStringLiteral("recurrent_activation"),
        QStringLiteral("recurrent_dropout"), QStringLiteral("unroll"),
        QStringLiteral("use_bias"),          QStringLiteral("reset_after"),
        QStringLiteral("dropout"),           QStringLiteral("mask_right_padded"),
        QStringLiteral("no_fully_masked_sample"),
    };
    return ids;
}

bool isKnownCondition(const QString& id)
{
    return fixableConditionIds().contains(id) || id == QLatin1String("eager_outermost");
}

QString fixDescription(const QString& id)
{
    if (id == QLatin1String("use_cudnn"))
        return tr("Set use_cudnn to \"auto\"");
    if (id == QLatin1String("gpu"))
        return tr("Check as if a GPU were present (runs in GruScope still use the CPU)");
    if (id == QLatin1String("activation"))
        return tr("Set activation to \"tanh\"");
    if (id == QLatin1String("recurrent_activation"))
        return tr("Set recurrent_activation to \"sigmoid\"");
    if (id == QLatin1String("recurrent_dropout"))
        return tr("Set recurrent_dropout to 0");
    if (id == QLatin1String("unroll"))
        return tr("Set unroll to False");
    if (id == QLatin1String("use_bias"))
        return tr("Set use_bias to True (a zero bias is created: the numbers stay the same)");
    if (id == QLatin1String("reset_after"))
        return tr("Set reset_after to True (the bias becomes (2, 3U); the model's numbers change)");
    if (id == QLatin1String("dropout"))
        return tr("Set dropout to 0");
    if (id == QLatin1String("mask_right_padded"))
        return tr("Rewrite the mask as right-padded: each sample keeps as many steps as before, first");
    if (id == QLatin1String("no_fully_masked_sample"))
        return tr("Keep the first step of every fully masked sample");
    if (id == QLatin1String("eager_outermost"))
        return tr("Explain: GruScope always calls the layer eagerly");
    return {};
}

QString applyEligibilityFix(Document* doc, const QString& id)
{
    if (!doc)
        return tr("no document");

    if (id == QLatin1String("use_cudnn")) {
        return editConfig(doc, [](GruConfig& c) { c.use_cudnn = UseCudnn::Auto; })
                   ? tr("use_cudnn set to \"auto\": cuDNN when the other conditions allow it")
                   : unchanged(QStringLiteral("use_cudnn=\"auto\""));
    }
    if (id == QLatin1String("gpu")) {
        if (doc->assumeGpu())
            return unchanged(tr("\"Assume a GPU is present\""));
        doc->setAssumeGpu(true);
        return tr("Checking as if a GPU were present (\"Assume a GPU is present\" is on); GruScope's own runs still "
                  "use the CPU");
    }
    if (id == QLatin1String("activation")) {
        return editConfig(doc, [](GruConfig& c) { c.activation = "tanh"; }) ? tr("activation set to \"tanh\"")
                                                                            : unchanged(QStringLiteral("activation=\"tanh\""));
    }
    if (id == QLatin1String("recurrent_activation")) {
        return editConfig(doc, [](GruConfig& c) { c.recurrent_activation = "sigmoid"; })
                   ? tr("recurrent_activation set to \"sigmoid\"")
                   : unchanged(QStringLiteral("recurrent_activation=\"sigmoid\""));
    }
    if (id == QLatin1String("recurrent_dropout")) {
        return editConfig(doc, [](GruConfig& c) { c.recurrent_dropout = 0.0; }) ? tr("recurrent_dropout set to 0")
                                                                                : unchanged(QStringLiteral("recurrent_dropout=0"));
    }
    if (id == QLatin1String("unroll")) {
        return editConfig(doc, [](GruConfig& c) { c.unroll = false; }) ? tr("unroll set to False")
                                                                       : unchanged(QStringLiteral("unroll=False"));
    }
    if (id == QLatin1String("use_bias")) {
        // Document::setConfig creates the bias from bias_initializer (zeros by default).
        return editConfig(doc, [](GruConfig& c) { c.use_bias = true; }) ? tr("use_bias set to True")
                                                                        : unchanged(QStringLiteral("use_bias=True"));
    }
    if (id == QLatin1String("reset_after")) {
        // The bias (3U,) becomes the input row of a (2, 3U) bias (Document::adaptWeightsTo); z and r
        // keep their values, the candidate now applies r after the recurrent product.
        return editConfig(doc, [](GruConfig& c) { c.reset_after = true; })
                   ? tr("reset_after set to True (the candidate now applies r after h·R_h; retrain or convert the model)")
                   : unchanged(QStringLiteral("reset_after=True"));
    }
    if (id == QLatin1String("dropout")) {
        return editConfig(doc, [](GruConfig& c) { c.dropout = 0.0; }) ? tr("dropout set to 0")
                                                                      : unchanged(QStringLiteral("dropout=0"));
    }
    if (id == QLatin1String("mask_right_padded")) {
        const auto& mask = doc->mask();
        if (!mask || isRightPadded(*mask))
            return unchanged(tr("a right-padded mask"));
        // cuDNN reads a mask as one length per sample: the first `length` steps are valid. Keeping
        // each sample's number of kept steps, moved to the front, is the padding Keras wants.
        ArrayU8 m = *mask;
        const int64_t B = m.shape[0], T = m.shape[1];
        for (int64_t b = 0; b < B; ++b) {
            int64_t kept = 0;
            for (int64_t t = 0; t < T; ++t)
                kept += m.data[size_t(b * T + t)] != 0;
            for (int64_t t = 0; t < T; ++t)
                m.data[size_t(b * T + t)] = uint8_t(t < kept);
        }
        doc->setMask(std::move(m));
        return tr("mask rewritten as right-padded: each sample keeps its count of valid steps, at the start");
    }
    if (id == QLatin1String("no_fully_masked_sample")) {
        const auto& mask = doc->mask();
        if (!mask || !hasFullyMaskedSample(*mask))
            return unchanged(tr("a mask without fully masked samples"));
        ArrayU8 m = *mask;
        const int64_t B = m.shape[0], T = m.shape[1];
        QStringList samples;
        for (int64_t b = 0; b < B; ++b) {
            bool any = false;
            for (int64_t t = 0; t < T && !any; ++t)
                any = m.data[size_t(b * T + t)] != 0;
            if (!any && T > 0) {
                m.data[size_t(b * T)] = 1; // keeping step 0 leaves a right-padded mask right-padded
                samples << QString::number(b);
            }
        }
        doc->setMask(std::move(m));
        return tr("kept the first step of fully masked sample(s) %1").arg(samples.join(QStringLiteral(", ")));
    }
    if (id == QLatin1String("eager_outermost")) {
        return tr("Nothing to change in GruScope: it always calls the layer eagerly. In your program, keep TF2 eager "
                  "mode in the outermost context (do not call tf.compat.v1.disable_eager_execution())");
    }
    return tr("no automatic fix for condition \"%1\"").arg(id);
}

} // namespace gsui
