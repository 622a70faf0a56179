// An admin's power command: `slumber power on|off|soft|cycle|status`, and
// next the HTTP API's power action and `doctor`'s reads. One deliberate
// attempt per target, blocked or not, through operate::Switcher (devices
// first, the executor); the outcomes update the blocks the daemon and the
// hooks obey (docs/power.md, "Blocked targets"). power_json.hpp writes the
// outcomes' JSON.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "operate/dependencies.hpp"
#include "power/driver.hpp"
#include "power/executor.hpp"
#include "slurm/node_state.hpp"
#include "store/journal.hpp"

namespace slumber::service {

/// The targets an admin named, each with the driver built for it from the
/// configuration (power::make_driver on Config::settings_for).
struct PowerTargets {
    config::Config config;
    std::vector<const config::PowerTarget*> targets;  ///< each once, in the order first named
    /// One per target; a target whose driver cannot be built keeps the
    /// reason and fails alone, the others go ahead.
    std::vector<power::Result<std::unique_ptr<power::Driver>>> drivers;
};

/// The nodes and devices of `config` named in `names` (each once), with a
/// driver each; or the names that are not in the configuration, in the
/// order given.
std::expected<PowerTargets, std::vector<std::string>> power_targets(config::Config config,
                                                                    const std::vector<std::string>& names);

struct PowerRequest {
    power::Action action = power::Action::status;
    int fanout = 64;                    ///< targets switched at once, at least 1
    std::chrono::milliseconds wait{0};  ///< confirm each change by polling for at most this long; 0: do not
    /// For on and cycle, the devices the targets depend on ([[dependency]])
    /// are switched on first, as for Slurm's resumes: each of their events
    /// comes here as it happens (may be empty).
    operate::DeviceLog devices{};
    std::string source = "slumber power";  ///< who asks, for the blocks a failure records
    /// Who asks, for the requests journaled for the nodes (on, off, soft
    /// and cycle; Journal::start_requests()): recovery then takes a node
    /// that goes dark after a power-off for one slumber switched off, not
    /// for a power loss.
    store::RequestSource journal_as = store::RequestSource::hand_power;
    /// After switching nodes (on, off, soft, cycle), one look at Slurm for
    /// the crossed-address watch (operate::CrossedLook) when the journal
    /// exists: a daemon started later, or one that had not looked since,
    /// judges the change by what each node was around it. Off where Slurm
    /// is known to be away (`slumber power --without-slurm`) and inside the
    /// daemon, whose watch looks itself. A look that fails is said through
    /// `warn`, when given.
    bool crossed_look = false;
    std::function<void(const std::string&)> warn{};
};

/// Whether `action` takes a node's power away: off, soft, cycle.
bool powers_off(power::Action action);

/// A node not switched because Slurm shows it running a job, or cannot say.
struct Refused {
    std::string target;
    std::string why;  ///< "Slurm shows it running a job (ALLOCATED): …"
};

/// For an action that powers off: takes out of `targets` the nodes that
/// Slurm's `view` shows running a job (slumber powers off no such node, on
/// anyone's word), journals each refusal when the journal exists, and
/// returns them in the order of `targets`. Devices, and nodes Slurm does not
/// list, stay. Nothing for any other action.
std::vector<Refused> refuse_busy_nodes(PowerTargets& targets, power::Action action,
                                       const std::vector<slurm::NodeState>& view, std::string_view who);

/// For an action that powers off, when Slurm cannot be asked whether the
/// nodes run a job (`slurm_error`: why not): takes every node out of
/// `targets`, refused and journaled as refuse_busy_nodes does; an admin who
/// knows (slurmctld down, a rig without Slurm) says so with --without-slurm
/// and this is not called. Devices stay.
std::vector<Refused> refuse_unchecked_nodes(PowerTargets& targets, power::Action action, std::string_view slurm_error,
                                            std::string_view who);

/// Switches every target of `targets` as `request` says; each one's
/// outcome, in the order of targets.targets. A target without a driver
/// fails with its driver's error and 0 attempts. The journal (the daemon's,
/// when it exists and this user may write it) records and lifts blocks;
/// for on, off, soft and cycle it records a request per node (source
/// `request.journal_as`) with its outcome, and each switch of a device as
/// a power-on, power-off, shutdown or power-cycle event "ACTION by SOURCE:
/// ..."; without it the targets are only switched.
std::vector<power::Outcome> switch_power(const PowerTargets& targets, const PowerRequest& request);

/// The journal an admin's command records and lifts blocks in: nullptr when
/// it does not exist (it is not made here) or this user cannot open it;
/// the command then only acts.
std::unique_ptr<store::Journal> existing_journal(const config::Config& config);

}  // namespace slumber::service
