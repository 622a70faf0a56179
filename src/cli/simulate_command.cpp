// `slumber simulate TRACE`: replays a job history on a simulated cluster
// under several power policies and reports what each saves and costs.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <memory>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "sim/report.hpp"
#include "sim/trace_file.hpp"

namespace slumber::cli {
namespace {

struct SimulateOptions {
    std::string trace;
    int nodes = 0;
    int cores_per_node = 1;
    std::vector<std::string> policies;
    std::string sweep;
    bool json = false;
    std::string bad_lines = "skip";
};

int fail(std::string_view message, ExitCode code = ExitCode::usage) {
    fmt::print(stderr, "slumber simulate: {}\n", message);
    return to_int(code);
}

// "suspend-time=1m,5m,15m" -> suspend-time=1m, suspend-time=5m, …
std::vector<std::string> expand_sweep(const std::string& sweep) {
    std::vector<std::string> out;
    const auto equals = sweep.find('=');
    if (equals == std::string::npos) return {sweep};
    const std::string kind = sweep.substr(0, equals);
    std::string_view values = std::string_view(sweep).substr(equals + 1);
    // keep-warm values are "N,DURATION": a sweep of them is separated by ';'.
    const char separator = kind == "keep-warm" ? ';' : ',';
    while (!values.empty()) {
        const auto end = values.find(separator);
        out.push_back(fmt::format("{}={}", kind, values.substr(0, end)));
        if (end == std::string_view::npos) break;
        values.remove_prefix(end + 1);
    }
    return out;
}

int run_simulate(const SimulateOptions& options) {
    const sim::BadLines bad = options.bad_lines == "refuse" ? sim::BadLines::refuse : sim::BadLines::skip;
    auto trace = sim::read_trace(options.trace, bad);
    if (!trace) {
        return trace.error().line > 0
                   ? fail(fmt::format("{}:{}: {}", options.trace, trace.error().line, trace.error().message),
                          ExitCode::partial)
                   : fail(trace.error().message, ExitCode::partial);
    }
    for (std::size_t i = 0; i < trace->problems.size() && i < 10; ++i) {
        fmt::print(stderr, "{}:{}: skipped: {}\n", options.trace, trace->problems[i].line, trace->problems[i].message);
    }
    if (trace->problems.size() > 10) fmt::print(stderr, "… and {} more lines skipped\n", trace->problems.size() - 10);

    std::vector<std::string> names{"never"};
    for (const auto& list : {options.policies, expand_sweep(options.sweep)}) {
        for (const std::string& name : list) {
            if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
        }
    }
    if (options.policies.empty() && options.sweep.empty()) {
        names.insert(names.end(), {"suspend-time=10m", "suspend-time=1h", "keep-warm=4,10m"});
    }
    names.emplace_back("oracle");
    std::vector<sim::NamedPolicy> policies;
    for (const std::string& name : names) {
        auto policy = sim::parse_policy(name);
        if (!policy) return fail(policy.error());
        policies.push_back(std::move(*policy));
    }

    sim::Settings settings;
    settings.nodes = options.nodes;
    settings.cores_per_node = options.cores_per_node;
    // Every policy is accounted over the same span: the latest end of any.
    std::vector<sim::Outcome> outcomes(policies.size());
    for (int round = 0; round < 2; ++round) {
        sim::Seconds latest = 0;
        for (std::size_t i = 0; i < policies.size(); ++i) {
            if (policies[i].oracle) continue;
            settings.policy = policies[i].policy;
            auto outcome = sim::simulate(*trace, settings);
            if (!outcome) return fail(outcome.error(), ExitCode::partial);
            latest = std::max(latest, outcome->end);
            outcomes[i] = std::move(*outcome);
        }
        const bool same_span = std::all_of(policies.begin(), policies.end(), [&](const sim::NamedPolicy& p) {
            return p.oracle || outcomes[static_cast<std::size_t>(&p - policies.data())].end == latest;
        });
        if (same_span) break;
        settings.horizon = latest;
    }
    const sim::Outcome& baseline = outcomes.front();
    const sim::Oracle oracle = sim::oracle(baseline, settings.model);
    std::vector<sim::Summary> summaries;
    for (std::size_t i = 0; i < policies.size(); ++i) {
        summaries.push_back(sim::summarize(policies[i], policies[i].oracle ? baseline : outcomes[i], baseline, oracle));
    }
    if (options.json) {
        fmt::print("{}", sim::format_json(summaries));
    } else {
        fmt::print("{}: {} jobs on {} nodes over {:.1f} days; switching a node off pays after {:.0f} s idle\n\n",
                   trace->source, trace->jobs.size(), baseline.nodes,
                   static_cast<double>(baseline.end - baseline.begin) / 86400, settings.model.break_even_seconds());
        fmt::print("{}", sim::format_table(summaries));
    }
    return to_int(ExitCode::ok);
}

}  // namespace

void add_simulate_command(CLI::App& app, Outcome& outcome) {
    auto options = std::make_shared<SimulateOptions>();
    auto* command = app.add_subcommand(
        "simulate", "Replay a job history (SWF, or sacct --parsable2) and report what power saving saves and costs");
    command->add_option("trace", options->trace, "Standard Workload Format or sacct --parsable2 output, plain or .gz")
        ->required();
    command->add_option("--nodes", options->nodes, "cluster size (default: from the trace)");
    command->add_option("--cores-per-node", options->cores_per_node, "processors per node: jobs take whole nodes")
        ->capture_default_str();
    command->add_option("--policy", options->policies,
                        "never, suspend-time=DURATION, keep-warm=NODES,DURATION (repeatable); never and oracle "
                        "are always shown");
    command->add_option("--sweep", options->sweep, "e.g. suspend-time=1m,5m,15m,1h");
    command->add_option("--bad-lines", options->bad_lines, "skip (and list) or refuse wrong trace lines")
        ->check(CLI::IsMember({"skip", "refuse"}))
        ->capture_default_str();
    command->add_flag("--json", options->json, "one JSON object per policy");
    command->callback([options, &outcome] { outcome.exit_code = run_simulate(*options); });
}

}  // namespace slumber::cli
