// gruscope-cli run: one GRU layer on an input batch, outputs (and optionally the gate trace)
// written to an .npz.
#include "cli_common.h"
#include "commands.h"
#include "layer_source.h"
#include "saturation_table.h"

#include "gruscope/bidirectional.h"
#include "gruscope/error.h"
#include "gruscope/input_files.h"
#include "gruscope/layer.h"
#include "gruscope/model_chain.h"
#include "gruscope/npy.h"
#include "gruscope/stats.h"

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

namespace cli {

using namespace gruscope;

namespace {

struct RunArgs {
    std::string config, weights, layer, input, mask, initialState, out;
    std::string backend = "auto", flavor;
    bool training = false, trace = false, quiet = false, saturation = false, chain = false;
    int64_t saturationSample = -1; // batch index; −1: every traced sample
    int64_t seed = 0;
    int repeat = 1;
    std::string traceSamples, traceSteps;
    double traceCapMiB = 1024.0;
    GpuArgs gpu;
};

std::vector<int64_t> parseIndexList(const std::string& text, const char* option)
{
    std::vector<int64_t> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        try {
            size_t used = 0;
            const long long v = std::stoll(item, &used);
            if (used != item.size() || v < 0)
                throw std::invalid_argument(item);
            out.push_back(v);
        } catch (const std::exception&) {
            throw UsageError{std::string(option) + " " + text + ": expected comma-separated non-negative integers"};
        }
    }
    return out;
}

std::pair<int64_t, int64_t> parseWindow(const std::string& text)
{
    // "A:B" (processing steps, B exclusive), "A:" or ":B"
    const auto colon = text.find(':');
    if (colon == std::string::npos)
        throw UsageError{"--trace-steps " + text + ": expected BEGIN:END (processing steps, END exclusive)"};
    auto num = [&](const std::string& s, int64_t dflt) -> int64_t {
        if (s.empty())
            return dflt;
        try {
            size_t used = 0;
            const long long v = std::stoll(s, &used);
            if (used != s.size() || v < 0)
                throw std::invalid_argument(s);
            return v;
        } catch (const std::exception&) {
            throw UsageError{"--trace-steps " + text + ": BEGIN and END must be non-negative integers"};
        }
    };
    return {num(text.substr(0, colon), 0), num(text.substr(colon + 1), -1)};
}

std::string describeConfig(const GruConfig& c)
{
    std::ostringstream s;
    s << "units=" << c.units << "  activation=" << c.activation << "  recurrent_activation=" << c.recurrent_activation
      << "  reset_after=" << (c.reset_after ? "True" : "False") << "  use_bias=" << (c.use_bias ? "True" : "False");
    std::vector<std::string> flags;
    if (c.return_sequences)
        flags.push_back("return_sequences");
    if (c.return_state)
        flags.push_back("return_state");
    if (c.go_backwards)
        flags.push_back("go_backwards");
    if (c.stateful)
        flags.push_back("stateful");
    if (c.time_major)
        flags.push_back("time_major");
    if (c.unroll)
        flags.push_back("unroll");
    if (c.zero_output_for_mask)
        flags.push_back("zero_output_for_mask");
    for (const auto& f : flags)
        s << "  " << f;
    if (c.dropout > 0)
        s << "  dropout=" << c.dropout;
    if (c.recurrent_dropout > 0)
        s << "  recurrent_dropout=" << c.recurrent_dropout;
    s << "  (" << flavorName(c.flavor) << ")";
    return s.str();
}

// The --saturation table of the run's trace: every traced sample, or one batch index.
std::string saturationText(const Trace& tr, int64_t sample, bool bidirectional)
{
    SaturationOptions opt;
    std::string what = "all traced samples";
    if (sample >= 0) {
        const auto it = std::find(tr.samples.begin(), tr.samples.end(), sample);
        opt.slot = int(it - tr.samples.begin()); // past the end when untraced: the report says why
        what = "sample " + std::to_string(sample);
    } else if (tr.samples.size() == 1) {
        what = "sample " + std::to_string(tr.samples[0]);
    }
    if (bidirectional)
        what += " (forward layer)";
    return formatSaturationTable(analyzeSaturation(tr, opt), what);
}

// --chain: the file's GRU layers as its model runs them (gruscope/model_chain.h), from --layer or
// the first GRU; every stage's output goes into OUT.npz under the stage's name.
int runChainCommand(const RunArgs& a, BackendKind backend)
{
    if (a.weights.empty())
        throw UsageError{"--chain runs the layers of a weight file: give --weights"};
    if (!a.config.empty())
        throw UsageError{"--chain runs each layer with its own arguments from the file; --config does not apply"};
    if (a.trace || a.saturation || a.repeat != 1)
        throw UsageError{"--chain writes every layer's output; --trace, --saturation and --repeat work on one layer (--layer)"};
    const ModelChain plan = planModelChain(loadWeights(a.weights).info, a.layer);
    CallSource src{"run", "", a.weights, plan.stages.front().name, a.input, a.mask, a.initialState, a.flavor, a.quiet,
                   a.training, a.seed};
    LoadedCall call = loadCall(src);
    const LayerChoice& choice = *call.choice;
    const std::vector<ChainStageResult> results =
        runModelChain(plan, choice.file(), [&choice](size_t i) { return choice.loaded.weights(i); }, call.inputs, backend);
    std::vector<npy::ArrayRef> arrays{npy::ref("output", results.back().output), npy::ref("state", results.back().result.state)};
    for (const ChainStageResult& r : results) {
        arrays.push_back(npy::ref(r.name, r.output));
        if (!r.backwardOutput.data.empty())
            arrays.push_back(npy::ref(r.name + "_backward", r.backwardOutput));
    }
    npy::writeNpz(a.out, arrays);
    if (!a.quiet) {
        std::ostringstream o;
        o << "GruScope chain of " << a.weights << "\n" << describeModelChain(plan, choice.file());
        o << "input " << shapeToString(call.inputs.x.shape);
        for (const ChainStageResult& r : results)
            o << " -> " << r.name << " " << shapeToString(r.output.shape);
        o << "\nwrote " << a.out << ": output, state and each layer's output under its name\n";
        std::cout << o.str();
    }
    return 0;
}

int runCommand(const RunArgs& a)
{
    parseFlavor(a.flavor); // a bad --flavor is a usage error before any file is read
    const auto backend = backendFromName(a.backend);
    if (!backend)
        throw UsageError{"--backend " + a.backend + ": allowed are auto, cpu, reference, cudnn and cuda"};
    if (a.repeat < 1)
        throw UsageError{"--repeat " + std::to_string(a.repeat) + ": must be at least 1"};
    if (a.traceCapMiB <= 0)
        throw UsageError{"--trace-cap-mb must be positive"};
    if (a.saturationSample >= 0 && !a.saturation)
        throw UsageError{"--saturation-sample needs --saturation"};
    if (a.chain)
        return runChainCommand(a, *backend);

    CallSource src{"run", a.config, a.weights, a.layer, a.input, a.mask, a.initialState, a.flavor, a.quiet, a.training, a.seed};
    LoadedCall call = loadCall(src);
    CallInputs& in = call.inputs;
    in.gpu = gpuOptions(a.gpu);
    const std::string& weightsFrom = call.weightsFrom;
    const std::optional<LayerChoice>& choice = call.choice;
    std::optional<GruLayer> backwardLayer;
    if (call.backwardConfig)
        backwardLayer.emplace(*call.backwardConfig, call.backwardWeights);
    GruLayer layer(call.config, std::move(call.weights));

    TraceOptions trace;
    // --saturation reads the gates from the trace; they go into OUT.npz only with --trace.
    trace.enabled = a.trace || a.saturation;
    if (!a.traceSamples.empty())
        trace.samples = parseIndexList(a.traceSamples, "--trace-samples");
    if (!a.traceSteps.empty())
        std::tie(trace.stepBegin, trace.stepEnd) = parseWindow(a.traceSteps);
    trace.memoryCapBytes = uint64_t(a.traceCapMiB * 1024.0 * 1024.0);
    if (a.saturationSample >= 0) {
        const int64_t batch = in.x.rank() == 3 ? in.x.shape[layer.config().time_major ? 1 : 0] : 0;
        if (a.saturationSample >= batch)
            throw UsageError{"--saturation-sample " + std::to_string(a.saturationSample) + ": the input has " +
                             std::to_string(batch) + " samples"};
        if (trace.samples.empty() && !a.trace)
            trace.samples = {a.saturationSample}; // the table needs no other sample's trace
        else if (!trace.samples.empty() &&
                 std::find(trace.samples.begin(), trace.samples.end(), a.saturationSample) == trace.samples.end())
            throw UsageError{"--saturation-sample " + std::to_string(a.saturationSample) + " is not in --trace-samples"};
    }

    RunResult result;
    std::vector<double> seconds;
    BidirectionalResult bidi;
    for (int k = 0; k < a.repeat; ++k) {
        if (backwardLayer) {
            bidi = runBidirectional(layer, *backwardLayer, choice->mergeMode, in, *backend, trace);
            result = bidi.forward;
            result.output = bidi.output;
            seconds.push_back(bidi.forward.seconds + bidi.backward.seconds);
        } else {
            result = layer.call(in, *backend, trace);
            seconds.push_back(result.seconds);
        }
    }

    std::vector<npy::ArrayRef> arrays{npy::ref("output", result.output), npy::ref("state", result.state)};
    if (backwardLayer) {
        arrays.push_back(npy::ref("backward_state", bidi.backward.state));
        if (choice->mergeMode == "none")
            arrays.push_back(npy::ref("backward_output", bidi.backwardOutput));
    }
    const Trace& tr = result.trace;
    if (tr.recorded() && a.trace) {
        arrays.push_back(npy::ref("z", tr.z));
        arrays.push_back(npy::ref("r", tr.r));
        arrays.push_back(npy::ref("hh", tr.hh));
        arrays.push_back(npy::ref("h", tr.h));
        arrays.push_back(npy::ref("pre_z", tr.preZ));
        arrays.push_back(npy::ref("pre_r", tr.preR));
        arrays.push_back(npy::ref("pre_h", tr.preH));
        arrays.push_back(npy::refBool("kept", tr.kept));
    }
    npy::writeNpz(a.out, arrays);

    if (!a.quiet) {
        for (const auto& n : result.notes)
            printNote(n);
        const double medianSeconds = gruscope::median(seconds);
        std::ostringstream o;
        o << "GruScope run\n";
        o << "  config   " << (a.config.empty() ? "from " + a.weights : a.config) << "\n           " << describeConfig(layer.config()) << "\n";
        o << "  weights  " << weightsFrom << ": kernel " << shapeToString(layer.weights().kernel.shape) << ", recurrent_kernel "
          << shapeToString(layer.weights().recurrentKernel.shape);
        if (layer.weights().hasBias())
            o << ", bias " << shapeToString(layer.weights().bias.shape);
        o << "\n  input    " << a.input << " " << shapeToString(in.x.shape) << "\n";
        if (in.mask) {
            int64_t kept = 0;
            for (auto v : in.mask->data)
                kept += v != 0;
            o << "  mask     " << a.mask << " " << shapeToString(in.mask->shape) << ": " << kept << " of " << in.mask->data.size()
              << " steps kept\n";
        }
        if (in.initialState)
            o << "  h0       " << a.initialState << " " << shapeToString(in.initialState->shape) << "\n";
        o << "  backend  " << result.backend << (a.training ? " (training)" : "") << ", " << a.repeat << " call(s), median "
          << std::fixed << std::setprecision(3) << medianSeconds * 1e3 << " ms per call\n";
        o.unsetf(std::ios::fixed);
        o << "  output   " << shapeToString(result.output.shape) << "  " << stats(result.output) << "\n";
        o << "  state    " << shapeToString(result.state.shape) << "  " << stats(result.state) << "\n";
        if (tr.recorded() && a.trace)
            o << "  trace    z, r, hh, h, pre_z, pre_r, pre_h " << shapeToString(tr.z.shape) << " for samples "
              << tr.samples.size() << ", steps " << tr.stepBegin << "-" << tr.stepEnd << (tr.truncated ? " (limited by the cap)" : "")
              << "\n";
        o << "  wrote    " << a.out << "\n";
        if (a.saturation)
            o << "\n" << saturationText(tr, a.saturationSample, backwardLayer.has_value());
        std::cout << o.str();
    }
    return kExitOk;
}

} // namespace

Runner addRunCommand(CLI::App& app)
{
    auto args = std::make_shared<RunArgs>();
    CLI::App* cmd = app.add_subcommand("run", "Run a GRU layer on an input batch and write its outputs to an .npz");
    cmd->add_option("--config", args->config, "Layer configuration: the JSON of layer.get_config() (overrides the file's)");
    cmd->add_option("--weights", args->weights,
                    "Keras .h5/.keras/.weights.h5, PyTorch .safetensors/.npz, or .npz with kernel, recurrent_kernel, bias");
    cmd->add_option("--layer", args->layer, "The GRU (or Bidirectional wrapper) to run when the file holds several");
    cmd->add_flag("--chain", args->chain,
                  "Run the file's GRU layers as its model does: stacked GRUs in order, Bidirectional merged, Dropout passed; "
                  "stops, saying why, at a layer GruScope does not run (from --layer, or the first GRU)");
    cmd->add_option("--input", args->input,
                    "X.npy (batch, timesteps, features) — (timesteps, batch, features) with time_major — or .npz, or .csv "
                    "(a row per timestep, optional header and sample column)")
        ->required();
    cmd->add_option("--mask", args->mask, "M.npy: bool or 0/1, (batch, timesteps); 1 keeps a step");
    cmd->add_option("--initial-state", args->initialState, "H0.npy: (batch, units)");
    cmd->add_option("--backend", args->backend,
                    "auto (what Keras would run here), cpu, reference (float64), cudnn or cuda (GPU)")
        ->capture_default_str();
    addGpuOptions(cmd, args->gpu);
    cmd->add_option("--flavor", args->flavor, "keras3 or tf_keras (default: guessed from the config)");
    cmd->add_flag("--training", args->training, "Training mode: dropout and recurrent_dropout apply");
    cmd->add_option("--seed", args->seed, "Seed for dropout masks and for weights made by the initializers")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_option("--repeat", args->repeat, "Call the layer N times (a stateful layer carries its state); the last call is written")
        ->capture_default_str();
    cmd->add_flag("--trace", args->trace, "Record z, r, hh, h and the pre-activation sums per step");
    cmd->add_option("--trace-samples", args->traceSamples, "Trace only these batch indices, e.g. 0,3");
    cmd->add_option("--trace-steps", args->traceSteps, "Trace only processing steps BEGIN:END");
    cmd->add_option("--trace-cap-mb", args->traceCapMiB, "Memory cap for the trace in MiB; a larger trace records what fits")
        ->capture_default_str();
    cmd->add_flag("--saturation", args->saturation,
                  "Print per unit how often z and r saturate (< 0.1, > 0.9), the mean z, the memory time constant "
                  "tau = -1/ln(mean z) in steps, and dead / stuck / always-reset units (traces the run; "
                  "masked steps are left out)");
    cmd->add_option("--saturation-sample", args->saturationSample,
                    "--saturation over this batch index alone (default: every traced sample)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--out", args->out, "OUT.npz: output, state (and the trace)")->required();
    cmd->add_flag("-q,--quiet", args->quiet, "Print nothing on success");
    return [args] { return runCommand(*args); };
}

} // namespace cli
