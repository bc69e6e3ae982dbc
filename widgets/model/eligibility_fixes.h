// One-click fixes for the cuDNN eligibility conditions that gruscope::checkCudnnEligibility
// reports (condition ids from engine/src/core/eligibility.cpp). A fix edits the Document the way a user
// would in the panels — an argument, the mask, or the "assume a GPU" setting — and returns one
// sentence for the status bar saying what it changed.
#pragma once

#include <QString>
#include <QStringList>

namespace gsui {

class Document;

// Condition ids that have a fix that changes something in GruScope.
const QStringList& fixableConditionIds();

// Whether `id` is a known condition (fixable or explained).
bool isKnownCondition(const QString& id);

// What the fix will do, for the button's tooltip ("Set activation to \"tanh\"").
QString fixDescription(const QString& id);

// Applies the fix for `id` to `doc` and says what changed. Nothing changes for an unknown id, for
// a condition with nothing to change in GruScope (eager_outermost) or when the condition already
// holds; the returned text then says so.
QString applyEligibilityFix(Document* doc, const QString& id);

} // namespace gsui
