// The journal: every power request (from Slurm's hooks, the CLI or the
// daemon's own recovery), what was done about it, and every event on a node,
// in one SQLite file shared by the hooks and the daemon. A request is written
// before anyone acts on it, so a crash at any moment loses nothing: whoever
// starts next finds it pending or running and carries it out.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "power/driver.hpp"
#include "store/sharing.hpp"
#include "store/sqlite.hpp"
#include "store/vocabulary.hpp"

namespace slumber::store {

/// Milliseconds since the Unix epoch: the journal's time, chosen by the
/// caller (the daemon's clock), never read here.
using TimeMs = std::int64_t;

enum class RequestState { pending, running, done, failed, superseded };
std::string_view to_string(RequestState state);

/// One node's part of a request: what to do to it.
struct Request {
    std::int64_t id = 0;
    std::int64_t batch = 0;  ///< the hook call or command it came with
    std::string node;
    power::Action action = power::Action::status;
    RequestSource source = RequestSource::unknown;  ///< who asked: Slurm's hook, a person's, recovery …
    TimeMs time = 0;
    RequestState state = RequestState::pending;
    std::string outcome;  ///< "ok", or the error in words
    /// How it ended: what the recovery queries read, never the words.
    /// nullopt while it is open, and for a superseded one.
    std::optional<OutcomeKind> outcome_kind = std::nullopt;
    /// When it ended, Unix ms: nullopt while it is open.
    std::optional<TimeMs> finished = std::nullopt;
};

/// What happened to a node, and why.
struct Event {
    std::int64_t id = 0;
    TimeMs time = 0;
    std::string node;  ///< empty for the cluster as a whole
    std::optional<std::int64_t> request;
    EventKind kind = EventKind::unknown;
    std::string detail;  ///< the words for a person: cause and outcome
    /// How the power call, request or step it reports ended, if it reports
    /// one: the recovery queries read this, never the detail's words.
    std::optional<OutcomeKind> outcome = std::nullopt;
    /// The power action it concerns (a request's, a carried-out call's).
    std::optional<power::Action> action = std::nullopt;
    /// The recovery step it reports (its outcome: whether the step was
    /// taken); nullopt for every other event.
    std::optional<StepKind> step = std::nullopt;
    /// Read by Journal::power_changes() alone: when the request the call
    /// carried out was journaled (Unix ms), so the call began no earlier;
    /// nullopt for a call no request asked for (a recovery step).
    std::optional<TimeMs> asked = std::nullopt;
};

/// The event of a power change slumber refused before calling anything (a
/// blocked node, a job on it, Slurm unable to say): kind and outcome
/// `refused`, detail "ACTION refused, asked by WHO: WHY". No failed call:
/// recovery never retries it (Journal::failed_offs counts errors only).
/// `request` is the request it ends, if it had one.
Event refused_event(TimeMs time, std::string node, std::optional<std::int64_t> request, power::Action action,
                    std::string_view who, std::string_view why);

/// A power-on and, once it came, the node's registration with Slurm.
struct Boot {
    std::string node;
    TimeMs powered_on = 0;
    std::optional<TimeMs> registered;
};

/// A node's failed resumes since it last registered with Slurm.
struct FailureStreak {
    int failed_resumes = 0;
    std::string last_failure;  ///< the latest failure's words
    TimeMs failed_at = 0;      ///< when Slurm last gave up on its resume
};

/// A node's unplanned power losses ("power-lost" events) since an admin
/// last returned it to service.
struct PowerLosses {
    int recent = 0;     ///< those at or after the window's start
    TimeMs latest = 0;  ///< when the latest was journaled
};

/// A carried-out request: its outcome, its event, and for a power-on that
/// worked, when the boot started.
struct Finished {
    std::int64_t request = 0;
    bool ok = false;  ///< OutcomeKind::ok, else OutcomeKind::error
    std::string outcome;
    Event event;
    std::optional<TimeMs> boot_started;
    /// Not tried at all (a block): OutcomeKind::refused, whatever `ok`
    /// says; no failure for recovery to retry.
    bool refused = false;
};

/// A node's power-offs that failed in a row (not refusals).
struct FailedOffs {
    int count = 0;
    TimeMs last = 0;         ///< when the latest one finished
    std::string last_error;  ///< its outcome
};

/// A target that failed in a way that cannot heal by itself
/// (power::Latch): no automatic caller touches it again until its settings
/// or its credentials file change or an admin clears it (`slumber unblock`).
struct Block {
    std::string target;
    std::optional<power::Action> action;  ///< what it blocks; nullopt: every action
    power::ErrorKind kind = power::ErrorKind::internal;
    std::string words;  ///< the failure, as power::describe() says it
    TimeMs since = 0;
    /// What the target was when it failed: its credentials file
    /// ("device:inode:size:mtime", never its content; empty when it has
    /// none), then kSettingsMark and a fingerprint of its settings. A block
    /// stored before slumber kept the settings has the file's part only.
    std::string credentials;
    std::string source;  ///< who met the failure, in words: "the daemon for slurm-resume", "slumber power" …
};

/// Where Block::credentials' settings part starts ("FILE;settings=HEX").
inline constexpr std::string_view kSettingsMark = ";settings=";

/// What lifts `block` besides `slumber unblock`, in words that end "or "
/// ("its settings in slumber.toml or its credentials file change or "),
/// for the words a blocked call fails with; empty for a crossed block,
/// which only `slumber unblock` lifts. A refused password's block is lifted
/// by its credentials file only.
std::string_view lifted_by(const Block& block);

/// One sample of a target's meter and temperature sensor.
struct Reading {
    std::string target;
    TimeMs time = 0;
    std::optional<double> watts;        ///< W drawn; nullopt: no power reading this time
    std::optional<double> temperature;  ///< °C; nullopt: no temperature sensor found
    std::string sensor;                 ///< the temperature's sensor, as the target names it
};

/// A target's energy counters (J) over [since, until]: the daemon adds to
/// them as it integrates its readings (engine::integrate()).
struct EnergyTotal {
    std::string target;
    TimeMs since = 0;
    TimeMs until = 0;
    double joules = 0;           ///< used, measured and modelled
    double measured_joules = 0;  ///< the part readings covered
    double saved_joules = 0;     ///< against never switching off; may go down (a boot costs)
};

/// What prune() removed.
struct Pruned {
    int events = 0;
    int requests = 0;
    int boots = 0;
    int readings = 0;
};

class Journal {
  public:
    /// Opens or creates the journal, making its directory if needed: shared
    /// with the group `group` names when it makes anything (sharing.hpp).
    static DbResult<Journal> open(const std::filesystem::path& file, const GroupLookup& group = {});

    /// Records a request for each node in one transaction, and an event per
    /// node. Older pending requests for these nodes are superseded: Slurm's
    /// latest word counts (a resume after a suspend that has not run yet).
    DbResult<std::int64_t> add_requests(std::span<const std::string> nodes, power::Action action, RequestSource source,
                                        TimeMs now, std::string_view note = {});
    /// Records requests that the caller carries out itself (an admin's
    /// `slumber power`, the web API on a node Slurm does not know) as
    /// add_requests() does, but running already: no carrier takes them, and
    /// the recovery queries see them as slumber's. The caller ends each with
    /// finish_with(). Their ids, in the order of `nodes`.
    DbResult<std::vector<std::int64_t>> start_requests(std::span<const std::string> nodes, power::Action action,
                                                       RequestSource source, TimeMs now, std::string_view note = {});
    /// Pending requests, oldest first, marked running in the same transaction
    /// so that two takers never get the same one. A node whose earlier
    /// request is still running waits: one power change per node at a time.
    /// `asked_by`: only requests journaled at or before it (Unix ms).
    DbResult<std::vector<Request>> take_pending(std::size_t limit = 100000,
                                                std::optional<TimeMs> asked_by = std::nullopt);
    /// Whether any request is pending.
    DbResult<bool> has_pending();
    /// After a restart: requests left running by a process that died go back
    /// to pending. Returns how many.
    DbResult<int> requeue_running();
    /// Puts one running request back (its node must wait, e.g. for pacing).
    DbResult<void> requeue(std::int64_t request);
    /// Ends a request: done when `kind` is ok, else failed, with `outcome`
    /// in words; `ok` false stands for OutcomeKind::error.
    DbResult<void> finish(std::int64_t request, OutcomeKind kind, std::string_view outcome, TimeMs now);
    DbResult<void> finish(std::int64_t request, bool ok, std::string_view outcome, TimeMs now);
    /// finish() and record() in one transaction: the daemon's per-node
    /// outcome takes the write lock once, so a hook waits less. The event
    /// gets the request's outcome kind unless it names its own.
    DbResult<void> finish_with(std::int64_t request, OutcomeKind kind, std::string_view outcome, Event event);
    DbResult<void> finish_with(std::int64_t request, bool ok, std::string_view outcome, const Event& event);
    /// Many finish_with()s, and their boots, in one transaction.
    DbResult<void> finish_all(std::span<const Finished> finished);

    /// Whether this connection's commits checkpoint the write-ahead log when
    /// it has grown (SQLite's default). A Slurm hook, which Slurm waits for,
    /// leaves that work to the daemon.
    DbResult<void> checkpoint_on_commit(bool yes);

    /// Records an event; one about a request gets the request's action
    /// when it names none.
    DbResult<void> record(const Event& event);
    /// record() of each, in one transaction (10,000 nodes' first sight at a
    /// daemon's start: one commit, not one each).
    DbResult<void> record_all(std::span<const Event> events);
    /// Events, oldest first; for `nodes` only when not empty.
    DbResult<std::vector<Event>> events(std::span<const std::string> nodes, TimeMs since) const;
    DbResult<std::vector<Request>> requests(std::span<const std::string> nodes, TimeMs since) const;
    /// Each node's latest request.
    DbResult<std::map<std::string, Request>> latest_requests() const;
    /// The power calls carried out with an ok outcome since `since`
    /// (power-on, power-off, shutdown and power-cycle events, each with the
    /// action its kind stands for, and when its request was journaled),
    /// oldest first.
    DbResult<std::vector<Event>> power_changes(TimeMs since) const;
    /// When the newest event of `kind` was recorded (any node), Unix ms;
    /// nothing when there is none.
    DbResult<std::optional<TimeMs>> latest_event_time(EventKind kind) const;
    /// The same per node: when each node's newest event of `kind` was
    /// recorded (nodes without one are not listed).
    DbResult<std::map<std::string, TimeMs>> latest_event_times_by_node(EventKind kind) const;
    /// The nodes that have a row of kPhaseEventKinds: whose power phase the
    /// journal knows (a scan of the events; the daemon asks once a start).
    DbResult<std::set<std::string>> nodes_with_phase_rows() const;
    /// One node's latest request, if it ever had one.
    DbResult<std::optional<Request>> latest_request(std::string_view node) const;

    /// The daemon began acting beside one of several controllers
    /// (docs/ha.md): records `event` (a took-control one) and ends every
    /// open boot unmeasured, in one transaction. Another daemon may have
    /// acted since those power-ons; a registration now is not their boot.
    DbResult<void> took_control(const Event& event);

    /// Per node with at least one failed resume since its last registration,
    /// its return to service by an admin (a "returned" event) or the
    /// daemon's latest took-control.
    DbResult<std::map<std::string, FailureStreak>> failure_streaks() const;
    /// When slumber last drained each node (a drain step of recovery or of
    /// a power loss whose outcome is ok), for the nodes not returned to
    /// service by an admin since.
    DbResult<std::map<std::string, TimeMs>> slumber_drains() const;
    /// Per node with a "power-lost" event since its latest "returned";
    /// `window_start` bounds PowerLosses::recent.
    DbResult<std::map<std::string, PowerLosses>> power_losses(TimeMs window_start) const;
    /// Per node whose latest power-offs failed (BMC errors, not refusals)
    /// with no request that worked, and no took-control, since.
    DbResult<std::map<std::string, FailedOffs>> failed_offs() const;
    /// Nodes with a pending or running request.
    DbResult<std::set<std::string>> open_requests() const;
    /// Every node any event names: one pass over the events, for checking
    /// many names at once (a request's hostlist) against what it ever saw.
    DbResult<std::set<std::string>> nodes_in_events() const;

    /// Records a block and its "blocked" event, unless the target already
    /// has a block for that action: true when it is new.
    DbResult<bool> add_block(const Block& block);
    /// The blocks of `targets` (every block when empty), oldest first.
    DbResult<std::vector<Block>> blocks(std::span<const std::string> targets = {}) const;
    /// Lifts a target's blocks and records an "unblocked" event saying `why`:
    /// every block when `action` is nullopt, else those that stop `action`
    /// (its own and the target-wide one) except a block for crossed
    /// addresses, which a call that worked does not disprove. Returns how
    /// many were lifted.
    DbResult<int> remove_blocks(std::string_view target, std::optional<power::Action> action, std::string_view why,
                                TimeMs now);
    /// Makes a target's blocks for crossed addresses that stop one action
    /// each (a power-on, a cycle) one block that stops every action, and
    /// records its "blocked" event at `now`: `slumber doctor
    /// --verify-mapping` blocks a pair's power-ons while Slurm powers it
    /// down, then everything. Returns whether there was such a block.
    DbResult<bool> widen_crossed_block(std::string_view target, TimeMs now);
    /// Lifts a target's block for crossed addresses alone (its other blocks
    /// stay) and records an "unblocked" event saying `why`. Returns how
    /// many were lifted.
    DbResult<int> remove_crossed_block(std::string_view target, std::string_view why, TimeMs now);

    DbResult<void> boot_started(std::string_view node, TimeMs powered_on);
    /// Forgets the node's open boot: the power-on found it already running.
    DbResult<void> cancel_boot(std::string_view node);
    /// Sets the registration time of the node's latest open boot.
    DbResult<void> boot_registered(std::string_view node, TimeMs registered);
    DbResult<std::vector<Boot>> boots(std::span<const std::string> nodes) const;
    /// Slurm's suspends of these nodes that ended powered off (requests of
    /// slurm-suspend, done): how many, and the longest from the hook's
    /// request (Slurm running SuspendProgram) to the confirmed off, in ms.
    /// What SuspendTimeout has to cover. {0, 0} without any.
    DbResult<std::pair<int, TimeMs>> measured_shutdowns(std::span<const std::string> nodes) const;
    /// The nodes' open boots (a power-on not registered yet, at most one per
    /// node, always its latest boot): node -> powered_on. Reads only the
    /// open boots (an index of their own), not the whole table: the daemon
    /// asks every pass.
    DbResult<std::map<std::string, TimeMs>> open_boots(std::span<const std::string> nodes) const;
    /// Boots not registered yet that started after `booting_since`, and
    /// boots started after `started_since`: the pacing's inputs.
    DbResult<std::pair<int, int>> boot_counts(TimeMs booting_since, TimeMs started_since) const;

    /// Records readings in one transaction.
    DbResult<void> add_readings(std::span<const Reading> readings);
    /// Readings of `targets` (every target's when empty) taken in
    /// [since, until], by target then time.
    DbResult<std::vector<Reading>> readings(std::span<const std::string> targets, TimeMs since, TimeMs until) const;
    /// Each target's latest reading (the thermal guard's and /metrics').
    DbResult<std::map<std::string, Reading>> latest_readings() const;
    /// Adds each increment to its target's counters (made at the first).
    DbResult<void> add_energy(std::span<const EnergyTotal> increments);
    /// Every target's counters.
    DbResult<std::map<std::string, EnergyTotal>> energy_totals() const;

    /// Replaces what the daemon's crossed-address watch remembers (node ->
    /// its words, opaque here: operate::CrossedWatch writes and reads them)
    /// with `memory`, saved at `now` (Unix ms), in one transaction.
    DbResult<void> save_watch_memory(const std::map<std::string, std::string>& memory, TimeMs now);
    /// What save_watch_memory() saved at or after `since` (Unix ms): node ->
    /// words, empty when nothing was saved then; and the nodes whose row has
    /// a saved_ms that is no integer (a hand-edited journal), which cannot be
    /// dated and so are not taken back.
    struct WatchMemory {
        std::map<std::string, std::string> words;
        std::vector<std::string> undated;
    };
    DbResult<WatchMemory> watch_memory(TimeMs since) const;

    /// Retention ([journal] keep): removes the rows older than `before` that
    /// no decision needs any more, and journals a "pruned" event when it
    /// removed any. Kept whatever their age: open requests and boots, blocks,
    /// and each node's latest event of each kind and latest request in each
    /// state, which the recovery queries start from ("since its latest
    /// registration", "since its latest request that worked").
    DbResult<Pruned> prune(TimeMs before, TimeMs now);

  private:
    friend class JournalReader;
    DbResult<std::int64_t> insert_requests(std::span<const std::string> nodes, power::Action action,
                                           RequestSource source, TimeMs now, std::string_view note, RequestState state,
                                           std::vector<std::int64_t>* ids);
    DbResult<void> start_boot(std::string_view node, TimeMs powered_on);
    /// Within a transaction: cancel_boot() of the event's node when the
    /// event is a power-off or shutdown that succeeded.
    DbResult<void> end_boot_if_off(const Event& event);
    /// Runs `sql` (a DELETE from blocks, ?1 the target, ?2 the action if
    /// given) and records the "unblocked" event when it lifted any.
    DbResult<int> lift_blocks(const std::string& sql, std::string_view target, std::optional<power::Action> action,
                              std::string_view why, TimeMs now);
    explicit Journal(Database db) : m_db(std::make_unique<Database>(std::move(db))) {}
    std::unique_ptr<Database> m_db;
};

/// The journal as a reader sees it (`slumber status`, `slumber journal`,
/// `slumber slurm-config`, the front ends): opened with SQLITE_OPEN_READONLY,
/// so a reader never creates, migrates or takes the write lock of the file,
/// and only Journal's const queries can be called.
class JournalReader {
  public:
    /// Opens `file` read-only. A missing file reads as an empty journal (in
    /// memory, nothing made on disk) and missing() then says so. Errors: a
    /// journal of another schema version, saying what to do (schema.hpp's
    /// check_version); a file this user may not read; SQLite's errors.
    static DbResult<JournalReader> open(const std::filesystem::path& file);

    const Journal& operator*() const { return m_journal; }
    const Journal* operator->() const { return &m_journal; }
    /// Words for a person when the file does not exist ("no journal at …
    /// yet: nothing journaled"); nullopt when it does.
    [[nodiscard]] const std::optional<std::string>& missing() const { return m_missing; }

  private:
    JournalReader(Journal journal, std::optional<std::string> missing)
        : m_journal(std::move(journal)), m_missing(std::move(missing)) {}
    Journal m_journal;
    std::optional<std::string> m_missing;
};

}  // namespace slumber::store
