// ArgsPanel: every keras.layers.GRU argument under its Keras name, with an editor fit for its
// type and Keras's documentation as tooltip. Edits go straight to Document::setConfig (the run
// controller debounces); the engine's validateConfig() messages appear under the editor at
// fault, framed in red, and the document keeps the invalid value so that the user sees and fixes
// it where it is. The panel refreshes from the document (file loaded, fix applied elsewhere)
// without echoing its own edits back (QSignalBlocker).
//
// Layout: the flavor selector and "Reset to Keras defaults" on top, the backend that runs the
// layer below them (a GruScope choice, not a Keras argument), then a scrollable form in
// groups — Core, Sequence, Dropout (with the call argument `training`), Initializers,
// Regularizers & constraints, Backend — that reads well at 320–380 px.
#pragma once

#include "model/document.h"

#include <QColor>
#include <QHash>
#include <QWidget>

#include <functional>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QFrame;
class QLabel;
class QLineEdit;
class QPushButton;
class QScrollArea;
class QSpinBox;

namespace gsui {

class BackendSelector;

class ArgsPanel : public QWidget {
    Q_OBJECT
public:
    explicit ArgsPanel(Document* doc, QWidget* parent = nullptr);

    // The editor of a Keras argument ("units", "activation", …; also "flavor", "training",
    // "dropout_seed", "backend"); objectName "arg_<name>". Null when unknown. For an initializer this is its
    // name combo; its parameter line edit is editor("<name>.params").
    QWidget* editor(const QString& kerasName) const;
    // The problem shown under that argument's editor, empty when it is fine.
    QString problemText(const QString& kerasName) const;

public slots:
    // Re-reads every editor from the document (without feeding the values back).
    void refreshFromDocument();

protected:
    void changeEvent(QEvent* event) override;

private:
    struct Row {
        QString name;
        QWidget* editor = nullptr; // the focusable editor (objectName arg_<name>)
        QFrame* frame = nullptr;   // draws the red frame around the editor(s)
        QLabel* label = nullptr;   // the Keras name in the form's label column
        QLabel* problem = nullptr; // the engine's message, hidden when fine
        QString panelProblem;      // a problem only the panel knows (unparsable parameter text)
        QColor frameColor;         // the frame's current border colour
        bool styled = false;
    };

    // Building.
    // labelsAbove: the label on its own line, the editor the whole width (long texts).
    QFormLayout* addGroup(const QString& title, const QString& objectName, bool labelsAbove = false);
    Row& addRow(QFormLayout* form, const QString& name, QWidget* editor, QWidget* field = nullptr);
    QCheckBox* addBool(QFormLayout* form, const QString& name, bool gruscope::GruConfig::*member);
    QComboBox* addActivation(QFormLayout* form, const QString& name, std::string gruscope::GruConfig::*member);
    QDoubleSpinBox* addRate(QFormLayout* form, const QString& name, double gruscope::GruConfig::*member);
    void addInitializer(QFormLayout* form, const QString& name, gruscope::InitializerSpec gruscope::GruConfig::*member);
    QLineEdit* addVerbatim(QFormLayout* form, const QString& name, std::string gruscope::GruConfig::*member);

    // Editing: one argument changed through `edit`, then Document::setConfig.
    template <class F>
    void commit(F&& edit);
    void setFlavor(gruscope::Flavor flavor);
    void resetToDefaults();
    void commitInitializerParams(const QString& name, gruscope::InitializerSpec gruscope::GruConfig::*member);

    // Refreshing.
    void refreshFlavor();
    void refreshProblems(bool force = false);
    void setRowProblem(Row& row, const QString& text, bool force = false);
    void refreshTraining();

    Document* m_doc;
    QComboBox* m_flavor = nullptr;
    BackendSelector* m_backend = nullptr;
    QPushButton* m_reset = nullptr;
    QScrollArea* m_scroll = nullptr;
    QLabel* m_summary = nullptr; // "2 arguments are invalid: the layer is not run"
    QSpinBox* m_units = nullptr;
    QComboBox* m_implementation = nullptr;
    QCheckBox* m_seedSet = nullptr;
    QSpinBox* m_seed = nullptr;
    QComboBox* m_useCudnn = nullptr;
    QLineEdit* m_name = nullptr;
    QCheckBox* m_training = nullptr;
    QSpinBox* m_dropoutSeed = nullptr;

    QList<Row> m_rows;           // in form order
    QHash<QString, int> m_index; // name → m_rows index
    QHash<QString, QWidget*> m_extraEditors; // "<initializer>.params", "seed.value"
    QList<std::function<void()>> m_refreshers; // per editor: read the document's value
    bool m_refreshing = false;
};

} // namespace gsui
