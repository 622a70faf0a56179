// A global option of slurm.conf, read from the file the way slurmctld reads
// it: keys case-insensitive, '#' starts a comment, the last setting wins.
// Enough for the few options slumber needs without a running slurmctld
// (SlurmUser); not a full parser (includes and node lines are not followed).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace slumber::slurm {

std::optional<std::string> conf_option(std::string_view text, std::string_view key);

/// SlurmUser from the file, "root" when unset (Slurm's default); nothing if
/// the file cannot be read.
std::optional<std::string> slurm_user(const std::filesystem::path& slurm_conf);

/// ResumeTimeout from the file in seconds, 60 when unset (slurm.conf(5),
/// 22.05 to 24.11); nothing if the file cannot be read or the value is not
/// a number of seconds (INFINITE, from 25.05: Slurm never gives up).
std::optional<std::chrono::seconds> resume_timeout(const std::filesystem::path& slurm_conf);

}  // namespace slumber::slurm
