// Document: everything the window shows and edits, in one place. It holds the model (arguments
// and weights), the input batch, its mask and the initial state, the latest immutable run result
// and the view state (current step, selected sample and unit). Widgets observe it through its
// signals and never own engine objects; the RunController recomputes on a worker thread whenever
// `runInputsChanged` fires.
//
// Layouts: the input is always kept batch-major (B, T, I) and the mask (B, T), whatever
// time_major says; the run transposes for the engine. Steps are processing steps s = 0..T−1
// (with go_backwards, step s reads time index T−1−s).
#pragma once

#include "gruscope/array.h"
#include "gruscope/config.h"
#include "gruscope/eligibility.h"
#include "gruscope/layer.h"
#include "gruscope/weights.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

namespace gsui {

enum class InitialStateMode { Zeros, Random, LastFinal, Custom };
const char* initialStateModeName(InitialStateMode mode);                 // "zeros", "random", "last", "custom"
std::optional<InitialStateMode> initialStateModeFromName(const QString& name);

// What one run used and produced. Immutable once published.
struct RunOutcome {
    quint64 generation = 0;
    gruscope::BackendKind requestedBackend = gruscope::BackendKind::Auto; // what was asked; result.backend ran
    gruscope::GruConfig config;
    std::shared_ptr<const gruscope::GruWeights> weights;
    gruscope::ArrayF x;                    // (B, T, I), batch-major
    std::optional<gruscope::ArrayU8> mask; // (B, T)
    gruscope::ArrayF h0;                   // (B, U): the initial state the run started from
    bool training = false;
    gruscope::RunResult result;            // result.trace: (S, W, U) in processing order
    double wallSeconds = 0;                // the whole call on the worker (layer build included)
    int64_t B = 0, T = 0, I = 0, U = 0;
    QStringList notes;                     // what the run did that the user should know

    // Row of batch sample b in the trace, or −1 when it was not traced.
    int traceSlot(int64_t b) const;
    // Trace value (slot, step, unit) of one of the trace arrays; step in processing order.
    float traced(const gruscope::ArrayF& a, int slot, int64_t step, int64_t unit) const
    {
        return a.data[size_t((int64_t(slot) * result.trace.steps() + (step - result.trace.stepBegin)) * U + unit)];
    }
    bool stepTraced(int64_t step) const { return step >= result.trace.stepBegin && step < result.trace.stepEnd; }
    // The state h_{s−1} that processing step s started from, for a traced sample (h0 at s = 0).
    std::vector<double> stateBefore(int slot, int64_t b, int64_t step) const;
    // Input features x_t read at processing step s (t = timeIndex(s)).
    std::vector<double> inputAt(int64_t b, int64_t step) const;
    int64_t timeIndex(int64_t step) const { return config.go_backwards ? T - 1 - step : step; }
};

// Where the model came from, for the title bar and the status line.
struct ModelOrigin {
    QString path;        // weight file; empty for a built-in or freshly initialised model
    QString layerName;   // the GRU inside that file
    QString description; // "Keras 3 .keras (stored)", "bundled example: sine", ...
    QStringList notes;   // assumptions made when reading it
    // The weight file says which Keras wrote it (a version, or the layer's own config): a config
    // opened later that names no flavor takes config().flavor from it.
    bool flavorFromFile = false;
};

class Document : public QObject {
    Q_OBJECT
public:
    explicit Document(QObject* parent = nullptr);

    // ---- model --------------------------------------------------------------------------
    const gruscope::GruConfig& config() const { return m_config; }
    std::shared_ptr<const gruscope::GruWeights> weights() const { return m_weights; }
    const ModelOrigin& origin() const { return m_origin; }
    const std::vector<gruscope::ConfigIssue>& configIssues() const { return m_issues; }
    bool configValid() const { return m_issues.empty(); }

    // New arguments. Invalid arguments are kept (the editor shows them) but not run. When the
    // new arguments change the weights' shapes (units, use_bias, reset_after) the weights are
    // adapted where that is exact and re-initialised otherwise; `notice` says which.
    // Applies new arguments. Arguments whose weights would be absurdly large (any weight array
    // above the window's per-array limit), or that the engine cannot make weights for, are refused
    // before anything changes: false, `refused` says why, and configChanged re-shows the kept ones.
    bool setConfig(const gruscope::GruConfig& config);
    // A whole model (file, example, session). The input's feature count follows the kernel.
    void setModel(const gruscope::GruConfig& config, gruscope::GruWeights weights, ModelOrigin origin);
    // Replace the weights (same shapes as now; checked). Throws gruscope::Error otherwise.
    void setWeights(gruscope::GruWeights weights);
    // Fresh weights from the arguments' initialisers (seeded), keeping the arguments.
    void reinitializeWeights(uint64_t seed);

    // ---- input --------------------------------------------------------------------------
    const gruscope::ArrayF& input() const { return m_x; } // (B, T, I)
    int64_t batch() const { return m_x.rank() == 3 ? m_x.shape[0] : 0; }
    int64_t steps() const { return m_x.rank() == 3 ? m_x.shape[1] : 0; }
    int64_t features() const { return m_x.rank() == 3 ? m_x.shape[2] : 0; }
    // Whose input it is. Given: an example's batch, the sine made to fit a model, the input kept
    // beside a weight file, a model stage's input; opening a weight file with an input beside it
    // replaces it (loadInputBeside). Chosen: typed, generated, imported or restored from a session:
    // the user's work, which stays.
    enum class InputSource { Given, Chosen };

    // New input values. A different feature count re-initialises the kernel (noticed); the mask
    // keeps the overlapping cells (new cells keep the step) and the custom state its rows.
    void setInput(gruscope::ArrayF x, const QString& description = {}, InputSource source = InputSource::Given);
    void setInputValue(int64_t b, int64_t t, int64_t i, float value); // makes the input Chosen
    const QString& inputDescription() const { return m_inputDescription; }
    InputSource inputSource() const { return m_inputSource; }

    const std::optional<gruscope::ArrayU8>& mask() const { return m_mask; } // (B, T), 1 = keep
    void setMask(std::optional<gruscope::ArrayU8> mask); // shape checked against (B, T)
    void setMaskCell(int64_t b, int64_t t, bool keep);

    InitialStateMode initialStateMode() const { return m_initMode; }
    void setInitialStateMode(InitialStateMode mode);
    const gruscope::ArrayF& customInitialState() const { return m_customState; }
    void setCustomInitialState(gruscope::ArrayF state); // (B, U); switches the mode to Custom
    uint64_t randomStateSeed() const { return m_stateSeed; }
    void setRandomStateSeed(uint64_t seed);
    // The (B, U) state the next run starts from (LastFinal falls back to zeros before a run).
    gruscope::ArrayF resolvedInitialState() const;

    bool training() const { return m_training; }
    void setTraining(bool training);
    uint64_t dropoutSeed() const { return m_dropoutSeed; }
    void setDropoutSeed(uint64_t seed);

    // Which backend runs the layer. Auto (the default) runs what Keras would run here; an explicit
    // choice that cannot run the layer is an error of the run, never a silent fallback.
    gruscope::BackendKind backend() const { return m_backend; }
    void setBackend(gruscope::BackendKind backend);

    // Eligibility settings shown in the cuDNN panel.
    const gruscope::EligibilityContext& eligibilityContext() const { return m_eligibility; }
    void setKerasVersion(const QString& version);
    bool assumeGpu() const { return m_assumeGpu; }
    void setAssumeGpu(bool assume);
    // The report for the current arguments and mask (cheap; computed on demand).
    gruscope::EligibilityReport eligibility() const;

    // ---- run results ----------------------------------------------------------------------
    std::shared_ptr<const RunOutcome> result() const { return m_result; }
    const QString& lastError() const { return m_error; }
    void publishResult(std::shared_ptr<const RunOutcome> outcome);
    void publishError(const QString& message); // keeps the previous result

    // ---- view state -------------------------------------------------------------------------
    int currentStep() const { return m_step; }
    void setCurrentStep(int step); // clamped to [0, T−1]
    int selectedSample() const { return m_sample; }
    void setSelectedSample(int sample);
    int selectedUnit() const { return m_unit; } // −1: none
    void setSelectedUnit(int unit);
    const QList<int>& plottedUnits() const { return m_plotted; }
    void setPlottedUnits(const QList<int>& units);

    // Modified since the last save or load (sessions).
    bool modified() const { return m_modified; }
    void setModified(bool modified);

signals:
    void configChanged();
    void weightsChanged();
    void modelReplaced(); // a whole new model (file, example, session)
    void inputChanged();
    void maskChanged();
    void initialStateChanged();
    void trainingChanged();
    // Not a runInputsChanged: the comparison of every backend does not depend on it.
    void backendChanged();
    void eligibilitySettingsChanged();
    void runInputsChanged(); // any change that needs a new run
    void resultChanged();
    void errorChanged(const QString& message); // empty when the last run succeeded
    void stepChanged(int step);
    void sampleChanged(int sample);
    void unitChanged(int unit);
    void plottedUnitsChanged();
    void notice(const QString& message); // for the status bar
    void refused(const QString& message); // an edit that was not applied, and why (the banner)
    void modifiedChanged(bool modified);

private:
    void adaptWeightsTo(const gruscope::GruConfig& old);
    QString whyTooLarge(const gruscope::GruConfig& config) const;
    void fitStateAndMask();
    void touch(); // modified + runInputsChanged

    gruscope::GruConfig m_config;
    std::shared_ptr<const gruscope::GruWeights> m_weights;
    ModelOrigin m_origin;
    std::vector<gruscope::ConfigIssue> m_issues;

    gruscope::ArrayF m_x;
    QString m_inputDescription;
    InputSource m_inputSource = InputSource::Given;
    // The constructor's (1, 20, 1) zeros, which nobody chose or was given: the first model
    // replaces them with its sine even when it reads one feature, so that no plot starts flat.
    bool m_inputIsStarter = true;
    std::optional<gruscope::ArrayU8> m_mask;
    InitialStateMode m_initMode = InitialStateMode::Zeros;
    gruscope::ArrayF m_customState;
    uint64_t m_stateSeed = 7;
    bool m_training = false;
    uint64_t m_dropoutSeed = 1;
    gruscope::BackendKind m_backend = gruscope::BackendKind::Auto;
    gruscope::EligibilityContext m_eligibility;
    bool m_assumeGpu = false;

    std::shared_ptr<const RunOutcome> m_result;
    QString m_error;

    int m_step = 0;
    int m_sample = 0;
    int m_unit = 0;
    QList<int> m_plotted;
    bool m_modified = false;
};

} // namespace gsui
