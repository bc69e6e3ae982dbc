#include "panels/args_panel.h"

#include "model/engine_qt.h"
#include "model/keras_docs.h"
#include "panels/backend_selector.h"

#include "gruscope/config.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFormLayout>
#include <QGridLayout>
#include <QFrame>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSet>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>

#include <charconv>
#include <climits>
#include <cmath>
#include <vector>

namespace gsui {

using namespace gruscope;

namespace {

constexpr int kMaxUnits = 1 << 20; // validateConfig's limit; the spin box stops there

bool darkPalette(const QWidget* w)
{
    return w->palette().color(QPalette::Window).lightness() < 128;
}

QColor problemColor(const QWidget* w)
{
    return darkPalette(w) ? QColor(0xff, 0x6b, 0x6b) : QColor(0xc6, 0x28, 0x28);
}

// Shortest text that reads back to the same double, so that editing one parameter does not round
// the others.
QString formatNumber(double v)
{
    if (!std::isfinite(v))
        return std::isnan(v) ? QStringLiteral("nan") : v > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return QString::fromLatin1(buf, int(r.ptr - buf));
}

// The parameters each initializer takes besides its name, in Keras's config order.
QStringList initializerParams(const std::string& name)
{
    if (name == "constant")
        return {QStringLiteral("value")};
    if (name == "orthogonal")
        return {QStringLiteral("gain"), QStringLiteral("seed")};
    if (name == "identity")
        return {QStringLiteral("gain")};
    if (name == "random_normal" || name == "truncated_normal")
        return {QStringLiteral("mean"), QStringLiteral("stddev"), QStringLiteral("seed")};
    if (name == "random_uniform")
        return {QStringLiteral("minval"), QStringLiteral("maxval"), QStringLiteral("seed")};
    if (name == "variance_scaling")
        return {QStringLiteral("scale"), QStringLiteral("mode"), QStringLiteral("distribution"), QStringLiteral("seed")};
    if (name == "zeros" || name == "ones")
        return {};
    return {QStringLiteral("seed")}; // glorot_*, he_*, lecun_*
}

// "gain=1, seed=None" for the parameters `spec.name` takes.
QString formatInitializerParams(const InitializerSpec& spec)
{
    QStringList parts;
    for (const QString& p : initializerParams(spec.name)) {
        QString v;
        if (p == QLatin1String("value"))
            v = formatNumber(spec.value);
        else if (p == QLatin1String("gain"))
            v = formatNumber(spec.gain);
        else if (p == QLatin1String("mean"))
            v = formatNumber(spec.mean);
        else if (p == QLatin1String("stddev"))
            v = formatNumber(spec.stddev);
        else if (p == QLatin1String("minval"))
            v = formatNumber(spec.minval);
        else if (p == QLatin1String("maxval"))
            v = formatNumber(spec.maxval);
        else if (p == QLatin1String("scale"))
            v = formatNumber(spec.scale);
        else if (p == QLatin1String("mode"))
            v = qs(spec.mode);
        else if (p == QLatin1String("distribution"))
            v = qs(spec.distribution);
        else if (p == QLatin1String("seed"))
            v = spec.seed ? QString::number(*spec.seed) : QStringLiteral("None");
        parts << p + QLatin1Char('=') + v;
    }
    return parts.join(QStringLiteral(", "));
}

// Reads "key=value, key=value" into `spec` (whose name is set). Returns "" or what is wrong.
QString parseInitializerParams(const QString& text, InitializerSpec& spec, const QString& argument)
{
    const QStringList allowed = initializerParams(spec.name);
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return {};
    for (const QString& rawPart : trimmed.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString part = rawPart.trimmed();
        const qsizetype eq = part.indexOf(QLatin1Char('='));
        if (eq <= 0)
            return QStringLiteral("%1: \"%2\" is not key=value").arg(argument, part);
        const QString key = part.left(eq).trimmed();
        QString value = part.mid(eq + 1).trimmed();
        if (value.size() >= 2 && (value.startsWith(QLatin1Char('"')) || value.startsWith(QLatin1Char('\''))) &&
            value.endsWith(value.front()))
            value = value.mid(1, value.size() - 2);
        if (!allowed.contains(key)) {
            return allowed.isEmpty()
                       ? QStringLiteral("%1: %2 takes no parameters, not \"%3\"").arg(argument, qs(spec.name), key)
                       : QStringLiteral("%1: %2 takes %3; not \"%4\"")
                             .arg(argument, qs(spec.name), allowed.join(QStringLiteral(", ")), key);
        }
        if (key == QLatin1String("seed")) {
            if (value.compare(QLatin1String("none"), Qt::CaseInsensitive) == 0 ||
                value.compare(QLatin1String("null"), Qt::CaseInsensitive) == 0 || value.isEmpty()) {
                spec.seed.reset();
                continue;
            }
            bool ok = false;
            const qlonglong s = value.toLongLong(&ok);
            if (!ok)
                return QStringLiteral("%1: seed = \"%2\" is not an integer or None").arg(argument, value);
            spec.seed = int64_t(s);
            continue;
        }
        if (key == QLatin1String("mode")) {
            spec.mode = ss(value);
            continue;
        }
        if (key == QLatin1String("distribution")) {
            spec.distribution = ss(value);
            continue;
        }
        bool ok = false;
        const double d = value.toDouble(&ok);
        if (!ok)
            return QStringLiteral("%1: %2 = \"%3\" is not a number").arg(argument, key, value);
        if (key == QLatin1String("value"))
            spec.value = d;
        else if (key == QLatin1String("gain"))
            spec.gain = d;
        else if (key == QLatin1String("mean"))
            spec.mean = d;
        else if (key == QLatin1String("stddev"))
            spec.stddev = d;
        else if (key == QLatin1String("minval"))
            spec.minval = d;
        else if (key == QLatin1String("maxval"))
            spec.maxval = d;
        else if (key == QLatin1String("scale"))
            spec.scale = d;
    }
    return {};
}

// Sets a line edit's text only when it differs, so that a refresh during typing keeps the cursor.
// Text set from outside shows its beginning: a long name ("bidirectional/forward_gru") is read
// from the left, and QLineEdit would scroll to its end.
void setTextIfDifferent(QLineEdit* e, const QString& text)
{
    if (e->text() == text)
        return;
    e->setText(text);
    if (!e->hasFocus())
        e->setCursorPosition(0);
}

} // namespace

ArgsPanel::ArgsPanel(Document* doc, QWidget* parent) : QWidget(parent), m_doc(doc)
{
    setObjectName(QStringLiteral("argsPanel"));
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(4, 4, 4, 4);
    outer->setSpacing(4);

    // ---- top: flavor and reset, the backend that runs the layer -------------------------------
    auto* top = new QGridLayout;
    top->setHorizontalSpacing(6);
    top->setVerticalSpacing(4);
    auto* flavorLabel = new QLabel(tr("Flavor"), this);
    m_flavor = new QComboBox(this);
    m_flavor->setObjectName(QStringLiteral("arg_flavor"));
    m_flavor->addItem(flavorDisplayName(Flavor::Keras3), QString::fromLatin1(flavorName(Flavor::Keras3)));
    m_flavor->addItem(flavorDisplayName(Flavor::TfKeras), QString::fromLatin1(flavorName(Flavor::TfKeras)));
    m_flavor->setToolTip(tr("Which Keras the arguments follow: Keras 3 (keras.layers.GRU) or tf.keras / tf_keras 2.x. "
                            "They differ in a few arguments (time_major and implementation are tf.keras only; seed and "
                            "use_cudnn Keras 3 only), in hard_sigmoid and in the cuDNN rules."));
    flavorLabel->setBuddy(m_flavor);
    m_reset = new QPushButton(tr("Reset to Keras defaults"), this);
    m_reset->setObjectName(QStringLiteral("resetDefaults"));
    m_reset->setToolTip(tr("Every argument back to Keras's default; units, flavor and name are kept"));
    top->addWidget(flavorLabel, 0, 0);
    top->addWidget(m_flavor, 0, 1);
    top->addWidget(m_reset, 0, 2);
    auto* backendLabel = new QLabel(tr("Run on"), this);
    m_backend = new BackendSelector(m_doc, this);
    backendLabel->setBuddy(m_backend);
    backendLabel->setToolTip(tr("Which backend runs the layer: a GruScope choice, not a Keras argument, kept in "
                                "sessions. Each entry's tooltip says whether it can run this layer here."));
    top->addWidget(backendLabel, 1, 0);
    top->addWidget(m_backend, 1, 1, 1, 2);
    top->setColumnStretch(1, 1);
    outer->addLayout(top);

    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("argsSummary"));
    m_summary->setWordWrap(true);
    m_summary->hide();
    outer->addWidget(m_summary);

    // ---- the form ------------------------------------------------------------------------------
    m_scroll = new QScrollArea(this);
    m_scroll->setObjectName(QStringLiteral("argsScroll"));
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto* content = new QWidget(m_scroll);
    content->setObjectName(QStringLiteral("argsContent"));
    auto* column = new QVBoxLayout(content);
    column->setContentsMargins(0, 0, 4, 0);
    column->setSpacing(6);
    m_scroll->setWidget(content);
    outer->addWidget(m_scroll, 1);

    // Core
    QFormLayout* core = addGroup(tr("Core"), QStringLiteral("groupCore"));
    m_name = new QLineEdit(this);
    m_name->setPlaceholderText(QStringLiteral("gru"));
    addRow(core, QStringLiteral("name"), m_name);
    connect(m_name, &QLineEdit::editingFinished, this, [this] {
        const std::string n = ss(m_name->text().trimmed());
        commit([&](GruConfig& c) { c.name = n.empty() ? std::string("gru") : n; });
    });
    m_refreshers << [this] { setTextIfDifferent(m_name, qs(m_doc->config().name)); };

    m_units = new QSpinBox(this);
    m_units->setRange(0, kMaxUnits);
    // Typing "128" would otherwise commit 1, 12 and 128, re-initialising the weights each time.
    m_units->setKeyboardTracking(false);
    addRow(core, QStringLiteral("units"), m_units);
    connect(m_units, qOverload<int>(&QSpinBox::valueChanged), this,
            [this](int v) { commit([v](GruConfig& c) { c.units = v; }); });
    m_refreshers << [this] {
        // setValue rewrites the text even when the value is the same, which would disturb typing.
        const int v = int(std::clamp<int64_t>(m_doc->config().units, 0, kMaxUnits));
        if (m_units->value() != v)
            m_units->setValue(v);
    };

    addActivation(core, QStringLiteral("activation"), &GruConfig::activation);
    addActivation(core, QStringLiteral("recurrent_activation"), &GruConfig::recurrent_activation);
    addBool(core, QStringLiteral("use_bias"), &GruConfig::use_bias);
    addBool(core, QStringLiteral("reset_after"), &GruConfig::reset_after);

    // Sequence
    QFormLayout* seq = addGroup(tr("Sequence"), QStringLiteral("groupSequence"));
    addBool(seq, QStringLiteral("return_sequences"), &GruConfig::return_sequences);
    addBool(seq, QStringLiteral("return_state"), &GruConfig::return_state);
    addBool(seq, QStringLiteral("go_backwards"), &GruConfig::go_backwards);
    addBool(seq, QStringLiteral("stateful"), &GruConfig::stateful);
    addBool(seq, QStringLiteral("unroll"), &GruConfig::unroll);
    addBool(seq, QStringLiteral("time_major"), &GruConfig::time_major);
    addBool(seq, QStringLiteral("zero_output_for_mask"), &GruConfig::zero_output_for_mask);

    // Dropout, with the call argument that decides whether it acts at all.
    QFormLayout* drop = addGroup(tr("Dropout"), QStringLiteral("groupDropout"));
    addRate(drop, QStringLiteral("dropout"), &GruConfig::dropout);
    addRate(drop, QStringLiteral("recurrent_dropout"), &GruConfig::recurrent_dropout);
    m_training = new QCheckBox(tr("call in training mode"), this);
    {
        Row& r = addRow(drop, QStringLiteral("training"), m_training);
        const QString tip = kerasTooltip(QStringLiteral("training"), Flavor::Keras3) +
                            tr("<br>A call argument, not a layer argument: in GruScope, dropout and recurrent_dropout "
                               "act only when this is on.");
        r.label->setToolTip(tip);
        m_training->setToolTip(tip);
    }
    connect(m_training, &QCheckBox::toggled, m_doc, &Document::setTraining);
    m_dropoutSeed = new QSpinBox(this);
    m_dropoutSeed->setRange(0, INT_MAX);
    m_dropoutSeed->setKeyboardTracking(false);
    {
        Row& r = addRow(drop, QStringLiteral("dropout_seed"), m_dropoutSeed);
        r.label->setText(tr("dropout seed"));
        const QString tip = tr("<b>dropout seed</b> (GruScope): the seed of the dropout masks GruScope draws in training "
                               "mode. Keras draws its own random bits, which are not reproduced; the masks follow "
                               "Keras's rules (which units, which steps) with GruScope's generator.");
        r.label->setToolTip(tip);
        m_dropoutSeed->setToolTip(tip);
    }
    connect(m_dropoutSeed, qOverload<int>(&QSpinBox::valueChanged), m_doc,
            [this](int v) { m_doc->setDropoutSeed(uint64_t(v)); });

    // Initializers
    QFormLayout* init = addGroup(tr("Initializers"), QStringLiteral("groupInitializers"), true);
    addInitializer(init, QStringLiteral("kernel_initializer"), &GruConfig::kernel_initializer);
    addInitializer(init, QStringLiteral("recurrent_initializer"), &GruConfig::recurrent_initializer);
    addInitializer(init, QStringLiteral("bias_initializer"), &GruConfig::bias_initializer);

    // Regularizers & constraints: kept verbatim, never applied to a forward pass.
    QFormLayout* reg = addGroup(tr("Regularizers && constraints"), QStringLiteral("groupRegularizers"), true);
    auto* regNote = new QLabel(tr("Kept verbatim as JSON and saved with the model; they never change a forward pass."),
                               this);
    regNote->setWordWrap(true);
    regNote->setEnabled(false); // the disabled text colour reads as a quiet note in both palettes
    reg->addRow(regNote);
    addVerbatim(reg, QStringLiteral("kernel_regularizer"), &GruConfig::kernel_regularizer);
    addVerbatim(reg, QStringLiteral("recurrent_regularizer"), &GruConfig::recurrent_regularizer);
    addVerbatim(reg, QStringLiteral("bias_regularizer"), &GruConfig::bias_regularizer);
    addVerbatim(reg, QStringLiteral("activity_regularizer"), &GruConfig::activity_regularizer);
    addVerbatim(reg, QStringLiteral("kernel_constraint"), &GruConfig::kernel_constraint);
    addVerbatim(reg, QStringLiteral("recurrent_constraint"), &GruConfig::recurrent_constraint);
    addVerbatim(reg, QStringLiteral("bias_constraint"), &GruConfig::bias_constraint);

    // Backend
    QFormLayout* backend = addGroup(tr("Backend"), QStringLiteral("groupBackend"));
    m_implementation = new QComboBox(this);
    m_implementation->addItem(tr("2 (fused)"), 2);
    m_implementation->addItem(tr("1 (per gate)"), 1);
    m_implementation->addItem(tr("0 (legacy, runs as 2)"), 0);
    addRow(backend, QStringLiteral("implementation"), m_implementation);
    connect(m_implementation, qOverload<int>(&QComboBox::activated), this, [this](int index) {
        const int v = m_implementation->itemData(index).toInt();
        commit([v](GruConfig& c) { c.implementation = v; });
    });
    m_refreshers << [this] {
        const int v = m_doc->config().implementation;
        int index = m_implementation->findData(v);
        if (index < 0) { // out of range from a file: show it as it is, flagged by validateConfig
            m_implementation->addItem(QString::number(v), v);
            index = m_implementation->count() - 1;
        }
        m_implementation->setCurrentIndex(index);
    };

    m_useCudnn = new QComboBox(this);
    m_useCudnn->addItem(QStringLiteral("\"auto\""), int(UseCudnn::Auto));
    m_useCudnn->addItem(QStringLiteral("True"), int(UseCudnn::True));
    m_useCudnn->addItem(QStringLiteral("False"), int(UseCudnn::False));
    addRow(backend, QStringLiteral("use_cudnn"), m_useCudnn);
    connect(m_useCudnn, qOverload<int>(&QComboBox::activated), this, [this](int index) {
        const auto v = UseCudnn(m_useCudnn->itemData(index).toInt());
        commit([v](GruConfig& c) { c.use_cudnn = v; });
    });
    m_refreshers << [this] { m_useCudnn->setCurrentIndex(m_useCudnn->findData(int(m_doc->config().use_cudnn))); };

    // seed: None or an integer — a check box that says "set" and the value beside it.
    auto* seedField = new QWidget(this);
    auto* seedRow = new QHBoxLayout(seedField);
    seedRow->setContentsMargins(0, 0, 0, 0);
    m_seedSet = new QCheckBox(tr("set"), seedField);
    m_seedSet->setObjectName(QStringLiteral("arg_seed_enabled"));
    m_seedSet->setToolTip(tr("Unchecked: seed=None"));
    m_seed = new QSpinBox(seedField);
    m_seed->setRange(0, INT_MAX);
    m_seed->setKeyboardTracking(false);
    m_seed->setSpecialValueText(QString());
    seedRow->addWidget(m_seedSet);
    seedRow->addWidget(m_seed, 1);
    addRow(backend, QStringLiteral("seed"), m_seed, seedField);
    m_extraEditors.insert(QStringLiteral("seed_enabled"), m_seedSet);
    connect(m_seedSet, &QCheckBox::toggled, this, [this](bool on) {
        m_seed->setEnabled(on && m_seedSet->isEnabled());
        const int64_t v = m_seed->value();
        commit([on, v](GruConfig& c) {
            if (on)
                c.seed = v;
            else
                c.seed.reset();
        });
    });
    connect(m_seed, qOverload<int>(&QSpinBox::valueChanged), this, [this](int v) {
        if (m_seedSet->isChecked())
            commit([v](GruConfig& c) { c.seed = int64_t(v); });
    });
    m_refreshers << [this] {
        const auto& s = m_doc->config().seed;
        m_seedSet->setChecked(s.has_value());
        // A seed beyond the spin box's range (from a file) is shown clamped but only written back
        // when the user edits it.
        if (s && m_seed->value() != int(std::clamp<int64_t>(*s, 0, INT_MAX)))
            m_seed->setValue(int(std::clamp<int64_t>(*s, 0, INT_MAX)));
        m_seed->setToolTip(s && (*s < 0 || *s > INT_MAX)
                               ? tr("seed = %1 (from the file; beyond what this box edits)").arg(*s)
                               : kerasTooltip(QStringLiteral("seed"), m_doc->config().flavor));
    };

    column->addStretch(1);

    connect(m_flavor, qOverload<int>(&QComboBox::activated), this, [this](int index) {
        if (auto f = flavorFromName(ss(m_flavor->itemData(index).toString())))
            setFlavor(*f);
    });
    connect(m_reset, &QPushButton::clicked, this, &ArgsPanel::resetToDefaults);

    connect(m_doc, &Document::configChanged, this, &ArgsPanel::refreshFromDocument);
    connect(m_doc, &Document::modelReplaced, this, &ArgsPanel::refreshFromDocument);
    connect(m_doc, &Document::trainingChanged, this, &ArgsPanel::refreshTraining);

    // Wide enough for "recurrent_initializer" and a compact editor beside it.
    setMinimumWidth(300);
    refreshFromDocument();
}

// ---- building -----------------------------------------------------------------------------------

QFormLayout* ArgsPanel::addGroup(const QString& title, const QString& objectName, bool labelsAbove)
{
    auto* content = m_scroll->widget();
    auto* box = new QGroupBox(title, content);
    box->setObjectName(objectName);
    auto* form = new QFormLayout(box);
    form->setContentsMargins(6, 6, 6, 6);
    form->setHorizontalSpacing(8);
    form->setVerticalSpacing(3);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->setLabelAlignment(labelsAbove ? Qt::AlignLeft : Qt::AlignRight | Qt::AlignVCenter);
    // Narrow docks: a long name puts its editor on the next line instead of squeezing it.
    form->setRowWrapPolicy(labelsAbove ? QFormLayout::WrapAllRows : QFormLayout::WrapLongRows);
    static_cast<QVBoxLayout*>(content->layout())->addWidget(box);
    return form;
}

ArgsPanel::Row& ArgsPanel::addRow(QFormLayout* form, const QString& name, QWidget* editor, QWidget* field)
{
    Row row;
    row.name = name;
    row.editor = editor;
    editor->setObjectName(QStringLiteral("arg_") + name);

    // The frame turns red when the argument is invalid; it always keeps a 2 px border (transparent
    // when fine) so that the layout does not jump when it turns red.
    auto* holder = new QWidget(this);
    auto* v = new QVBoxLayout(holder);
    v->setContentsMargins(0, 0, 0, 0);
    v->setSpacing(1);
    row.frame = new QFrame(holder);
    row.frame->setObjectName(QStringLiteral("frame_") + name);
    auto* fl = new QHBoxLayout(row.frame);
    fl->setContentsMargins(2, 2, 2, 2);
    fl->addWidget(field ? field : editor);
    if (!field && qobject_cast<QCheckBox*>(editor)) {
        // A check box keeps its own size (its indicator is what one clicks), the frame the rest.
        editor->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
        fl->addStretch(1);
    }
    v->addWidget(row.frame);
    row.problem = new QLabel(holder);
    row.problem->setObjectName(QStringLiteral("problem_") + name);
    row.problem->setWordWrap(true);
    row.problem->setTextInteractionFlags(Qt::TextSelectableByMouse);
    row.problem->hide();
    v->addWidget(row.problem);

    row.label = new QLabel(name, this);
    row.label->setBuddy(editor);
    form->addRow(row.label, holder);

    const QString tip = kerasTooltip(name, m_doc->config().flavor);
    if (!tip.isEmpty()) {
        row.label->setToolTip(tip);
        editor->setToolTip(tip);
    }
    m_index.insert(name, int(m_rows.size()));
    m_rows.append(row);
    setRowProblem(m_rows.last(), QString());
    return m_rows.last();
}

QCheckBox* ArgsPanel::addBool(QFormLayout* form, const QString& name, bool GruConfig::*member)
{
    auto* box = new QCheckBox(this);
    addRow(form, name, box);
    connect(box, &QCheckBox::toggled, this, [this, member](bool on) { commit([&](GruConfig& c) { c.*member = on; }); });
    m_refreshers << [this, box, member] { box->setChecked(m_doc->config().*member); };
    return box;
}

QComboBox* ArgsPanel::addActivation(QFormLayout* form, const QString& name, std::string GruConfig::*member)
{
    auto* combo = new QComboBox(this);
    // Editable: a name from a file or typed by hand that GruScope does not know stays visible and
    // is flagged by validateConfig instead of being silently replaced.
    combo->setEditable(true);
    combo->setInsertPolicy(QComboBox::NoInsert);
    for (const std::string& n : activationNames())
        combo->addItem(qs(n));
    addRow(form, name, combo);
    connect(combo, &QComboBox::currentTextChanged, this, [this, member](const QString& text) {
        if (m_refreshing)
            return;
        const std::string v = ss(text.trimmed());
        commit([&](GruConfig& c) { c.*member = v; });
    });
    m_refreshers << [this, combo, member] {
        const QString v = qs(m_doc->config().*member);
        if (combo->currentText() != v) {
            const int index = combo->findText(v);
            if (index >= 0)
                combo->setCurrentIndex(index);
            else
                combo->setEditText(v);
        }
        // The formula of each activation for the current flavor (hard_sigmoid differs).
        for (int i = 0; i < combo->count(); ++i)
            if (auto k = activationFromName(ss(combo->itemText(i))))
                combo->setItemData(i, qs(activationFormula(*k, m_doc->config().flavor)), Qt::ToolTipRole);
    };
    return combo;
}

QDoubleSpinBox* ArgsPanel::addRate(QFormLayout* form, const QString& name, double GruConfig::*member)
{
    auto* spin = new QDoubleSpinBox(this);
    spin->setRange(0.0, 1.0);
    spin->setSingleStep(0.05);
    spin->setDecimals(3);
    addRow(form, name, spin);
    connect(spin, qOverload<double>(&QDoubleSpinBox::valueChanged), this,
            [this, member](double v) { commit([&](GruConfig& c) { c.*member = v; }); });
    m_refreshers << [this, spin, member] {
        const double v = m_doc->config().*member;
        // NaN or values outside [0, 1] come only from files; the spin shows the clipped rate Keras
        // uses and validateConfig flags a NaN.
        const double shown = std::isnan(v) ? 0.0 : std::clamp(v, 0.0, 1.0);
        if (spin->value() != shown) // setValue would rewrite the text the user is typing
            spin->setValue(shown);
    };
    return spin;
}

void ArgsPanel::addInitializer(QFormLayout* form, const QString& name, InitializerSpec GruConfig::*member)
{
    auto* field = new QWidget(this);
    auto* v = new QVBoxLayout(field);
    v->setContentsMargins(0, 0, 0, 0);
    v->setSpacing(2);
    auto* combo = new QComboBox(field);
    for (const std::string& n : initializerNames())
        combo->addItem(qs(n));
    auto* params = new QLineEdit(field);
    params->setObjectName(QStringLiteral("arg_") + name + QStringLiteral("_params"));
    params->setToolTip(tr("Parameters of the initializer as key=value, separated by commas (seed=None or an "
                          "integer). Press Enter to apply."));
    v->addWidget(combo);
    v->addWidget(params);
    addRow(form, name, combo, field);
    m_extraEditors.insert(name + QStringLiteral(".params"), params);

    connect(combo, qOverload<int>(&QComboBox::activated), this, [this, combo, member, name](int) {
        const std::string n = ss(combo->currentText());
        // A new initializer starts from Keras's defaults for it; its own seed carries over when
        // the new one takes a seed too.
        const auto oldSeed = (m_doc->config().*member).seed;
        InitializerSpec spec = defaultInitializer(n);
        if (initializerParams(n).contains(QStringLiteral("seed")))
            spec.seed = oldSeed;
        m_rows[m_index.value(name)].panelProblem.clear();
        commit([&](GruConfig& c) { c.*member = spec; });
    });
    connect(params, &QLineEdit::editingFinished, this,
            [this, member, name] { commitInitializerParams(name, member); });
    m_refreshers << [this, combo, params, member, name] {
        const InitializerSpec& spec = m_doc->config().*member;
        const int index = combo->findText(qs(spec.name));
        if (index >= 0) {
            combo->setCurrentIndex(index);
        } else { // unknown name from a file: shown and flagged
            combo->setCurrentIndex(-1);
            combo->setPlaceholderText(qs(spec.name));
        }
        const bool takesParams = !initializerParams(spec.name).isEmpty();
        params->setEnabled(takesParams && combo->isEnabled());
        params->setPlaceholderText(takesParams ? QString() : tr("no parameters"));
        // Text the user is still fixing (a parse problem) stays as typed.
        if (m_rows[m_index.value(name)].panelProblem.isEmpty())
            setTextIfDifferent(params, formatInitializerParams(spec));
    };
}

QLineEdit* ArgsPanel::addVerbatim(QFormLayout* form, const QString& name, std::string GruConfig::*member)
{
    auto* edit = new QLineEdit(this);
    edit->setPlaceholderText(QStringLiteral("null"));
    addRow(form, name, edit);
    connect(edit, &QLineEdit::editingFinished, this, [this, edit, member] {
        QString text = edit->text().trimmed();
        if (text.isEmpty())
            text = QStringLiteral("null");
        const std::string v = ss(text);
        commit([&](GruConfig& c) { c.*member = v; });
    });
    m_refreshers << [this, edit, member] { setTextIfDifferent(edit, qs(m_doc->config().*member)); };
    return edit;
}

// ---- editing ------------------------------------------------------------------------------------

template <class F>
void ArgsPanel::commit(F&& edit)
{
    if (m_refreshing)
        return;
    GruConfig c = m_doc->config();
    edit(c);
    m_doc->setConfig(c); // no-op when unchanged; configChanged refreshes this panel
}

void ArgsPanel::commitInitializerParams(const QString& name, InitializerSpec GruConfig::*member)
{
    Row& row = m_rows[m_index.value(name)];
    auto* params = static_cast<QLineEdit*>(m_extraEditors.value(name + QStringLiteral(".params")));
    InitializerSpec spec = m_doc->config().*member;
    const QString problem = parseInitializerParams(params->text(), spec, name);
    row.panelProblem = problem;
    if (!problem.isEmpty()) {
        // The document keeps the last valid parameters; the text stays for the user to fix.
        refreshProblems();
        return;
    }
    commit([&](GruConfig& c) { c.*member = spec; });
    refreshFromDocument(); // normalises the text even when nothing changed
}

void ArgsPanel::setFlavor(Flavor flavor)
{
    GruConfig c = m_doc->config();
    if (c.flavor == flavor)
        return;
    c.flavor = flavor;
    // Arguments the new flavor does not have go back to their defaults (the file that flavor's
    // Keras writes has no place for them); say so rather than leave a red mark the user did not
    // cause.
    QStringList dropped;
    if (flavor == Flavor::TfKeras) {
        if (c.seed) {
            c.seed.reset();
            dropped << QStringLiteral("seed");
        }
        if (c.use_cudnn != UseCudnn::Auto) {
            c.use_cudnn = UseCudnn::Auto;
            dropped << QStringLiteral("use_cudnn");
        }
    } else if (c.time_major) {
        c.time_major = false;
        dropped << QStringLiteral("time_major");
    }
    m_doc->setConfig(c);
    if (!dropped.isEmpty())
        emit m_doc->notice(tr("%1 has no %2: reset to the default")
                               .arg(flavorDisplayName(flavor), dropped.join(QStringLiteral(" or "))));
}

void ArgsPanel::resetToDefaults()
{
    const GruConfig& cur = m_doc->config();
    GruConfig d;
    d.units = cur.units;
    d.flavor = cur.flavor;
    d.name = cur.name;
    for (Row& r : m_rows)
        r.panelProblem.clear();
    m_doc->setConfig(d);
    refreshFromDocument();
}

// ---- refreshing ---------------------------------------------------------------------------------

void ArgsPanel::refreshFromDocument()
{
    m_refreshing = true;
    {
        std::vector<QSignalBlocker> blockers;
        blockers.reserve(size_t(m_rows.size() + m_extraEditors.size() + 1));
        for (const Row& r : std::as_const(m_rows))
            blockers.emplace_back(r.editor);
        for (QWidget* w : std::as_const(m_extraEditors))
            blockers.emplace_back(w);
        blockers.emplace_back(m_flavor);
        m_flavor->setCurrentIndex(m_flavor->findData(QString::fromLatin1(flavorName(m_doc->config().flavor))));
        for (const auto& refresh : std::as_const(m_refreshers))
            refresh();
    }
    m_refreshing = false;
    refreshFlavor();
    refreshProblems();
    refreshTraining();
}

void ArgsPanel::refreshTraining()
{
    const QSignalBlocker b1(m_training), b2(m_dropoutSeed);
    m_training->setChecked(m_doc->training());
    const int seed = int(std::min<uint64_t>(m_doc->dropoutSeed(), INT_MAX));
    if (m_dropoutSeed->value() != seed)
        m_dropoutSeed->setValue(seed);
}

void ArgsPanel::refreshFlavor()
{
    const Flavor flavor = m_doc->config().flavor;
    QSet<QString> invalid;
    for (const auto& issue : m_doc->configIssues())
        invalid.insert(qs(issue.argument).section(QLatin1Char('.'), 0, 0));
    for (Row& r : m_rows) {
        if (r.name == QLatin1String("training") || r.name == QLatin1String("dropout_seed"))
            continue;
        // An argument the flavor lacks is disabled — unless it holds a value the flavor rejects
        // (from a file), which the user must be able to clear.
        const bool available = argumentInFlavor(r.name, flavor) || invalid.contains(r.name);
        r.frame->setEnabled(available);
        r.label->setEnabled(available);
        const QString tip = kerasTooltip(r.name, flavor);
        r.label->setToolTip(tip);
        if (r.editor != m_seed)
            r.editor->setToolTip(tip);
    }
    m_seed->setEnabled(m_seedSet->isChecked());
}

void ArgsPanel::setRowProblem(Row& row, const QString& text, bool force)
{
    const QColor color = text.isEmpty() ? QColor(Qt::transparent) : problemColor(this);
    // Restyling is the costly part of a refresh: only when the frame's colour changes.
    if (force || !row.styled || row.frameColor != color) {
        row.frame->setStyleSheet(QStringLiteral("QFrame#%1 { border: 2px solid %2; border-radius: 3px; }")
                                     .arg(row.frame->objectName(), color.name(QColor::HexArgb)));
        row.frameColor = color;
        row.styled = true;
    }
    row.editor->setProperty("invalid", !text.isEmpty());
    if (row.problem->text() != text)
        row.problem->setText(text);
    row.problem->setVisible(!text.isEmpty());
    if (!text.isEmpty() && row.problem->palette().color(QPalette::WindowText) != color) {
        QPalette p = row.problem->palette();
        p.setColor(QPalette::WindowText, color);
        row.problem->setPalette(p);
    }
}

void ArgsPanel::refreshProblems(bool force)
{
    QHash<QString, QStringList> byArg;
    for (const auto& issue : m_doc->configIssues())
        byArg[qs(issue.argument).section(QLatin1Char('.'), 0, 0)] << qs(issue.message());
    int count = 0;
    for (Row& r : m_rows) {
        QStringList lines = byArg.take(r.name);
        if (!r.panelProblem.isEmpty())
            lines.prepend(r.panelProblem);
        count += lines.isEmpty() ? 0 : 1;
        setRowProblem(r, lines.join(QLatin1Char('\n')), force);
    }
    // Issues about an argument without its own row (should not happen) still show at the top.
    QStringList orphans;
    for (auto it = byArg.cbegin(); it != byArg.cend(); ++it)
        orphans << it.value();
    count += int(orphans.size());
    if (count == 0) {
        m_summary->hide();
        return;
    }
    QString text = m_doc->configValid()
                       ? (count == 1 ? tr("1 parameter text could not be read; the layer runs with the previous values.")
                                     : tr("%1 parameter texts could not be read; the layer runs with the previous values.")
                                           .arg(count))
                       : (count == 1 ? tr("1 invalid argument: the layer is not run until it is fixed.")
                                     : tr("%1 invalid arguments: the layer is not run until they are fixed.").arg(count));
    if (!orphans.isEmpty())
        text += QLatin1Char('\n') + orphans.join(QLatin1Char('\n'));
    m_summary->setText(text);
    QPalette p = m_summary->palette();
    p.setColor(QPalette::WindowText, problemColor(this));
    m_summary->setPalette(p);
    m_summary->show();
}

void ArgsPanel::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    // The problem colour follows the palette (a darker red reads badly on a dark background).
    if (event->type() == QEvent::PaletteChange && !m_rows.isEmpty())
        refreshProblems(true);
}

// ---- tests ---------------------------------------------------------------------------------------

QWidget* ArgsPanel::editor(const QString& kerasName) const
{
    if (kerasName == QLatin1String("flavor"))
        return m_flavor;
    if (kerasName == QLatin1String("reset"))
        return m_reset;
    if (kerasName == QLatin1String("backend"))
        return m_backend;
    if (QWidget* w = m_extraEditors.value(kerasName))
        return w;
    const int i = m_index.value(kerasName, -1);
    return i < 0 ? nullptr : m_rows[i].editor;
}

QString ArgsPanel::problemText(const QString& kerasName) const
{
    const int i = m_index.value(kerasName, -1);
    return i < 0 ? QString() : m_rows[i].problem->text();
}

} // namespace gsui
