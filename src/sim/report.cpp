#include "sim/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "util/duration.hpp"

namespace slumber::sim {
namespace {

constexpr double kSlowdownFloor = 10;  // seconds: short jobs do not blow up the slowdown

double percentile(std::vector<double> values, double share) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const auto rank = static_cast<std::size_t>(std::ceil(share * static_cast<double>(values.size()))) - 1;
    return values[std::min(rank, values.size() - 1)];
}

double mean_wait(const Outcome& outcome) {
    if (outcome.jobs.empty()) return 0;
    double sum = 0;
    for (const JobOutcome& job : outcome.jobs) sum += static_cast<double>(job.start - job.submit);
    return sum / static_cast<double>(outcome.jobs.size());
}

double mean_bounded_slowdown(const Outcome& outcome) {
    double sum = 0;
    for (const JobOutcome& job : outcome.jobs) sum += bounded_slowdown(job);
    return sum / static_cast<double>(std::max<std::size_t>(1, outcome.jobs.size()));
}

std::string hours(double seconds) {
    if (seconds < 60) return fmt::format("{:.0f}s", seconds);
    if (seconds < 3600) return fmt::format("{:.1f}m", seconds / 60);
    return fmt::format("{:.1f}h", seconds / 3600);
}

}  // namespace

double bounded_slowdown(const JobOutcome& job) {
    const auto wait = static_cast<double>(job.start - job.submit);
    const auto run = static_cast<double>(job.run);
    return std::max(1.0, (wait + run) / std::max(run, kSlowdownFloor));
}

std::expected<NamedPolicy, std::string> parse_policy(std::string_view text) {
    using Kind = engine::IdlePolicy::Kind;
    const std::string name(text);
    if (text == "never") return NamedPolicy{name, {Kind::never, 0, 0}, false};
    if (text == "oracle") return NamedPolicy{name, {Kind::never, 0, 0}, true};
    const auto equals = text.find('=');
    const std::string_view kind = text.substr(0, equals);
    const std::string_view value = equals == std::string_view::npos ? std::string_view() : text.substr(equals + 1);
    auto duration = [&](std::string_view words) -> std::expected<Seconds, std::string> {
        auto parsed = util::parse_duration(words);
        if (!parsed) return std::unexpected(fmt::format("policy {}: {}", text, parsed.error()));
        return std::chrono::duration_cast<std::chrono::seconds>(*parsed).count();
    };
    if (kind == "suspend-time" && !value.empty()) {
        auto after = duration(value);
        if (!after) return std::unexpected(after.error());
        return NamedPolicy{name, {Kind::after_idle, *after, 0}, false};
    }
    if (kind == "keep-warm" && !value.empty()) {
        const auto comma = value.find(',');
        int warm = -1;
        const std::string_view count = value.substr(0, comma);
        const auto [end, error] = std::from_chars(count.data(), count.data() + count.size(), warm);
        if (error != std::errc() || end != count.data() + count.size() || warm < 0 || comma == std::string_view::npos) {
            return std::unexpected(fmt::format("policy {}: give keep-warm=NODES,DURATION, e.g. keep-warm=4,10m", text));
        }
        auto after = duration(value.substr(comma + 1));
        if (!after) return std::unexpected(after.error());
        return NamedPolicy{name, {Kind::keep_warm, *after, warm}, false};
    }
    return std::unexpected(
        fmt::format("policy \"{}\": one of never, suspend-time=DURATION, keep-warm=NODES,DURATION or oracle", text));
}

Oracle oracle(const Outcome& baseline, const PowerModel& model) {
    const double break_even = model.break_even_seconds();
    const auto transitions = static_cast<double>(model.boot_seconds + model.shutdown_seconds);
    Oracle result;
    // Gaps at the start and the end are counted like the others (with a
    // boot), which understates the limit a little.
    for (const Seconds gap : baseline.idle_gaps) {
        const auto seconds = static_cast<double>(gap);
        if (seconds <= break_even) continue;
        const double switched = model.shutdown_joules + model.boot_joules + model.off_watts * (seconds - transitions);
        result.saved_joules += model.idle_watts * seconds - switched;
        ++result.cycles;
    }
    return result;
}

Summary summarize(const NamedPolicy& policy, const Outcome& outcome, const Outcome& baseline, const Oracle& oracle) {
    const double oracle_saving = oracle.saved_joules;
    Summary summary;
    summary.policy = policy.name;
    const double baseline_joules = baseline.total_joules();
    const double joules = policy.oracle ? baseline_joules - oracle_saving : outcome.total_joules();
    summary.kwh = joules / kJoulesPerKwh;
    summary.saved_kwh = (baseline_joules - joules) / kJoulesPerKwh;
    summary.saved_percent = baseline_joules > 0 ? 100 * (baseline_joules - joules) / baseline_joules : 0;
    summary.oracle_share = oracle_saving > 0 ? 100 * (baseline_joules - joules) / oracle_saving : 0;
    std::vector<double> waits;
    std::vector<double> slowdowns;
    double booted = 0;
    for (const JobOutcome& job : outcome.jobs) {
        waits.push_back(static_cast<double>(job.start - job.submit));
        slowdowns.push_back(bounded_slowdown(job));
        booted += job.boot_wait > 0 ? 1 : 0;
    }
    summary.median_bounded_slowdown = percentile(slowdowns, 0.5);
    summary.p95_bounded_slowdown = percentile(std::move(slowdowns), 0.95);
    summary.waited_for_boot = 100 * booted / static_cast<double>(std::max<std::size_t>(1, outcome.jobs.size()));
    summary.mean_wait = mean_wait(outcome);
    summary.median_wait = percentile(waits, 0.5);
    summary.p95_wait = percentile(std::move(waits), 0.95);
    summary.mean_bounded_slowdown = mean_bounded_slowdown(outcome);
    const double baseline_slowdown = mean_bounded_slowdown(baseline);
    summary.slowdown_change = 100 * (summary.mean_bounded_slowdown / baseline_slowdown - 1);
    summary.added_delay = summary.mean_wait - mean_wait(baseline);
    double cycles = policy.oracle ? oracle.cycles : 0;
    if (!policy.oracle) {
        for (const int node : outcome.power_cycles) cycles += node;
    }
    summary.cycles_per_node = cycles / std::max(1, outcome.nodes);
    summary.events = policy.oracle ? 0 : outcome.events;
    summary.simulated_seconds = outcome.end - outcome.begin;
    for (std::size_t state = 0; state < kNodePowers; ++state)
        summary.node_hours[state] = outcome.node_seconds[state] / 3600;
    return summary;
}

std::vector<Summary> average(const std::vector<std::vector<Summary>>& replicas) {
    if (replicas.size() <= 1) return replicas.empty() ? std::vector<Summary>{} : replicas.front();
    const auto n = static_cast<double>(replicas.size());
    std::vector<Summary> out(replicas.front().size());
    for (std::size_t i = 0; i < out.size(); ++i) {
        Summary& mean = out[i];
        mean.policy = replicas.front()[i].policy;
        mean.replicas = static_cast<int>(replicas.size());
        double events = 0;
        double seconds = 0;
        for (const auto& replica : replicas) {
            const Summary& s = replica[i];
            for (auto [sum, value] : {std::pair{&mean.kwh, s.kwh},
                                      {&mean.saved_kwh, s.saved_kwh},
                                      {&mean.saved_percent, s.saved_percent},
                                      {&mean.oracle_share, s.oracle_share},
                                      {&mean.mean_wait, s.mean_wait},
                                      {&mean.median_wait, s.median_wait},
                                      {&mean.p95_wait, s.p95_wait},
                                      {&mean.mean_bounded_slowdown, s.mean_bounded_slowdown},
                                      {&mean.median_bounded_slowdown, s.median_bounded_slowdown},
                                      {&mean.p95_bounded_slowdown, s.p95_bounded_slowdown},
                                      {&mean.slowdown_change, s.slowdown_change},
                                      {&mean.added_delay, s.added_delay},
                                      {&mean.cycles_per_node, s.cycles_per_node},
                                      {&mean.waited_for_boot, s.waited_for_boot}}) {
                *sum += value / n;
            }
            for (std::size_t state = 0; state < kNodePowers; ++state) mean.node_hours[state] += s.node_hours[state] / n;
            events += static_cast<double>(s.events) / n;
            seconds += static_cast<double>(s.simulated_seconds) / n;
        }
        mean.events = static_cast<std::int64_t>(std::llround(events));
        mean.simulated_seconds = static_cast<Seconds>(std::llround(seconds));
        double squares = 0;
        for (const auto& replica : replicas) {
            squares += std::pow(replica[i].slowdown_change - mean.slowdown_change, 2);
        }
        mean.slowdown_change_sd = std::sqrt(squares / (n - 1));
    }
    return out;
}

std::string recommend(const std::vector<Summary>& summaries, double max_change) {
    const Summary* best = nullptr;
    const Summary* cheapest = nullptr;
    for (const Summary& s : summaries) {
        if (s.policy == "never" || s.policy == "oracle") continue;
        if (s.slowdown_change < max_change && (best == nullptr || s.saved_kwh > best->saved_kwh)) best = &s;
        if (cheapest == nullptr || s.slowdown_change < cheapest->slowdown_change) cheapest = &s;
    }
    if (cheapest == nullptr) return "";
    std::string out =
        best != nullptr
            ? fmt::format(
                  "Within {:+.0f}% bounded slowdown, {} saves the most: {:.1f}% of the energy, {:.1f}% of what "
                  "the oracle saves, for {:+.1f}%.\n",
                  max_change, best->policy, best->saved_percent, best->oracle_share, best->slowdown_change)
            : fmt::format(
                  "None of these policies stays within {:+.0f}% bounded slowdown; {} comes closest: {:+.1f}% "
                  "for {:.1f}% of the energy.\n",
                  max_change, cheapest->policy, cheapest->slowdown_change, cheapest->saved_percent);
    if (cheapest->replicas == 1) {
        out +=
            "One run: a few seconds' difference in submissions moves a busy cluster's slowdown by several per cent; "
            "--replicas 10 tells a policy's effect from chance.\n";
    }
    return out;
}

std::string format_table(const std::vector<Summary>& summaries) {
    std::string out = fmt::format("{:<24} {:>12} {:>8} {:>9} {:>10} {:>10} {:>10} {:>9} {:>12} {:>10} {:>12}\n",
                                  "policy", "energy kWh", "saved", "of oracle", "mean wait", "p95 wait", "added",
                                  "mean bsld", "bsld change", "boot-hit", "cycles/node");
    for (const Summary& s : summaries) {
        const std::string change = s.replicas > 1
                                       ? fmt::format("{:+.1f}±{:.1f}%", s.slowdown_change, s.slowdown_change_sd)
                                       : fmt::format("{:+.1f}%", s.slowdown_change);
        out += fmt::format(
            "{:<24} {:>12.0f} {:>7.1f}% {:>8.1f}% {:>10} {:>10} {:>10} {:>9.2f} {:>12} {:>9.1f}% {:>12.1f}\n", s.policy,
            s.kwh, s.saved_percent, s.oracle_share, hours(s.mean_wait), hours(s.p95_wait), hours(s.added_delay),
            s.mean_bounded_slowdown, change, s.waited_for_boot, s.cycles_per_node);
    }
    return out;
}

std::string format_json(const std::vector<Summary>& summaries) {
    nlohmann::json list = nlohmann::json::array();
    for (const Summary& s : summaries) {
        nlohmann::json hours_by_state = nlohmann::json::object();
        for (std::size_t state = 0; state < kNodePowers; ++state) {
            hours_by_state[std::string(to_string(static_cast<NodePower>(state)))] = s.node_hours[state];
        }
        list.push_back({{"policy", s.policy},
                        {"energy_kwh", s.kwh},
                        {"saved_kwh", s.saved_kwh},
                        {"saved_percent", s.saved_percent},
                        {"oracle_share_percent", s.oracle_share},
                        {"mean_wait_s", s.mean_wait},
                        {"median_wait_s", s.median_wait},
                        {"p95_wait_s", s.p95_wait},
                        {"mean_bounded_slowdown", s.mean_bounded_slowdown},
                        {"median_bounded_slowdown", s.median_bounded_slowdown},
                        {"p95_bounded_slowdown", s.p95_bounded_slowdown},
                        {"bounded_slowdown_change_percent", s.slowdown_change},
                        {"bounded_slowdown_change_sd", s.slowdown_change_sd},
                        {"replicas", s.replicas},
                        {"added_delay_s", s.added_delay},
                        {"cycles_per_node", s.cycles_per_node},
                        {"waited_for_boot_percent", s.waited_for_boot},
                        {"node_hours", hours_by_state},
                        {"events", s.events},
                        {"simulated_seconds", s.simulated_seconds}});
    }
    return list.dump(2) + "\n";
}

}  // namespace slumber::sim
