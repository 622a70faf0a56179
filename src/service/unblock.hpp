// Lifting blocks: an admin, having fixed a BMC's account, lets slumber call
// its targets again (`slumber unblock`, and the dashboard's action).
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "operate/carrier.hpp"
#include "slurm/slurm_view.hpp"

namespace slumber::service {

/// What lifting did for one target.
struct Unblocked {
    std::string target;
    /// "unblocked" or "was not blocked", then what followed: "; back in
    /// service in Slurm" (a node slumber drained for its block), "; power-on
    /// asked again" (Slurm was waking it when the block refused), or why not.
    std::string words;
    bool ok = true;  ///< false when the journal or Slurm refused a step, or nothing could be done
    /// Drained by someone else (a reason not starting "slumber:"): the
    /// drain was left as it is, and the words say so.
    bool drain_left = false;
};

struct UnblockResult {
    std::vector<Unblocked> targets;  ///< in the order asked for
    /// A power-on was journaled again: the daemon must be woken (or, with
    /// none, `slumber power on` run) for it to happen.
    bool woken = false;
    /// A block was lifted: the daemon, woken, reads those nodes' BMCs at
    /// once (engine::NodeFacts::unblocked_at) instead of at its next look.
    bool lifted = false;
};

struct UnblockError {
    enum class Kind {
        unknown,  ///< a name neither configured nor blocked (a typo): nothing was changed
        journal,  ///< the journal could not be opened or read: nothing was changed
    };
    Kind kind;
    std::string words;
};

/// Lifts every block on `targets` (node or device names) and clears
/// slumber's drains: a node slumber drained (for its block, failed resumes,
/// a power lost again …: a reason starting "slumber:",
/// operate::kSlumberDrainPrefix) is returned to service with `scontrol
/// update State=RESUME`; a drain of anyone else's is left, and said so (not
/// ok when it was all there was to do). A node Slurm is still waking has its
/// power-on journaled again, or the job would wait out ResumeTimeout. A
/// block left by a target since removed from the file can still be lifted.
/// `who` names the caller in the journal ("lifted by …").
std::expected<UnblockResult, UnblockError> unblock(const config::Config& config,
                                                   const std::vector<std::string>& targets,
                                                   std::string_view who = "`slumber unblock`",
                                                   const operate::Now& now = operate::wall_clock_ms);
/// The same, asking `slurm` (tests give their own).
std::expected<UnblockResult, UnblockError> unblock(const config::Config& config, const slurm::SlurmView& slurm,
                                                   const std::vector<std::string>& targets, std::string_view who,
                                                   const operate::Now& now = operate::wall_clock_ms);

}  // namespace slumber::service
