#include "model/document.h"

#include "gruscope/device.h"
#include "gruscope/error.h"

#include "model/limits.h"

#include <QLocale>

#include <algorithm>
#include <cmath>
#include <random>

namespace gsui {

using namespace gruscope;

const char* initialStateModeName(InitialStateMode mode)
{
    switch (mode) {
    case InitialStateMode::Zeros: return "zeros";
    case InitialStateMode::Random: return "random";
    case InitialStateMode::LastFinal: return "last";
    case InitialStateMode::Custom: return "custom";
    }
    return "zeros";
}

std::optional<InitialStateMode> initialStateModeFromName(const QString& name)
{
    for (InitialStateMode m : {InitialStateMode::Zeros, InitialStateMode::Random, InitialStateMode::LastFinal,
                               InitialStateMode::Custom})
        if (name == QLatin1String(initialStateModeName(m)))
            return m;
    return std::nullopt;
}

// ---- RunOutcome ------------------------------------------------------------------------------

int RunOutcome::traceSlot(int64_t b) const
{
    const auto& s = result.trace.samples;
    const auto it = std::find(s.begin(), s.end(), b);
    return it == s.end() ? -1 : int(it - s.begin());
}

std::vector<double> RunOutcome::stateBefore(int slot, int64_t b, int64_t step) const
{
    std::vector<double> h(size_t(U), 0.0);
    if (step <= 0 || step - 1 < result.trace.stepBegin) {
        if (step <= 0)
            for (int64_t u = 0; u < U; ++u)
                h[size_t(u)] = h0.data[size_t(b * U + u)];
        return h;
    }
    for (int64_t u = 0; u < U; ++u)
        h[size_t(u)] = traced(result.trace.h, slot, step - 1, u);
    return h;
}

std::vector<double> RunOutcome::inputAt(int64_t b, int64_t step) const
{
    std::vector<double> v(static_cast<size_t>(I));
    const int64_t t = timeIndex(step);
    for (int64_t i = 0; i < I; ++i)
        v[size_t(i)] = x.data[size_t((b * T + t) * I + i)];
    return v;
}

// ---- Document --------------------------------------------------------------------------------

Document::Document(QObject* parent) : QObject(parent)
{
    m_config.units = 8;
    m_issues = validateConfig(m_config);
    m_x = ArrayF(Shape{1, 20, 1});
    m_weights = std::make_shared<GruWeights>(initializeWeights(m_config, 1, 1));
    m_origin.description = QStringLiteral("new layer (weights from the initialisers)");
}

void Document::touch()
{
    setModified(true);
    emit runInputsChanged();
}

void Document::setModified(bool modified)
{
    if (m_modified == modified)
        return;
    m_modified = modified;
    emit modifiedChanged(modified);
}

// An argument edit arrives from a panel's slot: an engine error thrown from here would pass
// through Qt's event loop and end the process (typing units = 999999 did), so everything that can
// refuse is settled before the document changes, and a late failure puts the old state back.
bool Document::setConfig(const GruConfig& config)
{
    if (config == m_config)
        return true;
    if (const QString why = whyTooLarge(config); !why.isEmpty()) {
        emit refused(why);
        emit configChanged(); // the panels show the kept arguments again
        return false;
    }
    const GruConfig old = m_config;
    const std::vector<ConfigIssue> oldIssues = m_issues;
    const std::shared_ptr<const GruWeights> oldWeights = m_weights;
    m_config = config;
    m_issues = validateConfig(m_config);
    try {
        if (m_issues.empty())
            adaptWeightsTo(old);
    } catch (const std::exception& e) { // gruscope::Error, std::bad_alloc
        m_config = old;
        m_issues = oldIssues;
        m_weights = oldWeights;
        emit refused(tr("The arguments were not applied: %1").arg(QString::fromUtf8(e.what())));
        emit configChanged();
        return false;
    }
    fitStateAndMask();
    emit configChanged();
    touch();
    return true;
}

namespace {

// "16 TB": decimal units, as disks and the issue's users count them.
QString humanBytes(double bytes)
{
    const char* units[] = {"bytes", "kB", "MB", "GB", "TB", "PB"};
    int i = 0;
    while (bytes >= 1000.0 && i < 5) {
        bytes /= 1000.0;
        ++i;
    }
    return QStringLiteral("%1 %2").arg(QLocale::c().toString(bytes, 'f', bytes < 10 && i > 0 ? 1 : 0), QLatin1String(units[i]));
}

} // namespace

// New weights are made when units or the input's features change; their two large arrays are
// K (I, 3U) and R (U, 3U). Either above the per-array limit the window applies to files
// (View ▸ Limits) is refused with what it would have cost.
QString Document::whyTooLarge(const GruConfig& config) const
{
    const int64_t I = features() > 0 ? features() : m_weights->inputSize();
    const int64_t U = config.units;
    if (U <= 0 || (U == m_weights->units() && I == m_weights->inputSize()))
        return {};
    const double perArray = double(windowLimits().maxElements);
    const double k = double(I) * 3.0 * double(U), r = double(U) * 3.0 * double(U);
    if (std::max(k, r) <= perArray)
        return {};
    const double bytes = 4.0 * (k + r + 6.0 * double(U));
    return tr("units %1 refused: the recurrent kernel alone would be (%1, %2), %3 values, and all the weights "
              "%4 as float32; the window takes at most %5 values per array (View ▸ Limits). "
              "The layer keeps units = %6.")
        .arg(U)
        .arg(3 * U)
        .arg(QLocale::c().toString(r, 'g', 3), humanBytes(bytes), QLocale::c().toString(perArray, 'g', 3))
        .arg(m_config.units);
}

// Keeps the weights when the arguments still fit them; otherwise converts what can be converted
// exactly and re-initialises the rest, saying so. With reset_after the bias is (2, 3U): row 0 is
// added to x·K, row 1 to h·R (inside r ⊙ (h·R_h + b_rec,h) for the candidate); without it the
// bias is (3U,) added to x·K only. For z and r both rows simply add, so b = b_in + b_rec is exact;
// for the candidate the two variants differ in where r applies and no bias makes them equal.
void Document::adaptWeightsTo(const GruConfig& old)
{
    const int64_t I = features() > 0 ? features() : m_weights->inputSize();
    const int64_t U = m_config.units;
    if (U != m_weights->units() || I != m_weights->inputSize()) {
        const int64_t oldU = m_weights->units();
        m_weights = std::make_shared<GruWeights>(initializeWeights(m_config, I, 1));
        emit notice(tr("units changed from %1 to %2: weights re-initialised from the initialisers").arg(oldU).arg(U));
        emit weightsChanged();
        return;
    }
    GruWeights w = *m_weights;
    bool changed = false;
    if (!m_config.use_bias && w.hasBias()) {
        w.bias = ArrayF();
        changed = true;
        emit notice(tr("use_bias off: the bias was dropped"));
    } else if (m_config.use_bias && !w.hasBias()) {
        w.bias = initializeWeights(m_config, I, 1).bias;
        changed = true;
        emit notice(tr("use_bias on: the bias was created by bias_initializer (%1)")
                        .arg(QString::fromStdString(m_config.bias_initializer.name)));
    } else if (m_config.use_bias && m_config.reset_after != (w.bias.rank() == 2)) {
        const int64_t G = 3 * U;
        if (m_config.reset_after) {
            ArrayF b(Shape{2, G}, 0.0f);
            std::copy(w.bias.data.begin(), w.bias.data.end(), b.data.begin());
            w.bias = std::move(b);
            emit notice(tr("reset_after on: the bias became the input bias row, the recurrent bias row is 0 "
                           "(z and r unchanged; the candidate now applies r after the product)"));
        } else {
            ArrayF b(Shape{G}, 0.0f);
            for (int64_t j = 0; j < G; ++j)
                b.data[size_t(j)] = w.bias.data[size_t(j)] + w.bias.data[size_t(G + j)];
            w.bias = std::move(b);
            emit notice(tr("reset_after off: bias = input bias + recurrent bias (exact for z and r; "
                           "the candidate applies r before the product now, which no bias can match)"));
        }
        changed = true;
    }
    if (changed) {
        m_weights = std::make_shared<GruWeights>(std::move(w));
        emit weightsChanged();
    }
}

void Document::setModel(const GruConfig& config, GruWeights weights, ModelOrigin origin)
{
    m_config = config;
    m_issues = validateConfig(m_config);
    const int64_t I = weights.inputSize();
    m_weights = std::make_shared<GruWeights>(std::move(weights));
    m_origin = std::move(origin);
    if (I > 0 && (I != features() || m_inputIsStarter)) {
        // Keep B and T and give the input the kernel's feature count. Zeros would make every plot
        // flat, so each feature gets a sine of its own frequency, shifted per sample:
        //   x[b, t, i] = sin(2π·((0.05 + 0.02·i)·t + 0.125·b))
        const int64_t B = std::max<int64_t>(1, batch()), T = std::max<int64_t>(1, steps());
        m_x = ArrayF(Shape{B, T, I});
        constexpr double kTwoPi = 6.283185307179586;
        for (int64_t b = 0; b < B; ++b)
            for (int64_t t = 0; t < T; ++t)
                for (int64_t i = 0; i < I; ++i)
                    m_x.data[size_t((b * T + t) * I + i)] =
                        float(std::sin(kTwoPi * ((0.05 + 0.02 * double(i)) * double(t) + 0.125 * double(b))));
        m_inputDescription = I == 1 ? tr("a sine (the model reads one feature)")
                                    : tr("a sine per feature (the model reads %1 features)").arg(I);
        m_inputSource = InputSource::Given;
        m_inputIsStarter = false;
        emit inputChanged();
    }
    fitStateAndMask();
    const int unit = std::clamp(m_unit, 0, int(std::max<int64_t>(1, m_config.units)) - 1);
    const bool unitMoved = unit != m_unit;
    m_unit = unit;
    QList<int> plotted;
    for (int u : std::as_const(m_plotted))
        if (u < m_config.units)
            plotted << u;
    m_plotted = plotted;
    emit configChanged();
    emit weightsChanged();
    emit modelReplaced();
    emit plottedUnitsChanged();
    if (unitMoved)
        emit unitChanged(m_unit);
    touch();
}

void Document::setWeights(GruWeights weights)
{
    if (weights.kernel.shape != m_weights->kernel.shape || weights.recurrentKernel.shape != m_weights->recurrentKernel.shape ||
        weights.bias.shape != m_weights->bias.shape)
        throw Error(ErrorCode::ShapeMismatch, "the new weights do not have the current weights' shapes");
    m_weights = std::make_shared<GruWeights>(std::move(weights));
    emit weightsChanged();
    touch();
}

void Document::reinitializeWeights(uint64_t seed)
{
    if (!m_issues.empty())
        return;
    const int64_t I = std::max<int64_t>(1, features());
    m_weights = std::make_shared<GruWeights>(initializeWeights(m_config, I, seed));
    m_origin = ModelOrigin{};
    m_origin.description = tr("weights from the initialisers (seed %1)").arg(seed);
    emit weightsChanged();
    emit modelReplaced();
    touch();
}

void Document::setInput(ArrayF x, const QString& description, InputSource source)
{
    if (x.rank() != 3 || x.shape[0] < 1 || x.shape[1] < 1 || x.shape[2] < 1)
        throw Error(ErrorCode::ShapeMismatch, "the input must be (batch, timesteps, features) with every size ≥ 1, not " +
                                                  shapeToString(x.shape));
    const int64_t oldI = features();
    m_x = std::move(x);
    m_inputDescription = description;
    m_inputSource = source;
    m_inputIsStarter = false;
    if (m_weights && m_weights->inputSize() != features() && m_issues.empty()) {
        m_weights = std::make_shared<GruWeights>(initializeWeights(m_config, features(), 1));
        emit notice(tr("the input has %1 features instead of %2: weights re-initialised from the initialisers")
                        .arg(features())
                        .arg(oldI));
        emit weightsChanged();
    }
    fitStateAndMask();
    const int step = std::clamp(m_step, 0, int(steps()) - 1);
    const int sample = std::clamp(m_sample, 0, int(batch()) - 1);
    emit inputChanged();
    if (step != m_step) {
        m_step = step;
        emit stepChanged(step);
    }
    if (sample != m_sample) {
        m_sample = sample;
        emit sampleChanged(sample);
    }
    touch();
}

void Document::setInputValue(int64_t b, int64_t t, int64_t i, float value)
{
    if (b < 0 || b >= batch() || t < 0 || t >= steps() || i < 0 || i >= features())
        return;
    float& v = m_x.data[size_t((b * steps() + t) * features() + i)];
    if (v == value)
        return;
    v = value;
    m_inputSource = InputSource::Chosen;
    m_inputIsStarter = false;
    emit inputChanged();
    touch();
}

// Mask and custom state follow the batch and step counts: overlapping cells are kept, new mask
// cells keep their step, new state rows start at zero.
void Document::fitStateAndMask()
{
    const int64_t B = batch(), T = steps(), U = m_config.units;
    if (m_mask && (m_mask->shape != Shape{B, T})) {
        ArrayU8 m(Shape{B, T}, 1);
        const int64_t oB = m_mask->shape[0], oT = m_mask->shape[1];
        for (int64_t b = 0; b < std::min(B, oB); ++b)
            for (int64_t t = 0; t < std::min(T, oT); ++t)
                m.data[size_t(b * T + t)] = m_mask->data[size_t(b * oT + t)];
        m_mask = std::move(m);
        emit maskChanged();
    }
    if (!m_customState.empty() && m_customState.shape != Shape{B, U}) {
        ArrayF s(Shape{B, std::max<int64_t>(U, 0)}, 0.0f);
        const int64_t oB = m_customState.shape[0], oU = m_customState.shape[1];
        for (int64_t b = 0; b < std::min(B, oB); ++b)
            for (int64_t u = 0; u < std::min(U, oU); ++u)
                s.data[size_t(b * U + u)] = m_customState.data[size_t(b * oU + u)];
        m_customState = std::move(s);
        emit initialStateChanged();
    }
}

void Document::setMask(std::optional<ArrayU8> mask)
{
    if (mask && mask->shape != Shape{batch(), steps()})
        throw Error(ErrorCode::ShapeMismatch, "the mask must be (batch, timesteps) = " +
                                                  shapeToString({batch(), steps()}) + ", not " + shapeToString(mask->shape));
    const bool same = mask.has_value() == m_mask.has_value() &&
                      (!mask || (mask->shape == m_mask->shape && mask->data == m_mask->data));
    if (same)
        return;
    m_mask = std::move(mask);
    emit maskChanged();
    touch();
}

void Document::setMaskCell(int64_t b, int64_t t, bool keep)
{
    if (b < 0 || b >= batch() || t < 0 || t >= steps())
        return;
    if (!m_mask)
        m_mask = ArrayU8(Shape{batch(), steps()}, 1);
    uint8_t& cell = m_mask->data[size_t(b * steps() + t)];
    if (cell == uint8_t(keep))
        return;
    cell = uint8_t(keep);
    emit maskChanged();
    touch();
}

void Document::setInitialStateMode(InitialStateMode mode)
{
    if (mode == m_initMode)
        return;
    m_initMode = mode;
    emit initialStateChanged();
    touch();
}

void Document::setCustomInitialState(ArrayF state)
{
    if (state.shape != Shape{batch(), m_config.units})
        throw Error(ErrorCode::ShapeMismatch, "the initial state must be (batch, units) = " +
                                                  shapeToString({batch(), m_config.units}) + ", not " +
                                                  shapeToString(state.shape));
    m_customState = std::move(state);
    m_initMode = InitialStateMode::Custom;
    emit initialStateChanged();
    touch();
}

void Document::setRandomStateSeed(uint64_t seed)
{
    if (seed == m_stateSeed)
        return;
    m_stateSeed = seed;
    if (m_initMode == InitialStateMode::Random) {
        emit initialStateChanged();
        touch();
    }
}

ArrayF Document::resolvedInitialState() const
{
    const int64_t B = batch(), U = std::max<int64_t>(0, m_config.units);
    ArrayF s(Shape{B, U}, 0.0f);
    switch (m_initMode) {
    case InitialStateMode::Zeros: break;
    case InitialStateMode::Random: {
        // Uniform in [−1, 1]: the range a tanh state can take.
        std::mt19937_64 rng(m_stateSeed);
        std::uniform_real_distribution<float> d(-1.0f, 1.0f);
        for (float& v : s.data)
            v = d(rng);
        break;
    }
    case InitialStateMode::LastFinal:
        if (m_result && m_result->result.state.shape == s.shape)
            s = m_result->result.state;
        break;
    case InitialStateMode::Custom:
        if (m_customState.shape == s.shape)
            s = m_customState;
        break;
    }
    return s;
}

void Document::setTraining(bool training)
{
    if (training == m_training)
        return;
    m_training = training;
    emit trainingChanged();
    touch();
}

void Document::setDropoutSeed(uint64_t seed)
{
    if (seed == m_dropoutSeed)
        return;
    m_dropoutSeed = seed;
    if (m_training)
        touch();
}

void Document::setBackend(BackendKind backend)
{
    if (backend == m_backend)
        return;
    m_backend = backend;
    setModified(true);
    emit backendChanged();
}

void Document::setKerasVersion(const QString& version)
{
    if (version.toStdString() == m_eligibility.kerasVersion)
        return;
    m_eligibility.kerasVersion = version.toStdString();
    emit eligibilitySettingsChanged();
}

void Document::setAssumeGpu(bool assume)
{
    if (assume == m_assumeGpu)
        return;
    m_assumeGpu = assume;
    emit eligibilitySettingsChanged();
}

EligibilityReport Document::eligibility() const
{
    EligibilityContext ctx = m_eligibility;
    ctx.flavor = m_config.flavor;
    ctx.training = m_training;
    const DeviceInfo device = m_assumeGpu ? DeviceInfo::assumedGpu() : probeDevice();
    if (!m_mask)
        return checkCudnnEligibility(m_config, nullptr, device, ctx);
    if (!m_config.time_major)
        return checkCudnnEligibility(m_config, &*m_mask, device, ctx);
    // tf.keras takes a time-major mask (T, B) with time_major=True.
    const int64_t B = m_mask->shape[0], T = m_mask->shape[1];
    ArrayU8 tb(Shape{T, B});
    for (int64_t b = 0; b < B; ++b)
        for (int64_t t = 0; t < T; ++t)
            tb.data[size_t(t * B + b)] = m_mask->data[size_t(b * T + t)];
    return checkCudnnEligibility(m_config, &tb, device, ctx);
}

void Document::publishResult(std::shared_ptr<const RunOutcome> outcome)
{
    m_result = std::move(outcome);
    const bool hadError = !m_error.isEmpty();
    m_error.clear();
    int step = m_step, unit = m_unit;
    if (m_result) {
        step = std::clamp(m_step, 0, int(std::max<int64_t>(1, m_result->T)) - 1);
        unit = std::clamp(m_unit, 0, int(std::max<int64_t>(1, m_result->U)) - 1);
    }
    const bool stepMoved = step != m_step, unitMoved = unit != m_unit;
    m_step = step;
    m_unit = unit;
    emit resultChanged();
    if (stepMoved)
        emit stepChanged(step);
    if (unitMoved)
        emit unitChanged(unit);
    if (hadError)
        emit errorChanged(QString());
}

void Document::publishError(const QString& message)
{
    m_error = message;
    emit errorChanged(message);
}

void Document::setCurrentStep(int step)
{
    step = std::clamp(step, 0, std::max(1, int(steps())) - 1);
    if (step == m_step)
        return;
    m_step = step;
    emit stepChanged(step);
}

void Document::setSelectedSample(int sample)
{
    sample = std::clamp(sample, 0, std::max<int>(1, int(batch())) - 1);
    if (sample == m_sample)
        return;
    m_sample = sample;
    emit sampleChanged(sample);
}

void Document::setSelectedUnit(int unit)
{
    unit = std::clamp(unit, -1, int(std::max<int64_t>(1, m_config.units)) - 1);
    if (unit == m_unit)
        return;
    m_unit = unit;
    emit unitChanged(unit);
}

void Document::setPlottedUnits(const QList<int>& units)
{
    QList<int> clean;
    for (int u : units)
        if (u >= 0 && u < m_config.units && !clean.contains(u))
            clean << u;
    if (clean == m_plotted)
        return;
    m_plotted = clean;
    emit plottedUnitsChanged();
}

} // namespace gsui
