// A global option of slurm.conf, read from the file the way slurmctld reads
// it: keys case-insensitive, '#' starts a comment, the last setting wins.
// Enough for the few options slumber needs without a running slurmctld
// (SlurmUser); conf_option() reads one file's text. slurm_user() and
// resume_timeout() follow Include lines (conf_file.hpp).
#pragma once

#include <chrono>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "slurm/power_save.hpp"

namespace slumber::slurm {

std::optional<std::string> conf_option(std::string_view text, std::string_view key);

/// SlurmUser from the file and the files it includes, "root" when unset
/// (Slurm's default); nothing if the file cannot be read.
std::optional<std::string> slurm_user(const std::filesystem::path& slurm_conf);

/// ResumeTimeout from the file and the files it includes, in seconds, 60
/// when unset (slurm.conf(5),
/// 22.05 to 24.11); nothing if the file cannot be read or the value is not
/// a number of seconds (INFINITE, from 25.05: Slurm never gives up).
std::optional<std::chrono::seconds> resume_timeout(const std::filesystem::path& slurm_conf);

/// The whole file, or nothing if it cannot be read (a directory cannot).
std::optional<std::string> read_conf(const std::filesystem::path& slurm_conf);

/// How slurm.conf's SuspendExcNodes and SuspendExcParts compare with
/// slumber's `[slurm] exclude`, for the nodes slumber manages. Slurm never
/// asks to suspend a node in SuspendExcNodes; slumber never powers off a
/// node in `exclude`. When they disagree, Slurm suspends a node slumber must
/// refuse (and then tell Slurm it is still up), again each SuspendTime.
struct ExclusionCheck {
    std::vector<std::string> only_in_slumber;  ///< excluded by slumber, suspended by Slurm
    std::vector<std::string> only_in_slurm;    ///< in SuspendExcNodes, not in `exclude`
    /// In a "nodes:N" group (slurm.conf(5), 23.02 and later): Slurm keeps
    /// only N of the group up and suspends the others, so they count as
    /// suspended for a node in `exclude`.
    std::vector<std::string> counted;
    std::string parts;  ///< SuspendExcParts as written: partitions are not compared
    std::string error;  ///< SuspendExcNodes could not be read (bad hostlist)

    [[nodiscard]] bool agrees() const { return only_in_slumber.empty() && only_in_slurm.empty() && error.empty(); }
    /// One line per finding, for the daemon's log and `slumber slurm-config`.
    [[nodiscard]] std::vector<std::string> describe() const;
};

/// `managed`: the nodes in slumber.toml; `exclude`: [slurm] exclude,
/// expanded; `conf_text`: slurm.conf.
ExclusionCheck compare_exclusions(const std::vector<std::string>& managed, const std::vector<std::string>& exclude,
                                  std::string_view conf_text);
/// The same with Slurm's rules as read (rules_from_show_config(): the
/// values in force).
ExclusionCheck compare_exclusions(const std::vector<std::string>& managed, const std::vector<std::string>& exclude,
                                  const PowerSaveRules& rules);

/// compare_exclusions() with the values in force: `show_config` is
/// `scontrol show config`'s output (Scontrol::show_config()), which has
/// read every Include file and holds what `scontrol update` or a
/// reconfigure set since. Each finding names where to fix it: slurm.conf's
/// SuspendExcNodes line ("FILE line N: …") when the value in force is the
/// file's, else the value in force and the file's, which differ (an
/// Include file, or scontrol update). Without an answer from slurmctld (an
/// error in `show_config`), check_exclusions() on the file, saying so.
std::vector<std::string> check_exclusions_in_force(const std::filesystem::path& slurm_conf,
                                                   const std::expected<std::string, std::string>& show_config,
                                                   const std::vector<std::string>& managed,
                                                   const std::vector<std::string>& exclude);

/// compare_exclusions() on the file: one line per finding, each naming the
/// file; a file that cannot be read is a finding too.
std::vector<std::string> check_exclusions(const std::filesystem::path& slurm_conf,
                                          const std::vector<std::string>& managed,
                                          const std::vector<std::string>& exclude);

}  // namespace slumber::slurm
