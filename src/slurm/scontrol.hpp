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

#include "slurm/client_conf.hpp"
#include "slurm/controllers.hpp"
#include "slurm/slurm_view.hpp"

namespace slumber::slurm {

class Scontrol final : public SlurmView {
  public:
    /// scontrol from `bin_dir`, talking to the cluster of `conf`.
    Scontrol(std::filesystem::path bin_dir, std::filesystem::path conf)
        : m_program((bin_dir / "scontrol").string()), m_conf(std::move(conf)) {}

    [[nodiscard]] std::expected<std::vector<NodeState>, std::string> nodes() const override;
    [[nodiscard]] std::expected<std::vector<Reservation>, std::string> reservations() const override;
    /// Arguments go to scontrol as they are, never through a shell.
    [[nodiscard]] std::expected<void, std::string> update(const std::string& hostlist, const std::string& state,
                                                          const std::string& reason = {}) const override;
    /// Never through a shell.
    [[nodiscard]] std::expected<void, std::string> call(const ScontrolCall& arguments) const override;
    /// From now on, Slurm's commands read a copy of slurm.conf without its
    /// node and partition definitions at `file` (client_conf.hpp: a tenth
    /// of the work at 10,000 nodes), which this process keeps up to date
    /// (`writes`, the daemon) or only uses while it is. Copies of this
    /// object share it.
    void use_client_conf(std::filesystem::path file, bool writes) {
        m_client = std::make_shared<ClientConf>(m_conf, std::move(file), writes);
    }
    /// `scontrol --version`: the release of Slurm's commands, which on the
    /// head node is slurmctld's. Asked once; the answer is kept for the
    /// life of this object (an upgrade of Slurm restarts the daemon anyway).
    [[nodiscard]] std::expected<Version, std::string> version() const override;
    /// `scontrol ping`: every controller of slurm.conf and whether it
    /// answers (controllers.hpp). An error when none answers (scontrol then
    /// exits 1) or the output is not Slurm's.
    [[nodiscard]] std::expected<std::vector<ControllerPing>, std::string> ping() const;
    /// `scontrol show config`, as text.
    [[nodiscard]] std::expected<std::string, std::string> show_config() const;
    /// The power-saving rules in force (show config), or from the file of
    /// `conf` when slurmctld does not answer; an error only when neither
    /// can be read.
    [[nodiscard]] std::expected<PowerSaveRules, std::string> power_save_rules() const override;

  private:
    /// scontrol with SLURM_CONF; an error naming the file, at once, when it
    /// cannot be read, since scontrol then waits for a controller forever
    /// (seen with 22.05 and 24.11) and would only time out.
    [[nodiscard]] std::expected<std::string, std::string> run(const std::vector<std::string>& argv) const;
    /// Why scontrol cannot read `[slurm] conf` (the file, and the system's
    /// error); nothing when it can.
    [[nodiscard]] std::optional<std::string> unreadable_conf() const;

    std::string m_program;
    std::filesystem::path m_conf;
    std::shared_ptr<ClientConf> m_client;
    // Shared by copies: the daemon hands one Scontrol to several threads.
    struct VersionCache {
        std::mutex mutex;
        std::optional<Version> version;
    };
    std::shared_ptr<VersionCache> m_version = std::make_shared<VersionCache>();
};

}  // namespace slumber::slurm
