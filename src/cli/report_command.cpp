// `slumber report`: energy used and saved, hours off, boots, failed
// resumes, power cycles and devices over a span of the journal. Renders
// service::energy_report() only.
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "cli/nodes_argument.hpp"
#include "config/config.hpp"
#include "hostlist/hostlist.hpp"
#include "operate/clock.hpp"
#include "service/energy_json.hpp"
#include "service/energy_report.hpp"
#include "util/duration.hpp"
#include "util/safe_text.hpp"

namespace slumber::cli {
namespace {

struct ReportOptions {
    std::string file{config::kDefaultPath};
    std::string targets;
    std::string since = "1d";
    bool json = false;
};

double hours(store::TimeMs ms) { return static_cast<double>(ms) / 3.6e6; }

std::string boot_times(const std::vector<store::TimeMs>& boots) {
    if (boots.empty()) return "-";
    store::TimeMs sum = 0;
    store::TimeMs longest = 0;
    for (const store::TimeMs boot : boots) {
        sum += boot;
        longest = std::max(longest, boot);
    }
    return fmt::format("{:.0f}/{:.0f}", static_cast<double>(sum) / static_cast<double>(boots.size()) / 1000.0,
                       static_cast<double>(longest) / 1000.0);
}

std::string cost_line(const service::EnergyReport& report) {
    if (report.price_per_kwh <= 0) return "";
    const std::string unit = report.currency.empty() ? "" : " " + util::safe_text(report.currency);
    return fmt::format("cost: {:.2f}{} used, {:.2f}{} saved (at {:.4g}{} per kWh)\n", report.cost(report.total.joules),
                       unit, report.cost(report.total.saved_joules()), unit, report.price_per_kwh, unit);
}

// kWh for the days and months a site reports on; Wh for a span so short
// (the demo's minutes) that kWh would print 0.000.
struct EnergyUnit {
    std::string_view name;
    double joules = 3.6e6;  ///< per unit
};
EnergyUnit unit_for(const service::EnergyReport& report) {
    return engine::kwh(report.total.joules) < 1 ? EnergyUnit{"Wh", 3600} : EnergyUnit{"kWh", 3.6e6};
}

// The never-off draw each node was charged at, grouped by draw, when they
// are not all the model's: "vnode[001-002] 180 W (measured), vnode003 95 W".
std::string idle_draws(const service::EnergyReport& report) {
    std::vector<std::pair<std::string, std::vector<std::string>>> groups;  // draw in words, its nodes
    bool all_modelled = true;
    for (const service::NodeEnergy& node : report.nodes) {
        const bool measured = node.model.idle_watts != report.model.idle_watts;
        all_modelled = all_modelled && !measured;
        std::string draw = fmt::format("{:.4g} W{}", node.model.idle_watts, measured ? " (measured)" : "");
        auto it = std::ranges::find(groups, draw, &std::pair<std::string, std::vector<std::string>>::first);
        if (it == groups.end()) it = groups.insert(groups.end(), {std::move(draw), {}});
        it->second.push_back(node.node);
    }
    if (all_modelled) return "";
    std::string out = "never-off draw per node (its measured mean up, over the journal's history, where it has one):";
    for (const auto& [draw, nodes] : groups) {
        out += fmt::format(" {} {},", util::safe_text(hostlist::compress(nodes, false).value_or(nodes.front())), draw);
    }
    out.back() = '\n';
    return out;
}

void print_text(const service::EnergyReport& report) {
    const auto off = static_cast<std::size_t>(engine::PowerPhase::off);
    const EnergyUnit unit = unit_for(report);
    fmt::print("energy over the last {}", util::format_duration(util::Duration(report.until - report.since)));
    // "measured" is a share of the time the journal knows
    // (EnergyReport::measured_share): say how much that is when it is less.
    if (report.known_since > report.since) {
        fmt::print(" (the journal knows the last {})",
                   util::format_elapsed(util::Duration(report.until - report.known_since)));
    }
    fmt::print("\n{:<16} {:>9} {:>9} {:>9} {:>7} {:>5} {:>14} {:>6} {:>6}\n", "node", fmt::format("used {}", unit.name),
               fmt::format("saved {}", unit.name), "measured", "off h", "boots", "boot s avg/max", "failed", "cycles");
    for (const service::NodeEnergy& node : report.nodes) {
        const double measured = report.measured_share(node.energy);
        fmt::print("{:<16} {:>9.3f} {:>9.3f} {:>8.0f}% {:>7.1f} {:>5} {:>14} {:>6} {:>6}\n", util::safe_text(node.node),
                   node.energy.joules / unit.joules, node.energy.saved_joules() / unit.joules, 100.0 * measured,
                   hours(node.energy.phase_ms[off]), node.boots, boot_times(node.boot_ms), node.failed_resumes,
                   node.power_cycles);
    }
    fmt::print("{:<16} {:>9.3f} {:>9.3f}\n", "total", report.total.joules / unit.joules,
               report.total.saved_joules() / unit.joules);
    fmt::print("{}", cost_line(report));
    for (const service::DeviceEnergy& device : report.devices) {
        fmt::print("device {}: {:.3f} {} measured, on {:.1f} h\n", util::safe_text(device.device),
                   device.energy.measured_joules / unit.joules, unit.name, hours(device.on_ms));
    }
    fmt::print("model: {}\n", service::describe(report.model));
    fmt::print("{}", idle_draws(report));
}

int run_report(const ReportOptions& options) {
    const auto since = util::parse_duration(options.since);
    if (!since) {
        fmt::print(stderr, "slumber: --since {}: {}\n", options.since, since.error());
        return to_int(ExitCode::usage);
    }
    const auto targets = nodes_argument(options.targets);
    if (!targets) return to_int(targets.error());
    const store::TimeMs now = operate::wall_clock_ms();
    const auto report = service::energy_report(options.file, *targets, now - since->count(), now);
    if (!report) {
        for (const auto& error : report.error().config) fmt::print(stderr, "{}\n", config::format(error));
        if (!report.error().config.empty()) return to_int(ExitCode::config);
        fmt::print(stderr, "slumber: {}\n", util::safe_text(report.error().words));
        return to_int(report.error().unknown_targets ? ExitCode::usage : ExitCode::partial);
    }
    if (options.json) {
        fmt::print("{}\n", service::to_json(*report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
        print_text(*report);
    }
    return to_int(ExitCode::ok);
}

}  // namespace

void add_report_command(CLI::App& app, Outcome& outcome) {
    auto options = std::make_shared<ReportOptions>();
    auto* report = app.add_subcommand(
        "report", "Energy used and saved, hours off, boots, failed resumes and power cycles per node, and devices");
    report->add_option("targets", options->targets, "only these nodes and devices (hostlist)");
    report->add_option("-c,--config", options->file, "configuration file")->capture_default_str();
    report->add_option("--since", options->since, "how far back")->capture_default_str();
    report->add_flag("--json", options->json, "one JSON object (docs/energy.md)");
    report->callback([options, &outcome] { outcome.exit_code = run_report(*options); });
}

}  // namespace slumber::cli
