// The choices of the window's backend selector: auto, then every backend this build registers in
// the order auto considers them. Each says whether it can run the document's layer here and, if
// not, why — in the engine's own words (describeBackends, GruLayer::supports), so the tooltip
// and the error a run would give agree.
#pragma once

#include "model/document.h"

#include <QString>

#include <vector>

namespace gsui {

struct BackendChoice {
    gruscope::BackendKind kind = gruscope::BackendKind::Auto;
    QString name;        // "auto", "cpu", ...
    QString summary;     // what it is, one line
    bool usableHere = false; // built, and its device present
    bool runsLayer = false;  // it can run the document's current call here
    QString why;         // why it cannot run the layer here
    QString chosen;      // auto only: the backend it would run the layer on
    QString label() const;   // the selector's item text: "auto (runs cpu)", "cudnn — cannot run here"
    QString tooltip() const; // summary and why, as rich text
};

// Whether a choice runs the layer is checked on the document's current call (arguments, mask,
// training, input); with invalid arguments or inputs it says so instead.
std::vector<BackendChoice> backendChoices(const Document& doc);

} // namespace gsui
