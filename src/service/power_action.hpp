// An admin's power command: `slumber power on|off|soft|cycle|status`, and
// next the HTTP API's power action and `doctor`'s reads. One deliberate
// attempt per target, blocked or not, through operate::Switcher (devices
// first, the executor); the outcomes update the blocks the daemon and the
// hooks obey (docs/power.md, "Blocked targets"). power_json.hpp writes the
// outcomes' JSON.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "operate/dependencies.hpp"
#include "power/driver.hpp"
#include "power/executor.hpp"
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
};

/// Switches every target of `targets` as `request` says; each one's
/// outcome, in the order of targets.targets. A target without a driver
/// fails with its driver's error and 0 attempts. The journal (the daemon's,
/// when it exists and this user may write it) records each switch (not a
/// status read) as a power-on, power-off, shutdown or power-cycle event
/// "ACTION by SOURCE: ...", and records and lifts blocks; without it the
/// targets are only switched.
std::vector<power::Outcome> switch_power(const PowerTargets& targets, const PowerRequest& request);

/// The journal an admin's command records and lifts blocks in: nullptr when
/// it does not exist (it is not made here) or this user cannot open it;
/// the command then only acts.
std::unique_ptr<store::Journal> existing_journal(const config::Config& config);

}  // namespace slumber::service
