// StepBar: the time controls every view follows — first / previous / play-pause / next / last,
// the playback speed, a time slider, the step read-out (processing step s and the time index t it
// reads) and the sample selector for batches. It only moves Document::currentStep and
// Document::selectedSample; the views redraw themselves from the document's signals.
#pragma once

#include "model/document.h"

#include <QTimer>
#include <QWidget>

class QComboBox;
class QLabel;
class QSlider;
class QSpinBox;
class QToolButton;

namespace gsui {

class StepBar : public QWidget {
    Q_OBJECT
public:
    explicit StepBar(Document* doc, QWidget* parent = nullptr);

    bool playing() const { return m_timer.isActive(); }
    double stepsPerSecond() const;

public slots:
    void first();
    void previous();
    void next();
    void last();
    void togglePlay();
    void stop();

protected:
    void changeEvent(QEvent* event) override;

private:
    void refresh();
    void updateIcons();
    void tick();

    Document* m_doc;
    QToolButton *m_first, *m_prev, *m_play, *m_next, *m_last;
    QComboBox* m_speed;
    QSlider* m_slider;
    QLabel* m_readout;
    QSpinBox* m_sample;
    QLabel* m_sampleOf;
    QTimer m_timer;
};

} // namespace gsui
