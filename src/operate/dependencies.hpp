// Devices that nodes need before they boot, such as the Infiniband switch on
// a smart plug ([[dependency]] in the configuration). Before any dependent
// node is powered on, its devices are switched on, confirmed and given their
// settle time; a device that does not come on fails the dependent power-ons
// with the reason, rather than booting nodes into a dead fabric. Once every
// node that depends on a device (in every group that names it) has slept for
// its group's off_after, the daemon switches the device off.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "engine/dependencies.hpp"
#include "operate/blocks.hpp"
#include "operate/clock.hpp"
#include "operate/targets.hpp"
#include "slurm/node_state.hpp"
#include "store/journal.hpp"

namespace slumber::operate {

struct Switcher;

using engine::DeviceNeed;

/// The configuration's [[dependency]] tables as the planner's groups.
std::vector<engine::DeviceGroup> device_groups(std::span<const config::Dependency> dependencies);

/// Writes what happened to a device into the journal.
using DeviceLog = std::function<void(const store::Event&)>;

/// Switches on, confirms and settles every device that `nodes` depend on.
/// Returns the nodes that must not be powered on, with why (of the device's
/// error kind). A device that `blocks` holds is not contacted, and a failure
/// that cannot heal blocks it. Safe to call from several threads: one
/// thread at a time handles a device. `switcher`: the drivers and the clock
/// (of the calls and the settle time) of the switch that needs the devices;
/// null: the real ones.
std::map<std::string, power::PowerError> bring_up_dependencies(const config::Config& config,
                                                               const std::vector<std::string>& nodes,
                                                               const DeviceLog& log,
                                                               const std::function<store::TimeMs()>& now,
                                                               Blocks& blocks, const Switcher* switcher = nullptr);

/// The daemon's side: watches how long dependents sleep and switches idle
/// devices off, once each time they become idle.
class DeviceKeeper {
  public:
    /// `clock` (the executor's retries, waiting and settle time) and
    /// `drivers` (build_drivers()) are seams for tests, as the carrier's;
    /// the clock must outlive the keeper.
    explicit DeviceKeeper(config::SharedConfig config, Clock& clock = system_clock(),
                          DriverSource drivers = build_drivers)
        : m_config(std::move(config)), m_clock(&clock), m_drivers(std::move(drivers)) {}
    explicit DeviceKeeper(const config::Config& config, Clock& clock = system_clock(),
                          DriverSource drivers = build_drivers)
        : DeviceKeeper(config::borrow(config), clock, std::move(drivers)) {}

    /// The configuration of the next pass (a reload); never while run() runs.
    void reconfigure(config::SharedConfig config) { m_config = std::move(config); }

    /// One pass over Slurm's view of the nodes; returns what it did, in words.
    /// A blocked device is left alone (`blocks`).
    std::vector<std::string> run(const std::vector<slurm::NodeState>& nodes, store::TimeMs now, const DeviceLog& log,
                                 Blocks& blocks);

  private:
    config::SharedConfig m_config;
    Clock* m_clock;
    DriverSource m_drivers;
    std::map<std::string, store::TimeMs> m_asleep_since;
    std::set<std::string> m_switched_off;               ///< idle devices already seen to
    std::map<std::string, store::TimeMs> m_failed_at;   ///< last failed switch-off, to pace retries
    std::map<std::string, std::string> m_last_failure;  ///< its words, to journal a block's once
};

}  // namespace slumber::operate
