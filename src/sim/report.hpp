// What a simulation means to an admin: for each power policy, the energy
// used and saved (also as a share of what an oracle could save), how much
// longer jobs waited, and how often nodes were cycled; as a table or JSON.
#pragma once

#include <array>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "sim/simulator.hpp"

namespace slumber::sim {

/// Joules in a kilowatt-hour.
inline constexpr double kJoulesPerKwh = 3.6e6;

/// A policy as the command line names it: "never", "suspend-time=10m",
/// "keep-warm=4,10m" (4 nodes stay on, the others off after 10 minutes
/// idle), or "oracle".
struct NamedPolicy {
    std::string name;
    engine::IdlePolicy policy;
    bool oracle = false;
};
std::expected<NamedPolicy, std::string> parse_policy(std::string_view text);

/// max(1, (wait + run) / max(run, 10 s)): how much longer than its run a
/// job took, with very short jobs counted as 10 s (Feitelson's bound).
double bounded_slowdown(const JobOutcome& job);

/// The oracle: the never-off schedule with every idle gap longer than the
/// break-even slept through, the node back on just in time. No schedule
/// saves more on the same placement; it is the limit, not a policy.
struct Oracle {
    double saved_joules = 0;
    int cycles = 0;  ///< gaps slept through
};
Oracle oracle(const Outcome& baseline, const PowerModel& model);

struct Summary {
    std::string policy;
    double kwh = 0;
    double saved_kwh = 0;  ///< against never switching off
    double saved_percent = 0;
    double oracle_share = 0;  ///< saved / the oracle's saving, in percent
    double mean_wait = 0;     ///< seconds, boots included
    double median_wait = 0;
    double p95_wait = 0;
    double mean_bounded_slowdown = 0;  ///< max(1, (wait + run) / max(run, 10 s))
    double median_bounded_slowdown = 0;
    double p95_bounded_slowdown = 0;
    double slowdown_change = 0;     ///< against never-off, in percent
    double slowdown_change_sd = 0;  ///< its standard deviation over replicas
    double added_delay = 0;         ///< mean wait minus the never-off mean wait
    double cycles_per_node = 0;
    double waited_for_boot = 0;  ///< jobs that waited for a node to boot, in percent
    std::array<double, kNodePowers> node_hours{};
    std::int64_t events = 0;        ///< the simulation's, for benchmarks
    Seconds simulated_seconds = 0;  ///< the span accounted
    int replicas = 1;               ///< runs averaged
};

/// `outcome` summarized against the never-off `baseline` run of the same
/// trace over the same span.
Summary summarize(const NamedPolicy& policy, const Outcome& outcome, const Outcome& baseline, const Oracle& oracle);

/// The mean of each figure over replicas of the same policies (in the same
/// order), each replica's policies compared with its own never-off run; the
/// spread of the slowdown change between replicas.
std::vector<Summary> average(const std::vector<std::vector<Summary>>& replicas);

/// Which SuspendTime suits the site: of the policies that switch nodes off,
/// the one saving the most energy while adding less than `max_change`
/// percent to the mean bounded slowdown; said in a sentence, or that none
/// does and which costs least.
std::string recommend(const std::vector<Summary>& summaries, double max_change);

std::string format_table(const std::vector<Summary>& summaries);
std::string format_json(const std::vector<Summary>& summaries);

}  // namespace slumber::sim
