// Runs one action over many targets at once: a bounded number in flight,
// never two calls to the same target at the same time, retries with backoff
// for transient errors only, and every target's own outcome reported. One
// target's failure never affects another's. Two calls to one target wait for
// each other across every Executor of the process (TargetLocks). A retry
// never repeats an action that may already have taken effect: after a
// failure whose request may have reached the target (a lost answer, "in
// progress"), the target's state is watched first, and the action is sent
// again only if it did not take.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "power/clock.hpp"
#include "power/driver.hpp"
#include "power/policy.hpp"

namespace slumber::power {

struct Task {
    std::string target;
    Driver* driver = nullptr;
    CallPolicy policy;
};

struct Outcome {
    std::string target;
    /// For status, the state; for an action, the state it leads to once
    /// confirmed (with waiting), else the state asked for.
    Result<PowerState> result;
    bool confirmed = false;  ///< the state was read back from the target
    int attempts = 0;
    std::chrono::milliseconds elapsed{0};
};

struct ExecutorOptions {
    int fanout = 64;  ///< targets in flight at once
    /// After an action, poll status until the change holds (IPMI lets a
    /// command return before the power changes), for at most this long.
    std::chrono::milliseconds wait{0};
    std::chrono::milliseconds poll_interval = std::chrono::seconds(1);
    /// Called with each task's index and outcome as soon as it is known, from
    /// the worker thread that ran it: a slow target does not hold back the
    /// news of the fast ones.
    std::function<void(std::size_t, const Outcome&)> on_outcome{};
};

class Executor {
  public:
    explicit Executor(Clock& clock = steady_clock()) : m_clock(clock) {}

    /// Outcomes in the order of `tasks`.
    std::vector<Outcome> run(Action action, std::span<const Task> tasks, const ExecutorOptions& options);

  private:
    Outcome run_one(Action action, const Task& task, const ExecutorOptions& options);
    struct Settled {
        bool reached = false;     ///< the target is where the action leads
        bool send_again = false;  ///< it never moved: the action did not take
        PowerError why;           ///< otherwise: still under way, or unreadable
    };
    Settled settle_after(Action action, const Task& task, const ExecutorOptions& options, bool said_in_progress);

    Clock& m_clock;
};

}  // namespace slumber::power
