// The Slurm adapter's hands: reads node state and asks slurmctld for state
// changes through scontrol, so that Slurm's own rules apply to every change.
#pragma once

#include <expected>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "slurm/dialect.hpp"
#include "slurm/node_state.hpp"
#include "slurm/power_save.hpp"

namespace slumber::slurm {

class Scontrol {
  public:
    /// scontrol from `bin_dir`, talking to the cluster of `conf`.
    Scontrol(std::filesystem::path bin_dir, std::filesystem::path conf)
        : m_program((bin_dir / "scontrol").string()), m_conf(std::move(conf)) {}

    [[nodiscard]] std::expected<std::vector<NodeState>, std::string> nodes() const;
    /// `scontrol update NodeName=HOSTLIST State=STATE [Reason=…]`: RESUME,
    /// POWER_DOWN, POWER_UP, DRAIN, UNDRAIN. Arguments go to scontrol as
    /// they are, never through a shell.
    [[nodiscard]] std::expected<void, std::string> update(const std::string& hostlist, const std::string& state,
                                                          const std::string& reason = {}) const;
    /// Any call (the arguments after "scontrol", e.g. from
    /// still_up_calls()), never through a shell.
    [[nodiscard]] std::expected<void, std::string> call(const ScontrolCall& arguments) const;
    /// `scontrol --version`: the release of Slurm's commands, which on the
    /// head node is slurmctld's. Asked once; the answer is kept for the
    /// life of this object (an upgrade of Slurm restarts the daemon anyway).
    [[nodiscard]] std::expected<Version, std::string> version() const;
    /// The release's words for a power request (slurm::power_call()),
    /// `kOldestSupported`'s when the version cannot be read.
    [[nodiscard]] std::expected<void, std::string> power(PowerRequest request, const std::string& hostlist) const;
    /// `scontrol show config`, as text.
    [[nodiscard]] std::expected<std::string, std::string> show_config() const;
    /// The power-saving rules in force (show config), or from the file of
    /// `conf` when slurmctld does not answer; an error only when neither
    /// can be read.
    [[nodiscard]] std::expected<PowerSaveRules, std::string> power_save_rules() const;

  private:
    std::string m_program;
    std::filesystem::path m_conf;
    // Shared by copies: the daemon hands one Scontrol to several threads.
    struct VersionCache {
        std::mutex mutex;
        std::optional<Version> version;
    };
    std::shared_ptr<VersionCache> m_version = std::make_shared<VersionCache>();
};

}  // namespace slumber::slurm
