// The simulation over time, for people: a CSV of the cluster's samples
// (one row per policy and moment) and an SVG plot of powered-on nodes and
// energy used for each policy, to look at rather than read.
#pragma once

#include <string>
#include <vector>

#include "sim/simulator.hpp"

namespace slumber::sim {

struct Run {
    std::string policy;
    const Outcome* outcome = nullptr;  ///< with its series
};

/// "policy,seconds,days,powered_on,off,booting,…,watts,kwh": seconds from
/// the first submission, kWh used since then.
std::string format_csv(const std::vector<Run>& runs);

/// "policy,job,submit,start,wait,boot_wait,run,nodes,processors,
/// bounded_slowdown": each job of `trace` as each run placed it, to find
/// which jobs a policy hurt.
std::string format_jobs_csv(const std::vector<Run>& runs, const Trace& trace);

/// Three panels sharing the time axis: powered-on nodes and power drawn
/// (averaged over each plotted step), and the energy saved so far against
/// the first run (never switching off), one line per policy. Runs share their sampling step and
/// span. Self-contained SVG 1.1.
std::string render_svg(const std::vector<Run>& runs, const std::string& title);

/// A sampling step that gives at most `samples` samples over `span`: a
/// round duration (1 min, 5 min, 15 min, 1 h, 6 h, 1 day, a week).
Seconds sampling_step(Seconds span, int samples);

}  // namespace slumber::sim
