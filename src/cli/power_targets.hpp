// Shared by the `slumber power` verbs: the command line's options, the
// targets it names with a driver for each, and ipmipower-style grouping.
#pragma once

#include <expected>
#include <string>
#include <utility>
#include <vector>

#include "cli/exit_code.hpp"
#include "config/config.hpp"
#include "service/power_action.hpp"

namespace slumber::cli {

struct PowerOptions {
    std::string action;
    std::string targets;
    std::string file{config::kDefaultPath};
    bool json = false;
    int fanout = 64;
    bool wait = false;
    std::string wait_timeout = "2m";
    bool without_slurm = false;  ///< power off although Slurm cannot say whether a node runs a job
};

using PowerTargets = service::PowerTargets;

/// The targets named on the command line, or the exit code for why there
/// are none (bad hostlist or fan-out, bad config, names not in it), said on
/// standard error.
std::expected<PowerTargets, ExitCode> resolve_targets(const PowerOptions& options);

/// Lines with identical text as one hostlist, in the order the texts first
/// appear: "vnode[002-004]: on".
void print_grouped(const std::vector<std::pair<std::string, std::string>>& lines);

/// `slumber power info`: identity, GUID, power draw and sensors per target.
int run_power_info(const PowerOptions& options, PowerTargets& targets);

}  // namespace slumber::cli
