// `slumber doctor [HOSTLIST] [--json] [--no-contact]`: what is wrong with this setup, each
// finding with where and the fix; service::run_doctor() finds, this renders.
// `slumber doctor --verify-mapping HOSTLIST`: service::verify_mapping()
// powers nodes up to prove their BMC addresses, this renders its progress too.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "cli/nodes_argument.hpp"
#include "config/config.hpp"
#include "hostlist/hostlist.hpp"
#include "service/doctor.hpp"
#include "service/doctor_json.hpp"
#include "service/verify_mapping.hpp"
#include "util/safe_text.hpp"

namespace slumber::cli {
namespace {

struct DoctorOptions {
    std::string file{config::kDefaultPath};
    std::string nodes;
    bool json = false;
    bool no_contact = false;
    std::string verify_mapping;  ///< a hostlist: --verify-mapping
    bool verify = false;         ///< --verify-mapping was given (its value may be empty)
    bool nodes_given = false;    ///< a HOSTLIST argument was given (it may be empty: '')
};

// The signal that asked --verify-mapping to stop; 0 while none has.
volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void stop_verify_mapping(int signal) { g_stop_signal = signal; }

// SIGINT and SIGTERM let --verify-mapping put the node under way back to
// sleep (through Slurm) before it exits; SA_RESETHAND makes a second one
// end it at once, for a person who will not wait.
void catch_stop_signals() {
    struct sigaction action {};
    action.sa_handler = stop_verify_mapping;
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
}

std::string where(const service::Finding& finding) {
    if (finding.file.empty()) return "";
    return finding.line > 0 ? fmt::format("{}:{}", finding.file.string(), finding.line) : finding.file.string();
}

void print_text(const service::DoctorReport& report) {
    fmt::print("slumber doctor: {} and {}\n", report.config_file.string(),
               report.slurm_conf.empty() ? std::string("(no slurm.conf)") : report.slurm_conf.string());
    for (const service::Finding& finding : report.findings) {
        // No trailing blanks when the finding is at no file.
        const std::string place = where(finding);
        fmt::print("\n{:<8}{}{}{}\n", service::to_string(finding.severity()), service::to_string(finding.check),
                   place.empty() ? "" : "  ", util::safe_text(place));
        fmt::print("        {}\n", util::safe_text(finding.what));
        if (!finding.fix.empty()) fmt::print("        fix: {}\n", util::safe_text(finding.fix));
        if (!finding.paste.empty()) fmt::print("        paste: {}\n", util::safe_text(finding.paste));
    }
    if (report.verified && !report.verified->empty()) {
        fmt::print("\nverified (each one's BMC started it): {}\n", fmt::join(*report.verified, ", "));
    }
    const int errors = report.count(service::Severity::error);
    const int warnings = report.count(service::Severity::warning);
    const int advice = report.count(service::Severity::advice);
    if (errors + warnings + advice == 0) {
        fmt::print("nothing wrong found\n");
    } else {
        fmt::print("\n{} error(s), {} warning(s), {} advice\n", errors, warnings, advice);
    }
}

// As `slumber unblock` does, for both forms: a misspelt name would show
// only the findings about no node and look like a clean bill, or (with
// --verify-mapping) a mapping-skipped warning, exit 6, where
// docs/exit-codes.md gives 2. Whether the names are known: false after
// saying which are not.
bool refuse_unknown(const std::string& file, const std::vector<std::string>& nodes) {
    const auto unknown = service::unknown_names(file, nodes);
    if (unknown.empty()) return true;
    fmt::print(stderr, "slumber doctor: neither {} nor its slurm.conf has {}\n", file,
               util::safe_text(fmt::format("{}", fmt::join(unknown, ","))));
    return false;
}

// --verify-mapping powers nodes up; the passive checks are another run.
std::expected<service::DoctorReport, ExitCode> verify_mapping(const DoctorOptions& options) {
    // CLI11 takes the next word as the value, whatever it is:
    // `--verify-mapping -c FILE` would check a node named "-c" (and take
    // FILE for a HOSTLIST argument).
    if (options.verify_mapping.empty() || options.verify_mapping.front() == '-') {
        fmt::print(stderr,
                   "slumber doctor: --verify-mapping needs the nodes to check as its value (a hostlist, e.g. "
                   "--verify-mapping 'node[001-004]'){}\n",
                   options.verify_mapping.empty()
                       ? std::string(", not an empty one")
                       : fmt::format(", not \"{}\"", util::safe_text(options.verify_mapping)));
        return std::unexpected(ExitCode::usage);
    }
    if (!options.nodes.empty() || options.no_contact) {
        fmt::print(stderr,
                   "slumber doctor: --verify-mapping takes its nodes as its value, and contacts BMCs: give "
                   "it neither a HOSTLIST argument nor --no-contact\n");
        return std::unexpected(ExitCode::usage);
    }
    auto nodes = hostlist_argument(options.verify_mapping);
    if (!nodes) return std::unexpected(nodes.error());
    if (!refuse_unknown(options.file, *nodes)) return std::unexpected(ExitCode::usage);
    service::VerifyMappingOptions verify{.nodes = hostlist::once_each(std::move(*nodes))};
    catch_stop_signals();
    verify.stop_signal = [] { return static_cast<int>(g_stop_signal); };
    // With --json, standard output is the JSON document alone.
    std::FILE* progress = options.json ? stderr : stdout;
    verify.progress = [progress](const std::string& line) {
        fmt::print(progress, "{}\n", util::safe_text(line));
        std::fflush(progress);
    };
    return service::verify_mapping(options.file, verify);
}

int run_doctor(const DoctorOptions& options) {
    service::DoctorReport report;
    if (options.verify) {
        auto verified = verify_mapping(options);
        if (!verified) return to_int(verified.error());
        report = std::move(*verified);
    } else {
        // `doctor ''` (a variable that came out empty) would check everything.
        if (options.nodes_given && options.nodes.empty()) {
            fmt::print(stderr, "slumber doctor: an empty HOSTLIST names no node (leave it out to check them all)\n");
            return to_int(ExitCode::usage);
        }
        auto nodes = nodes_argument(options.nodes);
        if (!nodes) return to_int(nodes.error());
        if (!refuse_unknown(options.file, *nodes)) return to_int(ExitCode::usage);
        service::DoctorOptions doctor{.nodes = *nodes};
        doctor.contact = !options.no_contact;
        report = service::run_doctor(options.file, doctor);
    }
    if (options.json) {
        fmt::print("{}\n", service::to_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
        print_text(report);
    }
    // A signal stopped --verify-mapping: exit as the shell expects of it.
    if (g_stop_signal != 0) return 128 + static_cast<int>(g_stop_signal);
    if (report.count(service::Severity::error) > 0) return to_int(ExitCode::doctor_errors);
    if (report.count(service::Severity::warning) > 0) return to_int(ExitCode::doctor_warnings);
    return to_int(ExitCode::ok);
}

}  // namespace

void add_doctor_command(CLI::App& app, Outcome& outcome) {
    auto options = std::make_shared<DoctorOptions>();
    auto* doctor = app.add_subcommand(
        "doctor",
        "Check slumber.toml, the slurm.conf it names, slumber's files, every BMC and device, and this machine's "
        "clock for what would go wrong");
    auto* nodes = doctor->add_option("nodes", options->nodes,
                                     "only findings about these nodes (hostlist), and those about no node");
    doctor->add_option("-c,--config", options->file, "configuration file")->capture_default_str();
    doctor->add_flag("--json", options->json, "the findings as one JSON object");
    doctor->add_flag("--no-contact", options->no_contact,
                     "contact no BMC and no device: check the files and the clock only (offline use)");
    auto* verify =
        doctor->add_option("--verify-mapping", options->verify_mapping,
                           "power up, one at a time through Slurm, each of these nodes (hostlist) that is idle and "
                           "powered down, check that it is the node that registers, and power it down again");
    doctor->footer(
        "Exit status: 0 nothing wrong (advice may be shown), 5 errors found, 6 warnings but no error "
        "(docs/doctor.md, docs/exit-codes.md).");
    doctor->callback([options, verify, nodes, &outcome] {
        options->verify = verify->count() > 0;
        options->nodes_given = nodes->count() > 0;
        outcome.exit_code = run_doctor(*options);
    });
}

}  // namespace slumber::cli
