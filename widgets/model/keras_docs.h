// Keras's own one-line documentation of every keras.layers.GRU argument, shown as tooltips next
// to the editors. The wording follows the Keras 3 docstring (keras/src/layers/rnn/gru.py and, for
// zero_output_for_mask, keras/src/layers/rnn/rnn.py); arguments only tf.keras has (time_major,
// implementation) follow tf_keras/src/layers/rnn/gru.py. Also which flavor has which argument, so
// that the arguments panel can disable what the chosen Keras does not know.
#pragma once

#include "gruscope/flavor.h"

#include <QString>
#include <QStringList>

namespace gsui {

// Every constructor argument of keras.layers.GRU as GruScope edits it (GruConfig's fields), in
// the order of the Keras signature, then the tf.keras-only ones and `name`.
const QStringList& gruArgumentNames();

// Call arguments documented as well: inputs, mask, training, initial_state.
const QStringList& gruCallArgumentNames();

// The documentation line for a constructor or call argument ("" when unknown).
QString kerasDoc(const QString& kerasName);

// Keras's default as Python writes it ("\"tanh\"", "True", "0.0", "None"); "" when unknown or
// required (units).
QString kerasDefault(const QString& kerasName);

// Whether the argument exists in that flavor's GRU signature (call arguments exist in both).
bool argumentInFlavor(const QString& kerasName, gruscope::Flavor flavor);

// Why an argument is not available in `flavor` ("time_major exists only in tf.keras …"); ""
// when it is available.
QString flavorRestriction(const QString& kerasName, gruscope::Flavor flavor);

// The full tooltip: documentation, default and flavor note, as rich text.
QString kerasTooltip(const QString& kerasName, gruscope::Flavor flavor);

// Display name of a flavor ("Keras 3", "tf.keras").
QString flavorDisplayName(gruscope::Flavor flavor);

} // namespace gsui
