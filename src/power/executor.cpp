#include "power/executor.hpp"

#include <fmt/format.h>

#include <thread>

#include "util/parallel.hpp"

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

Clock& steady_clock() {
    static SteadyClock clock;
    return clock;
}

std::string_view to_string(Action action) {
    switch (action) {
        case Action::on:
            return "on";
        case Action::off:
            return "off";
        case Action::soft:
            return "soft";
        case Action::cycle:
            return "cycle";
        case Action::status:
            return "status";
    }
    return "?";
}

std::mutex& Executor::lock_for(const std::string& target) {
    const std::lock_guard guard(m_locks_guard);
    auto& lock = m_locks[target];
    if (!lock) lock = std::make_unique<std::mutex>();
    return *lock;
}

Outcome Executor::run_one(Action action, const Task& task, const ExecutorOptions& options) {
    const std::lock_guard serialized(lock_for(task.target));
    const auto start = m_clock.now();
    Outcome outcome{task.target, fail(ErrorKind::internal, "not run"), false, 0, {}};
    auto backoff = task.policy.backoff;
    for (int attempt = 0; attempt <= task.policy.retries; ++attempt) {
        if (attempt > 0) {
            m_clock.sleep_for(backoff);
            backoff *= 2;
        }
        ++outcome.attempts;
        outcome.result = perform(*task.driver, action);
        // An authentication failure is never retried: BMCs lock accounts.
        if (outcome.result || !info(outcome.result.error().kind).transient) break;
    }
    outcome.confirmed = outcome.result && action == Action::status;
    if (outcome.result && action != Action::status && options.wait.count() > 0) {
        const PowerState wanted = *outcome.result;
        const auto deadline = m_clock.now() + options.wait;
        for (;;) {
            const auto state = perform(*task.driver, Action::status);
            if (state && *state == wanted) {
                outcome.confirmed = true;
                break;
            }
            if (m_clock.now() >= deadline) {
                outcome.result =
                    state ? fail(ErrorKind::timeout, fmt::format("still {} after {} s of waiting", to_string(*state),
                                                                 options.wait.count() / 1000))
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
