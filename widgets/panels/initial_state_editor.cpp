#include "panels/initial_state_editor.h"

#include "model/engine_qt.h"
#include "model/state_table_model.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPalette>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>

namespace gsui {

InitialStateEditor::InitialStateEditor(Document* doc, QWidget* parent) : QWidget(parent), m_doc(doc)
{
    m_mode = new QComboBox(this);
    m_mode->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_mode->setMinimumContentsLength(10);
    m_mode->setObjectName(QStringLiteral("initialStateMode"));
    // Order matches InitialStateMode.
    m_mode->addItem(tr("zeros (Keras default)"), int(InitialStateMode::Zeros));
    m_mode->addItem(tr("random, uniform in [−1, 1]"), int(InitialStateMode::Random));
    m_mode->addItem(tr("last run's final state"), int(InitialStateMode::LastFinal));
    m_mode->addItem(tr("custom values"), int(InitialStateMode::Custom));
    m_mode->setToolTip(tr("The state h0 every sample starts from (Keras: initial_state=...)"));

    m_seed = new QSpinBox(this);
    m_seed->setObjectName(QStringLiteral("initialStateSeed"));
    m_seed->setRange(0, std::numeric_limits<int>::max());
    m_seed->setToolTip(tr("Seed of the random initial state: the same seed gives the same state"));
    m_seed->setKeyboardTracking(false);
    m_seedLabel = new QLabel(tr("seed"), this);

    m_explain = new QLabel(this);
    m_explain->setWordWrap(true);
    m_explain->setForegroundRole(QPalette::PlaceholderText);

    m_model = new StateTableModel(doc, this);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("initialStateTable"));
    m_table->setModel(m_model);
    m_table->horizontalHeader()->setDefaultSectionSize(64);
    m_table->verticalHeader()->setDefaultSectionSize(QFontMetrics(font()).height() + 6);
    m_table->setToolTip(tr("h0 per sample (rows) and unit (columns); edit a value to make the state custom"));

    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("h0"), m_mode);
    form->addRow(m_seedLabel, m_seed);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(form);
    layout->addWidget(m_explain);
    layout->addWidget(m_table, 1);

    connect(m_mode, &QComboBox::currentIndexChanged, this, [this](int index) {
        const auto mode = InitialStateMode(m_mode->itemData(index).toInt());
        if (mode == InitialStateMode::Custom && m_doc->initialStateMode() != InitialStateMode::Custom) {
            // Start the custom values from what the previous mode gave, not from nothing.
            try {
                m_doc->setCustomInitialState(m_doc->resolvedInitialState());
            } catch (const std::exception& e) {
                // Only with invalid arguments (units ≤ 0): there is no (B, U) state to edit.
                syncFromDocument();
                m_explain->setText(errorText(e));
            }
        } else {
            m_doc->setInitialStateMode(mode);
        }
    });
    connect(m_seed, &QSpinBox::valueChanged, this, [this](int seed) { m_doc->setRandomStateSeed(uint64_t(seed)); });
    connect(doc, &Document::initialStateChanged, this, &InitialStateEditor::syncFromDocument);
    connect(doc, &Document::inputChanged, this, &InitialStateEditor::syncFromDocument);   // B
    connect(doc, &Document::configChanged, this, &InitialStateEditor::syncFromDocument);  // U
    connect(doc, &Document::resultChanged, this, [this] {
        if (m_doc->initialStateMode() == InitialStateMode::LastFinal)
            syncFromDocument();
    });
    syncFromDocument();
}

void InitialStateEditor::syncFromDocument()
{
    const InitialStateMode mode = m_doc->initialStateMode();
    {
        const QSignalBlocker b1(m_mode), b2(m_seed);
        m_mode->setCurrentIndex(m_mode->findData(int(mode)));
        m_seed->setValue(int(std::min<uint64_t>(m_doc->randomStateSeed(), uint64_t(std::numeric_limits<int>::max()))));
    }
    const bool random = mode == InitialStateMode::Random;
    m_seed->setVisible(random);
    m_seedLabel->setVisible(random);
    QString text;
    switch (mode) {
    case InitialStateMode::Zeros: text = tr("Every sample starts from h0 = 0, as Keras does without initial_state."); break;
    case InitialStateMode::Random: text = tr("h0 drawn uniformly from [−1, 1], the range of a tanh state."); break;
    case InitialStateMode::LastFinal: {
        const auto r = m_doc->result();
        const bool fits = r && r->result.state.shape == gruscope::Shape{m_doc->batch(), m_doc->config().units};
        text = fits ? tr("h0 = the final state of the last run: the next run continues where it stopped.")
                    : tr("h0 = the last run's final state — none fits yet (no run, or its shape differs), so zeros.");
        break;
    }
    case InitialStateMode::Custom: text = tr("Your values; edit the table. New samples or units start at 0."); break;
    }
    m_explain->setText(text + QLatin1Char(' ') + tr("Editing a value makes the state custom."));
}

} // namespace gsui
