// slumberd as systemd runs it (packaging/slumberd.service: Type=notify,
// WatchdogSec), as far as a machine without systemd as PID 1 allows: the
// daemon is started with NOTIFY_SOCKET and WATCHDOG_USEC as systemd sets them,
// and its sd_notify(3) messages are read from the socket as systemd reads
// them. Under scripts/package-test the daemon is the installed
// /usr/sbin/slumberd.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../support/notify_socket.hpp"
#include "test_cluster.hpp"
#include "vcluster/process.hpp"

namespace slumber::testing {
namespace {

using std::chrono::seconds;

// WatchdogSec for these tests: short, so that a loop held up by a silent
// slurmctld (its scontrol calls wait up to 20 s) misses it.
constexpr auto kWatchdog = seconds{4};

class SystemdService : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        cluster = std::make_unique<TestCluster>(
            ClusterOptions{"systemd-service", 51, 29900, {"--hooks", "slumber", "--suspend-time", "1h"}, /*nodes=*/2});
    }
    static void TearDownTestSuite() { cluster.reset(); }
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "the virtual cluster needs root";
        ASSERT_TRUE(cluster->ready()) << cluster->failure();
    }
    void TearDown() override {
        if (m_slurmctld) (void)::kill(m_slurmctld->pid, SIGCONT);
        if (m_daemon) vcluster::terminate(*m_daemon, seconds{30});
    }

    // The daemon as systemd starts it: NOTIFY_SOCKET and WATCHDOG_USEC in its
    // environment (WATCHDOG_PID unset: systemd's is the main PID's own).
    void start_daemon() {
        auto daemon =
            vcluster::spawn_detached({.argv = slumberd_command({"--config", cluster->dir() + "/slumber.toml"}),
                                      .log = cluster->dir() + "/log/slumberd.log",
                                      .cgroup = std::nullopt});
        ASSERT_TRUE(daemon) << daemon.error();
        m_daemon = *daemon;
        ASSERT_TRUE(vcluster::write_record(cluster->dir() + "/pids/slumberd", *daemon));
    }
    // Waits until a message received since the start holds `text`.
    bool received(const std::string& text, seconds limit) {
        return cluster->wait_for(
            [&] {
                for (std::string& message : m_systemd.messages()) m_received.push_back(std::move(message));
                return std::ranges::any_of(
                    m_received, [&](const std::string& message) { return message.find(text) != std::string::npos; });
            },
            limit);
    }
    std::string all_received() const { return fmt::format("{}", fmt::join(m_received, " | ")); }
    // Stops slurmctld (SIGSTOP): it keeps its port and answers nothing.
    void freeze_slurmctld() {
        m_slurmctld = vcluster::read_record(cluster->dir() + "/pids/slurmctld");
        ASSERT_TRUE(m_slurmctld);
        ASSERT_EQ(::kill(m_slurmctld->pid, SIGSTOP), 0);
    }

    NotifySocket m_systemd{"4000000", /*for_this_process=*/false};
    std::vector<std::string> m_received;
    std::optional<vcluster::Process> m_daemon;
    std::optional<vcluster::Process> m_slurmctld;
    static inline std::unique_ptr<TestCluster> cluster;
};

TEST_F(SystemdService, ReadyOnceSlurmIsReadThenStatusAndTheWatchdogStopsWhileTheLoopIsStuck) {
    start_daemon();
    ASSERT_TRUE(received("READY=1", seconds{30})) << all_received();
    const auto ready =
        std::ranges::find_if(m_received, [](const std::string& message) { return message.starts_with("READY=1\n"); });
    ASSERT_NE(ready, m_received.end()) << all_received();
    EXPECT_NE(ready->find("STATUS=2 node(s) in Slurm, 2 managed"), std::string::npos) << *ready;
    EXPECT_NE(ready->find("; next look at Slurm in "), std::string::npos) << *ready;
    ASSERT_TRUE(received("WATCHDOG=1", kWatchdog)) << all_received();

    // slurmctld stops answering: the loop waits on scontrol for longer than
    // WatchdogSec, and no keep-alive comes meanwhile (systemd would restart
    // the daemon); STATUS says why once the call gives up.
    freeze_slurmctld();
    m_received.clear();
    const bool missed = cluster->wait_for(
        [&] {
            const auto last = std::chrono::steady_clock::now();
            while (std::chrono::steady_clock::now() - last < kWatchdog + seconds{1}) {
                const auto messages = m_systemd.messages();
                m_received.insert(m_received.end(), messages.begin(), messages.end());
                if (std::ranges::find(messages, "WATCHDOG=1") != messages.end()) return false;
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
            return true;
        },
        seconds{60});
    EXPECT_TRUE(missed) << "a keep-alive came at least every " << kWatchdog.count() + 1
                        << " s while slurmctld was stopped: " << all_received();
    EXPECT_TRUE(received("STATUS=Slurm unreadable", seconds{60})) << all_received();

    // slurmctld answers again: the keep-alives and the status come back.
    ASSERT_EQ(::kill(m_slurmctld->pid, SIGCONT), 0);
    m_slurmctld.reset();
    m_received.clear();
    EXPECT_TRUE(received("STATUS=2 node(s) in Slurm", seconds{60})) << all_received();
    EXPECT_TRUE(received("WATCHDOG=1", seconds{60})) << all_received();
}

TEST_F(SystemdService, ReloadAndStopAreAnnouncedAsSystemctlExpects) {
    start_daemon();
    ASSERT_TRUE(received("READY=1", seconds{30})) << all_received();
    m_received.clear();
    // `systemctl reload slumberd`: ExecReload sends SIGHUP.
    ASSERT_EQ(::kill(m_daemon->pid, SIGHUP), 0);
    EXPECT_TRUE(received("RELOADING=1", seconds{30})) << all_received();
    EXPECT_TRUE(received("READY=1", seconds{30}))
        << "READY again once the configuration is in force: " << all_received();
    // `systemctl stop slumberd`: SIGTERM.
    ASSERT_EQ(::kill(m_daemon->pid, SIGTERM), 0);
    EXPECT_TRUE(received("STOPPING=1", seconds{30})) << all_received();
    EXPECT_TRUE(cluster->wait_for([&] { return !vcluster::alive(*m_daemon); }, seconds{60}));
    m_daemon.reset();
}

// The daemon looks at Slurm every [daemon] idle_poll while nothing is in
// flux, and at once when a hook wakes it: with idle_poll 10 minutes, a
// suspend Slurm starts is seen within seconds and looked at every 2 s
// (docs/slurm.md, "What the daemon does"; the STATUS line says so).
TEST_F(SystemdService, LooksAtSlurmSeldomWhileNothingMovesAndAtOnceWhenAHookWakesIt) {
    const std::string config = cluster->dir() + "/slumber.toml";
    std::string text;
    {
        std::ifstream in(config);
        text.assign(std::istreambuf_iterator<char>(in), {});
    }
    // The virtual cluster's own idle_poll (10 s), made 10 minutes.
    const std::string_view ours = "idle_poll = \"10s\"";
    const auto setting = text.find(ours);
    ASSERT_NE(setting, std::string::npos) << text;
    std::string seldom = text;
    seldom.replace(setting, ours.size(), "idle_poll = \"10m\"");
    std::ofstream(config) << seldom;
    start_daemon();
    ASSERT_TRUE(received("READY=1", seconds{30})) << all_received();
    EXPECT_TRUE(received("next look at Slurm in 10m (nothing in flux)", seconds{30})) << all_received();

    // Slurm suspends vnode001 (its hook wakes the daemon): the next look
    // comes at once, not in 10 minutes, and the following ones every 2 s.
    m_received.clear();
    const auto down = cluster->run({"scontrol", "update", "nodename=vnode001", "state=power_down"});
    EXPECT_TRUE(down) << down.error();
    EXPECT_TRUE(received("next look at Slurm in 2s (vnode001: ", seconds{30})) << all_received();
    // The socket is read meanwhile, as systemd reads it: a full one would
    // hold the daemon's sd_notify(3) calls.
    const auto state_is = [&](const std::string& wanted) {
        for (std::string& message : m_systemd.messages()) m_received.push_back(std::move(message));
        return cluster->state(0) == wanted;
    };
    EXPECT_TRUE(cluster->wait_for([&] { return state_is("idle~"); }, seconds{60})) << cluster->states();
    const auto up = cluster->run({"scontrol", "update", "nodename=vnode001", "state=power_up"});
    EXPECT_TRUE(up) << up.error();
    EXPECT_TRUE(cluster->wait_for([&] { return state_is("idle"); }, seconds{90})) << cluster->states();
    std::ofstream(config) << text;
}

}  // namespace
}  // namespace slumber::testing
