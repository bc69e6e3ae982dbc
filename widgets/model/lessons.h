// Guided lessons for a student who has never seen a GRU's equations. Each lesson is a few steps;
// a step says what to look at and what to do, points at the part of the window where it happens,
// and checks on the Document whether the student did it ("Show me" does it for them). The window's
// Lessons strip (app/gui/lesson_strip.h) drives them; the content lives here so that tests can
// walk every lesson without a window.
#pragma once

#include "model/document.h"

#include <QString>
#include <QStringList>

#include <functional>
#include <vector>

namespace gsui {

// Where a step points: a central tab or a dock of the window.
enum class LessonView { None, Gates, Weights, Saturation, Arguments, Eligibility, Input, Equations, UnitLines, WhatIf };

struct LessonStep {
    QString text;                               // what to notice (rich text, short)
    QString task;                               // what to do, in words
    LessonView view = LessonView::None;         // where it happens
    std::function<void(Document&)> setup;       // run when the step opens (may be empty)
    std::function<bool(const Document&)> done;  // whether the task is done
    std::function<void(Document&)> showMe;      // does the task
};

struct Lesson {
    QString title;
    std::vector<LessonStep> steps;
    // The bundled example the first step loads (the window keeps the student's own model aside).
    QString example = QStringLiteral("sine");
};

const std::vector<Lesson>& lessons();

} // namespace gsui
