// Whether this daemon acts, when Slurm has more than one controller
// (docs/ha.md): a daemon runs beside each slurmctld, and only the one
// beside the slurmctld in control carries out requests and takes
// recovery steps; the others watch, ready to take over.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "engine/controller_role.hpp"
#include "slurm/scontrol.hpp"

namespace slumber::daemon {

/// With several controllers, how often a daemon asks which one is in
/// control (`scontrol ping`, a few hundred bytes): a failover (Slurm's
/// SlurmctldTimeout, 120 s by default) is followed within this long. Its
/// look at the nodes keeps its own pace (idle_poll while nothing is in
/// flux): at 10,000 nodes that is 6 MB of text, too much for every 5 s.
inline constexpr std::chrono::milliseconds kControllerLookMs{5000};

/// How long from `wall_ms` (Unix ms) to the next ping: at the next multiple
/// of kControllerLookMs of the wall clock, so that the daemons of all
/// controllers (their clocks synchronised, as Slurm's controllers need)
/// ping at the same instants and count a controller's silence alike. Each
/// counting from its own last answered ping, up to a ping apart, the old
/// acting daemon stood down 8 s after the other had decided to take
/// control, and both acted for 3 s (a tester).
std::chrono::milliseconds until_next_ping(std::int64_t wall_ms);

/// How early or late a regular ping may come (the daemon's loop looks every
/// 500 ms): the ping after "taking control" counts if this much early, and
/// a daemon gives up its own silent controller this much before
/// SlurmctldTimeout, so that it stands by no later than the other takes
/// control.
inline constexpr std::chrono::milliseconds kPingSlack{1000};

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
    /// Neither acting nor standing by: the slurmctld beside this daemon is
    /// in control, and the daemon that acted until now may not have seen
    /// it yet (it asks every kControllerLookMs too). This one then neither
    /// carries out requests nor hands them over; it acts from its next
    /// ping that still finds its slurmctld in control, at least
    /// kControllerLookMs later, so that no node is switched by both.
    [[nodiscard]] bool taking_control() const { return m_to_act_since.has_value(); }
    [[nodiscard]] const engine::ControllerRole& role() const { return m_role; }

    /// A change of role, as `update()` saw it.
    struct Change {
        engine::ControllerRole role;
        bool took_over = false;  ///< standing by before, acting now
        bool first = false;      ///< the daemon's first look
    };
    /// Asks `scontrol ping` (only when shared()) at `now` and returns the
    /// change of role, if any (taking_control() first, then acting). A
    /// controller in control keeps it until it
    /// has not answered for SlurmctldTimeout, as Slurm's backup decides
    /// (engine::ControlFollower); a ping that fails (scontrol cannot run,
    /// its output is garbage) is a ping nobody answered.
    std::optional<Change> update(const slurm::Scontrol& scontrol,
                                 std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

  private:
    ControllerWatch(std::vector<std::string> hosts, std::string self, std::chrono::milliseconds slurmctld_timeout)
        : m_hosts(std::move(hosts)),
          m_self(std::move(self)),
          m_follower(slurmctld_timeout.count(), kPingSlack.count()) {
        // Shared: nothing is carried out before the first ping says so.
        if (shared()) m_role = {false, "", "standing by until Slurm's controllers answer"};
    }

    std::vector<std::string> m_hosts;
    std::string m_self;
    engine::ControlFollower m_follower;
    engine::ControllerRole m_role{true, "", "the only controller"};
    bool m_looked = false;
    /// While taking control: since when (ms of steady_clock), and whether
    /// it started at the daemon's first ping (then acting is no takeover:
    /// nothing was handed over to this daemon).
    std::optional<std::int64_t> m_to_act_since;
    bool m_to_act_first = false;
};

}  // namespace slumber::daemon
