// Each node as Slurm, its power controller and slumber's journal see it: what
// `slumber status` shows and what the metrics endpoint and the dashboard
// serve. Typed values; rendering them is the front end's business
// (node_view_json.hpp for the one JSON schema they share).
#pragma once

#include <expected>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "engine/boot_stats.hpp"
#include "engine/power_phase.hpp"
#include "operate/bmc_reads.hpp"
#include "operate/carrier.hpp"
#include "slurm/node_state.hpp"
#include "store/journal.hpp"

namespace slumber::service {

/// What a node's power controller said when asked for the power state.
struct PowerReading {
    enum class Kind {
        on,
        off,
        transitional,  ///< powering_on, powering_off or paused (Redfish's Resource.PowerState)
        error,         ///< it could not be read: `words` says why
        blocked,       ///< not asked: a failure that cannot heal blocks it (store::Block)
        not_asked,     ///< not asked: this user may not read its credentials file, or slumber refuses it
    };
    Kind kind = Kind::not_asked;
    std::optional<power::PowerState> state;  ///< for on, off and transitional
    std::string words;  ///< for error: power::describe()'s words; a device's text in it is untrusted

    /// "on", "off", "powering_on" …, "error: WORDS", "blocked", or "-" for
    /// not asked: the POWER column of `slumber status` and its JSON.
    [[nodiscard]] std::string text() const;
};

struct NodeView {
    std::string name;
    /// Slurm's view; nothing when Slurm does not list the node or could not
    /// be asked (ClusterView::warnings says why).
    std::optional<slurm::NodeState> slurm;
    PowerReading power;
    /// Where Slurm's view and the controller's disagree about power
    /// (engine::power_disagreement()); empty when they agree or either is unknown.
    std::string disagreement;
    std::optional<store::Request> last_request;  ///< the latest request journaled for the node
    std::vector<store::Block> blocks;            ///< failures that cannot heal, on this node
    std::optional<engine::BootStats> boots;      ///< power-on to registration, as measured so far
    /// The power phase the journal's rows put it in, and since when
    /// (service/power_phases.hpp); nothing before its first power row.
    std::optional<engine::PhaseChange> phase;
};

struct ClusterView {
    store::TimeMs time = 0;            ///< when it was taken, Unix milliseconds
    std::vector<NodeView> nodes;       ///< in the order asked for
    std::vector<store::Block> blocks;  ///< every block in scope, devices' included
    bool slurm_answered = false;       ///< `scontrol show node` answered and was understood
    /// Credentials files this user may not read (the daemon's, mode 600):
    /// the controllers behind them were not asked.
    std::set<std::filesystem::path> unread_credentials;
    /// Credentials files slumber refuses (config::refuse_credentials_file():
    /// group-readable, say), with the refusal and its fix: the controllers
    /// behind them were not asked, and no slumber process will ask them.
    std::map<std::filesystem::path, config::ConfigError> refused_credentials;
    /// What made the view incomplete or may mislead: Slurm could not be
    /// asked; the daemon runs with another configuration than the file's.
    std::vector<std::string> warnings;
};

/// BMC reads the daemon already made (its reconciler's latest answer per
/// node, operate::BmcReads, each with when it was asked and came), by node.
using PublishedReads = std::map<std::string, operate::BmcReading>;

/// The nodes named (every configured node when `nodes` is empty) as they
/// are now. Asks Slurm (`scontrol show node`) once and each node's power
/// controller once, in parallel, except those blocked, whose credentials
/// this user may not read or slumber refuses (Config::refused_credentials): a page polled every few seconds never
/// hammers a BMC that refused the password. Reads the journal for the latest request, blocks and boots. Errors: the
/// journal cannot be opened (in words).
/// With `published` (the web server's view), no controller is asked at all:
/// each node's power is its published read, or not_asked when it has none
/// or the read was asked before the node's latest journaled request.
std::expected<ClusterView, std::string> view_nodes(const config::Config& config, const std::vector<std::string>& nodes,
                                                   const operate::Now& now = operate::wall_clock_ms,
                                                   const PublishedReads* published = nullptr);

}  // namespace slumber::service
