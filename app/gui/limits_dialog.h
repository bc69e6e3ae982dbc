// Settings ▸ Limits: what a file or a run may cost (model/limits.h). The largest array a weight
// or input file may hold, the memory a run's gate trace may take, and how weight files are read:
// in the gruscope-parse child (recommended; a file that crashes libhdf5 then cannot take the
// window down) with a time limit, or in the window's own process for debugging.
#pragma once

#include "model/limits.h"

#include <QDialog>

class QCheckBox;
class QSpinBox;

namespace gsui {

class LimitsDialog : public QDialog {
    Q_OBJECT
public:
    explicit LimitsDialog(const WindowLimits& limits, QWidget* parent = nullptr);
    WindowLimits limits() const;
    void setLimits(const WindowLimits& limits);

private:
    QSpinBox* m_elements;  // Mi elements (2^20)
    QSpinBox* m_traceCap;  // MiB
    QSpinBox* m_runMemory; // MiB; 0 = the machine's memory
    QCheckBox* m_isolate;
    QSpinBox* m_timeout;   // seconds
};

} // namespace gsui
