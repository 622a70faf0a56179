// The daemon's watch for crossed BMC addresses (engine/crossed.hpp): it
// remembers what each pass shows of the managed nodes, asks the engine
// whether slumber's recent power changes landed on the wrong machine, and
// acts on a suspicion before recovery does anything to either node:
//
// - journals it ("crossed-suspected" on both nodes, naming both and the
//   evidence);
// - blocks both in the journal (kind `crossed`, every action) for every
//   automatic caller: the hooks, the carrier, recovery, the BMC reads. Such
//   a block is not lifted when a credentials file or a setting changes (a
//   password says nothing about which machine an address drives);
//   `slumber unblock A,B` lifts it once the addresses are put right;
// - tells Slurm what is true: a node Slurm counts as powered down whose
//   machine still runs is shown up again (slurm::still_up_calls()); the
//   node whose machine went dark is left to Slurm's own, true, conclusion
//   (DOWN after SlurmdTimeout, down~ after ResumeTimeout);
// - drains both with a reason naming the pair, and keeps them drained while
//   the block lasts (Slurm 22.05 clears a drain when ResumeTimeout strikes).
#pragma once

#include <expected>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "engine/crossed.hpp"
#include "engine/witness_memory.hpp"
#include "operate/clock.hpp"
#include "slurm/slurm_view.hpp"
#include "store/journal.hpp"

namespace slumber::operate {

/// The windows for the slurm.conf that `config` names (ResumeTimeout,
/// SuspendTimeout, SlurmdTimeout, Include lines followed; Slurm's defaults
/// when unset or unreadable); `boot_deadline_ms` stands for a ResumeTimeout
/// of INFINITE when it is not 0.
engine::CrossedWindows crossed_windows(const config::Config& config, engine::TimeMs boot_deadline_ms);

/// A look for the crossed-address watch by a process that is not the
/// daemon and judges nothing: what Slurm shows of the managed nodes
/// (`managed`) at `now`, Unix ms, is added to the memory the watch saved
/// (engine::remember() on the journal's watch_memory, as
/// CrossedWatch::recall() reads it), so that the daemon, or the next hook's
/// carrier, judges the power changes around it from what each node was then.
/// A process that looks at once with another may lose its look (the later
/// save replaces the earlier); their looks are a moment apart. A node whose
/// saved words are unreadable starts afresh (the daemon names it when it
/// recalls). Errors: the journal unreadable or unwritable; nothing is saved
/// then.
std::expected<void, std::string> remember_without_daemon(store::Journal& journal,
                                                         const std::vector<slurm::NodeState>& managed,
                                                         const engine::CrossedWindows& windows, engine::TimeMs now);

/// One look for the crossed-address watch by an admin's `slumber power`
/// after its switches (a hook's carrier runs a CrossedWatch of its own,
/// operate/hook_carrier.cpp): what Slurm shows of the managed nodes of
/// `config` now goes into the saved memory (remember_without_daemon()),
/// with the windows of `config`'s slurm.conf. After the switches, not
/// before: their effect on another node does not show yet (a machine takes
/// seconds to boot; Slurm marks a stopped one NOT_RESPONDING after
/// SlurmdTimeout), so the look shows what that node was before it.
class CrossedLook {
  public:
    /// `windows`: crossed_windows() of `config` (boot_deadline() for
    /// ResumeTimeout=INFINITE, operate/reconciler.hpp).
    CrossedLook(const config::Config& config, store::Journal& journal, const slurm::SlurmView& slurm,
                const engine::CrossedWindows& windows)
        : m_config(config), m_journal(journal), m_slurm(slurm), m_windows(windows) {}
    /// Errors: Slurm unreadable, or the journal unreadable or unwritable
    /// (nothing is saved then).
    [[nodiscard]] std::expected<void, std::string> operator()() const;

  private:
    const config::Config& m_config;
    store::Journal& m_journal;
    const slurm::SlurmView& m_slurm;
    engine::CrossedWindows m_windows;
};

class CrossedWatch {
  public:
    /// `who`: the journal's name for whoever acts on a suspicion (the
    /// blocks' author): the daemon, or a hook's carrier while none runs
    /// (operate/hook_carrier.hpp).
    CrossedWatch(store::Journal& journal, const slurm::SlurmView& slurm, Clock& clock, std::string who = "the daemon")
        : m_journal(journal), m_slurm(slurm), m_clock(&clock), m_who(std::move(who)) {}

    void reconfigure(const engine::CrossedWindows& windows) { m_windows = windows; }
    [[nodiscard]] const engine::CrossedWindows& windows() const { return m_windows; }

    /// One pass over Slurm's view of the managed nodes. Returns the nodes
    /// under a crossed block (old and new) and those of a pattern still
    /// open (engine::CrossedJudgement::pending): recovery takes no step for
    /// them.
    std::set<std::string> run(const std::vector<slurm::NodeState>& managed);

    /// The nodes of the patterns the last pass found open
    /// (engine::CrossedJudgement::open), each with why, in words: no power
    /// change may go through their BMC addresses until it is decided. The
    /// carrier holds Slurm's suspends of them (Carrier::hold_changes()).
    [[nodiscard]] const std::map<std::string, std::string>& open() const { return m_open; }

    /// Whether the last pass watched a power change of slumber's still
    /// within its window (CrossedWindows): its effect on another node may
    /// show yet, and is timed by the daemon's looks.
    [[nodiscard]] bool watching() const { return m_watching; }

    /// The daemon began acting beside one of several controllers at `now`,
    /// Unix ms (docs/ha.md): what it remembers of the nodes is from before
    /// another daemon acted, and power changes before `now` are not judged.
    void began_acting(engine::TimeMs now) {
        m_memory.clear();
        m_passed_at = 0;
        m_judged_from = now;
    }

    /// After a restart: takes back what the watch saved (the journal's
    /// watch_memory) at most its look-back ago (twice the longer window and
    /// kLookSlackMs before `now`, Unix ms): what each node was before a power
    /// change of slumber's still judged. Saved every 5 s while one is
    /// (watching(), or a pattern open), so a crash loses at most that, and
    /// by a hook's carrier around its batches while no daemon runs
    /// (remember_without_daemon()).
    /// Returns how many nodes' memory it took back; errors: the journal
    /// unreadable, or a node's saved words or time unreadable (named, with
    /// how many others' were taken back).
    std::expected<int, std::string> recall(engine::TimeMs now);

    /// Saves what the watch remembers of the nodes of its last pass,
    /// watching or not, unless that pass is older than recall()'s look-back
    /// at `now` (Unix ms) or there was none (a daemon that stood by). The
    /// daemon calls it as it stops: an admin's `slumber power on` of a
    /// crossed node while nothing was watched, the daemon restarted 2 s
    /// later: nothing said the woken node had slept, and the restarted
    /// daemon put it back to service (a tester's, once). A hook's carrier
    /// calls it after each of its passes. Errors: the journal unwritable.
    std::expected<void, std::string> save_last_pass(engine::TimeMs now) const;

    /// Whether slurmd answers on the node's address and port (a TCP
    /// connection, no message); replaced by tests. Called from several
    /// threads at once (a pass tries many nodes side by side).
    using SlurmdProbe = std::function<bool(const slurm::NodeState&)>;
    void set_probe(SlurmdProbe probe) { m_probe = std::move(probe); }

  private:
    /// The watch's drains of one node in the kRedrainMs window from `since`.
    struct Drains {
        engine::TimeMs since = 0;  ///< wall clock, ms
        int given = 0;
    };
    /// The partner of each node under a crossed block (its block's pair).
    std::map<std::string, std::string> suspected_pairs(const std::vector<store::Block>& blocks) const;
    /// Tries the slurmd of the nodes `names` (engine::crossed_probes()) and
    /// gives each witness among them its answer: one tried since its latest
    /// power change, at most 20 s old; none while it waits its turn.
    void probe_slurmds(std::vector<engine::CrossedWitness>& witnesses, const std::vector<std::string>& names,
                       const std::vector<engine::PowerChange>& changes, engine::TimeMs now);
    void act(const engine::CrossedPair& pair, const std::vector<slurm::NodeState>& managed);
    /// Journals, once at detection, that the node whose machine runs is left
    /// counting as powered down where Slurm counts it so (drained by
    /// keep_drained()).
    void note_left_powered_down(const engine::CrossedPair& pair, const std::vector<slurm::NodeState>& managed);
    /// Saves the memory of the last pass's nodes (the managed nodes' alone:
    /// a node no longer in the configuration, or never, a tester's row for
    /// vnode999, is not carried along).
    std::expected<void, std::string> save(engine::TimeMs now) const;
    /// Drains the suspected nodes Slurm shows undrained.
    void keep_drained(const std::map<std::string, std::string>& pairs, const std::vector<slurm::NodeState>& managed);

    store::Journal& m_journal;
    const slurm::SlurmView& m_slurm;
    Clock* m_clock;
    std::string m_who;
    engine::CrossedWindows m_windows;
    SlurmdProbe m_probe;
    std::map<std::string, engine::WitnessMemory> m_memory;
    std::set<std::string> m_suspected;
    std::map<std::string, std::string> m_open;  ///< open(), as of the last pass
    bool m_watching = false;                    ///< as of the last pass
    engine::TimeMs m_judged_from = 0;           ///< began_acting(): no power change before is judged
    std::map<std::string, Drains> m_drains;     ///< the watch's drains of each node
    std::set<std::string> m_left_drained;       ///< drained by others, said so in the journal once
    engine::TimeMs m_saved_at = 0;              ///< when the memory was last saved, Unix ms
    engine::TimeMs m_passed_at = 0;             ///< when the last pass ran, Unix ms; 0: none since acting
    std::vector<std::string> m_passed;          ///< the managed nodes of the last pass
    std::map<std::string, std::pair<engine::TimeMs, bool>> m_probed;  ///< when each slurmd was tried, and its answer
};

}  // namespace slumber::operate
