#include "daemon/shared_journal.hpp"

#include "slurm/slurm_user.hpp"

namespace slumber::daemon {

std::optional<gid_t> slurm_user_group(const config::SlurmSettings& slurm, std::string* why) {
    const slurm::Scontrol scontrol(slurm.bin_dir, slurm.conf);
    auto user = slurm::find_slurm_user(scontrol, slurm.conf);
    if (!user) {
        if (why != nullptr) *why = user.error();
        return std::nullopt;
    }
    if (user->uid == 0) {
        if (why != nullptr) *why = "SlurmUser is root";
        return std::nullopt;
    }
    return user->gid;
}

store::DbResult<store::Journal> open_journal(const config::DaemonSettings& daemon, const config::SlurmSettings& slurm) {
    return store::Journal::open(daemon.journal(), [&] { return slurm_user_group(slurm); });
}

}  // namespace slumber::daemon
