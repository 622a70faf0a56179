// SlurmUser: the account slurmctld runs as, and so the account Slurm runs
// the hooks as (slurm.conf(5): SuspendProgram … "executed as SlurmUser").
// slumber shares its journal with that account's group.
#pragma once

#include <sys/types.h>

#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "slurm/scontrol.hpp"

namespace slumber::slurm {

struct SlurmUser {
    std::string name;  ///< as the account database names it
    uid_t uid = 0;
    gid_t gid = 0;       ///< its primary group: the journal's group
    std::string source;  ///< where it was read: "scontrol show config", or slurm.conf's path
};

/// The UID in `scontrol show config`'s "SlurmUser = slurm(64030)" line:
/// the number in parentheses, which is there for a name as for a numeric
/// SlurmUser ("64030(64030)"; seen on 22.05.8). Nothing without that line.
std::optional<uid_t> parse_slurm_user_uid(std::string_view show_config);

/// SlurmUser as slurmctld runs it: slurm.conf's SlurmUser line, Include
/// lines followed (root when unset), a name or a number; only when that
/// file cannot be read (a configless node), `scontrol show config`. The
/// file first, since it cannot keep a caller waiting: with no slurmctld in
/// control, scontrol answers after SlurmctldTimeout at best, and a daemon
/// starting then stayed deaf to the hooks that long (docs/ha.md). Resolved
/// to its account; an error says why not.
std::expected<SlurmUser, std::string> find_slurm_user(const Scontrol& scontrol,
                                                      const std::filesystem::path& slurm_conf);

}  // namespace slumber::slurm
