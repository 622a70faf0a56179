// Carries out the journal's pending requests: checks each against Slurm's
// view and the configuration (never power off a node running a job, never
// touch an excluded node), switches the nodes through their drivers, confirms
// the change, and journals every outcome. The daemon runs it on each wake-up;
// a hook runs it itself when no daemon is there.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>

#include "config/config.hpp"
#include "operate/clock.hpp"
#include "operate/fresh_boot.hpp"
#include "operate/targets.hpp"
#include "power/executor.hpp"
#include "slurm/slurm_view.hpp"
#include "store/journal.hpp"

namespace slumber::operate {

class Blocks;
struct TargetOutcome;

/// Why a target cannot be switched by this process: its credentials file is
/// in config.unreadable_credentials (a hook without a daemon, running as a
/// SlurmUser that may not read it). Such a request is refused, never tried
/// without the password; Slurm is told (a refused power-off: the node is
/// still up; a power-on Slurm waits for: the node is drained with the why).
std::optional<std::string> unreadable_credentials(const config::Config& config, const std::string& node);

/// Requests of one kind, checked and taken from the journal, to carry out.
struct Batch {
    power::Action action = power::Action::status;
    std::vector<store::Request> requests;
    /// The configuration take() decided with: the batch is carried out with
    /// it, whatever a reload puts in force meanwhile.
    config::SharedConfig config;
};

class Carrier {
  public:
    /// `who` names the carrier in the journal ("daemon", "hook").
    /// `paced`: hold power-ons back to [daemon] max_booting and
    /// boots_per_minute (the daemon); a hook without a daemon does not, since
    /// nobody would carry out what it held back.
    /// `slurm` (scontrol), `clock` (wall time and the executor's sleeping),
    /// `drivers` (build_drivers()) and `probe` (how a power-on Slurm asked
    /// for tries a node's NodeAddr before it power-cycles it:
    /// operate/fresh_boot.hpp) are seams for tests; each must outlive the
    /// carrier.
    Carrier(config::SharedConfig config, store::Journal& journal, const slurm::SlurmView& slurm, std::string who,
            bool paced = false, Clock& clock = system_clock(), DriverSource drivers = build_drivers,
            MachineProbe probe = probe_machine);
    Carrier(const config::Config& config, store::Journal& journal, const slurm::SlurmView& slurm, std::string who,
            bool paced = false, Clock& clock = system_clock(), DriverSource drivers = build_drivers,
            MachineProbe probe = probe_machine)
        : Carrier(config::borrow(config), journal, slurm, std::move(who), paced, clock, std::move(drivers),
                  std::move(probe)) {}

    /// The configuration the next take() decides with (a reload). Batches
    /// already taken keep theirs. Call it from the thread that calls take().
    void reconfigure(config::SharedConfig config) { m_config = std::move(config); }

    /// While set, a paced carrier holds back every power-on, journaled with
    /// these words (the thermal guard's: ThermalGuard::hold()). Call it from
    /// the thread that calls take().
    void hold_power_ons(std::optional<std::string> why) { m_hold_all = std::move(why); }
    /// Power changes that must wait (the daemon's crossed watch,
    /// CrossedWatch::open()): a power-off, shutdown or power cycle of one of
    /// `nodes` stays pending, journaled once with its words, and goes
    /// through the checks again once the node is no longer named (or is
    /// refused then, if its pair was found crossed). `as_of` is when the
    /// look that decided them began, Unix ms: such a change asked for later
    /// waits for the next look, since Slurm may have shown the node waking
    /// only then (it suspends a node that woke unasked within a second or
    /// two). Once called, every later take() keeps to it; a hook's carrier
    /// calls it after each pass of its own watch (operate/hook_carrier.cpp).
    void hold_changes(std::map<std::string, std::string> nodes, engine::TimeMs as_of) {
        m_holds = Holds{std::move(nodes), as_of};
    }
    /// How many power changes the last take() left pending under
    /// hold_changes(): a hook's carrier looks again and takes them then,
    /// rather than leaving them to nobody.
    [[nodiscard]] int held_for_watch() const { return m_held_for_watch; }
    /// This daemon took over from another controller's at `now`, Unix ms
    /// (docs/ha.md): for `window_ms`, Slurm's resume of a node found on is a
    /// plain power-on, never a power cycle (the other daemon's boot may be
    /// under way).
    void took_over(engine::TimeMs now, engine::TimeMs window_ms) { m_took_over_until = now + window_ms; }

    /// Takes every pending request, refuses those that must not be carried
    /// out (journaled), holds power-ons back for pacing (they stay pending),
    /// and returns the rest by action.
    std::expected<std::vector<Batch>, std::string> take();

    /// Switches a batch's nodes, confirms the change and journals each
    /// outcome as it comes in `journal`, which may be another connection to
    /// the same file, so that batches can run on their own threads. Returns
    /// how many failed.
    int carry_out(const Batch& batch, store::Journal& journal);

    /// A batch from take() that cannot be carried out now goes back to
    /// pending, to be taken again.
    void give_back(const Batch& batch);

    /// take() and carry_out() in turn; returns how many requests were carried out.
    std::expected<int, std::string> run_pending();

    /// How a batch that start_pending() handed to a worker ended: how many
    /// of its requests failed, or why it could not start (its requests went
    /// back to pending, for the next call).
    using BatchDone = std::function<void(const Batch& batch, const std::expected<int, std::string>& failed)>;
    /// take(), then each batch carried out on a worker thread of the
    /// carrier's own, with its own connection to `journal_file`, so that a
    /// silent BMC holding one batch for its timeouts does not hold up the
    /// requests that come after it (the journal keeps one change per node
    /// at a time). `done` is called from the worker as each batch ends. An
    /// error: take()'s. Call it, under_way() and finish() from one thread.
    std::expected<void, std::string> start_pending(const std::filesystem::path& journal_file, BatchDone done);
    /// Batches under way on the carrier's workers.
    [[nodiscard]] std::size_t under_way();
    /// Waits for the batches under way: their outcomes are journaled. The
    /// carrier waits for them when it goes, too.
    void finish() { m_workers.clear(); }

    /// Journals the registration of nodes that were powered on and now show
    /// in Slurm as up with a boot time after the power-on.
    std::expected<void, std::string> observe_registrations(const std::vector<slurm::NodeState>& nodes);

  private:
    class OutcomeWriter;
    /// Journals how one request of a batch ended (TargetOutcome: called, or
    /// why not); power-ons not called leave the in-flight count. `writer`
    /// takes the called ones. Whether it went well.
    bool journal_outcome(const store::Request& request, const TargetOutcome& target, const FreshBootDriver* fresh,
                         store::Journal& journal, const Blocks& blocks, OutcomeWriter* writer);
    /// Drains a node whose power-on for a waiting job met `block`.
    void drain_if_waited_for(store::Journal& journal, const store::Request& request,
                             const std::optional<store::Block>& block) const;
    void refuse(store::Journal& journal, const store::Request& request, const std::string& why) const;
    /// For each power-on Slurm asked for with no boot of slumber's under way
    /// (its journaled boot within Slurm's ResumeTimeout), a driver that boots
    /// the node afresh, put in place of the task's.
    void fresh_boot_drivers(const config::Config& config, const std::vector<const store::Request*>& carried,
                            std::vector<power::Task>& tasks, const store::Journal& journal, RegisteredNodes& registered,
                            std::vector<std::unique_ptr<FreshBootDriver>>& fresh) const;
    /// After refusing the power-off of a node under a crossed block: drains
    /// it if Slurm shows it undrained, and leaves Slurm counting it as
    /// powered down (journaled).
    void keep_crossed_drained(const store::Block& block, const std::unordered_map<std::string, slurm::NodeState>& view,
                              const std::string& slurm_error);
    /// After refused power-offs: Slurm asked to suspend these nodes (or
    /// someone did in its name) and may now count them as powered down
    /// while they are on, so the next job would wait for a boot that never
    /// comes and end `down~`. Makes Slurm's view true again with the calls
    /// that fit its release (slurm::still_up_calls()) and journals it.
    void tell_slurm_still_up(const std::vector<std::string>& nodes,
                             const std::unordered_map<std::string, slurm::NodeState>& view,
                             const std::string& slurm_error);
    /// Power-on requests beyond what pacing allows now go back to pending,
    /// and all of them while hold_power_ons() says so.
    void hold_back(std::vector<const store::Request*>& ons);
    /// Takes out of `ons` and refuses the power-ons held back (pacing, the
    /// thermal guard) until Slurm gave up on their node: ResumeFailProgram
    /// journaled a failed resume after the request, or Slurm's resume or
    /// reboot has waited ResumeTimeout (slurm.conf), when Slurm gives up.
    /// Slurm marks the node DOWN then and recovery takes it from there; a
    /// tester's held power-ons ran when the thermal hold lifted, minutes
    /// after that, and seconds after ResumeTimeout, before Slurm's check.
    void drop_given_up(std::vector<const store::Request*>& ons);
    /// A reconfigure that tell_slurm_still_up() postponed (it restarts
    /// slurmctld from 23.11: slurm::kReconfigureSpacing), called once the
    /// spacing is over.
    void reconfigure_if_owed();
    /// The last `scontrol reconfigure` any slumber process called, and
    /// whether one was postponed since: read from the journal, which every
    /// hook's carrier (a process of its own) and the daemon share.
    struct Reconfigures {
        std::optional<store::TimeMs> last;
        bool owed = false;
    };
    [[nodiscard]] Reconfigures reconfigures() const;

    config::SharedConfig m_config;
    store::Journal& m_journal;
    const slurm::SlurmView& m_slurm;
    std::string m_who;
    bool m_paced;
    Clock& m_clock;
    DriverSource m_drivers;
    MachineProbe m_machine_probe;
    std::set<std::int64_t> m_held;          ///< requests already journaled as held back
    std::optional<std::string> m_hold_all;  ///< hold_power_ons()
    struct Holds {
        std::map<std::string, std::string> nodes;
        engine::TimeMs as_of = 0;
    };
    std::optional<Holds> m_holds;  ///< hold_changes()
    int m_held_for_watch = 0;      ///< held_for_watch()
    /// took_over(): until when, Unix ms; read by the batches' workers.
    std::atomic<engine::TimeMs> m_took_over_until{0};
    /// Power-ons handed out by take() whose outcome is not journaled yet:
    /// booting, as far as pacing is concerned.
    std::atomic<int> m_ons_in_flight{0};
    struct Worker {
        std::jthread thread;
        std::shared_ptr<std::atomic<bool>> done;
    };
    /// Last: the workers finish before the rest of the carrier goes.
    std::list<Worker> m_workers;
};

}  // namespace slumber::operate
