// Who ran a hook: Slurm, or a person (an admin trying it by hand). The
// journal must not say "asked by slurm-resume" for a resume typed in a shell.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace slumber::slurm {

/// Whether slurmctld runs this process, directly or through a site's wrapper
/// script: a process named slurmctld (22.05 forks the hooks from its
/// power-save thread) or slurmscriptd (23.02 and later run them from that
/// helper, a fork of slurmctld that renames itself) among its ancestors in
/// /proc. Environment variables would not tell: Slurm sets SLURM_CONF, and
/// so do admins.
bool run_by_slurm();

/// The name of the user this process runs as, or its UID in digits.
std::string user_name(uid_t uid);

}  // namespace slumber::slurm
