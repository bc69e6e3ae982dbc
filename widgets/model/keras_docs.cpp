#include "model/keras_docs.h"

#include <QHash>

namespace gsui {

namespace {

enum Availability { Both, Keras3Only, TfKerasOnly };

struct ArgDoc {
    const char* name;
    const char* doc;
    const char* defaultText; // as Python writes it; "" = required
    Availability availability;
};

// Docstring wording condensed to one line each (Keras 3 keras/src/layers/rnn/gru.py; tf.keras-only
// arguments from tf_keras/src/layers/rnn/gru.py; zero_output_for_mask from the RNN base class,
// which GRU receives through **kwargs; name from the Layer base class).
const ArgDoc kArgs[] = {
    {"units", "Positive integer, dimensionality of the output space.", "", Both},
    {"activation",
     "Activation function to use. Default: hyperbolic tangent (tanh). If you pass None, no activation is applied "
     "(ie. \"linear\" activation: a(x) = x).",
     "\"tanh\"", Both},
    {"recurrent_activation",
     "Activation function to use for the recurrent step. Default: sigmoid (sigmoid). If you pass None, no activation "
     "is applied (ie. \"linear\" activation: a(x) = x).",
     "\"sigmoid\"", Both},
    {"use_bias", "Boolean, (default True), whether the layer should use a bias vector.", "True", Both},
    {"kernel_initializer",
     "Initializer for the kernel weights matrix, used for the linear transformation of the inputs. Default: "
     "\"glorot_uniform\".",
     "\"glorot_uniform\"", Both},
    {"recurrent_initializer",
     "Initializer for the recurrent_kernel weights matrix, used for the linear transformation of the recurrent "
     "state. Default: \"orthogonal\".",
     "\"orthogonal\"", Both},
    {"bias_initializer", "Initializer for the bias vector. Default: \"zeros\".", "\"zeros\"", Both},
    {"kernel_regularizer", "Regularizer function applied to the kernel weights matrix. Default: None.", "None", Both},
    {"recurrent_regularizer", "Regularizer function applied to the recurrent_kernel weights matrix. Default: None.",
     "None", Both},
    {"bias_regularizer", "Regularizer function applied to the bias vector. Default: None.", "None", Both},
    {"activity_regularizer",
     "Regularizer function applied to the output of the layer (its \"activation\"). Default: None.", "None", Both},
    {"kernel_constraint", "Constraint function applied to the kernel weights matrix. Default: None.", "None", Both},
    {"recurrent_constraint", "Constraint function applied to the recurrent_kernel weights matrix. Default: None.",
     "None", Both},
    {"bias_constraint", "Constraint function applied to the bias vector. Default: None.", "None", Both},
    {"dropout",
     "Float between 0 and 1. Fraction of the units to drop for the linear transformation of the inputs. Default: 0.",
     "0.0", Both},
    {"recurrent_dropout",
     "Float between 0 and 1. Fraction of the units to drop for the linear transformation of the recurrent state. "
     "Default: 0.",
     "0.0", Both},
    {"seed", "Random seed for dropout.", "None", Keras3Only},
    {"return_sequences",
     "Boolean. Whether to return the last output in the output sequence, or the full sequence. Default: False.",
     "False", Both},
    {"return_state", "Boolean. Whether to return the last state in addition to the output. Default: False.", "False",
     Both},
    {"go_backwards",
     "Boolean (default False). If True, process the input sequence backwards and return the reversed sequence.",
     "False", Both},
    {"stateful",
     "Boolean (default: False). If True, the last state for each sample at index i in a batch will be used as "
     "initial state for the sample of index i in the following batch.",
     "False", Both},
    {"unroll",
     "Boolean (default: False). If True, the network will be unrolled, else a symbolic loop will be used. Unrolling "
     "can speed-up a RNN, although it tends to be more memory-intensive. Unrolling is only suitable for short "
     "sequences.",
     "False", Both},
    {"reset_after",
     "GRU convention (whether to apply reset gate after or before matrix multiplication). False is \"before\", True "
     "is \"after\" (default and cuDNN compatible).",
     "True", Both},
    {"use_cudnn",
     "Whether to use a cuDNN-backed implementation. \"auto\" will attempt to use cuDNN when feasible, and will "
     "fallback to the default implementation if not.",
     "\"auto\"", Keras3Only},
    {"zero_output_for_mask",
     "Boolean (default False). Whether the output should use zeros for the masked timesteps. Note that this field "
     "is only used when return_sequences is True and mask is provided.",
     "False", Both},
    {"time_major",
     "The shape format of the inputs and outputs tensors. If True, the inputs and outputs will be in shape "
     "[timesteps, batch, feature], whereas in the False case, it will be [batch, timesteps, feature].",
     "False", TfKerasOnly},
    {"implementation",
     "Implementation mode, either 1 or 2. Mode 1 will structure its operations as a larger number of smaller dot "
     "products and additions, whereas mode 2 will batch them into fewer, larger operations. Default: 2.",
     "2", TfKerasOnly},
    {"name", "String, the name of the layer (a keyword argument of every Keras layer).", "None (\"gru\", \"gru_1\", ...)",
     Both},
};

const ArgDoc kCallArgs[] = {
    {"inputs", "A 3D tensor, with shape (batch, timesteps, feature).", "", Both},
    {"mask",
     "Binary tensor of shape (samples, timesteps) indicating whether a given timestep should be masked (optional). "
     "An individual True entry indicates that the corresponding timestep should be utilized, while a False entry "
     "indicates that the corresponding timestep should be ignored. Defaults to None.",
     "None", Both},
    {"training",
     "Python boolean indicating whether the layer should behave in training mode or in inference mode. This argument "
     "is passed to the cell when calling it. This is only relevant if dropout or recurrent_dropout is used "
     "(optional). Defaults to None.",
     "None", Both},
    {"initial_state",
     "List of initial state tensors to be passed to the first call of the cell (optional, None causes creation of "
     "zero-filled initial state tensors). Defaults to None.",
     "None", Both},
};

const QHash<QString, const ArgDoc*>& index()
{
    static const QHash<QString, const ArgDoc*> table = [] {
        QHash<QString, const ArgDoc*> t;
        for (const ArgDoc& a : kArgs)
            t.insert(QString::fromLatin1(a.name), &a);
        for (const ArgDoc& a : kCallArgs)
            t.insert(QString::fromLatin1(a.name), &a);
        return t;
    }();
    return table;
}

const ArgDoc* find(const QString& name)
{
    return index().value(name, nullptr);
}

} // namespace

const QStringList& gruArgumentNames()
{
    static const QStringList names = [] {
        QStringList n;
        for (const ArgDoc& a : kArgs)
            n << QString::fromLatin1(a.name);
        return n;
    }();
    return names;
}

const QStringList& gruCallArgumentNames()
{
    static const QStringList names = [] {
        QStringList n;
        for (const ArgDoc& a : kCallArgs)
            n << QString::fromLatin1(a.name);
        return n;
    }();
    return names;
}

QString kerasDoc(const QString& kerasName)
{
    const ArgDoc* a = find(kerasName);
    return a ? QString::fromUtf8(a->doc) : QString();
}

QString kerasDefault(const QString& kerasName)
{
    const ArgDoc* a = find(kerasName);
    return a ? QString::fromUtf8(a->defaultText) : QString();
}

bool argumentInFlavor(const QString& kerasName, gruscope::Flavor flavor)
{
    const ArgDoc* a = find(kerasName);
    if (!a)
        return false;
    switch (a->availability) {
    case Both: return true;
    case Keras3Only: return flavor == gruscope::Flavor::Keras3;
    case TfKerasOnly: return flavor == gruscope::Flavor::TfKeras;
    }
    return true;
}

QString flavorRestriction(const QString& kerasName, gruscope::Flavor flavor)
{
    if (argumentInFlavor(kerasName, flavor) || !find(kerasName))
        return {};
    if (flavor == gruscope::Flavor::Keras3) {
        if (kerasName == QLatin1String("implementation"))
            return QStringLiteral("implementation is a tf.keras argument; Keras 3 only pops it from **kwargs (default 2) "
                                  "and does not save it. Choose the tf.keras flavor to edit it.");
        return QStringLiteral("%1 exists only in tf.keras; Keras 3's GRU has no such argument. Choose the tf.keras "
                              "flavor to edit it.")
            .arg(kerasName);
    }
    return QStringLiteral("%1 exists only in Keras 3; tf.keras's GRU has no such argument. Choose the Keras 3 flavor "
                          "to edit it.")
        .arg(kerasName);
}

QString kerasTooltip(const QString& kerasName, gruscope::Flavor flavor)
{
    const ArgDoc* a = find(kerasName);
    if (!a)
        return {};
    QString tip = QStringLiteral("<b>%1</b>: %2").arg(kerasName, QString::fromUtf8(a->doc).toHtmlEscaped());
    const QString def = QString::fromUtf8(a->defaultText);
    tip += def.isEmpty() ? QStringLiteral("<br><i>Required.</i>")
                         : QStringLiteral("<br><i>Keras default:</i> <code>%1</code>").arg(def.toHtmlEscaped());
    const QString restriction = flavorRestriction(kerasName, flavor);
    if (!restriction.isEmpty())
        tip += QStringLiteral("<br><b>Not available:</b> %1").arg(restriction.toHtmlEscaped());
    return tip;
}

QString flavorDisplayName(gruscope::Flavor flavor)
{
    return flavor == gruscope::Flavor::Keras3 ? QStringLiteral("Keras 3") : QStringLiteral("tf.keras");
}

} // namespace gsui
