// The system accounts a virtual cluster "as sites run it" needs: SlurmUser
// (`slurm`, as Debian's slurm-wlm packages create it) and `munge`.
#pragma once

#include <sys/types.h>

#include <expected>
#include <string>
#include <vector>

namespace slumber::vcluster {

/// A user to run a process as: its IDs and supplementary groups, looked up
/// before any fork (a forked child of a threaded process must not look up).
struct Account {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
};

/// The system account `name`, created as Debian's packages create theirs when
/// it does not exist yet (a system user with its own group, home
/// /nonexistent, shell /usr/sbin/nologin).
std::expected<Account, std::string> system_account(const std::string& name);

}  // namespace slumber::vcluster
