// Slurm's SuspendProgram, ResumeProgram and ResumeFailProgram. Slurm runs
// them as SlurmUser with a near-empty environment and discards their output,
// so a hook records the request in the journal first, wakes the daemon and
// returns; with no daemon running it carries the request out itself.
#pragma once

#include <string>
#include <string_view>

#include "config/config.hpp"
#include "slurm/hook.hpp"

namespace slumber::daemon {

using slurm::Hook;

/// Exit code: 0 when the request is safely journaled (and carried out, if
/// the hook had to), 1 otherwise. Everything worth knowing is journaled.
int run_hook(Hook hook, std::string_view hostlist, const config::Config& config);

}  // namespace slumber::daemon
