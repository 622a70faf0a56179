// The daemon's recovery loop: gathers what Slurm, the BMCs and the journal
// say about the managed nodes, asks the engine what to do, and does it —
// through Slurm (scontrol) for service state and through the journal for
// power, so every step is durable and journaled with its reason.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "engine/recovery.hpp"
#include "operate/bmc_reads.hpp"
#include "operate/carrier.hpp"
#include "operate/clock.hpp"
#include "operate/crossed_watch.hpp"
#include "slurm/slurm_view.hpp"
#include "store/journal.hpp"

namespace slumber::operate {

/// Boot times (power-on to registration) from the journal's boots of
/// `nodes`, per node and for all together (engine::boot_stats()).
std::vector<engine::BootStats> measured_boots(const store::Journal& journal, const std::vector<std::string>& nodes);

/// The boot deadline for these settings, Slurm's ResumeTimeout (read from
/// slurm.conf; 60 s when unset or unreadable) and the journal's boots
/// (engine::boot_deadline()); `why` says where it came from, for the log.
engine::TimeMs boot_deadline(const config::Config& config, const store::Journal& journal, std::string& why);

/// The crossed-address watch's windows for `config` (crossed_windows()),
/// boot_deadline() standing for a ResumeTimeout of INFINITE.
engine::CrossedWindows crossed_windows(const config::Config& config, const store::Journal& journal);

class Reconciler {
  public:
    /// `clock`: the one the carrier reads too (Clock::wall_ms(): every time
    /// the reconciler keeps or journals, in Unix ms; read on the BMC read
    /// workers too); it must outlive the reconciler. `reader`: how BMCs are
    /// read, on a worker (BmcReads); tests give their own.
    Reconciler(config::SharedConfig config, store::Journal& journal, const slurm::SlurmView& slurm,
               Clock& clock = system_clock(), PowerReader reader = bmc_power_reader());
    Reconciler(const config::Config& config, store::Journal& journal, const slurm::SlurmView& slurm,
               Clock& clock = system_clock(), PowerReader reader = bmc_power_reader())
        : Reconciler(config::borrow(config), journal, slurm, clock, std::move(reader)) {}

    /// The configuration (and the recovery policy from it) of the next
    /// pass: a reload. What the reconciler remembers of each node stays.
    void reconfigure(config::SharedConfig config);

    /// One pass over Slurm's current view of the nodes. Returns the steps
    /// taken. It never waits for a BMC: the reads engine::needs_bmc() asks
    /// for are started on a worker, and a pass decides with the answers that
    /// have come since the last one (each as of when it came).
    std::expected<std::vector<engine::Step>, std::string> run(const std::vector<slurm::NodeState>& nodes);

    /// Waits for the BMC reads under way (each bounded by its BMC's
    /// timeouts): the daemon stops.
    void finish_reads() { m_reads.wait(); }

    /// The CPU the BMC reads that finished since the last call took (part
    /// of what watching costs: engine::LookCosts), taken out.
    std::chrono::microseconds take_read_cpu() { return m_reads.take_cpu(); }

    /// The latest answer of each node's BMC that the reconciler's reads
    /// brought (with when it was asked and came), as of the last pass: an
    /// immutable map, safe to hand to another thread (the web server's).
    [[nodiscard]] std::shared_ptr<const std::map<std::string, BmcReading>> latest_reads() const {
        return m_latest_reads;
    }

    /// The engine's input for the managed nodes among `nodes`, from the
    /// journal, without asking any BMC.
    std::expected<std::vector<engine::NodeFacts>, std::string> gather_facts(
        const std::vector<slurm::NodeState>& nodes) const;
    [[nodiscard]] const engine::RecoveryPolicy& policy() const { return m_policy; }
    /// Slurm's power-saving rules (SuspendExc*, max_powered_nodes,
    /// idle_on_node_suspend) that recovery respects, read again at most once
    /// a minute.
    const slurm::PowerSaveRules& rules() const;
    /// The watch for crossed BMC addresses that each pass runs first.
    CrossedWatch& crossed() { return m_crossed; }
    /// This daemon took over from another controller's at `now`, Unix ms
    /// (docs/ha.md): nodes on while asleep in Slurm's view are left on for
    /// takeover_window_ms(), since Slurm may resume them again.
    void took_over(engine::TimeMs now) { m_took_over_at = now; }
    /// This daemon began acting beside one of several controllers at `now`,
    /// Unix ms: at its start, or when its controller took control again
    /// (docs/ha.md). What it remembers of the nodes from an earlier period
    /// of acting is forgotten (another daemon acted in between); how
    /// recently it last took a step on each node is kept, so that nothing is
    /// switched sooner than the policy allows.
    void began_acting(engine::TimeMs now);
    /// How long after a takeover a node may still be booting from the other
    /// daemon's power-on: Slurm's ResumeTimeout, at least late_off_grace.
    [[nodiscard]] engine::TimeMs takeover_window_ms() const;
    /// Why the last pass found something in flux, in words ("vnode003:
    /// powering up", engine::in_flux(); a BMC read under way; a power
    /// change's window for crossed addresses; a step just taken); nothing
    /// when all was quiet, so that the daemon may wait its idle interval
    /// (engine::LookPace) before the next pass.
    [[nodiscard]] const std::optional<std::string>& in_flux() const { return m_in_flux; }
    /// Where policy().boot_deadline_ms came from, for the log.
    [[nodiscard]] const std::string& boot_deadline_source() const { return m_boot_deadline_source; }

  private:
    void take(const engine::Step& step);
    /// Hands a node whose power was lost back to Slurm's powered-down pool.
    std::expected<void, std::string> return_to_pool(const std::string& node) const;
    /// Diagnoses the nodes about to be switched off for never registering.
    void diagnose(const std::vector<engine::NodeFacts>& facts, const std::vector<engine::Step>& steps);
    /// Journals a diagnosis unless it is the node's last one again.
    void diagnosed(const std::string& node, const std::string& diagnosis);
    /// Gives back the reason of a drain that Slurm kept while dropping its
    /// reason: 22.05.8 does when a powered-down node registers (a
    /// refused power-off's scontrol reconfigure has every slurmd register),
    /// and an admin's "bad DIMM, ticket 4711" became "none" (a tester). The
    /// crossed pairs' own reasons are the crossed watch's.
    void keep_drain_reasons(const std::vector<slurm::NodeState>& managed, const std::set<std::string>& crossed);

    config::SharedConfig m_config;
    store::Journal& m_journal;
    const slurm::SlurmView& m_slurm;
    Clock* m_clock;
    engine::RecoveryPolicy m_policy;
    std::string m_boot_deadline_source;
    std::map<std::string, engine::TimeMs> m_last_recovery;
    /// When each node was first seen down after a failed boot.
    mutable std::map<std::string, engine::TimeMs> m_first_seen_failed;
    mutable std::map<std::string, std::string> m_last_diagnosis;
    /// When each node's BMC was last read (a dark node's at most every
    /// RecoveryPolicy::dark_recheck_ms).
    std::map<std::string, engine::TimeMs> m_dark_read;
    /// When each node was first seen POWERING_UP.
    mutable std::map<std::string, engine::TimeMs> m_first_seen_powering_up;
    /// Nodes Slurm is waking whose BMC was found on without a power-on of
    /// this daemon's (engine::StepKind::adopt_boot), while they power up.
    mutable std::set<std::string> m_wake_adopted;
    std::optional<engine::TimeMs> m_took_over_at;
    /// Each drained node's reason, as Slurm last showed it (keep_drain_reasons()).
    std::map<std::string, std::string> m_drain_reasons;
    /// What the reconciler remembers of each node asleep in Slurm's view
    /// (engine::asleep_in_slurm()) while it stays so.
    struct AsleepWatch {
        engine::TimeMs since = 0;                   ///< first seen asleep
        std::optional<engine::TimeMs> bmc_read_at;  ///< its BMC last read
        std::optional<engine::TimeMs> on_since;     ///< the first of the reads in a row that found it on
        std::string bmc_error;                      ///< what its latest read said, if it failed
    };
    mutable std::map<std::string, AsleepWatch> m_asleep;
    /// Records what a read of a node's BMC found (`state`, else the error
    /// `said`), if it is asleep; whether a failed read is news for the journal.
    bool watch_asleep(engine::NodeFacts& fact, const std::optional<power::PowerState>& state, const std::string& said,
                      engine::TimeMs now);
    /// Puts a BMC's answer in the node's facts; false when it is older than
    /// what slumber did to the node since, or than the node's sleep.
    bool take_reading(engine::NodeFacts& fact, const BmcReading& reading);
    /// Every node's latest BMC answer, replaced (never changed) when new ones come.
    std::shared_ptr<const std::map<std::string, BmcReading>> m_latest_reads =
        std::make_shared<const std::map<std::string, BmcReading>>();
    /// Runs before recovery decides: a pair it suspects gets no step.
    CrossedWatch m_crossed;
    std::optional<std::string> m_in_flux;
    mutable slurm::PowerSaveRules m_rules;
    mutable std::optional<engine::TimeMs> m_rules_read_at;
    /// The nodes whose BMC read under way (or answer not yet collected)
    /// cannot wait for the next idle look (engine::read_can_wait()): they
    /// keep the daemon's looks frequent. At 10,000 nodes asleep, the routine
    /// reads (64 a pass) made a look every 2 s after each idle one, a third
    /// of the idle daemon's cost (issue 21).
    std::set<std::string> m_urgent_reads;
    /// Last: its workers finish before the rest goes.
    BmcReads m_reads;
};

}  // namespace slumber::operate
