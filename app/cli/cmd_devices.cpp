// gruscope-cli version and devices: what this build can run and what the GPU probe sees here.
#include "cli_common.h"
#include "commands.h"

#include "gruscope/device.h"
#include "gruscope/layer.h"
#include "gruscope/version.h"

#include <nlohmann/json.hpp>

#include <iostream>

namespace cli {

using namespace gruscope;

namespace {

std::string backendLine(const BackendDescription& b)
{
    return b.name + (b.usable ? "" : " (not here: " + b.reason + ")");
}

int devicesCommand(bool json)
{
    const DeviceInfo& d = probeDevice();
    const std::vector<BackendDescription> backends = describeBackends();
    if (json) {
        nlohmann::ordered_json j;
        j["gpu_backends_built"] = build::gpuBackends;
        j["gpu_toolchain"] = build::gpuToolchain;
        j["gpu"] = {{"present", d.present},      {"cuda_usable", d.cudaUsable},
                    {"name", d.name},            {"compute_capability", std::to_string(d.computeMajor) + "." + std::to_string(d.computeMinor)},
                    {"memory_bytes", d.memoryBytes}, {"multiprocessors", d.multiProcessors},
                    {"driver_cuda", d.driverVersion ? cudaVersionString(d.driverVersion) : ""},
                    {"runtime_cuda", d.runtimeVersion ? cudaVersionString(d.runtimeVersion) : ""},
                    {"cudnn", d.cudnnVersion ? cudnnVersionString(d.cudnnVersion) : ""},
                    {"reason", d.reason}};
        j["backends"] = nlohmann::ordered_json::array();
        for (const auto& b : backends)
            j["backends"].push_back({{"name", b.name}, {"usable", b.usable}, {"summary", b.summary}, {"reason", b.reason}});
        std::cout << j.dump(2) << "\n";
        return kExitOk;
    }
    std::cout << "GPU backends: " << (build::gpuBackends ? "built with " : "not built: ") << build::gpuToolchain << "\n";
    if (d.cudaUsable) {
        std::cout << "GPU: " << d.name << ", compute " << d.computeMajor << "." << d.computeMinor << ", "
                  << d.memoryBytes / (uint64_t(1) << 20) << " MiB, " << d.multiProcessors << " multiprocessors\n"
                  << "     driver CUDA " << cudaVersionString(d.driverVersion) << ", runtime " << cudaVersionString(d.runtimeVersion)
                  << ", cuDNN " << (d.cudnnVersion ? cudnnVersionString(d.cudnnVersion) : std::string("not loaded")) << "\n";
        if (!d.present)
            std::cout << "     " << d.reason << "\n";
    } else {
        std::cout << "GPU: none usable — " << d.reason << "\n";
    }
    std::cout << "backends, in the order auto considers them:\n";
    for (const auto& b : backends)
        std::cout << "  " << (b.usable ? "yes " : "no  ") << b.name << std::string(b.name.size() < 10 ? 10 - b.name.size() : 1, ' ')
                  << b.summary << (b.usable ? "" : "\n" + std::string(16, ' ') + b.reason) << "\n";
    return kExitOk;
}

} // namespace

Runner addVersionCommand(CLI::App& app)
{
    app.add_subcommand("version", "Print the version and what this build and machine can run");
    return [] {
        const DeviceInfo& d = probeDevice();
        std::string line;
        for (const auto& b : describeBackends())
            line += (line.empty() ? "" : ", ") + backendLine(b);
        std::cout << "gruscope-cli " << build::version << "\n"
                  << "GPU backends: " << (build::gpuBackends ? "built (" : "not built (") << build::gpuToolchain << ")\n"
                  << "backends: " << line << "\n"
                  << "GPU: " << (d.present ? d.reason : "none — " + d.reason) << "\n";
        return kExitOk;
    };
}

Runner addDevicesCommand(CLI::App& app)
{
    auto json = std::make_shared<bool>(false);
    CLI::App* cmd = app.add_subcommand("devices", "What the GPU probe sees here, and which backends can run");
    cmd->add_flag("--json", *json, "Print it as JSON");
    return [json] { return devicesCommand(*json); };
}

} // namespace cli
