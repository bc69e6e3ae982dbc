// gruscope-cli eligibility: would Keras run this layer on cuDNN, and if not, why and how to fix it.
#include "cli_common.h"
#include "commands.h"

#include "gruscope/device.h"
#include "gruscope/eligibility.h"

#include <iostream>
#include <memory>

namespace cli {

using namespace gruscope;

namespace {

struct EligibilityArgs {
    std::string config, mask, device = "auto", flavor, kerasVersion;
    bool json = false, training = false;
};

int eligibilityCommand(const EligibilityArgs& a)
{
    const auto flavor = parseFlavor(a.flavor);
    DeviceInfo device;
    if (a.device == "auto")
        device = probeDevice();
    else if (a.device == "gpu")
        device = DeviceInfo::assumedGpu();
    else if (a.device == "none")
        device = DeviceInfo::assumedNone("no GPU (--device none)");
    else
        throw UsageError{"--device " + a.device + ": allowed are auto, none and gpu"};

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
    for (const auto& c : rep.conditions) {
        const char* mark = !c.applies ? "  -  " : (c.ok ? " ok  " : "FAIL ");
        std::cout << "  " << mark << c.title << ": " << c.reason << "\n";
        if (!c.ok)
            std::cout << "         fix: " << c.fix << "\n";
    }
    for (const auto& n : rep.notes)
        std::cout << "  note: " << n << "\n";
    return kExitOk;
}

} // namespace

Runner addEligibilityCommand(CLI::App& app)
{
    auto args = std::make_shared<EligibilityArgs>();
    CLI::App* cmd = app.add_subcommand("eligibility", "Check every condition Keras applies before it runs a GRU on cuDNN");
    cmd->add_option("--config", args->config, "Layer configuration: the JSON of layer.get_config()")->required();
    cmd->add_option("--mask", args->mask, "M.npy: the mask the layer will be called with");
    cmd->add_option("--device", args->device, "auto (probe this machine), none or gpu (assume one)")->capture_default_str();
    cmd->add_option("--flavor", args->flavor, "keras3 or tf_keras (default: guessed from the config)");
    cmd->add_option("--keras-version", args->kerasVersion, "Keras version whose rules apply, e.g. 3.3.3 (default: current)");
    cmd->add_flag("--training", args->training, "The call is in training mode (dropout rules)");
    cmd->add_flag("--json", args->json, "Print the report as JSON");
    return [args] { return eligibilityCommand(*args); };
}

} // namespace cli
