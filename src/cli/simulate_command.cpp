// `slumber simulate TRACE`: replays a job history on a simulated cluster
// under several power policies and reports what each saves and costs.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <fstream>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "config/config.hpp"
#include "sim/jitter.hpp"
#include "sim/report.hpp"
#include "sim/series.hpp"
#include "sim/trace_file.hpp"

namespace slumber::cli {
namespace {

struct SimulateOptions {
    std::string trace;
    std::optional<int> nodes;
    std::optional<int> cores_per_node;
    std::string allocation;  ///< empty: the config's, else whole nodes
    std::optional<int> max_booting;
    std::optional<int> boots_per_minute;
    std::string config;  ///< a file with a [simulate] section
    std::vector<std::string> policies;
    std::string sweep;
    bool json = false;
    std::string csv;
    std::string jobs_csv;
    std::string plot;
    std::string every;
    int replicas = 1;
    std::string jitter = "10s";
    double max_slowdown = 5;  ///< percent: what the recommendation may cost
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

bool write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    return static_cast<bool>(out.flush());
}

// The cluster and its power model: the published defaults, then the
// configuration's [simulate] section, then the command line.
std::expected<sim::Settings, std::string> settings_from(const SimulateOptions& options) {
    sim::Settings settings;
    if (!options.config.empty()) {
        auto file = config::load_simulation_settings(options.config);
        if (!file) {
            std::string message;
            for (const config::ConfigError& error : file.error()) message += config::format(error);
            return std::unexpected(message);
        }
        auto seconds = [](util::Duration duration) {
            return std::chrono::duration_cast<std::chrono::seconds>(duration).count();
        };
        settings.nodes = file->nodes.value_or(0);
        settings.cores_per_node = file->cores_per_node.value_or(1);
        if (file->whole_nodes) {
            settings.allocation = *file->whole_nodes ? sim::Allocation::whole_nodes : sim::Allocation::processors;
        }
        sim::PowerModel& model = settings.model;
        model.off_watts = file->off_watts.value_or(model.off_watts);
        model.idle_watts = file->idle_watts.value_or(model.idle_watts);
        model.busy_watts = file->busy_watts.value_or(model.busy_watts);
        if (file->boot_time) model.boot_seconds = seconds(*file->boot_time);
        model.boot_joules = file->boot_joules.value_or(model.boot_joules);
        if (file->shutdown_time) model.shutdown_seconds = seconds(*file->shutdown_time);
        model.shutdown_joules = file->shutdown_joules.value_or(model.shutdown_joules);
        settings.pacing = {file->max_booting, file->boots_per_minute};
    }
    if (options.max_booting) settings.pacing.max_booting = *options.max_booting;
    if (options.boots_per_minute) settings.pacing.boots_per_minute = *options.boots_per_minute;
    if (options.nodes) settings.nodes = *options.nodes;
    if (options.cores_per_node) settings.cores_per_node = *options.cores_per_node;
    if (!options.allocation.empty()) {
        settings.allocation =
            options.allocation == "processors" ? sim::Allocation::processors : sim::Allocation::whole_nodes;
    }
    return settings;
}

// Each policy's figures in one replica; the oracle is computed from its
// never-off run.
std::vector<sim::Summary> summarize_all(const std::vector<sim::NamedPolicy>& policies,
                                        const std::vector<sim::Outcome>& outcomes, const sim::PowerModel& model) {
    const sim::Outcome& baseline = outcomes.front();
    const sim::Oracle oracle = sim::oracle(baseline, model);
    std::vector<sim::Summary> summaries;
    for (std::size_t i = 0, run = 0; i < policies.size(); ++i) {
        const sim::Outcome& outcome = policies[i].oracle ? baseline : outcomes[run++];
        summaries.push_back(sim::summarize(policies[i], outcome, baseline, oracle));
    }
    return summaries;
}

// The trace, less the lines that are wrong and the jobs too large for the
// cluster: listed and skipped, or refused, as --bad-lines says.
std::expected<sim::Trace, int> read_input(const SimulateOptions& options, const sim::Settings& settings) {
    const sim::BadLines bad = options.bad_lines == "refuse" ? sim::BadLines::refuse : sim::BadLines::skip;
    auto trace = sim::read_trace(options.trace, bad);
    if (!trace) {
        return std::unexpected(trace.error().line > 0 ? fail(fmt::format("{}:{}: {}", options.trace, trace.error().line,
                                                                         trace.error().message),
                                                             ExitCode::partial)
                                                      : fail(trace.error().message, ExitCode::partial));
    }
    const auto nodes = sim::cluster_size(*trace, settings);
    if (!nodes) return std::unexpected(fail(nodes.error(), ExitCode::partial));
    const std::vector<sim::TraceProblem> large = sim::jobs_too_large(*trace, settings, *nodes);
    if (!large.empty() && bad == sim::BadLines::refuse) {
        return std::unexpected(fail(fmt::format("{}:{}: {}", options.trace, large.front().line, large.front().message),
                                    ExitCode::partial));
    }
    std::erase_if(trace->jobs, [&](const sim::Job& job) {
        return std::any_of(large.begin(), large.end(), [&](const sim::TraceProblem& p) { return p.line == job.line; });
    });
    trace->problems.insert(trace->problems.end(), large.begin(), large.end());
    std::ranges::stable_sort(trace->problems, {}, &sim::TraceProblem::line);
    for (std::size_t i = 0; i < trace->problems.size() && i < 10; ++i) {
        fmt::print(stderr, "{}:{}: skipped: {}\n", options.trace, trace->problems[i].line, trace->problems[i].message);
    }
    if (trace->problems.size() > 10) fmt::print(stderr, "… and {} more lines skipped\n", trace->problems.size() - 10);
    return std::move(*trace);
}

// Never first and the oracle last, the asked-for policies between.
std::expected<std::vector<sim::NamedPolicy>, std::string> policies_from(const SimulateOptions& options) {
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
        if (!policy) return std::unexpected(policy.error());
        policies.push_back(std::move(*policy));
    }
    return policies;
}

// How often to sample the cluster for the CSV and the plot; 0 when neither
// is asked for.
std::expected<sim::Seconds, std::string> sampling(const SimulateOptions& options, const sim::Trace& trace) {
    if (options.csv.empty() && options.plot.empty()) return 0;
    if (options.every.empty()) {
        const sim::Seconds span = trace.jobs.empty() ? 0 : trace.jobs.back().submit - trace.jobs.front().submit;
        return sim::sampling_step(span, 20'000);
    }
    auto every = util::parse_duration(options.every);
    if (!every || *every < std::chrono::seconds(1)) {
        return std::unexpected(
            fmt::format("--every {}: {}", options.every, every ? "less than a second" : every.error()));
    }
    return std::chrono::duration_cast<std::chrono::seconds>(*every).count();
}

bool write_outputs(const SimulateOptions& options, const sim::Trace& trace, const std::vector<sim::Run>& runs) {
    const std::string title = fmt::format("{} on {} nodes", trace.source, runs.front().outcome->nodes);
    // Each text is made only if its file is asked for.
    auto write = [](const std::string& file, const auto& text) {
        if (file.empty() || write_file(file, text())) return true;
        fail(fmt::format("cannot write {}", file), ExitCode::partial);
        return false;
    };
    return write(options.csv, [&] { return sim::format_csv(runs); }) &&
           write(options.jobs_csv, [&] { return sim::format_jobs_csv(runs, trace); }) &&
           write(options.plot, [&] { return sim::render_svg(runs, title); });
}

int run_simulate(const SimulateOptions& options) {
    auto settings = settings_from(options);
    if (!settings) return fail(settings.error());
    auto policies = policies_from(options);
    if (!policies) return fail(policies.error());
    auto jitter = util::parse_duration(options.jitter);
    if (!jitter) return fail(fmt::format("--jitter {}: {}", options.jitter, jitter.error()));
    const auto trace = read_input(options, *settings);
    if (!trace) return trace.error();
    auto every = sampling(options, *trace);
    if (!every) return fail(every.error());
    settings->sample_every = *every;

    std::vector<engine::IdlePolicy> simulated;
    std::vector<std::string> simulated_names;
    for (const sim::NamedPolicy& policy : *policies) {
        if (policy.oracle) continue;
        simulated.push_back(policy.policy);
        simulated_names.push_back(policy.name);
    }
    // Replica 0 is the trace as it is; the others are jittered, and every
    // policy is compared with never-off within its own replica.
    const sim::Seconds most = std::chrono::duration_cast<std::chrono::seconds>(*jitter).count();
    std::vector<std::vector<sim::Summary>> replicas;
    std::vector<sim::Outcome> outcomes;  // replica 0's, for the CSV and the plot
    for (int replica = 0; replica < options.replicas; ++replica) {
        const sim::Trace input =
            replica == 0 ? *trace : sim::jittered(*trace, static_cast<std::uint64_t>(replica), most);
        if (replica == 1) settings->sample_every = 0;
        auto each = sim::simulate_each(input, *settings, simulated);
        if (!each) return fail(each.error(), ExitCode::partial);
        replicas.push_back(summarize_all(*policies, *each, settings->model));
        if (replica == 0) outcomes = std::move(*each);
    }
    const std::vector<sim::Summary> summaries = sim::average(replicas);
    std::vector<sim::Run> runs;
    for (std::size_t i = 0; i < outcomes.size(); ++i) runs.push_back({simulated_names[i], &outcomes[i]});
    if (!write_outputs(options, *trace, runs)) return to_int(ExitCode::partial);

    if (options.json) {
        fmt::print("{}", sim::format_json(summaries));
        return to_int(ExitCode::ok);
    }
    const sim::Outcome& baseline = outcomes.front();
    fmt::print("{}: {} jobs on {} nodes over {:.1f} days; switching a node off pays after {:.0f} s idle\n",
               trace->source, trace->jobs.size(), baseline.nodes,
               static_cast<double>(baseline.end - baseline.begin) / 86400, settings->model.break_even_seconds());
    if (options.replicas > 1) {
        fmt::print(
            "means of {} runs, submissions moved by up to {} in all but the first; bsld change ± its "
            "standard deviation\n",
            options.replicas, options.jitter);
    }
    fmt::print("\n{}\n{}", sim::format_table(summaries), sim::recommend(summaries, options.max_slowdown));
    return to_int(ExitCode::ok);
}

}  // namespace

void add_simulate_command(CLI::App& app, Outcome& outcome) {
    auto options = std::make_shared<SimulateOptions>();
    auto* command = app.add_subcommand(
        "simulate", "Replay a job history (SWF, or sacct --parsable2) and report what power saving saves and costs");
    command->add_option("trace", options->trace, "Standard Workload Format or sacct --parsable2 output, plain or .gz")
        ->required();
    command->add_option("--nodes", options->nodes, "cluster size (default: from the trace)")
        ->check(CLI::Range(1, 10'000'000));
    command->add_option("--cores-per-node", options->cores_per_node, "processors per node (default 1)")
        ->check(CLI::Range(1, 1'000'000));
    command
        ->add_option("--allocation", options->allocation,
                     "whole-nodes (a job's nodes are its own; the default) or processors (jobs share nodes)")
        ->check(CLI::IsMember({"whole-nodes", "processors"}));
    command->add_option("--max-booting", options->max_booting, "nodes booting at once, as the daemon paces them")
        ->check(CLI::Range(0, 10'000'000));
    command
        ->add_option("--boots-per-minute", options->boots_per_minute, "power-ons per minute, as the daemon paces them")
        ->check(CLI::Range(0, 10'000'000));
    command->add_option("-c,--config", options->config,
                        "a slumber.toml whose [simulate] section describes the cluster and its power model "
                        "([daemon]'s pacing applies too)");
    command->add_option("--policy", options->policies,
                        "never, suspend-time=DURATION, keep-warm=NODES,DURATION (repeatable); never and oracle "
                        "are always shown");
    command->add_option("--sweep", options->sweep, "e.g. suspend-time=1m,5m,15m,1h");
    command->add_option("--bad-lines", options->bad_lines, "skip (and list) or refuse wrong trace lines")
        ->check(CLI::IsMember({"skip", "refuse"}))
        ->capture_default_str();
    command->add_flag("--json", options->json, "one JSON object per policy");
    command->add_option("--csv", options->csv, "write the cluster over time (nodes per state, power, energy) here");
    command->add_option("--jobs-csv", options->jobs_csv,
                        "write each job's submit, start, wait, boot wait and slowdown under each policy here");
    command->add_option("--plot", options->plot, "draw powered-on nodes and energy over time here, as SVG");
    command
        ->add_option("--replicas", options->replicas,
                     "run this many times, submissions jittered in all but the first, and report the means")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    command->add_option("--jitter", options->jitter, "how far a replica may move each submission")
        ->capture_default_str();
    command
        ->add_option("--max-slowdown", options->max_slowdown,
                     "recommend the policy saving the most within this many per cent more bounded slowdown")
        ->check(CLI::Range(0.0, 10'000.0))
        ->capture_default_str();
    command->add_option("--every", options->every, "a sample in the CSV and the plot this often (default: to fit)");
    command->callback([options, &outcome] { outcome.exit_code = run_simulate(*options); });
}

}  // namespace slumber::cli
