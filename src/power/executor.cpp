#include "power/executor.hpp"

#include <fmt/format.h>

#include <thread>

#include "power/target_locks.hpp"
#include "util/duration.hpp"
#include "util/parallel.hpp"
#include "util/vocabulary.hpp"

namespace slumber::power {
namespace {

class SteadyClock final : public Clock {
  public:
    time_point now() override { return std::chrono::steady_clock::now(); }
    void sleep_for(std::chrono::milliseconds duration) override { std::this_thread::sleep_for(duration); }
};

Result<PowerState> call(Driver& driver, Action action) {
    auto done = [](Result<void> result, PowerState state) -> Result<PowerState> {
        if (!result) return std::unexpected(result.error());
        return state;
    };
    switch (action) {
        case Action::on:
            return done(driver.on(), PowerState::on);
        case Action::off:
            return done(driver.off(), PowerState::off);
        case Action::soft:
            return done(driver.soft(), PowerState::off);
        case Action::cycle:
            return done(driver.cycle(), PowerState::on);
        case Action::status:
            return driver.status();
    }
    return fail(ErrorKind::internal, "unknown action");
}

// The state an action leads to; a cycle ends on.
PowerState goal_of(Action action) {
    return action == Action::off || action == Action::soft ? PowerState::off : PowerState::on;
}

// Whether an action that failed this way may have reached the target: its
// answer was lost or garbled, or the target said a change is under way.
// Unreachable (nothing got through), busy (refused) and the rest may be sent
// again at once.
bool may_have_acted(ErrorKind kind) {
    return kind == ErrorKind::timeout || kind == ErrorKind::protocol || kind == ErrorKind::in_progress;
}

// A driver that throws (a parser surprised by a device's answer) fails its
// own target, not the daemon that called it.
Result<PowerState> perform(Driver& driver, Action action) {
    try {
        return call(driver, action);
    } catch (const std::exception& error) {
        return fail(ErrorKind::internal, fmt::format("the driver failed: {}", error.what()));
    }
}

}  // namespace

constexpr std::array<util::Word<Action>, 5> kActionWords{{
    {Action::on, "on"},
    {Action::off, "off"},
    {Action::soft, "soft"},
    {Action::cycle, "cycle"},
    {Action::status, "status"},
}};

Clock& steady_clock() {
    static SteadyClock clock;
    return clock;
}

std::string_view to_string(Action action) { return util::word_of(kActionWords, action); }

std::optional<Action> action_from(std::string_view word) { return util::value_of(kActionWords, word); }

// After an action failed in a way that may have reached the target, its
// state decides instead of a second send: a PushPowerButton pressed twice
// turns the machine back off, and a second Reset while one is in progress
// is refused or worse. Watches for the policy's confirm time: the goal
// reached is a success; a change still heading there at the end, or one the
// target said was in progress, is not sent again; only a state seen settled
// where it was for the whole window means the action did not take.
Executor::Settled Executor::settle_after(Action action, const Task& task, const ExecutorOptions& options,
                                         bool said_in_progress) {
    const PowerState goal = goal_of(action);
    const auto deadline = m_clock.now() + task.policy.confirm;
    for (;;) {
        const auto state = perform(*task.driver, Action::status);
        if (state && *state == goal) return {true, false, {}};
        // A refused password (or another failure that cannot heal) ends the
        // watch at once: each read is a login, and a soak's BMC whose
        // password changed under a power cycle saw 30 in 30 s.
        if (!state && !info(state.error().kind).transient) return {false, false, state.error()};
        if (m_clock.now() >= deadline) {
            if (!state) return {false, false, state.error()};
            if (!said_in_progress && heading(*state) != goal) return {false, true, {}};
            return {false, false,
                    PowerError{ErrorKind::in_progress,
                               fmt::format("{} is under way: still {} after {}; not sent again", to_string(action),
                                           to_string(*state), util::format_duration(task.policy.confirm)),
                               {}}};
        }
        m_clock.sleep_for(options.poll_interval);
    }
}

Outcome Executor::run_one(Action action, const Task& task, const ExecutorOptions& options) {
    const auto serialized = TargetLocks::process().lock(task.target);
    const auto start = m_clock.now();
    Outcome outcome{task.target, fail(ErrorKind::internal, "not run"), false, 0, {}};
    auto backoff = task.policy.backoff;
    bool may_be_under_way = false;  // the last send may have reached the target
    bool said_in_progress = false;
    for (int attempt = 0; attempt <= task.policy.retries; ++attempt) {
        if (attempt > 0) {
            m_clock.sleep_for(backoff);
            backoff *= 2;
        }
        if (may_be_under_way) {
            Settled settled = settle_after(action, task, options, said_in_progress);
            if (settled.reached) {
                outcome.result = goal_of(action);
                outcome.confirmed = true;
                break;
            }
            if (!settled.send_again) {
                outcome.result = std::unexpected(std::move(settled.why));
                // A refused password: no more reads either (each is a login).
                if (!info(outcome.result.error().kind).transient) break;
                continue;  // the next attempt watches again; nothing is sent
            }
        }
        ++outcome.attempts;
        outcome.result = perform(*task.driver, action);
        // An authentication failure is never retried: BMCs lock accounts.
        if (outcome.result || !info(outcome.result.error().kind).transient) break;
        may_be_under_way = action != Action::status && may_have_acted(outcome.result.error().kind);
        said_in_progress = outcome.result.error().kind == ErrorKind::in_progress;
    }
    outcome.confirmed = outcome.confirmed || (outcome.result && action == Action::status);
    if (outcome.result && !outcome.confirmed && action != Action::status && options.wait.count() > 0) {
        const PowerState wanted = *outcome.result;
        const auto deadline = m_clock.now() + options.wait;
        for (;;) {
            const auto state = perform(*task.driver, Action::status);
            if (state && *state == wanted) {
                outcome.confirmed = true;
                break;
            }
            if (!state && !info(state.error().kind).transient) {  // as in settle_after()
                outcome.result = std::unexpected(state.error());
                break;
            }
            if (m_clock.now() >= deadline) {
                outcome.result =
                    state ? fail(ErrorKind::timeout, fmt::format("still {} after {} of waiting", to_string(*state),
                                                                 util::format_duration(options.wait)))
                          : std::unexpected(state.error());
                break;
            }
            m_clock.sleep_for(options.poll_interval);
        }
    }
    outcome.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(m_clock.now() - start);
    return outcome;
}

std::vector<Outcome> Executor::run(Action action, std::span<const Task> tasks, const ExecutorOptions& options) {
    std::vector<Outcome> outcomes(tasks.size());
    util::parallel_for(tasks.size(), options.fanout, [&](std::size_t i) {
        outcomes[i] = run_one(action, tasks[i], options);
        if (options.on_outcome) options.on_outcome(i, outcomes[i]);
    });
    return outcomes;
}

}  // namespace slumber::power
