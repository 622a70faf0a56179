// The one way slumber switches targets: the carrier (the daemon's and a
// hook's), the reconciler's BMC reads, the devices nodes depend on and
// `slumber power` all come here. Drivers from a source, blocked targets left
// alone (docs/power.md, "Blocked targets"), the devices the targets depend on
// switched on first ([[dependency]]), the executor (fan-out, retries,
// confirmation), each target's outcome as it comes, and the blocks that the
// failures call for recorded.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "operate/blocks.hpp"
#include "operate/clock.hpp"
#include "operate/dependencies.hpp"
#include "operate/targets.hpp"
#include "power/executor.hpp"

namespace slumber::operate {

/// How long a power change of a node or a device may take to show in its
/// BMC's (or plug's) status: the wait of every power-on and power-off the
/// carrier and the devices' keeper ask for (SwitchPlan::wait).
inline constexpr std::chrono::milliseconds kConfirmWithin = std::chrono::seconds(30);

/// Descriptors one power call in flight may hold: a BMC session's socket
/// (IPMI, HTTP), or the pipes of an exec driver's command (four until the
/// child has its ends, util::run_command()).
inline constexpr long kFilesPerCall = 4;
/// Descriptors kept for all else: the journal, the daemon's socket and web
/// server, logs, scontrol's pipes.
inline constexpr long kFilesKept = 64;

/// `wanted` ([daemon] fanout) calls in flight, at most as many as
/// `open_files` (the soft RLIMIT_NOFILE, util::open_files_limit()) leaves
/// room for at kFilesPerCall each after kFilesKept; at least 1. A limit
/// that could not be read (negative) bounds nothing.
int bounded_fanout(int wanted, long open_files);

/// Why a target was not called.
enum class NotCalled {
    no,         ///< it was called: the outcome is its own
    no_driver,  ///< the driver source gave none (not configured, unreadable credentials, bad settings)
    blocked,    ///< a failure that cannot heal blocks it (Blocks::hold)
    no_device,  ///< a device it depends on did not come on
};

struct TargetOutcome {
    /// The call's; for a target not called, the error it fails with and 0
    /// attempts (no_driver: ErrorKind::config and the source's words).
    power::Outcome outcome{};
    NotCalled not_called = NotCalled::no;
    std::string no_driver{};  ///< the driver source's words, for no_driver
    /// The block this call's failure set, when it is new (journaled once).
    std::optional<store::Block> block{};
};

struct SwitchPlan {
    power::Action action = power::Action::status;
    std::vector<std::string> targets{};
    int fanout = 64;                    ///< targets in flight at once
    std::chrono::milliseconds wait{0};  ///< confirm each change for at most this long (ExecutorOptions::wait)
    /// When set, the devices the targets depend on are switched on first,
    /// their events written here (bring_up_dependencies()).
    DeviceLog dependencies{};
    /// Who asks, for the blocks a failure records ("slumber power"), per
    /// target (its index in `targets`).
    std::function<std::string(std::size_t)> source{};
    /// Called before the executor with the tasks to run and each one's index
    /// in `targets`: may put another driver in a task's place (the
    /// carrier's fresh boots), which must outlive the call.
    std::function<void(std::span<const std::size_t>, std::vector<power::Task>&)> prepare{};
    /// Each target's outcome once known: those not called first, on the
    /// calling thread; the others from the executor's workers, as each
    /// finishes.
    std::function<void(std::size_t, const TargetOutcome&)> on_target{};
    /// Called once every outcome is in, before any block is recorded (the
    /// carrier writes its outcomes first: one journal writer at a time).
    std::function<void()> settled{};
};

/// What switching takes from outside: where drivers come from, and the
/// clock that paces retries and waiting and times the journal's events.
/// Tests give their own.
struct Switcher {
    DriverSource drivers = build_drivers;
    Clock* clock = &system_clock();

    /// Carries out `plan` for the targets of `config`; every target's
    /// outcome, in the order of plan.targets.
    std::vector<TargetOutcome> run(const config::Config& config, Blocks& blocks, const SwitchPlan& plan) const;
};

}  // namespace slumber::operate
