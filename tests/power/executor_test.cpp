// The executor against scripted drivers and a clock that only moves when
// told: retries, backoff, waiting and fan-out without real time passing.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <thread>

#include "power/executor.hpp"

namespace slumber::power {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class FakeClock final : public Clock {
  public:
    time_point now() override {
        const std::lock_guard lock(m_mutex);
        return m_now;
    }
    void sleep_for(milliseconds duration) override {
        const std::lock_guard lock(m_mutex);
        m_sleeps.push_back(duration);
        m_now += duration;
    }
    std::vector<milliseconds> sleeps() {
        const std::lock_guard lock(m_mutex);
        return m_sleeps;
    }

  private:
    std::mutex m_mutex;
    time_point m_now{};
    std::vector<milliseconds> m_sleeps;
};

// A target whose answers are scripted: each call takes the next result, and
// the last one repeats. status() follows the power the actions set, unless
// scripted otherwise.
class ScriptedDriver final : public Driver {
  public:
    std::deque<Result<void>> action_results;
    std::deque<Result<PowerState>> status_results;
    PowerState power = PowerState::off;
    bool acts_before_failing = false;  ///< the action takes effect even when its answer is an error
    int calls = 0;
    int status_calls = 0;
    static inline std::atomic<int> active{0};
    static inline std::atomic<int> most_active{0};
    std::atomic<int> active_here{0};
    bool overlapped = false;

    Result<void> on() override { return act(PowerState::on); }
    Result<void> off() override { return act(PowerState::off); }
    Result<void> soft() override { return act(PowerState::off); }
    Result<void> cycle() override { return act(PowerState::on); }
    Result<PowerState> status() override {
        ++status_calls;
        if (status_results.empty()) return power;
        auto result = status_results.front();
        if (status_results.size() > 1) status_results.pop_front();
        return result;
    }

  private:
    Result<void> act(PowerState target) {
        ++calls;
        overlapped = overlapped || ++active_here > 1;
        const int now = ++active;
        for (int seen = most_active; now > seen && !most_active.compare_exchange_weak(seen, now);) {
        }
        std::this_thread::sleep_for(milliseconds{2});  // a window for overlap, were it allowed
        --active;
        --active_here;
        Result<void> result{};
        if (!action_results.empty()) {
            result = action_results.front();
            if (action_results.size() > 1) action_results.pop_front();
        }
        if (result || acts_before_failing) power = target;
        return result;
    }
};

Task task(const std::string& name, Driver& driver, int retries = 2) {
    return Task{name, &driver, CallPolicy{seconds{5}, retries, seconds{1}}};
}

TEST(Executor, TransientErrorsAreRetriedWithDoublingBackoff) {
    FakeClock clock;
    ScriptedDriver driver;
    driver.action_results = {fail(ErrorKind::unreachable, "no answer"), fail(ErrorKind::bmc_busy, "busy"), {}};
    Executor executor(clock);
    const std::vector tasks{task("n1", driver)};
    const auto outcomes = executor.run(Action::on, tasks, {});
    ASSERT_EQ(outcomes.size(), 1U);
    ASSERT_TRUE(outcomes[0].result);
    EXPECT_EQ(*outcomes[0].result, PowerState::on);
    EXPECT_EQ(outcomes[0].attempts, 3);
    EXPECT_EQ(clock.sleeps(), (std::vector<milliseconds>{seconds{1}, seconds{2}}));
    EXPECT_EQ(outcomes[0].elapsed, seconds{3});
    EXPECT_FALSE(outcomes[0].confirmed) << "not read back without --wait";
}

TEST(Executor, RetriesStopAtThePolicysLimitWithTheLastError) {
    FakeClock clock;
    ScriptedDriver driver;
    driver.power = PowerState::on;  // and it stays on: the "off" never took
    driver.action_results = {fail(ErrorKind::timeout, "session timed out")};
    Executor executor(clock);
    const std::vector tasks{task("n1", driver, 1)};
    const auto outcomes = executor.run(Action::off, tasks, {});
    ASSERT_FALSE(outcomes[0].result);
    EXPECT_EQ(outcomes[0].result.error().kind, ErrorKind::timeout);
    EXPECT_EQ(outcomes[0].attempts, 2);
    EXPECT_EQ(driver.calls, 2);
}

// A retry never repeats an action that may already have taken effect: a
// PushPowerButton pressed twice turns the machine back off.
TEST(Executor, AnActionThatTookEffectBeforeItsAnswerWasLostIsNotSentAgain) {
    FakeClock clock;
    ScriptedDriver driver;
    driver.acts_before_failing = true;
    driver.action_results = {fail(ErrorKind::timeout, "no complete answer in time"), {}};
    Executor executor(clock);
    const std::vector tasks{task("n1", driver, 3)};
    const auto outcomes = executor.run(Action::on, tasks, {});
    ASSERT_TRUE(outcomes[0].result) << describe(outcomes[0].result.error());
    EXPECT_EQ(*outcomes[0].result, PowerState::on);
    EXPECT_TRUE(outcomes[0].confirmed) << "read back before any second send";
    EXPECT_EQ(driver.calls, 1) << "sent once";
    EXPECT_EQ(outcomes[0].attempts, 1);
}

TEST(Executor, AChangeThatShowsLateIsWatchedNotResent) {
    FakeClock clock;
    ScriptedDriver driver;
    driver.action_results = {fail(ErrorKind::protocol, "garbled answer")};
    // Its state lags: off twice more, then on (the first look is the driver's own).
    driver.status_results = {PowerState::off, PowerState::off, PowerState::on};
    Executor executor(clock);
    const std::vector tasks{task("n1", driver, 2)};
    const auto outcomes = executor.run(Action::on, tasks, ExecutorOptions{.poll_interval = seconds{1}});
    ASSERT_TRUE(outcomes[0].result) << describe(outcomes[0].result.error());
    EXPECT_EQ(driver.calls, 1);
}

// Said to be in progress by the target, or seen still heading to its end at
// the close of the confirm window: either way under way, and never resent.
TEST(Executor, AnActionUnderWayIsNeverSentAgain) {
    const std::pair<PowerError, PowerState> cases[] = {
        {{ErrorKind::in_progress, "a change is in progress", "ResourceInUse"}, PowerState::off},
        {{ErrorKind::timeout, "no complete answer in time", ""}, PowerState::powering_on},
    };
    for (const auto& [error, seen] : cases) {
        FakeClock clock;
        ScriptedDriver driver;
        driver.action_results = {std::unexpected(error)};
        driver.status_results = {seen};
        Executor executor(clock);
        const std::vector tasks{task("n1", driver, 2)};
        const auto outcomes = executor.run(Action::on, tasks, {});
        ASSERT_FALSE(outcomes[0].result);
        EXPECT_EQ(outcomes[0].result.error().kind, ErrorKind::in_progress);
        EXPECT_EQ(outcomes[0].result.error().message,
                  fmt::format("on is under way: still {} after 30s; not sent again", to_string(seen)));
        EXPECT_EQ(driver.calls, 1) << "each retry watched the state; none sent the action";
    }
}

TEST(Executor, AuthenticationFailureIsNeverRetried) {
    FakeClock clock;
    ScriptedDriver driver;
    driver.action_results = {fail(ErrorKind::auth_failed, "", "password invalid")};
    Executor executor(clock);
    const std::vector tasks{task("n1", driver, 5)};
    const auto outcomes = executor.run(Action::on, tasks, {});
    ASSERT_FALSE(outcomes[0].result);
    EXPECT_EQ(outcomes[0].result.error().kind, ErrorKind::auth_failed);
    EXPECT_EQ(outcomes[0].result.error().bmc_said, "password invalid");
    EXPECT_EQ(driver.calls, 1) << "a BMC locks the account after a few bad logins";
    EXPECT_TRUE(clock.sleeps().empty());
}

TEST(Executor, OneTargetsFailureLeavesTheOthersAlone) {
    FakeClock clock;
    std::vector<ScriptedDriver> drivers(5);
    drivers[2].action_results = {fail(ErrorKind::auth_failed, "wrong password")};
    std::vector<Task> tasks;
    for (std::size_t i = 0; i < drivers.size(); ++i) tasks.push_back(task("n" + std::to_string(i), drivers[i]));
    Executor executor(clock);
    const auto outcomes = executor.run(Action::on, tasks, ExecutorOptions{.fanout = 3});
    ASSERT_EQ(outcomes.size(), 5U);
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        EXPECT_EQ(outcomes[i].target, "n" + std::to_string(i)) << "outcomes keep the order of the tasks";
        EXPECT_EQ(outcomes[i].result.has_value(), i != 2) << outcomes[i].target;
        EXPECT_EQ(drivers[i].power, i == 2 ? PowerState::off : PowerState::on);
    }
}

TEST(Executor, EachOutcomeIsReportedOnceAsItIsKnown) {
    FakeClock clock;
    std::vector<ScriptedDriver> drivers(6);
    drivers[4].action_results = {fail(ErrorKind::auth_failed, "wrong password")};
    std::vector<Task> tasks;
    for (std::size_t i = 0; i < drivers.size(); ++i) tasks.push_back(task("n" + std::to_string(i), drivers[i]));
    std::mutex lock;
    std::vector<std::string> reported(drivers.size());
    int calls = 0;
    Executor executor(clock);
    const auto outcomes = executor.run(Action::on, tasks,
                                       ExecutorOptions{.fanout = 3, .on_outcome = [&](std::size_t i, const Outcome& o) {
                                                           const std::lock_guard guard(lock);
                                                           ++calls;
                                                           reported[i] = o.target + (o.result ? ":ok" : ":failed");
                                                       }});
    EXPECT_EQ(calls, 6);
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        EXPECT_EQ(reported[i], outcomes[i].target + (i == 4 ? ":failed" : ":ok"));
    }
}

TEST(Executor, FanOutBoundsTheCallsInFlight) {
    FakeClock clock;
    std::vector<ScriptedDriver> drivers(40);
    std::vector<Task> tasks;
    for (std::size_t i = 0; i < drivers.size(); ++i) tasks.push_back(task("n" + std::to_string(i), drivers[i]));
    ScriptedDriver::most_active = 0;
    Executor executor(clock);
    const auto outcomes = executor.run(Action::cycle, tasks, ExecutorOptions{.fanout = 4});
    EXPECT_LE(ScriptedDriver::most_active.load(), 4);
    EXPECT_EQ(std::count_if(outcomes.begin(), outcomes.end(), [](const Outcome& o) { return o.result.has_value(); }),
              40);
}

TEST(Executor, TheSameTargetIsNeverCalledTwiceAtOnce) {
    FakeClock clock;
    ScriptedDriver driver;
    std::vector<Task> tasks(8, task("n1", driver));
    Executor executor(clock);
    (void)executor.run(Action::on, tasks, ExecutorOptions{.fanout = 8});
    EXPECT_EQ(driver.calls, 8);
    EXPECT_FALSE(driver.overlapped);
}

// A change whose answer was lost is watched by reading the power state, and
// each read is a login: a read refused for its password ends the watch and
// the call at once. A soak's BMC whose password changed under a power cycle
// saw a login a second for the whole 30 s confirm window.
TEST(Executor, ARefusedPasswordEndsTheWatchAtOnce) {
    FakeClock clock;
    ScriptedDriver driver;
    driver.action_results = {fail(ErrorKind::timeout, "no complete answer in time")};
    driver.status_results = {fail(ErrorKind::auth_failed, "", "password invalid")};
    Executor executor(clock);
    const std::vector tasks{task("n1", driver, 3)};
    const auto outcomes = executor.run(Action::cycle, tasks, ExecutorOptions{.poll_interval = seconds{1}});
    ASSERT_FALSE(outcomes[0].result);
    EXPECT_EQ(outcomes[0].result.error().kind, ErrorKind::auth_failed);
    EXPECT_EQ(driver.calls, 1);
    EXPECT_EQ(driver.status_calls, 1) << "one refused login, then nothing";
}

TEST(Executor, WaitingStopsAtARefusedPassword) {
    FakeClock clock;
    ScriptedDriver driver;
    driver.status_results = {fail(ErrorKind::auth_failed, "", "password invalid")};
    Executor executor(clock);
    const std::vector tasks{task("n1", driver)};
    const auto outcomes =
        executor.run(Action::on, tasks, ExecutorOptions{.wait = seconds{30}, .poll_interval = milliseconds{500}});
    ASSERT_FALSE(outcomes[0].result);
    EXPECT_EQ(outcomes[0].result.error().kind, ErrorKind::auth_failed);
    EXPECT_EQ(driver.status_calls, 1);
}

TEST(Executor, WaitingPollsStatusUntilThePowerChanges) {
    FakeClock clock;
    ScriptedDriver driver;
    // The BMC accepted "on" but the power comes on only at the third look.
    driver.status_results = {PowerState::off, PowerState::off, PowerState::on};
    Executor executor(clock);
    const std::vector tasks{task("n1", driver)};
    const auto outcomes =
        executor.run(Action::on, tasks, ExecutorOptions{.wait = seconds{30}, .poll_interval = milliseconds{500}});
    ASSERT_TRUE(outcomes[0].result);
    EXPECT_TRUE(outcomes[0].confirmed);
    EXPECT_EQ(driver.status_calls, 3);
    EXPECT_EQ(outcomes[0].elapsed, milliseconds{1000});
}

TEST(Executor, WaitingGivesUpAfterTheLimit) {
    FakeClock clock;
    ScriptedDriver driver;
    driver.status_results = {PowerState::on};  // a node that ignores "off"
    Executor executor(clock);
    const std::vector tasks{task("n1", driver)};
    const auto outcomes = executor.run(Action::off, tasks, ExecutorOptions{.wait = seconds{10}});
    ASSERT_FALSE(outcomes[0].result);
    EXPECT_EQ(outcomes[0].result.error().kind, ErrorKind::timeout);
    EXPECT_EQ(outcomes[0].result.error().message, "still on after 10s of waiting");
    EXPECT_EQ(outcomes[0].elapsed, seconds{10});
}

TEST(Executor, StatusIsConfirmedByDefinition) {
    FakeClock clock;
    ScriptedDriver driver;
    Executor executor(clock);
    const std::vector tasks{task("n1", driver)};
    const auto outcomes = executor.run(Action::status, tasks, {});
    ASSERT_TRUE(outcomes[0].result);
    EXPECT_EQ(*outcomes[0].result, PowerState::off);
    EXPECT_TRUE(outcomes[0].confirmed);
    EXPECT_EQ(driver.calls, 0);
}

}  // namespace
}  // namespace slumber::power
