#include "lesson_strip.h"

#include "model/examples.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

namespace gsui {

LessonStrip::LessonStrip(Document* doc, QWidget* parent) : QWidget(parent), m_doc(doc)
{
    setObjectName(QStringLiteral("lessonStrip"));
    m_choice = new QComboBox(this);
    for (const Lesson& l : lessons())
        m_choice->addItem(l.title);
    m_progress = new QLabel(this);
    m_text = new QLabel(this);
    m_text->setWordWrap(true);
    m_text->setTextFormat(Qt::RichText);
    m_task = new QLabel(this);
    m_task->setWordWrap(true);
    m_back = new QPushButton(tr("◀ Back"), this);
    m_showMe = new QPushButton(tr("Show me"), this);
    m_showMe->setToolTip(tr("Do this step's task for me"));
    m_next = new QPushButton(tr("Next ▶"), this);
    m_returnNote = new QLabel(this);
    m_returnNote->setWordWrap(true);
    m_returnNote->setStyleSheet(QStringLiteral("font-style: italic;"));
    m_close = new QToolButton(this);
    m_close->setText(QStringLiteral("✕"));
    m_close->setToolTip(tr("Close the lesson"));

    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("<b>Lesson</b>"), this));
    top->addWidget(m_choice, 1);
    top->addWidget(m_progress);
    top->addWidget(m_back);
    top->addWidget(m_showMe);
    top->addWidget(m_next);
    top->addWidget(m_close);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 4, 6, 4);
    layout->addLayout(top);
    layout->addWidget(m_text);
    layout->addWidget(m_task);
    layout->addWidget(m_returnNote);

    connect(m_choice, &QComboBox::activated, this, &LessonStrip::start);
    connect(m_back, &QPushButton::clicked, this, [this] { goToStep(m_step - 1); });
    connect(m_next, &QPushButton::clicked, this, [this] {
        if (m_step + 1 < int(lessons()[size_t(m_lesson)].steps.size()))
            goToStep(m_step + 1);
        else if (m_lesson + 1 < int(lessons().size()))
            start(m_lesson + 1);
    });
    connect(m_showMe, &QPushButton::clicked, this, [this] {
        lessons()[size_t(m_lesson)].steps[size_t(m_step)].showMe(*m_doc);
        check();
    });
    connect(m_close, &QToolButton::clicked, this, [this] {
        hide();
        emit closed();
    });
    // Any change the student makes may finish the task.
    for (auto signal : {&Document::runInputsChanged, &Document::plottedUnitsChanged, &Document::modelReplaced})
        connect(m_doc, signal, this, &LessonStrip::check);
    connect(m_doc, &Document::stepChanged, this, &LessonStrip::check);
    connect(m_doc, &Document::unitChanged, this, &LessonStrip::check);
    // Only the texts: running the first step's setup here would replace the model of a window
    // that has not asked for a lesson.
    showStep();
}

void LessonStrip::start(int lesson)
{
    m_lesson = std::clamp(lesson, 0, int(lessons().size()) - 1);
    m_choice->setCurrentIndex(m_lesson);
    goToStep(0);
}

void LessonStrip::goToStep(int step)
{
    const Lesson& l = lessons()[size_t(m_lesson)];
    m_step = std::clamp(step, 0, int(l.steps.size()) - 1);
    const LessonStep& s = l.steps[size_t(m_step)];
    if (s.setup)
        s.setup(*m_doc);
    showStep();
    emit pointAt(s.view);
}

void LessonStrip::showStep()
{
    const Lesson& l = lessons()[size_t(m_lesson)];
    const LessonStep& s = l.steps[size_t(m_step)];
    m_choice->setCurrentIndex(m_lesson);
    m_text->setText(s.text);
    m_progress->setText(tr("step %1 of %2").arg(m_step + 1).arg(l.steps.size()));
    m_back->setEnabled(m_step > 0);
    showNote();
    check();
}

void LessonStrip::setReturnNote(const QString& note)
{
    m_closeNote = note;
    showNote();
}

void LessonStrip::showNote()
{
    // Lessons differ in their example (the masks lesson uses masked_sum): the line follows the
    // lesson chosen in the strip, not the one the window started.
    const QString example = tr("This lesson works on the bundled example “%1”.").arg(exampleInfo(lessons()[size_t(m_lesson)].example).title);
    m_returnNote->setText(m_closeNote.isEmpty() ? example : example + QLatin1Char(' ') + m_closeNote);
    m_returnNote->setVisible(true);
}

QString LessonStrip::returnNote() const { return m_returnNote->text(); }

bool LessonStrip::stepDone() const { return lessons()[size_t(m_lesson)].steps[size_t(m_step)].done(*m_doc); }

QString LessonStrip::text() const { return m_text->text(); }
QString LessonStrip::status() const { return m_task->text(); }

void LessonStrip::check()
{
    const Lesson& l = lessons()[size_t(m_lesson)];
    const LessonStep& s = l.steps[size_t(m_step)];
    const bool done = s.done(*m_doc);
    const bool last = m_step + 1 == int(l.steps.size());
    m_task->setText(done ? tr("<span style='color:#1e8449'>✓ Done.</span> %1").arg(last ? tr("That was the last step.") : tr("Next ▶ when ready."))
                         : tr("<b>Your turn:</b> %1").arg(s.task));
    m_next->setEnabled(!last || m_lesson + 1 < int(lessons().size()));
    m_next->setText(last ? tr("Next lesson ▶") : tr("Next ▶"));
    m_next->setDefault(done);
    m_showMe->setEnabled(!done);
}

} // namespace gsui
