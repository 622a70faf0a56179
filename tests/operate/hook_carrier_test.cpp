// Carriers that hooks start when no daemon runs: side by side with each
// other, never beside a daemon, and the requests a carrier that died left
// running taken back by the first one that finds itself alone — never while
// their carrier may still be at work. Nodes switched by `exec` commands.
#include "operate/hook_carrier.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "../support/exec_nodes.hpp"
#include "../support/journal.hpp"
#include "../support/temp_dir.hpp"
#include "operate/carrier.hpp"
#include "operate/carrier_lock.hpp"

namespace slumber::operate {
namespace {

namespace fs = std::filesystem;

TEST(CarrierLock, TheDaemonHoldsItAloneCarriersSideBySide) {
    std::string pattern = (fs::temp_directory_path() / "slumber-carrier-lock-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    const fs::path file = fs::path(pattern) / "carrier.lock";
    auto a = CarrierLock::open(file);
    auto b = CarrierLock::open(file);
    ASSERT_TRUE(a && b);
    EXPECT_TRUE(a->try_exclusive());
    EXPECT_FALSE(b->try_exclusive());
    EXPECT_FALSE(b->try_shared()) << "nobody works beside a daemon";
    EXPECT_TRUE(a->try_shared());
    EXPECT_TRUE(b->try_shared()) << "carriers side by side";
    EXPECT_FALSE(a->try_exclusive()) << "not alone";
    b->release();
    EXPECT_TRUE(a->try_exclusive()) << "the last one out is alone";
    a->release();

    // A holder that is killed holds nothing: the kernel drops its lock.
    std::array<int, 2> ready{};
    ASSERT_EQ(::pipe(ready.data()), 0);
    const pid_t holder = ::fork();
    if (holder == 0) {
        auto lock = CarrierLock::open(file);
        const char held = lock && lock->try_shared() ? '1' : '0';
        (void)::write(ready[1], &held, 1);
        ::pause();
        ::_exit(0);
    }
    char held = 0;
    ASSERT_EQ(::read(ready[0], &held, 1), 1);
    EXPECT_EQ(held, '1');
    EXPECT_FALSE(a->try_exclusive());
    ::kill(holder, SIGKILL);
    ::waitpid(holder, nullptr, 0);
    EXPECT_TRUE(a->try_exclusive());
    fs::remove_all(pattern);
}

class HookCarrier : public ::testing::Test {
  protected:
    void SetUp() override {
        auto loaded = config::load_text(testing::exec_nodes_toml(dir, "n[1-3]"), "test.toml");
        ASSERT_TRUE(loaded) << config::format(loaded.error().front());
        config = std::move(*loaded);
        journal = testing::open_journal(config.daemon.journal());
        ASSERT_TRUE(journal);
    }

    // A carrier that took these requests and died before it finished them.
    void left_running(const std::vector<std::string>& nodes) {
        ASSERT_TRUE(
            journal->add_requests(nodes, power::Action::on, store::RequestSource::hand_resume, wall_clock_ms()));
        auto taken = journal->take_pending();
        ASSERT_TRUE(taken);
        ASSERT_EQ(taken->size(), nodes.size());
    }
    store::RequestState state_of(const std::string& node) const {
        const std::vector<std::string> one{node};
        auto requests = journal->requests(one, 0);
        return requests && !requests->empty() ? requests->back().state : store::RequestState::superseded;
    }
    int events(const std::string& kind, const std::string& text) const {
        auto all = journal->events({}, 0);
        if (!all) return -1;
        return static_cast<int>(std::count_if(all->begin(), all->end(), [&](const store::Event& event) {
            return store::to_string(event.kind) == kind && event.detail.find(text) != std::string::npos;
        }));
    }

    slumber::testing::TempDir m_temp{"slumber-hook-carrier"};
    std::filesystem::path dir = m_temp.path();
    config::Config config;
    std::unique_ptr<store::Journal> journal;
};

TEST_F(HookCarrier, WhatACarrierThatDiedLeftRunningIsTakenBackByTheNextOneAlone) {
    left_running({"n1", "n2"});
    ASSERT_TRUE(journal->add_requests(std::vector<std::string>{"n3"}, power::Action::on,
                                      store::RequestSource::slurm_resume, wall_clock_ms()));
    EXPECT_EQ(carry_without_daemon(config, *journal), 0);
    for (const char* node : {"n1", "n2", "n3"}) EXPECT_EQ(state_of(node), store::RequestState::done) << node;
    EXPECT_EQ(events("restart", "2 request(s) left running are carried out again by a hook's carrier"), 1);
    EXPECT_EQ(events("power-on", "on by the hook for hand-resume: on"), 2);
}

// After kill -9 of a daemon, the next one said the work was "left running by a
// carrier that died": it names the daemon when the dead holder was one.
TEST_F(HookCarrier, WhoLeftRequestsRunningIsTheDaemonWhenItDiedWithoutStopping) {
    const auto record = [&](store::EventKind kind, store::TimeMs time) {
        ASSERT_TRUE(journal->record({0, time, "", std::nullopt, kind, "test"}));
    };
    EXPECT_EQ(left_running_by(*journal), "a hook's carrier that died") << "no daemon ever ran";
    record(store::EventKind::daemon_start, 1000);
    left_running({"n1"});
    EXPECT_EQ(left_running_by(*journal), "a daemon that died") << "started, never stopped, no carrier since";
    EXPECT_EQ(take_back_left_running(*journal, "the daemon", 2000, left_running_by(*journal)), 1);
    EXPECT_EQ(events("restart",
                     "1 request(s) left running are carried out again by the daemon, left by a daemon "
                     "that died"),
              1);
    // Taken back since (a restart event): what runs from now on is a later carrier's.
    EXPECT_EQ(left_running_by(*journal), "a hook's carrier that died");
    record(store::EventKind::daemon_start, 3000);
    EXPECT_EQ(left_running_by(*journal), "a daemon that died");
    record(store::EventKind::no_daemon, 4000);  // it died; a hook handed work to a carrier of its own
    EXPECT_EQ(left_running_by(*journal), "a hook's carrier that died");
    record(store::EventKind::daemon_start, 5000);
    record(store::EventKind::daemon_stop, 6000);  // it stopped cleanly
    EXPECT_EQ(left_running_by(*journal), "a hook's carrier that died");
}

TEST_F(HookCarrier, WhatALiveCarrierRunsIsLeftToIt) {
    left_running({"n1"});
    auto other = CarrierLock::open(config.daemon.carrier_lock());  // that carrier, still at work
    ASSERT_TRUE(other && other->try_shared());
    ASSERT_TRUE(journal->add_requests(std::vector<std::string>{"n3"}, power::Action::on,
                                      store::RequestSource::hand_resume, wall_clock_ms()));
    EXPECT_EQ(carry_without_daemon(config, *journal), 0);
    EXPECT_EQ(state_of("n3"), store::RequestState::done) << "carried out beside the other carrier";
    EXPECT_EQ(state_of("n1"), store::RequestState::running) << "not taken back while its carrier may be at work";
    EXPECT_EQ(events("restart", ""), 0);

    other->release();  // it died
    ASSERT_TRUE(journal->add_requests(std::vector<std::string>{"n2"}, power::Action::on,
                                      store::RequestSource::hand_resume, wall_clock_ms()));
    EXPECT_EQ(carry_without_daemon(config, *journal), 0);
    EXPECT_EQ(state_of("n1"), store::RequestState::done);
    EXPECT_EQ(state_of("n2"), store::RequestState::done);
    EXPECT_EQ(events("restart", "1 request(s) left running"), 1);
}

TEST_F(HookCarrier, ADaemonHoldingTheLockGetsTheWork) {
    left_running({"n1"});
    auto daemon = CarrierLock::open(config.daemon.carrier_lock());
    ASSERT_TRUE(daemon && daemon->try_exclusive());
    ASSERT_TRUE(journal->add_requests(std::vector<std::string>{"n2"}, power::Action::on,
                                      store::RequestSource::hand_resume, wall_clock_ms()));
    EXPECT_EQ(carry_without_daemon(config, *journal), 0);
    EXPECT_EQ(state_of("n1"), store::RequestState::running);
    EXPECT_EQ(state_of("n2"), store::RequestState::pending) << "the daemon takes it";
    EXPECT_EQ(events("carrier", "is held by the daemon"), 1);
}

}  // namespace
}  // namespace slumber::operate
