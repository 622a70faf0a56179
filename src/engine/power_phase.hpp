// A node's power phase, derived from its journal rows by a pure function:
// the journal is the only store of state, and metrics or a dashboard get
// "time in each phase" from it without a second one.
//
// How each row moves the phase (rows of one node, oldest first):
//   requested on / cycle            -> powering_on (Slurm's resume, recovery, the CLI);
//                                      an `on` of a node booting or up leaves it there
//   requested off / soft            -> powering_off; of a node off, leaves it off
//   power-on, power-cycle ok        -> booting (the BMC switched it on; slurmd not registered yet)
//   power-off, shutdown ok          -> off
//   any of those four, error        -> failed; its request moved nothing before
//                                      (the machine stayed as it was until then)
//   registered                      -> up (slurmd registered after slumber's power-on)
//   resume-failed                   -> failed (Slurm's ResumeTimeout, slumber's boot deadline);
//                                      of a node off (its power-on never carried out), leaves it off
//   power-lost                      -> off (power lost behind slumber's back)
//   first-seen on / off             -> up / off (what Slurm showed when the daemon
//                                      first saw a node with none of these rows)
// A request that was not carried out changes nothing: a `refused` row, a
// `failed` one (a call that could not be made: a blocked target, a device it
// needs that did not come on) or a call whose outcome is `refused` withdraws
// its request: the request is taken out of the timeline, its `requested`
// row too, as if it had never been asked. A refusal of no journaled
// request (`slumber power off` of a node running a job, the web API's 409)
// leaves the phase where it is:
// what the node does is what slumber carried out, or what Slurm or the BMC
// showed, never what was merely asked. Every other row (paced, diagnosis,
// recovery, blocked, status …) leaves it where it is too. Before its first
// such row a node's phase is unknown.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "power/driver.hpp"
#include "store/vocabulary.hpp"

namespace slumber::engine {

using TimeMs = std::int64_t;

enum class PowerPhase { off, powering_on, booting, up, powering_off, failed };
/// "off", "powering-on", "booting", "up", "powering-off", "failed".
std::string_view to_string(PowerPhase phase);
inline constexpr std::size_t kPowerPhases = 6;

/// The columns of one journal event (store::Event) the phase reads.
struct PhaseRow {
    TimeMs time = 0;  ///< ms since the epoch
    store::EventKind kind = store::EventKind::unknown;
    std::optional<store::OutcomeKind> outcome = std::nullopt;
    std::optional<power::Action> action = std::nullopt;
    std::optional<std::int64_t> request = std::nullopt;  ///< the request the row belongs to
};

/// A phase and when the node entered it.
struct PhaseChange {
    PowerPhase phase = PowerPhase::off;
    TimeMs since = 0;
};

/// One node's phases, oldest first, from its rows in journal order: an
/// entry each time the phase changes (a row that leaves it where it is
/// adds none).
std::vector<PhaseChange> phase_timeline(std::span<const PhaseRow> rows);

/// How long the node spent in each phase (indexed by PowerPhase), from its
/// first known phase until `until` (ms; a timeline's last phase lasts until
/// then). Time before the first phase, and after `until`, counts nowhere.
std::array<TimeMs, kPowerPhases> time_in_phases(std::span<const PhaseChange> timeline, TimeMs until);

}  // namespace slumber::engine
