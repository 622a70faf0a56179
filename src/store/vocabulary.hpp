// The journal's vocabularies: each an enum with its words in one table
// (vocabulary.cpp). Every writer names an event kind or an outcome by its
// enum, never by a string literal, and the journal's queries match these
// columns, never the prose of a detail, so that rewording a message cannot
// change a drain or retry decision. The words are what the journal stores
// and what `slumber journal` prints; changing one is a schema change
// (journal.cpp, migrations).
//
// The other vocabularies the journal stores have their tables beside their
// enums: power::Action (power/driver.hpp), power::ErrorKind
// (power/result.hpp), RequestState (journal.hpp).
#pragma once

#include <array>
#include <optional>
#include <string_view>

#include "power/driver.hpp"

namespace slumber::store {

/// What an event reports. Every kind a writer uses is here; `unknown` stands
/// for a word this version does not know (a row written by a newer one).
enum class EventKind {
    requested,    ///< a power request was journaled (add_requests)
    power_on,     ///< a power-on was carried out (its outcome says how it went)
    power_off,    ///< a power-off was carried out
    shutdown,     ///< a soft (ACPI) shutdown was carried out
    power_cycle,  ///< a power cycle was carried out
    status,       ///< a power status read was carried out
    refused,      ///< a request refused before any BMC was called
    failed,       ///< a power call that could not be made or did not work
    /// A request held back, still pending: a power-on by [daemon]
    /// max_booting / boots_per_minute or the thermal guard; a power change
    /// of a node whose BMC address is being judged (crossed addresses).
    paced,
    drained,        ///< slumber drained the node in Slurm after a blocked power-on
    registered,     ///< slurmd registered after a power-on of slumber's
    resume_failed,  ///< a resume that failed (Slurm's ResumeFailProgram, or slumber's boot deadline)
    diagnosis,      ///< why a boot failed, as far as slumber could tell
    recovery,       ///< a recovery step (engine::reconcile())
    power_lost,     ///< a step taken on an unplanned power loss
    returned,       ///< an admin returned a node slumber drained to service
    blocked,        ///< a target blocked after a failure that cannot heal
    unblocked,      ///< a block lifted
    restart,        ///< requests left running by a process that died were queued again
    slurm_view,     ///< what slumber told or asked Slurm (power-saving rules)
    /// slumber called `scontrol reconfigure` (after refused power-offs). From
    /// 23.11 it restarts slurmctld: the journal, not a process's memory,
    /// spaces them, since every hook's carrier is a process of its own.
    reconfigured,
    reconfigure_owed,  ///< a reconfigure postponed by that spacing, owed once it is over
    hook_note,         ///< a note from a Slurm hook
    hook_failed,       ///< a Slurm hook that could not do its work
    hook_config,       ///< a hook that could not load the configuration
    no_daemon,         ///< a hook found no daemon and carried the requests out itself
    carrier,           ///< a hook's carrier process (slumber carry)
    config_changed,    ///< the daemon saw its configuration file change
    reload,            ///< the daemon reloaded its configuration (SIGHUP)
    reload_refused,    ///< a reload refused: changes a running daemon cannot take
    daemon_start,
    daemon_stop,
    pruned,  ///< rows older than [journal] keep were removed
    /// The thermal guard began or stopped holding power-ons, or cannot see
    /// any temperature ([thermal]).
    thermal,
    /// `slumber doctor --verify-mapping` powered a node up through Slurm to
    /// check that its BMC starts it: what it asked, and what registered.
    mapping_check,
    /// Two nodes' BMC addresses look crossed, from what slumber's power
    /// changes did (engine/crossed.hpp); the detail names both and the
    /// evidence. Both are blocked and drained.
    crossed_suspected,
    /// The daemon began or stopped acting for the cluster: with two or more
    /// SlurmctldHost lines, only the daemon beside the acting slurmctld acts
    /// (docs/ha.md); the detail says which controller acts and why.
    controller_role,
    /// The daemon began acting for the cluster, with two or more
    /// SlurmctldHost lines (docs/ha.md): at its start, or when its
    /// controller took control again. What its journal holds from before is
    /// another period's, during which another daemon may have acted: failure
    /// streaks count from here (Journal::failure_streaks, failed_offs), its
    /// open boots were ended unmeasured (Journal::took_control), and no
    /// power-on carried out before it answers a wake. The detail says which
    /// controller acts and why, as controller_role's does.
    took_control,
    /// The daemon's first sight of a node whose power phase the journal
    /// did not know (no row that moves it, engine/power_phase.hpp): its
    /// `action` says what Slurm showed, `on` for a node up (responding,
    /// not powered down), `off` for one powered down. Without it, the
    /// readings of a node up since before slumber counted for no phase, and
    /// what sleeping it saved was reckoned against [simulate]'s idle figure
    /// rather than its own draw (a tester: 95 W against its meter's 180 W).
    first_seen,
    unknown,
};
/// The kinds of row that move a node's power phase (engine::phase_timeline()).
inline constexpr std::array<EventKind, 9> kPhaseEventKinds{
    EventKind::requested,  EventKind::power_on,    EventKind::power_off,
    EventKind::shutdown,   EventKind::power_cycle, EventKind::resume_failed,
    EventKind::registered, EventKind::power_lost,  EventKind::first_seen,
};
/// The word stored in the journal: "power-on", "resume-failed" …
std::string_view to_string(EventKind kind);
/// The kind a stored word stands for; nullopt for a word not in the table.
std::optional<EventKind> event_kind_from(std::string_view word);
/// The event that reports a carried-out `action`: power-on, power-off,
/// shutdown (soft), power-cycle, status.
EventKind event_kind(power::Action action);

/// How a power call, a request or a step ended.
enum class OutcomeKind {
    ok,       ///< it worked
    error,    ///< it was tried (or could not be) and failed: a BMC error, a blocked target
    refused,  ///< slumber refused it before calling anything: no driver, a rule
    /// Not carried out by this daemon because another controller's daemon
    /// acts (docs/ha.md): refused here, and not slumber's answer to what
    /// Slurm asked, which the acting daemon's recovery gives (a lost wake).
    handed_over,
};
std::string_view to_string(OutcomeKind kind);
std::optional<OutcomeKind> outcome_kind_from(std::string_view word);

/// Who asked for a power request (the requests table's source column).
/// A hook run by Slurm journals its requests as Slurm's; the same hook run
/// by a person in a shell (slurm::run_by_slurm() false) as theirs, so that
/// the journal never says "asked by slurm-resume" for a resume typed by
/// hand. `unknown` stands for a word this version does not know (a row
/// written by a newer one).
enum class RequestSource {
    slurm_resume,   ///< Slurm's ResumeProgram (`slumber resume`): a job or an admin waits for the node
    slurm_suspend,  ///< Slurm's SuspendProgram (`slumber suspend`)
    /// A reboot Slurm asked for through ResumeProgram (features a job
    /// needs, sbatch --reboot; slurm::resume_is_reboot()): carried out as a
    /// power cycle of a node that is on.
    slurm_reboot,
    hand_resume,   ///< `slumber resume` run by a person, not by Slurm
    hand_suspend,  ///< `slumber suspend` run by a person, not by Slurm
    recovery,      ///< a recovery step (engine::reconcile()), carried out as Slurm's resume would be
    unblock,       ///< `slumber unblock`: a node Slurm is still waking, asked for again
    /// `slumber power on|off|soft|cycle`: an admin's command, carried out by
    /// the command itself (Journal::start_requests()).
    hand_power,
    /// The web API on a node Slurm does not know (one Slurm knows goes
    /// through Slurm, and its hooks journal the request as Slurm's).
    web_api,
    unknown,
};
/// The word stored in the journal: "slurm-resume", "hand-suspend" …
std::string_view to_string(RequestSource source);
/// The source a stored word stands for; nullopt for a word not in the table.
std::optional<RequestSource> request_source_from(std::string_view word);

/// A recovery step (engine::reconcile()), journaled in its event's step
/// column: Journal::slumber_drains() reads that column and the outcome,
/// never the detail's words.
enum class StepKind {
    slurm_resume,  ///< scontrol update State=RESUME
    slurm_drain,   ///< scontrol update State=DRAIN Reason=…
    power_off,     ///< a journaled power request, carried out like Slurm's
    power_on,      ///< the same, to switch on
    /// scontrol update State=POWER_DOWN_FORCE, then State=RESUME once Slurm
    /// shows it powered down: back into Slurm's powered-down pool.
    slurm_power_down,
    forget_failures,  ///< journal only: its failure streak and power losses end here
    power_cycle,      ///< a journaled power request, off then on: a fresh boot for a node that is on
    /// journal only: Slurm is waking a node whose resume never reached this
    /// daemon and its BMC already says on (another controller's daemon, or
    /// a person, powered it on): slumber waits for it to register.
    adopt_boot,
};
/// "resume", "drain", "power-off", "power-on", "power-down", "forget",
/// "power-cycle", "adopt-boot": the words that begin the step's detail too.
std::string_view to_string(StepKind kind);
std::optional<StepKind> step_kind_from(std::string_view word);

}  // namespace slumber::store
