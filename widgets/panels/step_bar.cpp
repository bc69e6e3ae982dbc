#include "panels/step_bar.h"

#include <QComboBox>
#include <QEvent>
#include <QPainter>
#include <QPixmap>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QStyle>
#include <QToolButton>

namespace gsui {

namespace {

enum class Glyph { First, Previous, Play, Pause, Next, Last };

// The media glyphs drawn in the palette's text colour: the style's standard icons are black and
// disappear in a dark theme.
QIcon glyphIcon(Glyph g, const QColor& colour)
{
    const qreal dpr = 2.0;
    QPixmap pm(QSize(16, 16) * dpr);
    pm.setDevicePixelRatio(dpr);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(Qt::NoPen);
    p.setBrush(colour);
    auto triangle = [&](qreal x0, qreal x1, bool right) {
        QPolygonF t;
        if (right)
            t << QPointF(x0, 3) << QPointF(x1, 8) << QPointF(x0, 13);
        else
            t << QPointF(x1, 3) << QPointF(x0, 8) << QPointF(x1, 13);
        p.drawPolygon(t);
    };
    switch (g) {
    case Glyph::First: p.drawRect(QRectF(3, 3, 2, 10)); triangle(5, 13, false); break;
    case Glyph::Previous: triangle(2, 8, false); triangle(8, 14, false); break;
    case Glyph::Play: triangle(4, 13, true); break;
    case Glyph::Pause: p.drawRect(QRectF(4, 3, 3, 10)); p.drawRect(QRectF(9, 3, 3, 10)); break;
    case Glyph::Next: triangle(2, 8, true); triangle(8, 14, true); break;
    case Glyph::Last: triangle(3, 11, true); p.drawRect(QRectF(11, 3, 2, 10)); break;
    }
    p.end();
    QIcon icon(pm);
    // A greyed copy for disabled buttons.
    QPixmap dim(pm.size());
    dim.setDevicePixelRatio(dpr);
    dim.fill(Qt::transparent);
    QPainter q(&dim);
    q.setOpacity(0.35);
    q.drawPixmap(0, 0, pm);
    q.end();
    icon.addPixmap(dim, QIcon::Disabled);
    return icon;
}

QToolButton* makeButton(QWidget* parent, const QString& name, const QString& tip)
{
    auto* b = new QToolButton(parent);
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
    m_first = makeButton(this, QStringLiteral("stepFirst"), tr("First step (Home)"));
    m_prev = makeButton(this, QStringLiteral("stepPrevious"), tr("Previous step (Left)"));
    m_play = makeButton(this, QStringLiteral("stepPlay"), tr("Play / pause (Space)"));
    m_next = makeButton(this, QStringLiteral("stepNext"), tr("Next step (Right)"));
    m_last = makeButton(this, QStringLiteral("stepLast"), tr("Last step (End)"));
    updateIcons();
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
    updateIcons();
}

void StepBar::stop()
{
    m_timer.stop();
    updateIcons();
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

namespace gsui {

void StepBar::updateIcons()
{
    const QColor c = palette().color(QPalette::ButtonText);
    m_first->setIcon(glyphIcon(Glyph::First, c));
    m_prev->setIcon(glyphIcon(Glyph::Previous, c));
    m_play->setIcon(glyphIcon(m_timer.isActive() ? Glyph::Pause : Glyph::Play, c));
    m_next->setIcon(glyphIcon(Glyph::Next, c));
    m_last->setIcon(glyphIcon(Glyph::Last, c));
}

void StepBar::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange)
        updateIcons();
    QWidget::changeEvent(event);
}

} // namespace gsui
