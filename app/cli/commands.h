// The subcommands of gruscope-cli. Each registers its options on the CLI11 app and returns the
// function that runs it (exit status 0, or throws; main() turns every error into exit 2).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace cli {

using Runner = std::function<int()>;

Runner addRunCommand(CLI::App& app);
Runner addEligibilityCommand(CLI::App& app);
Runner addVersionCommand(CLI::App& app);
Runner addInspectCommand(CLI::App& app);
Runner addDiffCommand(CLI::App& app);
Runner addConvertCommand(CLI::App& app);
Runner addCompareCommand(CLI::App& app);
Runner addDevicesCommand(CLI::App& app);
Runner addBenchCommand(CLI::App& app);
Runner addSweepCommand(CLI::App& app);

} // namespace cli
