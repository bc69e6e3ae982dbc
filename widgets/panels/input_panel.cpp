#include "panels/input_panel.h"

#include "model/engine_qt.h"
#include "model/input_table_model.h"
#include "model/limits.h"
#include "panels/initial_state_editor.h"
#include "panels/mask_editor.h"

#include "gruscope/eligibility.h"
#include "gruscope/error.h"
#include "gruscope/input_files.h"
#include "gruscope/npy.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>
#include <memory>

namespace gsui {

using namespace gruscope;

struct InputPanel::PendingImport {
    QString path;
    InputFile file;
    std::optional<ArrayU8> mask; // an .npz 'mask' member of shape (B, T)
    QString maskNote;            // why a 'mask' member was not offered
};

namespace {

constexpr int kMaxBatch = 4096;
constexpr int kMaxSteps = 1000000;
constexpr int kMaxFeatures = 4096;

const char* formulaOf(GeneratorKind kind)
{
    switch (kind) {
    case GeneratorKind::Sine: return "x = c + A·sin(2π(f·t + φ + b·δ))";
    case GeneratorKind::Square: return "x = c + A in the first half of each period of f·t + φ + b·δ, c − A in the second";
    case GeneratorKind::Sawtooth: return "x = c + A·(2·frac(f·t + φ + b·δ) − 1): rises from c − A to c + A each period";
    case GeneratorKind::Step: return "x = c + A from t = p + b·Δp on, c before";
    case GeneratorKind::Impulse: return "x = c + A at t = p + b·Δp only, c elsewhere";
    case GeneratorKind::Ramp: return "x = c + A·(t − p_b)/(T − 1) from t = p_b = p + b·Δp on, c before";
    case GeneratorKind::WhiteNoise: return "x = c + A·n, n ~ N(0, 1) drawn with the seed";
    case GeneratorKind::RandomWalk: return "x_t = x_(t−1) + A·n_t, n ~ N(0, 1) drawn with the seed, from c";
    }
    return "";
}

// "0.05, 0.1 0.2" → {0.05, 0.1, 0.2}; empty text → empty list. Throws naming the bad token.
std::vector<double> parseNumberList(const QString& text, const QString& what)
{
    std::vector<double> out;
    static const QRegularExpression separators(QStringLiteral("[,;\\s]+"));
    const QStringList tokens = text.split(separators, Qt::SkipEmptyParts);
    for (const QString& tok : tokens) {
        bool ok = false;
        double v = QLocale::c().toDouble(tok, &ok);
        if (!ok)
            v = QLocale().toDouble(tok, &ok);
        if (!ok)
            throw Error(ErrorCode::InvalidArgument, ss(QObject::tr("%1: \"%2\" is not a number").arg(what, tok)));
        out.push_back(v);
    }
    return out;
}

QString joinNumbers(const std::vector<double>& v)
{
    QStringList parts;
    for (double d : v)
        parts << QString::number(d, 'g', 8);
    return parts.join(QStringLiteral(", "));
}

QDoubleSpinBox* makeDouble(QWidget* parent, const char* name, double lo, double hi, double step, int decimals,
                           double value, const QString& tip)
{
    auto* s = new QDoubleSpinBox(parent);
    s->setObjectName(QLatin1String(name));
    s->setRange(lo, hi);
    s->setSingleStep(step);
    s->setDecimals(decimals);
    s->setValue(value);
    s->setToolTip(tip);
    s->setKeyboardTracking(false);
    return s;
}

QSpinBox* makeInt(QWidget* parent, const char* name, int lo, int hi, int value, const QString& tip)
{
    auto* s = new QSpinBox(parent);
    s->setObjectName(QLatin1String(name));
    s->setRange(lo, hi);
    s->setValue(value);
    s->setToolTip(tip);
    s->setKeyboardTracking(false);
    return s;
}

bool isInputFileName(const QString& path)
{
    static const QStringList suffixes{QStringLiteral("csv"), QStringLiteral("tsv"), QStringLiteral("txt"),
                                      QStringLiteral("npy"), QStringLiteral("npz")};
    return suffixes.contains(QFileInfo(path).suffix().toLower());
}

} // namespace

InputPanel::InputPanel(Document* doc, QWidget* parent) : QWidget(parent), m_doc(doc)
{
    setAcceptDrops(true);

    // ---- shape and source ----
    m_batch = makeInt(this, "batchSize", 1, kMaxBatch, 1, tr("Batch size B: how many sequences run side by side"));
    m_steps = makeInt(this, "timesteps", 1, kMaxSteps, 20, tr("Timesteps T: the sequence length"));
    m_features = makeInt(this, "features", 1, kMaxFeatures, 1,
                         tr("Features I per step. A different count than the model's kernel re-initialises "
                            "the kernel (I, 3U)."));
    auto* shapeGrid = new QGridLayout;
    shapeGrid->setHorizontalSpacing(6);
    shapeGrid->setVerticalSpacing(2);
    const QString shapeLabels[] = {tr("batch B"), tr("timesteps T"), tr("features I")};
    QSpinBox* shapeSpins[] = {m_batch, m_steps, m_features};
    for (int c = 0; c < 3; ++c) {
        auto* l = new QLabel(shapeLabels[c], this);
        l->setBuddy(shapeSpins[c]);
        shapeGrid->addWidget(l, 0, c);
        shapeGrid->addWidget(shapeSpins[c], 1, c);
        shapeGrid->setColumnStretch(c, 1);
    }
    for (QSpinBox* s : shapeSpins)
        connect(s, &QSpinBox::valueChanged, this, &InputPanel::generateFromControls);

    auto* importButton = new QPushButton(tr("Import…"), this);
    importButton->setObjectName(QStringLiteral("importInput"));
    importButton->setToolTip(tr("Read x from CSV (one row per step, one column per feature; a 'sample' column "
                                "for batches), .npy or .npz — or drop such a file here"));
    connect(importButton, &QPushButton::clicked, this, &InputPanel::openImportDialog);

    m_description = new QLabel(this);
    m_description->setObjectName(QStringLiteral("inputDescription"));
    m_description->setWordWrap(true);
    m_description->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* sourceRow = new QHBoxLayout;
    sourceRow->addWidget(m_description, 1);
    sourceRow->addWidget(importButton, 0, Qt::AlignTop);

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("inputError"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->hide();

    // ---- tabs ----
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("inputTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->setUsesScrollButtons(true);
    m_tabs->addTab(buildGeneratorTab(), tr("Signal"));
    m_tabs->addTab(buildValuesTab(), tr("Values"));
    m_tabs->addTab(buildMaskTab(), tr("Mask"));
    m_stateEditor = new InitialStateEditor(doc, this);
    auto* stateTab = new QWidget(this);
    auto* stateLayout = new QVBoxLayout(stateTab);
    stateLayout->setContentsMargins(6, 6, 6, 6);
    stateLayout->addWidget(m_stateEditor);
    m_tabs->addTab(stateTab, tr("Initial state"));
    m_tabs->setTabToolTip(0, tr("Make x from a formula"));
    m_tabs->setTabToolTip(1, tr("See and edit x, one sample at a time"));
    m_tabs->setTabToolTip(2, tr("Which steps each sample keeps (Keras mask=...)"));
    m_tabs->setTabToolTip(3, tr("The state h0 the run starts from (Keras initial_state=...)"));

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(shapeGrid);
    layout->addLayout(sourceRow);
    layout->addWidget(m_error);
    layout->addWidget(m_tabs, 1);

    connect(doc, &Document::inputChanged, this, &InputPanel::syncFromDocument);
    connect(doc, &Document::maskChanged, this, &InputPanel::updateMaskStatus);
    connect(doc, &Document::sampleChanged, this, [this](int s) {
        const QSignalBlocker block(m_sample);
        m_sample->setValue(s);
    });
    onKindChanged();
    onMaskPresetChanged();
    syncFromDocument();
}

InputPanel::~InputPanel() = default;

QWidget* InputPanel::buildGeneratorTab()
{
    auto* tab = new QWidget(this);
    m_kind = new QComboBox(tab);
    // Long item texts must not set the dock's minimum width.
    m_kind->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_kind->setMinimumContentsLength(10);
    m_kind->setObjectName(QStringLiteral("generatorKind"));
    for (GeneratorKind k : generatorKinds())
        m_kind->addItem(tr(generatorKindLabel(k)), int(k));
    m_kind->setToolTip(tr("The signal to generate for every feature of every sample"));
    connect(m_kind, &QComboBox::currentIndexChanged, this, &InputPanel::onKindChanged);

    m_formula = new QLabel(tab);
    m_formula->setWordWrap(true);
    m_formula->setForegroundRole(QPalette::PlaceholderText);

    m_frequency = makeDouble(tab, "frequency", 0.0, 0.5, 0.01, 4, 0.05,
                             tr("Frequency f of feature 0 in cycles per step (0.05 = one period every 20 steps; "
                                "0.5 is the fastest a sequence can show)"));
    m_frequencyStep = makeDouble(tab, "frequencyStep", -0.5, 0.5, 0.01, 4, 0.02,
                                 tr("Added to the frequency for each further feature: f_i = f + i·Δf"));
    m_phase = makeDouble(tab, "phase", -1.0, 1.0, 0.05, 3, 0.0,
                         tr("Phase φ of feature 0 in cycles (0.25 turns a sine into a cosine)"));
    m_phaseStep = makeDouble(tab, "phaseStep", -1.0, 1.0, 0.05, 3, 0.0,
                             tr("Added to the phase for each further feature: φ_i = φ + i·Δφ"));
    m_samplePhaseStep = makeDouble(tab, "samplePhaseStep", -1.0, 1.0, 0.025, 3, 0.125,
                                   tr("Phase shift δ per sample (cycles), so the samples of a batch differ"));
    m_frequencyList = new QLineEdit(tab);
    m_frequencyList->setObjectName(QStringLiteral("frequencyList"));
    m_frequencyList->setPlaceholderText(tr("optional: one per feature, e.g. 0.05, 0.1"));
    m_frequencyList->setToolTip(tr("Frequencies per feature (cycles/step); when given they replace f + i·Δf"));
    m_phaseList = new QLineEdit(tab);
    m_phaseList->setObjectName(QStringLiteral("phaseList"));
    m_phaseList->setPlaceholderText(tr("optional: one per feature, e.g. 0, 0.25"));
    m_phaseList->setToolTip(tr("Phases per feature (cycles); when given they replace φ + i·Δφ"));
    m_amplitude = makeDouble(tab, "amplitude", -1e6, 1e6, 0.1, 4, 1.0, tr("Amplitude A"));
    m_offset = makeDouble(tab, "offset", -1e6, 1e6, 0.1, 4, 0.0, tr("Offset c added to every value"));
    m_position = makeInt(tab, "position", 0, kMaxSteps, 10, tr("Time index p where the step, impulse or ramp starts"));
    m_positionStep = makeInt(tab, "positionStep", -kMaxSteps, kMaxSteps, 2,
                             tr("Added to the position per sample: p_b = p + b·Δp, so the samples of a batch differ"));
    m_seed = makeInt(tab, "generatorSeed", 0, std::numeric_limits<int>::max(), 1,
                     tr("Seed of the random numbers: the same seed gives the same signal"));

    auto* generate = new QPushButton(tr("Generate"), tab);
    generate->setObjectName(QStringLiteral("generate"));
    generate->setToolTip(tr("Replace x with this signal (B × T × I from the spin boxes above)"));
    connect(generate, &QPushButton::clicked, this, &InputPanel::generateFromControls);

    m_genForm = new QFormLayout;
    m_genForm->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_genForm->setRowWrapPolicy(QFormLayout::DontWrapRows);
    m_genForm->addRow(tr("signal"), m_kind);
    m_genForm->addRow(m_formula);
    m_genForm->addRow(tr("frequency f"), m_frequency);
    m_genForm->addRow(tr("  + per feature"), m_frequencyStep);
    m_genForm->addRow(tr("phase φ"), m_phase);
    m_genForm->addRow(tr("  + per feature"), m_phaseStep);
    m_genForm->addRow(tr("  + per sample δ"), m_samplePhaseStep);
    m_genForm->addRow(tr("f per feature"), m_frequencyList);
    m_genForm->addRow(tr("φ per feature"), m_phaseList);
    m_amplitudeLabel = new QLabel(tr("amplitude A"), tab);
    m_genForm->addRow(m_amplitudeLabel, m_amplitude);
    m_genForm->addRow(tr("offset c"), m_offset);
    m_genForm->addRow(tr("position p"), m_position);
    m_genForm->addRow(tr("  + per sample Δp"), m_positionStep);
    m_genForm->addRow(tr("seed"), m_seed);

    auto* buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(generate);

    auto* inner = new QWidget;
    auto* innerLayout = new QVBoxLayout(inner);
    innerLayout->setContentsMargins(6, 6, 6, 6);
    innerLayout->addLayout(m_genForm);
    innerLayout->addLayout(buttons);
    innerLayout->addStretch(1);

    // A short dock scrolls instead of squeezing the spin boxes.
    auto* scroll = new QScrollArea(tab);
    scroll->setWidget(inner);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto* tabLayout = new QVBoxLayout(tab);
    tabLayout->setContentsMargins(0, 0, 0, 0);
    tabLayout->addWidget(scroll);
    return tab;
}

QWidget* InputPanel::buildValuesTab()
{
    auto* tab = new QWidget(this);
    m_sample = makeInt(tab, "sample", 0, 0, 0, tr("The sample shown (selects it in every view)"));
    m_sampleOf = new QLabel(tab);
    connect(m_sample, &QSpinBox::valueChanged, this, [this](int s) { m_doc->setSelectedSample(s); });
    auto* row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("sample"), tab));
    row->addWidget(m_sample);
    row->addWidget(m_sampleOf, 1);

    m_tableModel = new InputTableModel(m_doc, this);
    m_table = new QTableView(tab);
    m_table->setObjectName(QStringLiteral("inputTable"));
    m_table->setModel(m_tableModel);
    // Wide enough for "-2.44929e-16": 'g' with 6 digits never needs more.
    m_table->horizontalHeader()->setDefaultSectionSize(QFontMetrics(font()).horizontalAdvance(QStringLiteral("-8.88888e-88")) + 14);
    m_table->verticalHeader()->setDefaultSectionSize(QFontMetrics(font()).height() + 6);
    m_table->setToolTip(tr("x for the chosen sample: rows are timesteps, columns features. Double-click to edit; "
                           "greyed rows are masked."));
    m_table->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed |
                             QAbstractItemView::AnyKeyPressed);

    auto* layout = new QVBoxLayout(tab);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(row);
    layout->addWidget(m_table, 1);
    return tab;
}

QWidget* InputPanel::buildMaskTab()
{
    auto* tab = new QWidget(this);
    m_maskPreset = new QComboBox(tab);
    // Long item texts must not set the dock's minimum width.
    m_maskPreset->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_maskPreset->setMinimumContentsLength(10);
    m_maskPreset->setObjectName(QStringLiteral("maskPreset"));
    m_maskPreset->addItem(tr("none (every step kept)"), int(MaskPreset::None));
    m_maskPreset->addItem(tr("right-padded by lengths"), int(MaskPreset::RightPadded));
    m_maskPreset->addItem(tr("left-padded by lengths"), int(MaskPreset::LeftPadded));
    m_maskPreset->addItem(tr("random holes"), int(MaskPreset::RandomHoles));
    m_maskPreset->setToolTip(tr("Right-padded (steps kept first, padding at the end) is the only mask cuDNN "
                                "accepts; left padding or holes make Keras use the generic kernel"));
    connect(m_maskPreset, &QComboBox::currentIndexChanged, this, &InputPanel::onMaskPresetChanged);

    m_lengths = new QLineEdit(tab);
    m_lengths->setObjectName(QStringLiteral("maskLengths"));
    m_lengths->setPlaceholderText(QStringLiteral("10, 8, 5"));
    m_lengths->setToolTip(tr("Sequence length per sample; the last one repeats for the remaining samples"));
    connect(m_lengths, &QLineEdit::textEdited, this, [this] { m_lengthsEdited = true; });
    m_holeProbability = makeDouble(tab, "maskHoleProbability", 0.0, 1.0, 0.05, 3, 0.2,
                                   tr("Probability that a step is masked"));
    m_maskSeed = makeInt(tab, "maskSeed", 0, std::numeric_limits<int>::max(), 1,
                         tr("Seed of the random holes: the same seed gives the same holes"));

    auto* apply = new QPushButton(tr("Apply preset"), tab);
    apply->setObjectName(QStringLiteral("applyMaskPreset"));
    apply->setToolTip(tr("Replace the mask with the preset"));
    connect(apply, &QPushButton::clicked, this, [this] {
        QString error;
        if (!applyMaskPreset(&error))
            showError(error);
    });

    m_maskForm = new QFormLayout;
    m_maskForm->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    auto* presetRow = new QHBoxLayout;
    presetRow->addWidget(m_maskPreset, 1);
    presetRow->addWidget(apply);
    m_maskForm->addRow(tr("preset"), presetRow);
    m_maskForm->addRow(tr("lengths"), m_lengths);
    m_maskForm->addRow(tr("probability"), m_holeProbability);
    m_maskForm->addRow(tr("seed"), m_maskSeed);

    m_maskStatus = new QLabel(tab);
    m_maskStatus->setObjectName(QStringLiteral("maskStatus"));
    m_maskStatus->setWordWrap(true);
    auto* hint = new QLabel(tr("Click a cell to keep/skip a step, drag to paint; click a time label to step there."),
                            tab);
    hint->setWordWrap(true);
    hint->setForegroundRole(QPalette::PlaceholderText);

    m_maskEditor = new MaskEditor(m_doc);
    m_maskEditor->setObjectName(QStringLiteral("maskEditor"));
    auto* scroll = new QScrollArea(tab);
    scroll->setObjectName(QStringLiteral("maskScroll"));
    scroll->setWidget(m_maskEditor);
    scroll->setWidgetResizable(true);

    auto* layout = new QVBoxLayout(tab);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(m_maskForm);
    layout->addWidget(m_maskStatus);
    layout->addWidget(hint);
    layout->addWidget(scroll, 1);
    return tab;
}

// ---- generator ---------------------------------------------------------------------------------

GeneratorSpec InputPanel::generatorSpec() const
{
    GeneratorSpec s;
    readControls(&s, nullptr);
    return s;
}

bool InputPanel::readControls(GeneratorSpec* out, QString* error) const
{
    GeneratorSpec& s = *out;
    s.kind = GeneratorKind(m_kind->currentData().toInt());
    s.batch = m_batch->value();
    s.steps = m_steps->value();
    s.features = m_features->value();
    s.baseFrequency = m_frequency->value();
    s.frequencyStep = m_frequencyStep->value();
    s.basePhase = m_phase->value();
    s.phaseStep = m_phaseStep->value();
    s.samplePhaseStep = m_samplePhaseStep->value();
    // A wrong count surfaces in generate() (validateSpec); a bad token here.
    bool ok = true;
    try {
        s.frequencies = parseNumberList(m_frequencyList->text(), tr("f per feature"));
        s.phases = parseNumberList(m_phaseList->text(), tr("φ per feature"));
    } catch (const std::exception& e) {
        if (error)
            *error = errorText(e);
        ok = false;
    }
    s.amplitude = m_amplitude->value();
    s.offset = m_offset->value();
    s.position = m_position->value();
    s.positionStep = m_positionStep->value();
    s.seed = uint64_t(m_seed->value());
    return ok;
}

void InputPanel::generateFromControls()
{
    GeneratorSpec spec;
    QString error;
    if (!readControls(&spec, &error) || !applyGenerator(spec, &error)) {
        showError(error);
        syncFromDocument(); // the shape spin boxes show the shape the document kept
    }
}

void InputPanel::setGeneratorSpec(const GeneratorSpec& s)
{
    QWidget* controls[] = {m_kind, m_batch, m_steps, m_features, m_frequency, m_frequencyStep, m_phase,
                           m_phaseStep, m_samplePhaseStep, m_frequencyList, m_phaseList, m_amplitude,
                           m_offset, m_position, m_positionStep, m_seed};
    std::vector<std::unique_ptr<QSignalBlocker>> blockers;
    for (QWidget* w : controls)
        blockers.push_back(std::make_unique<QSignalBlocker>(w));
    m_kind->setCurrentIndex(m_kind->findData(int(s.kind)));
    m_batch->setValue(int(std::clamp<int64_t>(s.batch, 1, kMaxBatch)));
    m_steps->setValue(int(std::clamp<int64_t>(s.steps, 1, kMaxSteps)));
    m_features->setValue(int(std::clamp<int64_t>(s.features, 1, kMaxFeatures)));
    m_frequency->setValue(s.baseFrequency);
    m_frequencyStep->setValue(s.frequencyStep);
    m_phase->setValue(s.basePhase);
    m_phaseStep->setValue(s.phaseStep);
    m_samplePhaseStep->setValue(s.samplePhaseStep);
    m_frequencyList->setText(joinNumbers(s.frequencies));
    m_phaseList->setText(joinNumbers(s.phases));
    m_amplitude->setValue(s.amplitude);
    m_offset->setValue(s.offset);
    m_position->setValue(int(std::clamp<int64_t>(s.position, 0, kMaxSteps)));
    m_positionStep->setValue(int(std::clamp<int64_t>(s.positionStep, -kMaxSteps, kMaxSteps)));
    m_seed->setValue(int(std::min<uint64_t>(s.seed, uint64_t(std::numeric_limits<int>::max()))));
    blockers.clear();
    onKindChanged();
}

bool InputPanel::applyGenerator(const GeneratorSpec& spec, QString* error)
{
    try {
        ArrayF x = generate(spec);
        m_doc->setInput(std::move(x), qs(describeSpec(spec)), Document::InputSource::Chosen);
    } catch (const std::exception& e) {
        if (error)
            *error = errorText(e);
        return false;
    }
    setGeneratorSpec(spec);
    showError({});
    return true;
}

void InputPanel::onKindChanged()
{
    const auto kind = GeneratorKind(m_kind->currentData().toInt());
    m_formula->setText(tr(formulaOf(kind)));
    const bool periodic = isPeriodic(kind), positional = isPositional(kind), random = isRandom(kind);
    for (QWidget* w : {static_cast<QWidget*>(m_frequency), static_cast<QWidget*>(m_frequencyStep),
                       static_cast<QWidget*>(m_phase), static_cast<QWidget*>(m_phaseStep),
                       static_cast<QWidget*>(m_samplePhaseStep), static_cast<QWidget*>(m_frequencyList),
                       static_cast<QWidget*>(m_phaseList)})
        m_genForm->setRowVisible(w, periodic);
    m_genForm->setRowVisible(m_position, positional);
    m_genForm->setRowVisible(m_positionStep, positional);
    m_genForm->setRowVisible(m_seed, random);
    m_amplitudeLabel->setText(kind == GeneratorKind::WhiteNoise   ? tr("std A")
                              : kind == GeneratorKind::RandomWalk ? tr("step std A")
                                                                  : tr("amplitude A"));
    m_amplitude->setToolTip(random ? tr("Standard deviation of each random draw") : tr("Amplitude A"));
}

// ---- import ------------------------------------------------------------------------------------

InputPanel::PendingImport InputPanel::readImport(const QString& path) const
{
    PendingImport p;
    p.path = path;
    InputReadOptions options;
    options.maxElements = windowLimits().maxElements;
    p.file = readInputFileDetailed(ss(path), options);
    if (p.file.format == "npz") {
        const int64_t B = p.file.x.shape[0], T = p.file.x.shape[1];
        npy::ReadLimits limits;
        limits.maxElements = windowLimits().maxElements;
        for (auto& [name, array] : npy::readNpz(ss(path), limits)) {
            if (name != "mask")
                continue;
            if (array.shape == Shape{B, T})
                p.mask = array.toMask(ss(QFileInfo(path).fileName()) + ":mask");
            else
                p.maskNote = tr("the file's 'mask' %1 does not fit the input's (batch, timesteps) %2; not used")
                                 .arg(qs(array.shape), qs(Shape{B, T}));
        }
    }
    return p;
}

void InputPanel::applyImport(PendingImport& p, bool useMask)
{
    const InputFile& f = p.file;
    QString description = QFileInfo(p.path).fileName();
    if (!f.arrayName.empty())
        description += QStringLiteral(" ['%1']").arg(qs(f.arrayName));
    m_doc->setInput(f.x, description, Document::InputSource::Chosen); // throws for an unusable shape before changing anything
    if (p.mask && useMask)
        m_doc->setMask(std::move(p.mask));
    QStringList notes = qsList(f.notes);
    if (!p.maskNote.isEmpty())
        notes << p.maskNote;
    if (p.mask)
        notes << (useMask ? tr("the file's 'mask' is now the mask") : tr("the file's 'mask' was not used"));
    if (!notes.isEmpty())
        emit m_doc->notice(tr("Imported %1: %2").arg(QFileInfo(p.path).fileName(), notes.join(QStringLiteral("; "))));
    showError({});
}

bool InputPanel::importFile(const QString& path, QString* error, FileMaskPolicy maskPolicy)
{
    try {
        PendingImport p = readImport(path);
        applyImport(p, maskPolicy == FileMaskPolicy::Use);
    } catch (const std::exception& e) {
        if (error)
            *error = errorText(e);
        return false;
    }
    return true;
}

void InputPanel::importFileInteractive(const QString& path)
{
    try {
        PendingImport p = readImport(path);
        bool useMask = false;
        if (p.mask) {
            useMask = QMessageBox::question(this, tr("Use the file's mask?"),
                                            tr("%1 also holds a 'mask' array %2. Use it as the mask?")
                                                .arg(QFileInfo(path).fileName(), qs(p.mask->shape)),
                                            QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes) == QMessageBox::Yes;
        }
        applyImport(p, useMask);
    } catch (const std::exception& e) {
        QMessageBox::warning(this, tr("Cannot import the input"),
                             tr("%1\n\nThe input was not changed.").arg(errorText(e)));
    }
}

void InputPanel::openImportDialog()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Import input x"), QString(),
                                                      tr("Inputs (*.csv *.tsv *.txt *.npy *.npz);;All files (*)"));
    if (!path.isEmpty())
        importFileInteractive(path);
}

void InputPanel::dragEnterEvent(QDragEnterEvent* event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.size() == 1 && urls.front().isLocalFile() && isInputFileName(urls.front().toLocalFile()))
        event->acceptProposedAction();
}

void InputPanel::dropEvent(QDropEvent* event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.size() != 1 || !urls.front().isLocalFile())
        return;
    event->acceptProposedAction();
    importFileInteractive(urls.front().toLocalFile());
}

// ---- mask --------------------------------------------------------------------------------------

void InputPanel::onMaskPresetChanged()
{
    const auto preset = MaskPreset(m_maskPreset->currentData().toInt());
    const bool lengths = preset == MaskPreset::RightPadded || preset == MaskPreset::LeftPadded;
    m_maskForm->setRowVisible(m_lengths, lengths);
    m_maskForm->setRowVisible(m_holeProbability, preset == MaskPreset::RandomHoles);
    m_maskForm->setRowVisible(m_maskSeed, preset == MaskPreset::RandomHoles);
}

bool InputPanel::applyMaskPreset(QString* error)
{
    return applyMaskPreset(MaskPreset(m_maskPreset->currentData().toInt()), error);
}

bool InputPanel::applyMaskPreset(MaskPreset preset, QString* error)
{
    const int64_t B = m_doc->batch(), T = m_doc->steps();
    try {
        switch (preset) {
        case MaskPreset::None: m_doc->setMask(std::nullopt); break;
        case MaskPreset::RightPadded:
            m_doc->setMask(maskRightPadded(B, T, parseLengths(ss(m_lengths->text()))));
            break;
        case MaskPreset::LeftPadded:
            m_doc->setMask(maskLeftPadded(B, T, parseLengths(ss(m_lengths->text()))));
            break;
        case MaskPreset::RandomHoles:
            m_doc->setMask(maskRandomHoles(B, T, m_holeProbability->value(), uint64_t(m_maskSeed->value())));
            break;
        }
    } catch (const std::exception& e) {
        if (error)
            *error = errorText(e);
        return false;
    }
    {
        const QSignalBlocker block(m_maskPreset);
        m_maskPreset->setCurrentIndex(m_maskPreset->findData(int(preset)));
    }
    onMaskPresetChanged();
    showError({});
    return true;
}

QString InputPanel::defaultLengths() const
{
    // T, then a quarter less per sample down to a quarter of T: a batch of shrinking sequences.
    const int64_t B = std::max<int64_t>(1, m_doc->batch()), T = std::max<int64_t>(1, m_doc->steps());
    QStringList parts;
    for (int64_t b = 0; b < std::min<int64_t>(B, 4); ++b)
        parts << QString::number(std::max<int64_t>(1, T - b * T / 4));
    return parts.join(QStringLiteral(", "));
}

void InputPanel::updateMaskStatus()
{
    const auto& mask = m_doc->mask();
    QString text;
    if (!mask) {
        text = tr("No mask: every step of every sample is kept.");
    } else {
        int64_t kept = 0;
        for (uint8_t c : mask->data)
            kept += c != 0;
        int64_t firstBad = -1;
        const bool right = isRightPadded(*mask, &firstBad);
        int64_t emptySample = -1;
        const bool fullyMasked = hasFullyMaskedSample(*mask, &emptySample);
        text = tr("%1 of %2 steps kept. ").arg(kept).arg(mask->size());
        text += right ? tr("Right-padded: cuDNN accepts this mask.")
                      : tr("Not right-padded (sample %1 has a hole or leading padding): Keras will not use cuDNN.")
                            .arg(firstBad);
        if (fullyMasked)
            text += QLatin1Char(' ') + tr("Sample %1 is fully masked.").arg(emptySample);
    }
    m_maskStatus->setText(text);
}

// ---- document ----------------------------------------------------------------------------------

void InputPanel::syncFromDocument()
{
    {
        const QSignalBlocker b1(m_batch), b2(m_steps), b3(m_features), b4(m_sample);
        m_batch->setValue(int(std::max<int64_t>(1, m_doc->batch())));
        m_steps->setValue(int(std::max<int64_t>(1, m_doc->steps())));
        m_features->setValue(int(std::max<int64_t>(1, m_doc->features())));
        m_sample->setRange(0, int(std::max<int64_t>(1, m_doc->batch())) - 1);
        m_sample->setValue(m_doc->selectedSample());
    }
    m_sampleOf->setText(tr("of %1 (0 … %2)").arg(m_doc->batch()).arg(m_doc->batch() - 1));
    const QString source = m_doc->inputDescription().isEmpty() ? tr("x") : m_doc->inputDescription();
    m_description->setText(tr("<b>x</b> %1 — %2").arg(qs(m_doc->input().shape), source.toHtmlEscaped()));
    m_description->setToolTip(source);
    if (!m_lengthsEdited)
        m_lengths->setText(defaultLengths());
    updateMaskStatus();
}

void InputPanel::showError(const QString& message)
{
    if (message.isEmpty()) {
        m_error->hide();
        m_error->clear();
        return;
    }
    // A red that reads on light and dark windows.
    const bool dark = palette().color(QPalette::Window).lightness() < 128;
    m_error->setStyleSheet(QStringLiteral("color: %1;").arg(dark ? QStringLiteral("#ff8a80") : QStringLiteral("#b00020")));
    m_error->setText(message);
    m_error->show();
}

} // namespace gsui
