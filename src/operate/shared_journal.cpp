#include "operate/shared_journal.hpp"

#include <memory>
#include <system_error>

#include "slurm/scontrol.hpp"
#include "slurm/slurm_user.hpp"

namespace slumber::operate {

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

std::function<store::Journal*()> writer_when_needed(std::filesystem::path file) {
    auto opened = std::make_shared<std::optional<store::DbResult<store::Journal>>>();
    return [file = std::move(file), opened]() -> store::Journal* {
        if (!*opened) {
            std::error_code error;
            *opened = std::filesystem::exists(file, error) ? store::Journal::open(file)
                                                           : std::unexpected(std::string("no journal"));
        }
        return **opened ? &***opened : nullptr;
    };
}

}  // namespace slumber::operate
