// gruscope-cli inspect / diff / convert: weight files as a user debugging them wants to see them.
#include "cli_common.h"
#include "commands.h"
#include "layer_source.h"

#include "gruscope/error.h"
#include "gruscope/inspect.h"
#include "gruscope/weightwriter.h"

#include <nlohmann/json.hpp>

#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

namespace cli {

using namespace gruscope;
using ojson = nlohmann::ordered_json;

namespace {

std::string fmt(double v)
{
    std::ostringstream o;
    o << std::setprecision(4) << v;
    return o.str();
}

struct InspectArgs {
    std::string file, layer;
    bool json = false, tree = false, quiet = false;
};

int inspectCommand(const InspectArgs& a)
{
    const LoadedWeightFile loaded = loadWeights(a.file);
    if (a.json) {
        std::cout << inspectionJson(loaded, a.file, a.layer, a.tree) << "\n";
        return kExitOk;
    }
    const WeightFileInfo& info = loaded.info;
    std::ostringstream o;
    o << a.file << ": " << info.formatDetail << "\n";
    o << info.layers.size() << " GRU layer(s)\n";
    for (const auto& L : info.layers) {
        if (!a.layer.empty() && L.name != a.layer && L.wrapper != a.layer)
            continue;
        o << "\n" << L.name << "  [" << L.kind << (L.wrapper.empty() ? "" : ", " + L.direction + " half of " + L.wrapper + ", merge " + L.mergeMode)
          << "]\n  tensors   " << L.group << "\n  shapes    kernel " << shapeToString(L.kernelShape) << ", recurrent_kernel "
          << shapeToString(L.recurrentShape) << ", bias " << (L.biasShape.empty() ? "none" : shapeToString(L.biasShape)) << " ("
          << L.dtype << ")\n  arguments units=" << L.config.units << " activation=" << L.config.activation
          << " recurrent_activation=" << L.config.recurrent_activation << " reset_after=" << (L.config.reset_after ? "True" : "False")
          << " use_bias=" << (L.config.use_bias ? "True" : "False") << " return_sequences=" << (L.config.return_sequences ? "True" : "False")
          << " go_backwards=" << (L.config.go_backwards ? "True" : "False") << " (" << flavorName(L.config.flavor)
          << (L.configFromFile ? ", from the file" : ", inferred") << ")\n";

        const LayerInspection li = inspectListedLayer(loaded, L);
        // Four significant digits take up to 10 characters ("-0.0003343", "-1.234e-05"): columns
        // of 11 keep a space between neighbours.
        o << "  " << std::left << std::setw(28) << "block" << std::right << std::setw(11) << "min" << std::setw(11) << "max"
          << std::setw(11) << "mean" << std::setw(11) << "std" << std::setw(11) << "norm" << std::setw(6) << "NaN" << std::setw(6)
          << "Inf" << "\n";
        for (const auto& s : li.inspection.blocks)
            o << "  " << std::left << std::setw(28) << s.name << std::right << std::setw(11) << fmt(s.min) << std::setw(11) << fmt(s.max)
              << std::setw(11) << fmt(s.mean) << std::setw(11) << fmt(s.stddev) << std::setw(11) << fmt(s.norm) << std::setw(6)
              << s.nanCount << std::setw(6) << s.infCount << "\n";
        for (const auto& d : li.diagnostics)
            o << "  " << severityName(d.severity) << ": " << d.message << "\n";
    }
    for (const auto& d : info.diagnostics)
        o << severityName(d.severity) << ": " << d.where << ": " << d.message << "\n";
    if (a.tree) {
        if (!loaded.treeError.empty())
            throw Error(ErrorCode::BadFile, loaded.treeError);
        o << "\nfile tree:\n";
        for (const auto& line : loaded.tree)
            o << "  " << line << "\n";
        if (!info.modelConfigJson.empty()) {
            std::string shown = info.modelConfigJson;
            try {
                shown = ojson::parse(info.modelConfigJson).dump(2);
            } catch (const std::exception&) {
            }
            o << "\nmodel config:\n" << shown << "\n";
        }
    }
    std::cout << o.str();
    return kExitOk;
}

struct DiffArgs {
    std::string a, b, layer, layerB;
    double tolerance = 0.0;
    bool json = false;
};

int diffCommand(const DiffArgs& args)
{
    const LayerChoice ca = chooseLayer(args.a, args.layer);
    const LayerChoice cb = chooseLayer(args.b, args.layerB.empty() ? args.layer : args.layerB);
    if (ca.layers.size() != cb.layers.size())
        throw Error(ErrorCode::InvalidArgument, "cannot compare a Bidirectional with a single GRU; name one half with --layer");
    ojson j = ojson::array();
    std::ostringstream o;
    bool identical = true;
    for (size_t k = 0; k < ca.layers.size(); ++k) {
        const GruWeights& wa = ca.loaded.weights(*ca.layers[k]);
        const GruWeights& wb = cb.loaded.weights(*cb.layers[k]);
        const WeightDiff d = diffWeights(wa, wb, args.tolerance);
        identical &= d.identical;
        ojson lj;
        lj["a"] = ca.layers[k]->name;
        lj["b"] = cb.layers[k]->name;
        lj["identical"] = d.identical;
        lj["blocks"] = ojson::array();
        o << ca.layers[k]->name << " (" << args.a << ") vs " << cb.layers[k]->name << " (" << args.b << "): "
          << (d.identical ? "identical" : "different") << "\n";
        o << "  " << std::left << std::setw(28) << "block" << std::right << std::setw(12) << "max|Δ|" << std::setw(12) << "rel.norm"
          << std::setw(10) << "changed" << std::setw(8) << "flips" << "\n";
        for (const auto& bd : d.blocks) {
            lj["blocks"].push_back({{"name", bd.name}, {"max_abs", bd.maxAbs}, {"rel_norm", bd.relNorm}, {"changed", bd.changed},
                                    {"sign_flips", bd.signFlips}, {"count", bd.count}});
            o << "  " << std::left << std::setw(28) << bd.name << std::right << std::setw(12) << fmt(bd.maxAbs) << std::setw(12)
              << fmt(bd.relNorm) << std::setw(10) << bd.changed << std::setw(8) << bd.signFlips << "\n";
        }
        lj["most_changed_units"] = ojson::array();
        o << "  most changed units:";
        for (const auto& u : d.mostChanged) {
            lj["most_changed_units"].push_back({{"unit", u.unit}, {"norm", u.norm}});
            if (u.norm > 0)
                o << " " << u.unit << " (" << fmt(u.norm) << ")";
        }
        o << "\n";
        j.push_back(lj);
    }
    std::cout << (args.json ? j.dump(2) + "\n" : o.str());
    return kExitOk;
}

struct ConvertArgs {
    std::string in, out, layer, config, flavor;
    bool strict = false;
};

int convertCommand(const ConvertArgs& a)
{
    const auto format = writeFormatFromPath(a.out);
    if (!format)
        throw UsageError{a.out + ": the output format comes from its name: .weights.h5, .keras, .h5, .npz or .safetensors"};
    const LayerChoice c = chooseLayer(a.in, a.layer);
    if (c.layers.size() != 1)
        throw Error(ErrorCode::Unsupported, "writing a Bidirectional is not supported; convert one half with --layer " +
                                                c.layers[0]->name + " (or its backward half)");
    GruConfig config = c.layers[0]->config;
    if (!a.config.empty())
        config = loadConfig(a.config, parseFlavor(a.flavor), false, fileFlavor(c, a.in));
    else if (const auto f = parseFlavor(a.flavor))
        config.flavor = *f;
    // The target decides the dialect: tf.keras for legacy .h5, Keras 3 for .keras/.weights.h5.
    if (*format == WriteFormat::LegacyH5)
        config.flavor = Flavor::TfKeras;
    else if (*format == WriteFormat::Keras3Archive || *format == WriteFormat::Keras3WeightsH5) {
        if (config.time_major)
            throw Error(ErrorCode::Unsupported, "time_major=True has no Keras 3 equivalent; convert to .h5 (tf.keras) instead");
        // Same name, other numbers: Keras 3 reads hard_sigmoid as x/6 + 0.5, tf.keras as 0.2·x + 0.5.
        if (config.flavor == Flavor::TfKeras && (config.activation == "hard_sigmoid" || config.recurrent_activation == "hard_sigmoid")) {
            const std::string why = c.layers[0]->name + " uses hard_sigmoid, which tf.keras computes as 0.2·x + 0.5 and Keras 3 "
                                    "as x/6 + 0.5: loaded by Keras 3, these weights give other numbers";
            if (a.strict)
                throw Error(ErrorCode::Unsupported, why + " (--strict; convert to .h5 to keep tf.keras's numbers)");
            printNote("warning: " + why + "; convert to .h5 to keep tf.keras's, or pass --strict to refuse");
        }
        config.flavor = Flavor::Keras3;
    }
    const GruWeights& w = c.loaded.weights(*c.layers[0]);
    requireValidConfig(config);
    checkWeights(config, w);
    writeGruWeights(a.out, *format, config, w);
    std::cout << "wrote " << a.out << " (" << writeFormatName(*format) << ") from " << c.layers[0]->name << " in " << a.in << "\n";
    return kExitOk;
}

} // namespace

Runner addInspectCommand(CLI::App& app)
{
    auto args = std::make_shared<InspectArgs>();
    CLI::App* cmd = app.add_subcommand("inspect", "List a weight file's GRU layers with their arguments, statistics and problems");
    cmd->add_option("file", args->file, "A Keras (.h5, .keras, .weights.h5), PyTorch (.safetensors, .npz) or NumPy (.npz) file")->required();
    cmd->add_option("--layer", args->layer, "Only this layer (or Bidirectional wrapper)");
    cmd->add_flag("--tree", args->tree, "Also print the file's HDF5 tree with attributes and the model config");
    cmd->add_flag("--json", args->json, "Print JSON");
    return [args] { return inspectCommand(*args); };
}

Runner addDiffCommand(CLI::App& app)
{
    auto args = std::make_shared<DiffArgs>();
    CLI::App* cmd = app.add_subcommand("diff", "Compare the weights of two GRU layers, per gate block");
    cmd->add_option("a", args->a, "First weight file")->required();
    cmd->add_option("b", args->b, "Second weight file")->required();
    cmd->add_option("--layer", args->layer, "Layer to compare (in both files)");
    cmd->add_option("--layer-b", args->layerB, "Layer in the second file when its name differs");
    cmd->add_option("--tolerance", args->tolerance, "Entries differing by less than this count as unchanged")->capture_default_str();
    cmd->add_flag("--json", args->json, "Print JSON");
    return [args] { return diffCommand(*args); };
}

Runner addConvertCommand(CLI::App& app)
{
    auto args = std::make_shared<ConvertArgs>();
    CLI::App* cmd = app.add_subcommand("convert", "Write one GRU layer in another format (.weights.h5, .keras, .h5, .npz, .safetensors)");
    cmd->add_option("in", args->in, "Input weight file")->required();
    cmd->add_option("out", args->out, "Output file; its name decides the format")->required();
    cmd->add_option("--layer", args->layer, "Layer to convert when the file holds several");
    cmd->add_option("--config", args->config, "Use these arguments instead of the file's");
    cmd->add_option("--flavor", args->flavor, "keras3 or tf_keras");
    cmd->add_flag("--strict", args->strict,
                  "Refuse a conversion after which Keras would compute other numbers (tf.keras hard_sigmoid to Keras 3)");
    return [args] { return convertCommand(*args); };
}

} // namespace cli
