// The discrete-event simulator: a trace's jobs on a cluster of nodes,
// scheduled first come first served with EASY backfill on their requested
// times (as Slurm's backfill does in the common case), nodes switched off by
// the engine's idle policy and woken by the jobs that need them, each node's
// energy integrated over its power states. Deterministic: the same trace and
// settings give the same result, bit for bit.
#pragma once

#include <array>
#include <expected>
#include <string>
#include <vector>

#include "engine/idle_policy.hpp"
#include "engine/pacing.hpp"
#include "sim/power_model.hpp"
#include "sim/trace.hpp"

namespace slumber::sim {

/// How jobs take nodes. Whole nodes: a job of P processors takes
/// ceil(P / cores) nodes to itself (Slurm's --exclusive, or select/linear).
/// Processors: jobs share nodes core by core (select/cons_tres), packed onto
/// nodes already in use so that the others can sleep; a node draws busy
/// power while any job runs on it.
enum class Allocation { whole_nodes, processors };

struct Settings {
    int nodes = 0;           ///< 0: MaxProcs / cores_per_node (the trace's MaxNodes with one core)
    int cores_per_node = 1;  ///< processors per node
    Allocation allocation = Allocation::whole_nodes;
    PowerModel model;
    engine::IdlePolicy policy;
    /// The daemon's limits on power-ons ([daemon] max_booting,
    /// boots_per_minute): nodes wait, off, for their turn to boot.
    engine::PacingPolicy pacing;
    /// Account energy up to this time (from the trace's start) even after
    /// the last job, so that policies compare over the same span; 0: until
    /// the last job ends.
    Seconds horizon = 0;
    /// Record the nodes in each state and the energy so far this often; 0:
    /// no time series.
    Seconds sample_every = 0;
};

struct JobOutcome {
    Seconds submit = 0;
    Seconds start = 0;  ///< when it ran: its nodes all up
    Seconds run = 0;
    int nodes = 0;          ///< the nodes it ran on
    int cores = 0;          ///< the processors it held
    Seconds boot_wait = 0;  ///< of its wait, for nodes to boot once it had them
};

/// The cluster at one moment: nodes in each state, and the energy used
/// since the start.
struct Sample {
    Seconds time = 0;
    std::array<int, kNodePowers> nodes{};  ///< by NodePower
    double joules = 0;
    double watts = 0;  ///< drawn at that moment

    [[nodiscard]] int powered_on() const;  ///< in any state but off
};

struct Outcome {
    std::vector<JobOutcome> jobs;  ///< in the trace's order
    Seconds begin = 0;             ///< the first submit
    Seconds end = 0;               ///< the horizon, or the last job's end
    int nodes = 0;
    std::array<double, kNodePowers> joules{};        ///< by NodePower
    std::array<double, kNodePowers> node_seconds{};  ///< by NodePower
    std::vector<int> power_cycles;                   ///< per node: switched off and on again
    /// Every spell a node spent idle, whole (from the moment it became idle
    /// to the moment it was allocated, switched off or the end): what an
    /// oracle could have slept through.
    std::vector<Seconds> idle_gaps;
    std::vector<Sample> series;  ///< every sample_every from begin, if asked for
    std::int64_t events = 0;

    [[nodiscard]] double total_joules() const;
};

/// The whole nodes a job takes: as its log says, else its processors over
/// the cores per node.
int nodes_for(const Job& job, const Settings& settings);

/// The cluster's node count: as the settings say, else from the trace's
/// header. Fails when neither says.
std::expected<int, std::string> cluster_size(const Trace& trace, const Settings& settings);

/// The jobs that do not fit on a cluster of `nodes`, by line.
std::vector<TraceProblem> jobs_too_large(const Trace& trace, const Settings& settings, int nodes);

/// Runs the trace. Fails when the settings do not fit it (no nodes, a job
/// larger than the cluster).
std::expected<Outcome, std::string> simulate(const Trace& trace, const Settings& settings);

/// Runs the trace once under each policy (replacing settings.policy) and
/// accounts every run up to the latest end of any, the policies still at
/// work after the last job, so that their energies compare.
std::expected<std::vector<Outcome>, std::string> simulate_each(const Trace& trace, const Settings& settings,
                                                               const std::vector<engine::IdlePolicy>& policies);

}  // namespace slumber::sim
