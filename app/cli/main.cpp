// gruscope-cli: the GruScope engine from the command line (no Qt). Exit status 0 on success, 2 on
// bad input or usage with one message on stderr; outputs are written atomically or not at all.
#include "cli_common.h"
#include "commands.h"

#include "gruscope/error.h"

#include <csignal>
#include <iostream>
#include <map>

int main(int argc, char** argv)
{
    // A file size limit (ulimit -f) makes writes fail with EFBIG, reported like a full disk,
    // instead of killing the process with SIGXFSZ mid-save.
    std::signal(SIGXFSZ, SIG_IGN);
    CLI::App app{"gruscope-cli — run, check and inspect Keras GRU layers with exact Keras semantics"};
    app.require_subcommand(1);
    app.set_help_all_flag("--help-all", "Help for every subcommand");
    app.add_option("--max-elements", cli::maxElements(),
                   "Largest array a file may hold (inputs, masks, states, weight tensors), in elements; before the "
                   "subcommand")
        ->capture_default_str()
        ->check(CLI::Range(int64_t(1), int64_t(1) << 40));
    app.add_option("--max-run-mb", cli::maxRunMiB(),
                   "Most memory one call of the layer may allocate (outputs, float64 copies, gate trace), in MiB; a "
                   "call that needs more is refused before it starts. 0: this machine's memory; before the subcommand")
        ->capture_default_str()
        ->check(CLI::Range(int64_t(0), int64_t(1) << 40));
    bool noIsolation = false;
    app.add_flag("--no-isolation", noIsolation,
                 "Parse weight files in this process instead of the gruscope-parse child (for debugging: a crash in "
                 "libhdf5 then ends gruscope-cli); before the subcommand");
    app.add_option("--parse-timeout", cli::parseTimeoutSeconds(),
                   "Seconds the gruscope-parse child may take to read a weight file before it is stopped")
        ->capture_default_str()
        ->check(CLI::Range(0.1, 86400.0));
    std::map<std::string, cli::Runner> runners{
        {"run", cli::addRunCommand(app)},
        {"eligibility", cli::addEligibilityCommand(app)},
        {"version", cli::addVersionCommand(app)},
        {"inspect", cli::addInspectCommand(app)},
        {"diff", cli::addDiffCommand(app)},
        {"convert", cli::addConvertCommand(app)},
        {"compare", cli::addCompareCommand(app)},
        {"devices", cli::addDevicesCommand(app)},
        {"bench", cli::addBenchCommand(app)},
        {"sweep", cli::addSweepCommand(app)},
    };
    // Name an unknown subcommand instead of CLI11's generic "A subcommand is required".
    if (argc > 1 && argv[1][0] != '-' && !runners.count(argv[1])) {
        std::cerr << "gruscope-cli: unknown subcommand '" << argv[1] << "'; allowed are run, compare, bench, eligibility, inspect, diff, convert, devices and version\n";
        return cli::kExitBadInput;
    }
    try {
        app.parse(argc, argv);
        if (noIsolation)
            cli::isolateParsing() = false;
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "gruscope-cli: " << e.what() << "\n(run gruscope-cli --help)\n";
        return cli::kExitBadInput;
    }
    try {
        for (CLI::App* sub : app.get_subcommands())
            return runners.at(sub->get_name())();
        return cli::kExitBadInput;
    } catch (const cli::UsageError& e) {
        std::cerr << "gruscope-cli: " << e.message << "\n";
    } catch (const gruscope::Error& e) {
        std::cerr << "gruscope-cli: " << e.what() << "\n";
    } catch (const std::bad_alloc&) {
        std::cerr << "gruscope-cli: out of memory: the layer's weights, inputs or outputs do not fit (check units and the input size)\n";
    } catch (const std::exception& e) {
        std::cerr << "gruscope-cli: unexpected error: " << e.what() << "\n";
    }
    return cli::kExitBadInput;
}
