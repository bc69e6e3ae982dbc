#include "limits_dialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>

namespace gsui {

LimitsDialog::LimitsDialog(const WindowLimits& limits, QWidget* parent) : QDialog(parent)
{
    setWindowTitle(tr("Limits"));
    auto* form = new QFormLayout;

    m_elements = new QSpinBox(this);
    m_elements->setRange(1, 1 << 20); // 2^20 Mi elements = 2^40, as the CLI allows
    m_elements->setSuffix(tr(" Mi elements"));
    m_elements->setToolTip(tr("The largest array a weight, input, mask or state file may hold. Larger arrays are refused "
                              "before anything is read. Default 256 Mi elements (1 GiB of float32); gruscope-cli: "
                              "--max-elements."));
    form->addRow(tr("Largest array in a file"), m_elements);

    m_traceCap = new QSpinBox(this);
    m_traceCap->setRange(1, 1 << 20);
    m_traceCap->setSuffix(tr(" MiB"));
    m_traceCap->setToolTip(tr("Memory a run's gate trace may take. A longer run records a shorter window of steps and says "
                              "so. Default 512 MiB; gruscope-cli run: --trace-cap-mb."));
    form->addRow(tr("Gate trace memory"), m_traceCap);

    m_runMemory = new QSpinBox(this);
    m_runMemory->setRange(0, 1 << 24);
    m_runMemory->setSuffix(tr(" MiB"));
    m_runMemory->setSpecialValueText(tr("this machine's memory"));
    m_runMemory->setToolTip(tr("The most memory one run may allocate (outputs, float64 copies, gate trace). A run that "
                               "needs more is refused before it starts, with the numbers. 0: this machine's memory; "
                               "gruscope-cli: --max-run-mb."));
    form->addRow(tr("Memory a run may use"), m_runMemory);

    m_isolate = new QCheckBox(tr("Read weight files in a separate process (recommended)"), this);
    m_isolate->setToolTip(tr("A corrupt or hostile HDF5 file can crash the HDF5 library. Read in a separate process, "
                             "such a file becomes an error message and the window keeps your work. Turn off only to "
                             "debug a reader; gruscope-cli: --no-isolation."));
    form->addRow(QString(), m_isolate);

    m_timeout = new QSpinBox(this);
    m_timeout->setRange(1, 24 * 3600);
    m_timeout->setSuffix(tr(" s"));
    m_timeout->setToolTip(tr("How long reading one weight file may take before it is stopped (a file that makes the HDF5 "
                             "library loop forever). Default 60 s; gruscope-cli: --parse-timeout."));
    form->addRow(tr("Time to read a weight file"), m_timeout);
    connect(m_isolate, &QCheckBox::toggled, m_timeout, &QWidget::setEnabled);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::RestoreDefaults, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(buttons->button(QDialogButtonBox::RestoreDefaults), &QPushButton::clicked, this, [this] { setLimits(defaultWindowLimits()); });

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
    setLimits(limits);
}

void LimitsDialog::setLimits(const WindowLimits& l)
{
    m_elements->setValue(int(std::clamp<int64_t>(l.maxElements >> 20, 1, 1 << 20)));
    m_traceCap->setValue(int(std::clamp<uint64_t>(l.traceCapBytes >> 20, 1, 1 << 20)));
    m_runMemory->setValue(int(std::clamp<int64_t>(l.runMemoryBytes >> 20, 0, 1 << 24)));
    m_isolate->setChecked(l.isolateFiles);
    m_timeout->setValue(int(std::clamp(l.parseTimeoutSeconds, 1.0, 24.0 * 3600)));
    m_timeout->setEnabled(l.isolateFiles);
}

WindowLimits LimitsDialog::limits() const
{
    WindowLimits l;
    l.maxElements = int64_t(m_elements->value()) << 20;
    l.traceCapBytes = uint64_t(m_traceCap->value()) << 20;
    l.runMemoryBytes = int64_t(m_runMemory->value()) << 20;
    l.isolateFiles = m_isolate->isChecked();
    l.parseTimeoutSeconds = m_timeout->value();
    return l;
}

} // namespace gsui
