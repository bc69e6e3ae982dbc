// Help ▸ Lessons: a strip above the views that walks a student through one lesson (model/lessons.h)
// step by step: what to notice, what to do (with a check mark once the Document shows it done),
// Back, Show me and Next. Each step asks the window to point at the part it is about. A lesson
// works on a bundled example (its first step loads it); the window keeps the student's own model
// and brings it back when the strip is closed, which the return note under the text says.
#pragma once

#include "model/document.h"
#include "model/lessons.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;
class QToolButton;

namespace gsui {

class LessonStrip : public QWidget {
    Q_OBJECT
public:
    explicit LessonStrip(Document* doc, QWidget* parent = nullptr);

    void start(int lesson); // from its first step
    void goToStep(int step);
    int lesson() const { return m_lesson; }
    int step() const { return m_step; }
    bool stepDone() const; // the current step's task is done
    QString text() const;
    QString status() const;
    QPushButton* backButton() const { return m_back; }
    QPushButton* showMeButton() const { return m_showMe; }
    QPushButton* nextButton() const { return m_next; }
    QToolButton* closeButton() const { return m_close; }
    // A line under the step's text: which bundled example the current lesson works on (the strip
    // follows the lesson), then `note`, on what closing the lesson does (may be empty).
    void setReturnNote(const QString& note);
    QString returnNote() const;

signals:
    void pointAt(gsui::LessonView view);
    void closed();

private:
    void check();    // the task's state, after any change of the document
    void showStep(); // the current step's texts, without running its setup
    void showNote(); // the example line and the return note

    Document* m_doc;
    int m_lesson = 0, m_step = 0;
    QComboBox* m_choice;
    QLabel* m_progress;
    QLabel* m_text;
    QLabel* m_task;
    QLabel* m_returnNote;
    QString m_closeNote; // setReturnNote's

    QPushButton* m_back;
    QPushButton* m_showMe;
    QPushButton* m_next;
    QToolButton* m_close;
};

} // namespace gsui
