#include "sweep_dialog.h"

#include "plots/sweep_view.h"

#include "gruscope/atomic_file.h"
#include "gruscope/error.h"

#include <QCheckBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace gsui {

using namespace gruscope;

namespace {

bool parseSizes(const QString& text, std::vector<int64_t>* out, const QString& what, QString* why)
{
    out->clear();
    for (const QString& part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool ok = false;
        const qlonglong v = part.trimmed().toLongLong(&ok);
        if (!ok || v <= 0 || v > (1 << 24)) {
            *why = QObject::tr("%1: '%2' is not a size from 1 to 16777216").arg(what, part.trimmed());
            return false;
        }
        out->push_back(v);
    }
    if (out->empty()) {
        *why = QObject::tr("%1: give at least one size").arg(what);
        return false;
    }
    return true;
}

} // namespace

SweepDialog::SweepDialog(QWidget* parent) : QDialog(parent), m_cancel(std::make_shared<std::atomic<bool>>(false))
{
    setWindowTitle(tr("Timing sweep"));
    m_T = new QLineEdit(QStringLiteral("10, 100, 1000"), this);
    m_B = new QLineEdit(QStringLiteral("1, 8, 64"), this);
    m_U = new QLineEdit(QStringLiteral("32, 128, 512"), this);
    for (QLineEdit* e : {m_T, m_B, m_U})
        e->setToolTip(tr("Sizes separated by commas"));
    m_resetAfter = new QCheckBox(tr("reset_after=True (Keras 3's default, which cuDNN can run)"), this);
    m_resetAfter->setChecked(true);
    auto* backends = new QHBoxLayout;
    for (const BackendDescription& d : describeBackends()) {
        auto* box = new QCheckBox(QString::fromStdString(d.name), this);
        box->setEnabled(d.usable);
        // The float64 reference is slow and there for checking: off unless asked for.
        box->setChecked(d.usable && d.kind != BackendKind::Reference);
        box->setToolTip(QString::fromStdString(d.usable ? d.summary : d.reason));
        backends->addWidget(box);
        m_backends.emplace_back(d.kind, box);
    }
    backends->addStretch(1);
    auto* form = new QFormLayout;
    form->addRow(tr("Sequence lengths T"), m_T);
    form->addRow(tr("Batch sizes B"), m_B);
    form->addRow(tr("Units U (features I = U)"), m_U);
    form->addRow(QString(), m_resetAfter);
    form->addRow(tr("Backends"), backends);

    m_run = new QPushButton(tr("Run"), this);
    m_run->setDefault(true);
    m_save = new QPushButton(tr("Save CSV…"), this);
    m_save->setEnabled(false);
    m_progress = new QProgressBar(this);
    m_progress->setVisible(false);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_run);
    buttons->addWidget(m_progress, 1);
    buttons->addWidget(m_save);
    m_view = new SweepView(this);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(buttons);
    layout->addWidget(m_status);
    layout->addWidget(m_view, 1);
    resize(900, 760);

    connect(m_run, &QPushButton::clicked, this, [this] { running() ? cancel() : start(); });
    connect(m_save, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save the sweep"), QStringLiteral("sweep.csv"), tr("CSV (*.csv)"));
        if (path.isEmpty())
            return;
        try {
            saveCsv(path);
        } catch (const std::exception& e) {
            QMessageBox::warning(this, tr("Save failed"), QString::fromUtf8(e.what()));
        }
    });
    connect(&m_watcher, &QFutureWatcher<Outcome>::finished, this, [this] {
        setRunning(false);
        const auto [result, error] = m_watcher.result();
        if (result) {
            m_view->setResult(*result);
            m_status->setText(result->cancelled ? tr("Cancelled after %1 points.").arg(result->points.size())
                                                : tr("%1 points timed.").arg(result->points.size()));
            m_save->setEnabled(!result->points.empty());
        } else {
            m_status->setText(error);
        }
        emit sweepFinished();
    });
}

SweepDialog::~SweepDialog()
{
    // A sweep still running holds no pointer into this dialog; stop it and wait.
    m_cancel->store(true);
    m_watcher.waitForFinished();
}

bool SweepDialog::readSpec(SweepSpec* spec, QString* why) const
{
    if (!parseSizes(m_T->text(), &spec->T, tr("T"), why) || !parseSizes(m_B->text(), &spec->B, tr("B"), why) ||
        !parseSizes(m_U->text(), &spec->U, tr("U"), why))
        return false;
    spec->resetAfter = m_resetAfter->isChecked();
    spec->backends.clear();
    for (const auto& [kind, box] : m_backends)
        if (box->isChecked() && box->isEnabled())
            spec->backends.push_back(kind);
    if (spec->backends.empty()) {
        *why = tr("choose at least one backend");
        return false;
    }
    spec->warmup = m_warmup;
    spec->repeats = m_repeats;
    return true;
}

void SweepDialog::setGrid(const QString& T, const QString& B, const QString& U)
{
    m_T->setText(T);
    m_B->setText(B);
    m_U->setText(U);
}

void SweepDialog::setRepeats(int warmup, int repeats)
{
    m_warmup = warmup;
    m_repeats = repeats;
}

void SweepDialog::start()
{
    if (running())
        return;
    SweepSpec spec;
    QString why;
    if (!readSpec(&spec, &why)) {
        m_status->setText(why);
        return;
    }
    m_cancel->store(false);
    spec.cancel = m_cancel.get();
    // Progress from the worker thread, delivered on the UI thread.
    QPointer<QProgressBar> bar = m_progress;
    spec.progress = [bar](int done, int total) {
        QMetaObject::invokeMethod(bar, [bar, done, total] {
            if (bar) {
                bar->setRange(0, total);
                bar->setValue(done);
            }
        }, Qt::QueuedConnection);
    };
    m_progress->setValue(0);
    m_status->setText(tr("Timing…"));
    setRunning(true);
    auto cancel = m_cancel; // kept alive by the task
    m_watcher.setFuture(QtConcurrent::run([spec, cancel]() -> Outcome {
        try {
            return {std::make_shared<SweepResult>(runSweep(spec)), QString()};
        } catch (const std::exception& e) {
            return {nullptr, QString::fromUtf8(e.what())};
        }
    }));
}

void SweepDialog::cancel() { m_cancel->store(true); }

QString SweepDialog::statusText() const { return m_status->text(); }

void SweepDialog::saveCsv(const QString& path) const { writeBytesAtomically(path.toStdString(), sweepToCsv(m_view->result())); }

void SweepDialog::setRunning(bool running)
{
    m_running = running;
    m_run->setText(running ? tr("Cancel") : tr("Run"));
    m_progress->setVisible(running);
    for (QLineEdit* e : {m_T, m_B, m_U})
        e->setEnabled(!running);
}

} // namespace gsui
