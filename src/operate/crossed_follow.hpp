// A daemon standing by beside a backup slurmctld (docs/ha.md) keeps the
// crossed pairs of its own journal as Slurm's drains show them, so that a
// takeover neither forgets a pair the acting daemon suspected nor brings
// back one an admin has unblocked there.
//
// Each controller's daemon has its own journal (SQLite in WAL mode must not
// live on a shared filesystem), but both read the same Slurm: the acting
// daemon drains a crossed pair with a reason naming both nodes, keeps it
// drained while its block lasts, and `slumber unblock A,B` clears that
// drain. Slurm's drain is therefore the record the two daemons share: a
// tester's backup, knowing nothing of a pair the primary had blocked, took
// over, switched one node off through the crossed address (the other's
// machine went dark) and started the wrong machine for a job; and a pair
// unblocked through the primary was drained again by the backup's own old
// block when it took control.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "slurm/node_state.hpp"
#include "store/journal.hpp"

namespace slumber::operate {

/// The pair a drain reason names when it is one of slumber's crossed
/// drains: the daemon's (engine::crossed_drain_reason(), "slumber: BMC
/// addresses of A and B look crossed; check, then slumber unblock A,B") or
/// `slumber doctor --verify-mapping`'s ("slumber: BMC addresses of A and B
/// look crossed: A's BMC started B; swap them, then slumber unblock A,B";
/// before 2026-12-02 "slumber: crossed BMC addresses? …"). Both end in the command that lifts them;
/// Slurm 23.02 and later may append words of their own after it. The pair
/// as written there; nullopt for any other reason.
std::optional<std::pair<std::string, std::string>> crossed_pair_in_reason(std::string_view reason);

/// One pass of a daemon standing by, over Slurm's view of every node:
/// - a pair Slurm shows drained for crossed addresses (either node), both
///   nodes in `config`, is blocked in `journal` as the acting daemon blocked
///   it, for each node not blocked for it yet;
/// - a crossed block of `journal` whose pair Slurm shows undrained, both
///   nodes (no DRAIN at all: 22.05.8 keeps DRAIN but drops the reason when
///   a powered-down node registers), is lifted: it was unblocked where the
///   other daemon acts. A block whose partner it cannot name, or a node
///   Slurm does not show, is kept.
/// `acting` names the controller in control, for the journal's words.
/// Returns what it did, a line each, for the log. Errors: the journal's.
store::DbResult<std::vector<std::string>> follow_crossed_drains(store::Journal& journal, const config::Config& config,
                                                                const std::vector<slurm::NodeState>& nodes,
                                                                std::string_view acting, store::TimeMs now);

/// The same for this journal's other blocks (a refused password, say), while
/// another controller is in control or this daemon is taking control back:
/// a block of a node this journal drained for it (a `drained` or recovery
/// drain event after the block, outcome ok) whose node Slurm now shows
/// undrained was lifted there (`slumber unblock` resumes slumber's drain)
/// or by an admin, and is lifted here too, so that a daemon that takes
/// control back does not refuse a node the other one switched since (a
/// tester's). If the BMC still refuses, its first refusal blocks it again:
/// one login, as docs/ha.md counts. Crossed blocks are
/// follow_crossed_drains()'s. Returns a line per node for the log.
store::DbResult<std::vector<std::string>> follow_lifted_drains(store::Journal& journal,
                                                               const std::vector<slurm::NodeState>& nodes,
                                                               std::string_view acting, store::TimeMs now);

}  // namespace slumber::operate
