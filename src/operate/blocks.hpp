// Targets blocked after a failure that cannot heal by itself (a BMC that
// refuses the password, a ResetType it does not offer, bad settings: see
// power::Latch). Many BMCs lock an account after a few failed logins, so
// no automatic caller — the daemon's passes, recovery, the reconciler's
// reads, the hooks, the devices' keeper — contacts a blocked target again:
// its call fails at once with the block's words. A block is durable (in the
// journal), journaled once, and lifted when the target's credentials file
// changes (the admin fixed the password), when its settings in slumber.toml
// change (a cipher suite the BMC offers) or by `slumber unblock`. A block
// for crossed BMC addresses (ErrorKind::crossed, operate/crossed_watch.hpp)
// is lifted only by `slumber unblock`: a new password does not move an
// address, and a corrected address of one node says nothing of its pair's.
// It also holds for deliberate callers (`slumber power`, the web API): a
// power change through either address switches the other node's machine,
// and has killed its job.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "engine/recovery.hpp"
#include "operate/targets.hpp"
#include "slurm/node_state.hpp"
#include "store/journal.hpp"

namespace slumber::operate {

/// A file's identity without its content, "device:inode:size:mtime_ns", as
/// stat(2) gives it: it changes when the file is rewritten or replaced.
/// Empty when the file cannot be read.
std::string file_fingerprint(const std::filesystem::path& file);

/// What of `block`'s target changed since the block was stored, in words
/// ("credentials file F changed", "settings in slumber.toml changed"):
/// then the next automatic call lifts it and tries the target again (a
/// refused password's block only for a new credentials file). Empty when
/// nothing did.
std::string changed_since(const config::Config& config, const store::Block& block);

/// The fingerprint of the target's credentials file; empty without one.
std::string credentials_fingerprint(const config::Config& config, std::string_view target);

/// A fingerprint (hex) of what decides how the target is reached and logged
/// into: its driver, address, credentials file's path and driver options
/// (port, cipher suite, privilege, workarounds …). Its timeouts and retries
/// are left out: they decide no failure that blocks.
std::string settings_fingerprint(const config::PowerTarget& target);

/// What a block stores of its target (store::Block::credentials): its
/// credentials file's fingerprint, store::kSettingsMark, its settings'.
std::string block_fingerprint(const config::Config& config, std::string_view target);

/// How a caller treats blocked targets.
enum class Caller {
    automatic,  ///< the daemon, the hooks, recovery: a blocked target is left alone
    /// An admin's `slumber power` or the web API: one attempt whatever the
    /// block (success lifts it), except that a crossed block stops every
    /// power change (a status read goes on).
    deliberate,
};

class Blocks {
  public:
    /// `journal` may be null (a command that cannot open it): then nothing
    /// is blocked or recorded. `source` names the caller in the journal.
    Blocks(const config::Config& config, store::Journal* journal, Caller caller, std::function<store::TimeMs()> now);
    /// For a reader (`slumber status`): reads the blocks from `reader` and
    /// asks `writer` for a journal only when it must record or lift one; a
    /// writer that gives null (no journal, or not writable by this user)
    /// leaves the block unrecorded.
    Blocks(const config::Config& config, const store::Journal* reader, std::function<store::Journal*()> writer,
           Caller caller, std::function<store::TimeMs()> now);

    /// For an automatic caller: moves the targets blocked for `action` from
    /// set.tasks to set.blocked, each with the error it fails with. A block
    /// whose target's credentials file or settings have changed since is
    /// lifted instead (journaled) and the target tried again.
    void hold(DriverSet& set, power::Action action);

    /// For an automatic caller: the block that stops `action` on `target`,
    /// as hold() decides it (a block whose target's credentials file or
    /// settings have changed is lifted instead); nullopt when none does.
    std::optional<store::Block> holding(const std::string& target, power::Action action);

    /// After a call: a failure that cannot heal blocks its target; the block
    /// is returned when it is new (journaled once). A deliberate call that
    /// worked lifts the blocks it proves wrong. `source` says who met it.
    std::optional<store::Block> record(power::Action action, const power::Outcome& outcome, std::string_view source);

    /// The block that stops `action` on `target`, if any.
    [[nodiscard]] std::optional<store::Block> find(const std::string& target, power::Action action) const;

  private:
    /// hold()'s decision for `targets`: the block that stops each.
    std::map<std::string, store::Block> stopping(const std::vector<std::string>& targets, power::Action action);

    const config::Config& m_config;
    const store::Journal* m_journal;
    std::function<store::Journal*()> m_writer;
    Caller m_caller;
    std::function<store::TimeMs()> m_now;
};

/// The error a blocked target's call fails with, without contacting it: the
/// block's kind and words, and the way out.
power::PowerError blocked_error(const store::Block& block);

/// How every drain reason slumber sets starts (blocks, failed resumes, power
/// lost again, crossed addresses …): `slumber unblock` and the web API's
/// "clear slumber drain" resume a node drained so, and no other.
inline constexpr std::string_view kSlumberDrainPrefix = "slumber:";

/// Whether Slurm shows `node` drained by someone other than slumber: an
/// admin's repair, a health check's. Its reason does not start with
/// kSlumberDrainPrefix (an empty one is slumber's that Slurm 22.05.8 cleared
/// on registration: scontrol refuses a drain without a reason; nor is one
/// made only of Slurm's own words, "Node unexpectedly rebooted" and the
/// like, which Slurm 22.05 puts in place of the drain's reason). slumber
/// never replaces such a drain: it keeps jobs off the node already, its
/// reason is the other's record, and `slumber unblock` would lift a drain
/// that had become slumber's.
bool drained_by_others(const slurm::NodeState& node);

/// The other node of a crossed block's pair, read from its words ("BMC
/// addresses of A and B look crossed: …"); nullopt for another kind, or
/// words that name no pair.
std::optional<std::string> crossed_partner(const store::Block& block);

/// How drain_reason() starts.
inline constexpr std::string_view kBlockDrainPrefix = "slumber: BMC ";

/// "slumber: BMC authentication failed; fix the credentials, then `slumber
/// unblock node1`": a drain reason for Slurm (one line, short). A crossed
/// block's names the pair (engine::crossed_drain_reason()).
std::string drain_reason(const store::Block& block);

/// Drains for the nodes Slurm gave up waking (DOWN, "ResumeTimeout
/// reached") whose power-on is blocked and for which `steps` has nothing:
/// Slurm 22.05 replaces the reason slumber drained them with, and clears
/// DRAIN, when ResumeTimeout strikes; the drain is given again.
std::vector<engine::Step> drains_for_blocks(const std::vector<engine::NodeFacts>& facts,
                                            const std::vector<store::Block>& blocks,
                                            const std::vector<engine::Step>& steps);

}  // namespace slumber::operate
