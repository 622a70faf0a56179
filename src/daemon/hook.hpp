// Slurm's SuspendProgram, ResumeProgram and ResumeFailProgram. Slurm runs
// them as SlurmUser with a near-empty environment and discards their output,
// so a hook records the request in the journal first, wakes the daemon and
// returns; with no daemon running it carries the request out itself.
//
// A hook never decides about nodes while a daemon runs: it journals what
// Slurm asked, and the daemon decides with the configuration it runs (which
// an admin reloads with SIGHUP). Only a hook that finds no daemon decides,
// with the file as it is then.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "slurm/hook.hpp"

namespace slumber::daemon {

using slurm::Hook;

/// A hook's error, for whoever can see it: standard error (an admin who runs
/// the hook by hand) and syslog, facility daemon, priority err, ident
/// slumber-suspend, slumber-resume or slumber-resume-fail, because Slurm
/// never shows a hook's output (22.05 runs hooks with descriptors 0-2
/// closed; later releases discard what they print). What can be journaled
/// is journaled as well.
void report_hook_error(Hook hook, std::string_view text);

/// Exit code: 0 when the request is safely journaled (and carried out, if
/// the hook had to), 1 otherwise. Everything worth knowing is journaled.
/// `config` may be loaded without credentials (config::LoadOptions): a hook
/// that finds no daemon loads config.file again, in full, to carry the
/// request out.
/// `features`: ResumeProgram's second argument, the node features a job
/// needs (slurm.conf(5) ResumeProgram, with a node_features plugin: Slurm
/// runs `ResumeProgram <hostlist> <features>` to reboot nodes into them);
/// journaled with the request, which is carried out as any power-on.
int run_hook(Hook hook, std::string_view hostlist, const config::Config& config, std::string_view features = {});

/// The hook when its configuration `file` does not load (`errors`, from
/// config::load). The request still goes into the journal named by the
/// file's [daemon] state_dir (config::state_dir_of), if that journal exists,
/// with a "hook-config" event saying why, and the daemon is woken: it decides
/// with the configuration it runs. Exit code 0 when a daemon was woken; 1
/// otherwise (no daemon: the request waits in the journal for one; no
/// journal: nothing is recorded, and stderr says so).
int run_hook_unconfigured(Hook hook, std::string_view hostlist, const std::filesystem::path& file,
                          std::span<const config::ConfigError> errors, std::string_view features = {});

}  // namespace slumber::daemon
