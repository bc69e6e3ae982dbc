// gruscope-cli eligibility: would Keras run this layer on cuDNN, and if not, why and how to fix it.
// Either one layer's config (--config), or every GRU of a weight file (FILE, with the arguments,
// flavor and Keras version the file records), one verdict per layer.
#include "cli_common.h"
#include "commands.h"
#include "layer_source.h"

#include "gruscope/device.h"
#include "gruscope/device_choice.h"
#include "gruscope/eligibility.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

namespace cli {

using namespace gruscope;

namespace {

struct EligibilityArgs {
    std::string file, layer, config, mask, device = "auto", flavor, kerasVersion;
    bool json = false, training = false;
};

// --device, refused as a usage error (exit 2 naming the option) like every other bad option.
DeviceInfo chosenDevice(const std::string& name)
{
    try {
        return deviceNamed(name);
    } catch (const Error& e) {
        if (e.code() != ErrorCode::InvalidArgument)
            throw;
        throw UsageError{"--device " + name + ": allowed are auto, none and gpu"};
    }
}

void printConditions(const EligibilityReport& rep, const std::string& indent)
{
    for (const auto& c : rep.conditions) {
        const char* mark = !c.applies ? "  -  " : (c.ok ? " ok  " : "FAIL ");
        std::cout << indent << mark << c.title << ": " << c.reason << "\n";
        if (!c.ok)
            std::cout << indent << "       fix: " << c.fix << "\n";
    }
    for (const auto& n : rep.notes)
        std::cout << indent << "note: " << n << "\n";
}

// Every failing condition but the GPU's: what the layer itself must change.
std::vector<const EligibilityCondition*> layerFailures(const EligibilityReport& rep)
{
    std::vector<const EligibilityCondition*> out;
    for (const auto& c : rep.conditions)
        if (!c.ok && c.id != cond::Gpu)
            out.push_back(&c);
    return out;
}

// The file's layers the command checks: all of them, or the one (or the Bidirectional's two
// halves) --layer names.
std::vector<const GruLayerInfo*> layersToCheck(const std::string& path, const std::string& name, LayerChoice& keep)
{
    if (!name.empty()) {
        keep = chooseLayer(path, name);
        return keep.layers;
    }
    keep.loaded = loadWeights(path);
    std::vector<const GruLayerInfo*> out;
    for (const auto& l : keep.file().layers)
        out.push_back(&l);
    if (out.empty())
        throw Error(ErrorCode::InvalidArgument, path + ": the file holds no GRU layer (" + keep.file().formatDetail + ")");
    return out;
}

int fileCommand(const EligibilityArgs& a)
{
    const auto flavor = parseFlavor(a.flavor);
    const DeviceInfo device = chosenDevice(a.device);
    std::optional<ArrayU8> mask;
    if (!a.mask.empty())
        mask = loadMask(a.mask);
    LayerChoice choice;
    const std::vector<const GruLayerInfo*> layers = layersToCheck(a.file, a.layer, choice);
    const WeightFileInfo& info = choice.file();

    nlohmann::ordered_json out = {{"file", a.file}, {"format", info.formatDetail}, {"keras_version", info.kerasVersion},
                                  {"device", device.present ? device.reason : "none: " + device.reason},
                                  {"layers", nlohmann::json::array()}};
    if (!a.json) {
        std::cout << "cuDNN eligibility of " << layers.size() << " GRU layer" << (layers.size() == 1 ? "" : "s") << " in "
                  << a.file << " (" << info.formatDetail << (info.kerasVersion.empty() ? "" : ", Keras " + info.kerasVersion)
                  << ")\n"
                  << "device: " << (device.present ? device.reason : "no usable GPU: " + device.reason) << "\n";
    }
    for (const GruLayerInfo* layer : layers) {
        GruConfig config = layer->config;
        if (flavor)
            config.flavor = *flavor;
        EligibilityContext ctx;
        ctx.flavor = config.flavor;
        // The file's Keras version decides the rules that changed between releases, unless the
        // user names another version or flavor.
        ctx.kerasVersion = !a.kerasVersion.empty() ? a.kerasVersion : (flavor ? "" : info.kerasVersion);
        ctx.training = a.training;
        const EligibilityReport rep = checkCudnnEligibility(config, mask ? &*mask : nullptr, device, ctx);
        const auto failures = layerFailures(rep);
        const bool onGpu = failures.empty();
        const std::string label = layer->name + " (" + layer->kind + ", " + std::to_string(config.units) + " units, " +
                                  flavorName(config.flavor) + (ctx.kerasVersion.empty() ? "" : " " + ctx.kerasVersion) + ")";
        std::vector<std::string> assumed;
        if (!layer->configFromFile)
            assumed = layer->assumptions;
        if (a.json) {
            nlohmann::ordered_json l = {{"name", layer->name},
                                        {"kind", layer->kind},
                                        {"wrapper", layer->wrapper},
                                        {"direction", layer->direction},
                                        {"flavor", flavorName(config.flavor)},
                                        {"keras_version", ctx.kerasVersion},
                                        {"config_from_file", layer->configFromFile},
                                        {"assumed", assumed},
                                        {"eligible", rep.eligible},
                                        {"eligible_with_gpu", onGpu},
                                        {"report", nlohmann::ordered_json::parse(rep.toJson(0))}};
            out["layers"].push_back(std::move(l));
            continue;
        }
        std::cout << "\n" << label << ": ";
        if (rep.eligible)
            std::cout << "ELIGIBLE — Keras would run this layer on cuDNN\n";
        else if (onGpu)
            std::cout << "ELIGIBLE ON A GPU — the layer meets every condition; this machine has no usable GPU\n";
        else
            std::cout << "NOT ELIGIBLE — Keras would use the generic loop (" << failures.size() << " condition"
                      << (failures.size() == 1 ? "" : "s") << " to fix)\n";
        if (!layer->configFromFile)
            std::cout << "    the file records no arguments for this layer: the verdict is for assumed ones ("
                      << (assumed.empty() ? std::string("Keras's defaults") : assumed.front()) << (assumed.size() > 1 ? ", ..." : "")
                      << "); give them with --config\n";
        if (!onGpu) {
            for (const EligibilityCondition* c : failures)
                std::cout << "    FAIL " << c->title << ": " << c->reason << "\n         fix: " << c->fix << "\n";
        }
        for (const auto& n : rep.notes)
            std::cout << "    note: " << n << "\n";
    }
    if (a.json)
        std::cout << out.dump(2) << '\n';
    return kExitOk;
}

int eligibilityCommand(const EligibilityArgs& a)
{
    if (a.file.empty() == a.config.empty())
        throw UsageError{a.file.empty() ? "eligibility needs a weight file (FILE) or a layer config (--config CONFIG.json)"
                                        : "eligibility takes a weight file (FILE) or --config, not both: the file records the arguments"};
    if (!a.layer.empty() && a.file.empty())
        throw UsageError{"--layer names a layer inside the weight file FILE"};
    if (!a.file.empty()) {
        // A layer config given as FILE is the likeliest slip: say what to type instead.
        if (a.file.size() > 5 && a.file.compare(a.file.size() - 5, 5, ".json") == 0)
            throw UsageError{a.file + ": FILE is a weight file; for a layer config (the JSON of layer.get_config()) use --config " + a.file};
        return fileCommand(a);
    }
    const auto flavor = parseFlavor(a.flavor);
    const DeviceInfo device = chosenDevice(a.device);

    GruConfig config = loadConfig(a.config, flavor, a.json);
    std::optional<ArrayU8> mask;
    if (!a.mask.empty())
        mask = loadMask(a.mask);
    EligibilityContext ctx;
    ctx.flavor = config.flavor;
    ctx.kerasVersion = a.kerasVersion;
    ctx.training = a.training;
    const EligibilityReport rep = checkCudnnEligibility(config, mask ? &*mask : nullptr, device, ctx);

    if (a.json) {
        std::cout << rep.toJson(2) << '\n';
        return kExitOk;
    }
    std::cout << "cuDNN eligibility (" << flavorName(config.flavor)
              << (a.kerasVersion.empty() ? "" : " " + a.kerasVersion) << "): "
              << (rep.eligible ? "ELIGIBLE — Keras would run this layer on cuDNN" : "NOT ELIGIBLE — Keras would use the generic loop")
              << "\n";
    printConditions(rep, "  ");
    return kExitOk;
}

} // namespace

Runner addEligibilityCommand(CLI::App& app)
{
    auto args = std::make_shared<EligibilityArgs>();
    CLI::App* cmd = app.add_subcommand("eligibility", "Check every condition Keras applies before it runs a GRU on cuDNN");
    cmd->add_option("file", args->file, "A weight file (.keras, .h5, .weights.h5, ...): every GRU in it, with the arguments it records");
    cmd->add_option("--layer", args->layer, "With FILE: only this layer (or a Bidirectional's two halves)");
    cmd->add_option("--config", args->config, "Instead of FILE, one layer's configuration: the JSON of layer.get_config()");
    cmd->add_option("--mask", args->mask, "M.npy: the mask the layer will be called with");
    cmd->add_option("--device", args->device, "auto (probe this machine), none or gpu (assume one)")->capture_default_str();
    cmd->add_option("--flavor", args->flavor, "keras3 or tf_keras (default: guessed from the config)");
    cmd->add_option("--keras-version", args->kerasVersion, "Keras version whose rules apply, e.g. 3.3.3 (default: the version FILE records, else the current one)");
    cmd->add_flag("--training", args->training, "The call is in training mode (dropout rules)");
    cmd->add_flag("--json", args->json, "Print the report as JSON");
    return [args] { return eligibilityCommand(*args); };
}

} // namespace cli
