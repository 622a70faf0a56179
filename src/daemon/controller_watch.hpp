// Whether this daemon acts, when Slurm has more than one controller
// (docs/ha.md): a daemon runs beside each slurmctld, and only the one
// beside the slurmctld in control carries out requests and takes
// recovery steps; the others watch, ready to take over.
#pragma once

#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "engine/controller_role.hpp"
#include "slurm/scontrol.hpp"

namespace slumber::daemon {

class ControllerWatch {
  public:
    /// slurm.conf's controllers (`hosts`, in order), its SlurmctldTimeout
    /// (whole seconds; 120 when unset or unreadable, Slurm's default,
    /// slurm.conf(5) 22.05 to 24.11) and this daemon's controller ([daemon]
    /// controller, else this host's name up to its first dot). An error
    /// when there are several and this daemon's is none of them: standing
    /// by for good would leave nobody acting.
    static std::expected<ControllerWatch, std::string> make(const config::Config& config);

    /// slurm.conf names more than one controller.
    [[nodiscard]] bool shared() const { return m_hosts.size() > 1; }
    [[nodiscard]] const std::string& self() const { return m_self; }
    /// The same controllers, the same own one and the same SlurmctldTimeout:
    /// a reload that changed none keeps the role it knows.
    [[nodiscard]] bool same_controllers(const ControllerWatch& other) const {
        return m_hosts == other.m_hosts && m_self == other.m_self &&
               m_follower.slurmctld_timeout_ms() == other.m_follower.slurmctld_timeout_ms();
    }
    [[nodiscard]] bool acting() const { return m_role.acting; }
    [[nodiscard]] const engine::ControllerRole& role() const { return m_role; }

    /// A change of role, as `update()` saw it.
    struct Change {
        engine::ControllerRole role;
        bool took_over = false;  ///< standing by before, acting now
        bool first = false;      ///< the daemon's first look
    };
    /// Asks `scontrol ping` (only when shared()) at `now` and returns the
    /// change of role, if any. A controller in control keeps it until it
    /// has not answered for SlurmctldTimeout, as Slurm's backup decides
    /// (engine::ControlFollower); a ping that fails (scontrol cannot run,
    /// its output is garbage) is a ping nobody answered.
    std::optional<Change> update(const slurm::Scontrol& scontrol,
                                 std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

  private:
    ControllerWatch(std::vector<std::string> hosts, std::string self, std::chrono::milliseconds slurmctld_timeout)
        : m_hosts(std::move(hosts)), m_self(std::move(self)), m_follower(slurmctld_timeout.count()) {
        // Shared: nothing is carried out before the first ping says so.
        if (shared()) m_role = {false, "", "standing by until Slurm's controllers answer"};
    }

    std::vector<std::string> m_hosts;
    std::string m_self;
    engine::ControlFollower m_follower;
    engine::ControllerRole m_role{true, "", "the only controller"};
    bool m_looked = false;
};

}  // namespace slumber::daemon
