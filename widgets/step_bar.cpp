#include "step_bar.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QStyle>
#include <QToolButton>

namespace gsui {

namespace {

QToolButton* makeButton(QWidget* parent, QStyle::StandardPixmap icon, const QString& name, const QString& tip)
{
    auto* b = new QToolButton(parent);
    b->setIcon(parent->style()->standardIcon(icon));
    b->setObjectName(name);
    b->setToolTip(tip);
    b->setAutoRaise(true);
    return b;
}

} // namespace

StepBar::StepBar(Document* doc, QWidget* parent) : QWidget(parent), m_doc(doc)
{
    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(4, 2, 4, 2);
    row->setSpacing(4);
    m_first = makeButton(this, QStyle::SP_MediaSkipBackward, QStringLiteral("stepFirst"), tr("First step (Home)"));
    m_prev = makeButton(this, QStyle::SP_MediaSeekBackward, QStringLiteral("stepPrevious"), tr("Previous step (Left)"));
    m_play = makeButton(this, QStyle::SP_MediaPlay, QStringLiteral("stepPlay"), tr("Play / pause (Space)"));
    m_next = makeButton(this, QStyle::SP_MediaSeekForward, QStringLiteral("stepNext"), tr("Next step (Right)"));
    m_last = makeButton(this, QStyle::SP_MediaSkipForward, QStringLiteral("stepLast"), tr("Last step (End)"));
    for (auto* b : {m_first, m_prev, m_play, m_next, m_last})
        row->addWidget(b);

    m_speed = new QComboBox(this);
    m_speed->setObjectName(QStringLiteral("stepSpeed"));
    m_speed->setToolTip(tr("Playback speed"));
    for (int sps : {1, 2, 5, 10, 25, 60})
        m_speed->addItem(tr("%1 steps/s").arg(sps), sps);
    m_speed->setCurrentIndex(3);
    row->addWidget(m_speed);

    m_slider = new QSlider(Qt::Horizontal, this);
    m_slider->setObjectName(QStringLiteral("stepSlider"));
    m_slider->setToolTip(tr("Processing step: every view shows this step"));
    m_slider->setMinimumWidth(160);
    row->addWidget(m_slider, 1);

    m_readout = new QLabel(this);
    m_readout->setObjectName(QStringLiteral("stepReadout"));
    m_readout->setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("step 9999 / 9999 · t = 9999")));
    m_readout->setToolTip(tr("s: processing step; t: the input time index it reads (t = T−1−s with go_backwards)"));
    row->addWidget(m_readout);

    row->addSpacing(8);
    auto* sampleLabel = new QLabel(tr("Sample"), this);
    row->addWidget(sampleLabel);
    m_sample = new QSpinBox(this);
    m_sample->setObjectName(QStringLiteral("sampleSelector"));
    m_sample->setToolTip(tr("Which sample of the batch the plots and equations show"));
    row->addWidget(m_sample);
    m_sampleOf = new QLabel(this);
    row->addWidget(m_sampleOf);

    connect(m_first, &QToolButton::clicked, this, &StepBar::first);
    connect(m_prev, &QToolButton::clicked, this, &StepBar::previous);
    connect(m_play, &QToolButton::clicked, this, &StepBar::togglePlay);
    connect(m_next, &QToolButton::clicked, this, &StepBar::next);
    connect(m_last, &QToolButton::clicked, this, &StepBar::last);
    connect(m_slider, &QSlider::valueChanged, m_doc, &Document::setCurrentStep);
    connect(m_sample, qOverload<int>(&QSpinBox::valueChanged), m_doc, &Document::setSelectedSample);
    connect(m_speed, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
        if (m_timer.isActive())
            m_timer.setInterval(int(1000.0 / stepsPerSecond()));
    });
    connect(&m_timer, &QTimer::timeout, this, &StepBar::tick);

    for (auto sig : {&Document::stepChanged, &Document::sampleChanged})
        connect(m_doc, sig, this, &StepBar::refresh);
    connect(m_doc, &Document::inputChanged, this, &StepBar::refresh);
    connect(m_doc, &Document::resultChanged, this, &StepBar::refresh);
    connect(m_doc, &Document::configChanged, this, &StepBar::refresh);
    refresh();
}

double StepBar::stepsPerSecond() const { return m_speed->currentData().toDouble(); }

void StepBar::refresh()
{
    const int T = int(std::max<int64_t>(1, m_doc->steps()));
    const int B = int(std::max<int64_t>(1, m_doc->batch()));
    const int s = m_doc->currentStep();
    {
        QSignalBlocker b1(m_slider), b2(m_sample);
        m_slider->setRange(0, T - 1);
        m_slider->setPageStep(std::max(1, T / 10));
        m_slider->setValue(s);
        m_sample->setRange(0, B - 1);
        m_sample->setValue(m_doc->selectedSample());
    }
    const int t = m_doc->config().go_backwards ? T - 1 - s : s;
    m_readout->setText(tr("step %1 / %2 · t = %3").arg(s).arg(T - 1).arg(t));
    m_sampleOf->setText(tr("of %1").arg(B));
    m_sample->setEnabled(B > 1);
    m_first->setEnabled(s > 0);
    m_prev->setEnabled(s > 0);
    m_next->setEnabled(s < T - 1);
    m_last->setEnabled(s < T - 1);
}

void StepBar::first() { m_doc->setCurrentStep(0); }
void StepBar::previous() { m_doc->setCurrentStep(m_doc->currentStep() - 1); }
void StepBar::next() { m_doc->setCurrentStep(m_doc->currentStep() + 1); }
void StepBar::last() { m_doc->setCurrentStep(int(m_doc->steps()) - 1); }

void StepBar::togglePlay()
{
    if (m_timer.isActive()) {
        stop();
        return;
    }
    // Playing from the last step starts over.
    if (m_doc->currentStep() >= m_doc->steps() - 1)
        m_doc->setCurrentStep(0);
    m_timer.start(int(1000.0 / stepsPerSecond()));
    m_play->setIcon(style()->standardIcon(QStyle::SP_MediaPause));
}

void StepBar::stop()
{
    m_timer.stop();
    m_play->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
}

void StepBar::tick()
{
    if (m_doc->currentStep() >= m_doc->steps() - 1) {
        stop();
        return;
    }
    next();
}

} // namespace gsui
