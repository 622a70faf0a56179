#include "sim/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "util/duration.hpp"

namespace slumber::sim {
namespace {

constexpr double kJoulesPerKwh = 3.6e6;
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

std::string hours(double seconds) {
    if (seconds < 60) return fmt::format("{:.0f}s", seconds);
    if (seconds < 3600) return fmt::format("{:.1f}m", seconds / 60);
    return fmt::format("{:.1f}h", seconds / 3600);
}

}  // namespace

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
    double slowdown = 0;
    for (const JobOutcome& job : outcome.jobs) {
        const auto wait = static_cast<double>(job.start - job.submit);
        const auto run = static_cast<double>(job.run);
        waits.push_back(wait);
        slowdown += std::max(1.0, (wait + run) / std::max(run, kSlowdownFloor));
    }
    const auto count = static_cast<double>(std::max<std::size_t>(1, outcome.jobs.size()));
    summary.mean_wait = mean_wait(outcome);
    summary.median_wait = percentile(waits, 0.5);
    summary.p95_wait = percentile(std::move(waits), 0.95);
    summary.mean_bounded_slowdown = slowdown / count;
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

std::string format_table(const std::vector<Summary>& summaries) {
    std::string out =
        fmt::format("{:<24} {:>12} {:>8} {:>9} {:>10} {:>10} {:>10} {:>9} {:>12}\n", "policy", "energy kWh", "saved",
                    "of oracle", "mean wait", "p95 wait", "added", "mean bsld", "cycles/node");
    for (const Summary& s : summaries) {
        out += fmt::format("{:<24} {:>12.0f} {:>7.1f}% {:>8.1f}% {:>10} {:>10} {:>10} {:>9.2f} {:>12.1f}\n", s.policy,
                           s.kwh, s.saved_percent, s.oracle_share, hours(s.mean_wait), hours(s.p95_wait),
                           hours(s.added_delay), s.mean_bounded_slowdown, s.cycles_per_node);
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
                        {"added_delay_s", s.added_delay},
                        {"cycles_per_node", s.cycles_per_node},
                        {"node_hours", hours_by_state},
                        {"events", s.events},
                        {"simulated_seconds", s.simulated_seconds}});
    }
    return list.dump(2) + "\n";
}

}  // namespace slumber::sim
