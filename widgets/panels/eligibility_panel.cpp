#include "panels/eligibility_panel.h"

#include "model/eligibility_fixes.h"
#include "model/engine_qt.h"

#include "gruscope/device.h"
#include "gruscope/eligibility.h"

#include <QCheckBox>
#include <QEvent>
#include <QFormLayout>
#include <QFrame>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QVBoxLayout>

namespace gsui {

using namespace gruscope;

namespace {

enum MarkState { Fails = 0, Ok = 1, NotApplicable = 2 };

bool darkPalette(const QWidget* w)
{
    return w->palette().color(QPalette::Window).lightness() < 128;
}

QColor okColor(const QWidget* w)
{
    return darkPalette(w) ? QColor(0x66, 0xbb, 0x6a) : QColor(0x2e, 0x7d, 0x32);
}

QColor failColor(const QWidget* w)
{
    return darkPalette(w) ? QColor(0xef, 0x53, 0x50) : QColor(0xc6, 0x28, 0x28);
}

// A round mark drawn here rather than a glyph, so that it looks the same with every font: a
// check on green, a cross on red, a dash on grey.
QPixmap markPixmap(MarkState state, const QWidget* w, qreal dpr)
{
    const int size = 16;
    QPixmap pm(QSize(size, size) * dpr);
    pm.setDevicePixelRatio(dpr);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    const QColor fill = state == Ok ? okColor(w) : state == Fails ? failColor(w) : w->palette().color(QPalette::Mid);
    p.setPen(Qt::NoPen);
    p.setBrush(fill);
    p.drawEllipse(QRectF(1, 1, size - 2, size - 2));
    QPen pen(Qt::white, 2.0, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
    p.setPen(pen);
    if (state == Ok) {
        p.drawPolyline(QPolygonF({QPointF(4.5, 8.5), QPointF(7, 11), QPointF(11.5, 5.5)}));
    } else if (state == Fails) {
        p.drawLine(QPointF(5.5, 5.5), QPointF(10.5, 10.5));
        p.drawLine(QPointF(10.5, 5.5), QPointF(5.5, 10.5));
    } else {
        p.drawLine(QPointF(5, 8), QPointF(11, 8));
    }
    return pm;
}

} // namespace

EligibilityPanel::EligibilityPanel(Document* doc, QWidget* parent) : QWidget(parent), m_doc(doc)
{
    setObjectName(QStringLiteral("eligibilityPanel"));
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(4, 4, 4, 4);
    outer->setSpacing(4);

    m_verdict = new QLabel(this);
    m_verdict->setObjectName(QStringLiteral("eligibilityVerdict"));
    m_verdict->setWordWrap(true);
    QFont big = m_verdict->font();
    big.setBold(true);
    big.setPointSizeF(big.pointSizeF() * 1.15);
    m_verdict->setFont(big);
    outer->addWidget(m_verdict);
    m_verdictDetail = new QLabel(this);
    m_verdictDetail->setObjectName(QStringLiteral("eligibilityDetail"));
    m_verdictDetail->setWordWrap(true);
    outer->addWidget(m_verdictDetail);

    auto* scroll = new QScrollArea(this);
    scroll->setObjectName(QStringLiteral("eligibilityScroll"));
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto* content = new QWidget(scroll);
    auto* column = new QVBoxLayout(content);
    column->setContentsMargins(0, 0, 4, 0);
    column->setSpacing(6);
    scroll->setWidget(content);
    outer->addWidget(scroll, 1);

    // A short title: a group box is never narrower than its title, and this panel must fit a
    // narrow dock.
    auto* conditions = new QGroupBox(tr("Conditions"), content);
    conditions->setObjectName(QStringLiteral("eligibilityConditions"));
    conditions->setToolTip(tr("In the order Keras checks them; hover a row for the Keras source of its rule"));
    m_rowsLayout = new QVBoxLayout(conditions);
    m_rowsLayout->setContentsMargins(6, 6, 6, 6);
    m_rowsLayout->setSpacing(2);
    column->addWidget(conditions);

    auto* notesBox = new QGroupBox(tr("Notes"), content);
    notesBox->setObjectName(QStringLiteral("eligibilityNotesBox"));
    auto* notesLayout = new QVBoxLayout(notesBox);
    notesLayout->setContentsMargins(6, 6, 6, 6);
    m_notes = new QLabel(notesBox);
    m_notes->setObjectName(QStringLiteral("eligibilityNotes"));
    m_notes->setWordWrap(true);
    m_notes->setTextInteractionFlags(Qt::TextSelectableByMouse);
    notesLayout->addWidget(m_notes);
    column->addWidget(notesBox);

    auto* settings = new QGroupBox(tr("Check against"), content);
    settings->setObjectName(QStringLiteral("eligibilitySettings"));
    auto* form = new QFormLayout(settings);
    form->setContentsMargins(6, 6, 6, 6);
    form->setRowWrapPolicy(QFormLayout::WrapLongRows);
    m_kerasVersion = new QLineEdit(settings);
    m_kerasVersion->setObjectName(QStringLiteral("kerasVersion"));
    m_kerasVersion->setPlaceholderText(tr("current"));
    // Only digits and dots: "3", "3.3", "3.3.1". Empty means the current Keras.
    m_kerasVersion->setValidator(new QRegularExpressionValidator(
        QRegularExpression(QStringLiteral("^\\d{0,3}(\\.\\d{0,3}){0,2}$")), m_kerasVersion));
    m_kerasVersion->setToolTip(tr("The Keras version whose rules apply (e.g. 3.3.1); empty for the current one. Keras 3 "
                                  "before 3.4 used cuDNN only without dropout; 3.4 to 3.8 applied dropout on the cuDNN "
                                  "path even at inference."));
    form->addRow(tr("Keras version"), m_kerasVersion);
    m_assumeGpu = new QCheckBox(tr("Assume a GPU is present"), settings);
    m_assumeGpu->setObjectName(QStringLiteral("assumeGpu"));
    m_assumeGpu->setToolTip(tr("Check the rules as if this machine had an NVIDIA GPU with cuDNN, to see what your GPU "
                               "machine would do. GruScope's own runs still use the CPU."));
    m_assumeGpu->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed); // a click beside its text does nothing
    form->addRow(m_assumeGpu);
    m_gpu = new QLabel(settings);
    m_gpu->setObjectName(QStringLiteral("gpuStatus"));
    m_gpu->setWordWrap(true);
    m_gpu->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_gpu->setText(describeGpu());
    m_gpu->setToolTip(tr("What this GruScope process found when it probed for a GPU (once, at start)"));
    form->addRow(m_gpu);
    column->addWidget(settings);
    column->addStretch(1);

    connect(m_kerasVersion, &QLineEdit::textChanged, m_doc,
            [this](const QString& text) { m_doc->setKerasVersion(text.trimmed()); });
    connect(m_assumeGpu, &QCheckBox::toggled, m_doc, &Document::setAssumeGpu);

    for (auto signal : {&Document::configChanged, &Document::maskChanged, &Document::trainingChanged,
                        &Document::eligibilitySettingsChanged, &Document::inputChanged, &Document::modelReplaced})
        connect(m_doc, signal, this, &EligibilityPanel::refresh);

    setMinimumWidth(280);
    refresh();
}

QString EligibilityPanel::describeGpu() const
{
    const DeviceInfo& d = probeDevice();
    if (!d.present)
        return tr("GPU: none — %1").arg(qs(d.reason));
    QStringList parts;
    parts << (d.name.empty() ? tr("GPU") : qs(d.name));
    parts << tr("compute %1.%2").arg(d.computeMajor).arg(d.computeMinor);
    if (d.driverVersion > 0)
        parts << tr("driver CUDA %1").arg(qs(cudaVersionString(d.driverVersion)));
    if (d.runtimeVersion > 0)
        parts << tr("runtime %1").arg(qs(cudaVersionString(d.runtimeVersion)));
    if (d.cudnnVersion > 0)
        parts << tr("cuDNN %1").arg(qs(cudnnVersionString(d.cudnnVersion)));
    return tr("GPU: %1").arg(parts.join(QStringLiteral(" · ")));
}

EligibilityPanel::Row& EligibilityPanel::rowFor(const std::string& idStd)
{
    const QString id = qs(idStd);
    auto it = m_rows.find(id);
    if (it != m_rows.end())
        return *it;
    Row row;
    row.frame = new QFrame(this);
    row.frame->setObjectName(QStringLiteral("row_") + id);
    auto* grid = new QGridLayout(row.frame);
    grid->setContentsMargins(2, 3, 2, 3);
    grid->setHorizontalSpacing(6);
    grid->setVerticalSpacing(1);
    row.mark = new QLabel(row.frame);
    row.mark->setObjectName(QStringLiteral("mark_") + id);
    row.mark->setFixedSize(16, 16);
    row.title = new QLabel(row.frame);
    row.title->setObjectName(QStringLiteral("title_") + id);
    row.title->setWordWrap(true);
    QFont bold = row.title->font();
    bold.setBold(true);
    row.title->setFont(bold);
    row.reason = new QLabel(row.frame);
    row.reason->setObjectName(QStringLiteral("reason_") + id);
    row.reason->setWordWrap(true);
    row.reason->setTextInteractionFlags(Qt::TextSelectableByMouse);
    row.fix = new QPushButton(tr("Fix"), row.frame);
    row.fix->setObjectName(QStringLiteral("fix_") + id);
    row.fix->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
    row.fix->hide();
    grid->addWidget(row.mark, 0, 0, Qt::AlignTop | Qt::AlignHCenter);
    grid->addWidget(row.title, 0, 1);
    grid->addWidget(row.fix, 0, 2, Qt::AlignTop);
    grid->addWidget(row.reason, 1, 1, 1, 2); // the reason may run under the button: more room when narrow
    grid->setColumnStretch(1, 1);
    connect(row.fix, &QPushButton::clicked, this, [this, id] { applyFix(id); });
    m_rowsLayout->addWidget(row.frame);
    return *m_rows.insert(id, row);
}

void EligibilityPanel::updateMark(Row& row, int state, bool force)
{
    if (row.state == state && !force)
        return;
    row.state = state;
    const qreal dpr = devicePixelRatioF();
    row.mark->setPixmap(markPixmap(MarkState(state), this, dpr));
    const QString words = state == Ok ? tr("holds") : state == Fails ? tr("fails") : tr("does not apply");
    row.mark->setToolTip(words);
    row.mark->setAccessibleName(words);
    // Conditions of the other flavor read quieter (the disabled text colour), never red or green.
    row.title->setEnabled(state != NotApplicable);
    row.reason->setEnabled(state != NotApplicable);
}

void EligibilityPanel::refresh()
{
    // Settings first, so that a change made elsewhere (a session, the gpu fix) shows here too.
    {
        const QSignalBlocker b1(m_kerasVersion), b2(m_assumeGpu);
        const QString version = qs(m_doc->eligibilityContext().kerasVersion);
        if (m_kerasVersion->text().trimmed() != version)
            m_kerasVersion->setText(version);
        m_assumeGpu->setChecked(m_doc->assumeGpu());
    }

    EligibilityReport report;
    QString error;
    try {
        report = m_doc->eligibility();
    } catch (const std::exception& e) {
        error = errorText(e);
    }

    QStringList seen;
    QStringList failing;
    for (const EligibilityCondition& c : report.conditions) {
        Row& row = rowFor(c.id);
        const QString id = qs(c.id);
        seen << id;
        row.ok = c.ok;
        row.applies = c.applies;
        const int state = !c.applies ? NotApplicable : c.ok ? Ok : Fails;
        updateMark(row, state);
        row.title->setText(qs(c.title));
        QString reason = qs(c.reason);
        if (c.id == "gpu" && m_doc->assumeGpu())
            reason = tr("checked as if a GPU were present (\"Assume a GPU is present\" is on); this machine: %1")
                         .arg(qs(probeDevice().present ? probeDevice().name : probeDevice().reason));
        if (!c.applies)
            reason = tr("does not apply to %1: %2")
                         .arg(m_doc->config().flavor == Flavor::Keras3 ? QStringLiteral("Keras 3") : QStringLiteral("tf.keras"),
                              reason);
        row.reason->setText(reason);
        const QString source = tr("Rule from %1").arg(qs(c.source));
        row.frame->setToolTip(source);
        row.title->setToolTip(source);
        const bool failingRow = c.applies && !c.ok;
        row.fix->setVisible(failingRow);
        row.fix->setToolTip(failingRow ? tr("%1<br><i>Keras says:</i> %2").arg(fixDescription(id).toHtmlEscaped(),
                                                                               qs(c.fix).toHtmlEscaped())
                                       : QString());
        if (failingRow)
            failing << id;
        row.frame->show();
    }
    // Keep rows in the report's order; hide ids the report no longer has.
    if (seen != m_order) {
        for (auto it = m_rows.begin(); it != m_rows.end(); ++it)
            if (!seen.contains(it.key()))
                it->frame->hide();
        for (int i = 0; i < seen.size(); ++i) {
            QFrame* f = m_rows.value(seen[i]).frame;
            m_rowsLayout->removeWidget(f);
            m_rowsLayout->insertWidget(i, f);
        }
        m_order = seen;
    }

    m_count = int(report.conditions.size());
    m_eligible = error.isEmpty() && report.eligible;
    m_noteList = qsList(report.notes);

    // The verdict: what Keras would run, and in one line why.
    QString verdict, detail;
    if (!error.isEmpty()) {
        verdict = tr("cannot check: %1").arg(error);
    } else if (report.eligible) {
        verdict = tr("cuDNN kernel: eligible");
        detail = m_doc->assumeGpu() && !probeDevice().present
                     ? tr("on a GPU machine Keras would run the fused cuDNN kernel (no GPU here: checked as if one were present)")
                     : tr("Keras runs the fused cuDNN kernel");
    } else {
        verdict = failing.size() == 1 ? tr("generic loop: 1 condition fails")
                                      : tr("generic loop: %1 conditions fail").arg(failing.size());
        if (failing == QStringList{QStringLiteral("gpu")})
            detail = tr("only the GPU is missing: on a machine with an NVIDIA GPU and cuDNN this layer would take the "
                        "cuDNN kernel");
        else
            detail = tr("failing: %1").arg(failing.join(QStringLiteral(", ")));
        if (m_doc->config().flavor == Flavor::Keras3 && m_doc->config().use_cudnn == UseCudnn::True)
            detail += tr("; with use_cudnn=True Keras 3 raises an error instead of falling back");
    }
    if (!m_doc->configValid())
        detail += (detail.isEmpty() ? QString() : QStringLiteral("\n")) +
                  tr("Some arguments are invalid (see Layer arguments): the layer is not run until they are fixed.");
    m_verdict->setText(verdict);
    m_verdictDetail->setText(detail);
    m_verdictDetail->setVisible(!detail.isEmpty());
    const int verdictState = m_eligible ? Ok : Fails;
    if (verdictState != m_verdictState) {
        m_verdictState = verdictState;
        restyle();
    }

    QStringList bullets;
    for (const QString& n : std::as_const(m_noteList))
        bullets << QStringLiteral("• ") + n;
    m_notes->setText(bullets.isEmpty() ? tr("No notes for this configuration.") : bullets.join(QStringLiteral("\n")));
}

void EligibilityPanel::restyle()
{
    QPalette p = m_verdict->palette();
    p.setColor(QPalette::WindowText, m_verdictState == Ok ? okColor(this) : failColor(this));
    m_verdict->setPalette(p);
}

void EligibilityPanel::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    // The greens and reds are chosen per palette: redraw the marks when it changes.
    if (event->type() == QEvent::PaletteChange && m_verdict) {
        restyle();
        for (auto it = m_rows.begin(); it != m_rows.end(); ++it)
            updateMark(*it, it->state, true);
    }
}

void EligibilityPanel::applyFix(const QString& id)
{
    // The fix changes the document, whose signals refresh this panel; the button that was clicked
    // stays alive (rows are only ever hidden).
    const QString description = applyEligibilityFix(m_doc, id);
    refresh();
    emit fixApplied(id, description);
    emit m_doc->notice(description);
}

// ---- queries ----------------------------------------------------------------------------------------

int EligibilityPanel::conditionCount() const
{
    return m_count;
}

bool EligibilityPanel::eligible() const
{
    return m_eligible;
}

bool EligibilityPanel::rowOk(const QString& id) const
{
    auto it = m_rows.constFind(id);
    return it != m_rows.cend() && m_order.contains(id) && it->ok;
}

bool EligibilityPanel::rowApplies(const QString& id) const
{
    auto it = m_rows.constFind(id);
    return it != m_rows.cend() && m_order.contains(id) && it->applies;
}

QString EligibilityPanel::rowReason(const QString& id) const
{
    auto it = m_rows.constFind(id);
    return it == m_rows.cend() ? QString() : it->reason->text();
}

QAbstractButton* EligibilityPanel::fixButton(const QString& id) const
{
    auto it = m_rows.constFind(id);
    return it == m_rows.cend() ? nullptr : it->fix;
}

QString EligibilityPanel::gpuStatus() const
{
    return m_gpu->text();
}

QString EligibilityPanel::verdictText() const
{
    return m_verdict->text();
}

QStringList EligibilityPanel::notes() const
{
    return m_noteList;
}

} // namespace gsui
