// InputPanel: everything about what the layer reads — the input batch x (B, T, I), its mask
// (B, T) and the initial state h0 (B, U). The shape spin boxes regenerate x with the chosen
// generator; the generator tab makes sine/square/sawtooth/step/impulse/ramp/noise/walk signals
// (signal_generators.h); "Import…" reads CSV/.npy/.npz; the values tab edits x for one sample;
// the mask tab paints the mask or applies a preset (right-padded is the layout cuDNN accepts,
// left-padded and holes are not); the initial-state tab picks h0. Tabs keep it inside a dock
// about 360 × 700 px. Every change goes to the Document; the RunController recomputes.
#pragma once

#include "model/document.h"

#include "gruscope/signal_generators.h"

#include <QWidget>

#include <optional>

class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableView;

namespace gruscope {
struct InputFile;
}

namespace gsui {

class InitialStateEditor;
class InputTableModel;
class MaskEditor;

enum class MaskPreset { None, RightPadded, LeftPadded, RandomHoles };

// What to do with a 'mask' array found next to the input in an .npz.
enum class FileMaskPolicy { Use, Ignore };

class InputPanel : public QWidget {
    Q_OBJECT
public:
    explicit InputPanel(Document* doc, QWidget* parent = nullptr);
    ~InputPanel() override;

    // Generates the spec's (B, T, I) input into the document and shows the spec in the controls.
    // False with a message (and the document unchanged) for a bad spec.
    bool applyGenerator(const gruscope::GeneratorSpec& spec, QString* error = nullptr);
    // The generator the controls describe, with the shape spin boxes' B, T, I.
    gruscope::GeneratorSpec generatorSpec() const;
    // Shows a spec in the controls without generating.
    void setGeneratorSpec(const gruscope::GeneratorSpec& spec);

    // Reads CSV/.npy/.npz (gruscope::readInputFileDetailed) into the document without asking.
    // An .npz member 'mask' of shape (B, T) becomes the mask under FileMaskPolicy::Use. On error:
    // false, the message in *error, and the document keeps its previous input and mask.
    bool importFile(const QString& path, QString* error, FileMaskPolicy maskPolicy = FileMaskPolicy::Use);
    // The same with dialogs: asks whether to use a mask found in the file, shows errors.
    void importFileInteractive(const QString& path);

    // The preset chosen in the mask tab's controls (lengths, probability, seed from the controls).
    bool applyMaskPreset(QString* error = nullptr);
    bool applyMaskPreset(MaskPreset preset, QString* error = nullptr);

    MaskEditor* maskEditor() const { return m_maskEditor; }
    InputTableModel* tableModel() const { return m_tableModel; }
    QTableView* valuesTable() const { return m_table; }
    InitialStateEditor* initialStateEditor() const { return m_stateEditor; }
    QTabWidget* tabs() const { return m_tabs; }

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    QWidget* buildGeneratorTab();
    QWidget* buildValuesTab();
    QWidget* buildMaskTab();
    bool readControls(gruscope::GeneratorSpec* spec, QString* error) const; // false: a bad per-feature list
    void generateFromControls(); // Generate button and shape spin boxes
    void onKindChanged();
    void onMaskPresetChanged();
    void syncFromDocument();
    void updateMaskStatus();
    void showError(const QString& message); // empty hides
    void openImportDialog();
    struct PendingImport;
    PendingImport readImport(const QString& path) const; // throws
    void applyImport(PendingImport& pending, bool useMask);
    QString defaultLengths() const;

    Document* m_doc;
    QTabWidget* m_tabs = nullptr;
    QLabel* m_description = nullptr;
    QLabel* m_error = nullptr;
    QSpinBox* m_batch = nullptr;
    QSpinBox* m_steps = nullptr;
    QSpinBox* m_features = nullptr;

    // Generator.
    QFormLayout* m_genForm = nullptr;
    QComboBox* m_kind = nullptr;
    QLabel* m_formula = nullptr;
    QDoubleSpinBox* m_frequency = nullptr;
    QDoubleSpinBox* m_frequencyStep = nullptr;
    QDoubleSpinBox* m_phase = nullptr;
    QDoubleSpinBox* m_phaseStep = nullptr;
    QDoubleSpinBox* m_samplePhaseStep = nullptr;
    QLineEdit* m_frequencyList = nullptr;
    QLineEdit* m_phaseList = nullptr;
    QDoubleSpinBox* m_amplitude = nullptr;
    QLabel* m_amplitudeLabel = nullptr;
    QDoubleSpinBox* m_offset = nullptr;
    QSpinBox* m_position = nullptr;
    QSpinBox* m_positionStep = nullptr;
    QSpinBox* m_seed = nullptr;

    // Values.
    QSpinBox* m_sample = nullptr;
    QLabel* m_sampleOf = nullptr;
    QTableView* m_table = nullptr;
    InputTableModel* m_tableModel = nullptr;

    // Mask.
    QFormLayout* m_maskForm = nullptr;
    QComboBox* m_maskPreset = nullptr;
    QLineEdit* m_lengths = nullptr;
    bool m_lengthsEdited = false;
    QDoubleSpinBox* m_holeProbability = nullptr;
    QSpinBox* m_maskSeed = nullptr;
    QLabel* m_maskStatus = nullptr;
    MaskEditor* m_maskEditor = nullptr;

    InitialStateEditor* m_stateEditor = nullptr;
};

} // namespace gsui
