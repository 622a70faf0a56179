// The journal as every slumber process opens it: made, when missing, shared
// with SlurmUser's group, whoever makes it (a hook, the daemon, an admin's
// `slumber journal` or `slumber status`), so that the hooks can write it.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <optional>

#include "config/config.hpp"
#include "store/journal.hpp"

namespace slumber::operate {

/// SlurmUser's primary group (slurm::find_slurm_user: `scontrol show config`,
/// else slurm.conf); nothing when SlurmUser is root or cannot be found, and
/// `why` then says what was found.
std::optional<gid_t> slurm_user_group(const config::SlurmSettings& slurm, std::string* why = nullptr);

/// The journal of `daemon`'s state directory, opened, or made and shared with
/// slurm_user_group() when it does not exist yet.
store::DbResult<store::Journal> open_journal(const config::DaemonSettings& daemon, const config::SlurmSettings& slurm);

/// For a reader that must record a block (blocks.hpp) now and then: the
/// journal `file` opened for writing when first asked for, and only when
/// it exists (never made); null when it does not, or cannot be opened so
/// (this user may not write it). Opened once, kept by the function.
std::function<store::Journal*()> writer_when_needed(std::filesystem::path file);

}  // namespace slumber::operate
