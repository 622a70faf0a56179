// Which daemon acts when Slurm has more than one controller (docs/ha.md):
// the one beside the slurmctld in control, as Slurm's own rule decides it
// (slurm.conf(5), SlurmctldHost and SlurmctldTimeout, 22.05 to 24.11; the
// backup's loop in src/slurmctld/backup.c): the first controller listed is
// the primary; a backup takes control only when every controller listed
// before it has not answered for SlurmctldTimeout; a controller listed
// earlier that answers again takes control back at once.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "slurm/controllers.hpp"

namespace slumber::engine {

struct ControllerRole {
    bool acting = false;
    /// The controller in control ("" when none is).
    std::string acting_host;
    /// In words, for the log, the journal and systemd's STATUS.
    std::string why;

    bool operator==(const ControllerRole&) const = default;
};

/// Follows, from one `scontrol ping` to the next, which controller is in
/// control. One ping alone cannot tell: a backup in standby answers pings
/// too, and a primary that misses one ping (busy, a packet lost) keeps
/// control until it has been silent for SlurmctldTimeout. Deciding from one
/// ping made the daemon beside the slurmctld in control refuse Slurm's
/// requests for a few seconds (a tester, 2026-12-02).
class ControlFollower {
  public:
    using TimeMs = std::int64_t;

    /// `slurmctld_timeout_ms`: Slurm's SlurmctldTimeout, in ms (> 0).
    /// `early_ms`: the daemon's own controller, in control and silent, is
    /// given up this much before SlurmctldTimeout, so that the daemon beside
    /// it stands by no later than the other daemon takes control, whose
    /// pings may come that much earlier or later (0 to early_ms <
    /// slurmctld_timeout_ms).
    explicit ControlFollower(TimeMs slurmctld_timeout_ms, TimeMs early_ms = 0)
        : m_timeout_ms(slurmctld_timeout_ms), m_early_ms(early_ms) {}

    /// The role of the daemon beside controller `self` (its SlurmctldHost
    /// name) after a ping at `now_ms` (a monotonic clock, ms). `pings`:
    /// every controller in Slurm's order and whether it answered; when
    /// scontrol itself failed, each unanswered, and `failure` says why.
    /// What the first ping finds unanswered counts as silent long enough
    /// (nothing is known from before the daemon started): its first
    /// answer is taken as it is.
    ///
    /// One controller or none listed: acting (nothing to share). `self`
    /// not among them: standing by, saying so, since acting on a guess
    /// could switch every node twice.
    ControllerRole update(std::span<const slurm::ControllerPing> pings, std::string_view self, TimeMs now_ms,
                          std::string_view failure = {});

    [[nodiscard]] TimeMs slurmctld_timeout_ms() const { return m_timeout_ms; }

  private:
    /// How long `host` has not answered at `now_ms`; 0 when it just did,
    /// and nullopt when it never has.
    [[nodiscard]] std::optional<TimeMs> silent_for(const std::string& host, TimeMs now_ms) const;

    TimeMs m_timeout_ms;
    TimeMs m_early_ms;
    std::map<std::string, TimeMs, std::less<>> m_last_answer;
    std::string m_in_control;
};

}  // namespace slumber::engine
