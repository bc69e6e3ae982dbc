// The bundled examples: small GRUs trained by real Keras (tools/make_examples.py), compiled into
// the program as Qt resources (resources/gruscope.qrc), so the window can open one on any
// machine without the source tree.
#pragma once

#include "model/document.h"

#include <QString>
#include <QStringList>

namespace gsui {

struct ExampleInfo {
    QString name;  // "sine"
    QString title; // "Noisy sine: predict the next value"
    QString task;  // a sentence about the task
};

QStringList exampleNames(); // sine first (the default), then the others in name order
ExampleInfo exampleInfo(const QString& name);
// What ModelOrigin::description says of a model loaded from example `name`.
QString exampleDescription(const QString& name);

// Loads example `name` (config, weights, demo input and mask) into the document. Throws
// gruscope::Error when the name is unknown or a resource cannot be read.
void loadExample(Document& doc, const QString& name);

} // namespace gsui
