// slumberd's sd_notify messages, as systemd receives them: through libsystemd
// to a datagram socket named by NOTIFY_SOCKET, read here as systemd would.
#include "daemon/systemd_notify.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "../support/notify_socket.hpp"

namespace slumber::daemon {
namespace {

using testing::NotifySocket;

TEST(SystemdNotifier, ReadyCarriesItsStatusAndStatusIsSentOnlyWhenItChanges) {
    NotifySocket systemd;
    SystemdNotifier notifier;
    notifier.ready("4 node(s) in Slurm");
    notifier.status("4 node(s) in Slurm");
    notifier.status("Slurm unreadable");
    notifier.reloading();
    notifier.stopping();
    EXPECT_EQ(systemd.messages(),
              (std::vector<std::string>{"READY=1\nSTATUS=4 node(s) in Slurm", "STATUS=Slurm unreadable",
                                        "RELOADING=1\nSTATUS=reloading the configuration",
                                        "STOPPING=1\nSTATUS=stopping: waiting for the actions under way"}));
}

TEST(SystemdNotifier, TextFromSlurmCannotAddAnAssignment) {
    NotifySocket systemd;
    SystemdNotifier notifier;
    notifier.status("scontrol: error: x\nREADY=1\rWATCHDOG=trigger");
    EXPECT_EQ(systemd.messages(), (std::vector<std::string>{"STATUS=scontrol: error: x READY=1 WATCHDOG=trigger"}));
}

TEST(SystemdNotifier, KeepAliveFollowsTheUnitsWatchdogAtHalfItsPeriod) {
    NotifySocket systemd("2000000");  // WatchdogSec=2s
    SystemdNotifier notifier;
    ASSERT_TRUE(notifier.watchdog().has_value());
    EXPECT_EQ(*notifier.watchdog(), std::chrono::seconds(2));
    notifier.keep_alive();
    notifier.keep_alive();  // within half the period: not sent again
    EXPECT_EQ(systemd.messages(), (std::vector<std::string>{"WATCHDOG=1"}));
    std::this_thread::sleep_for(std::chrono::milliseconds(1010));
    notifier.keep_alive();
    EXPECT_EQ(systemd.messages(), (std::vector<std::string>{"WATCHDOG=1"}));
}

TEST(SystemdNotifier, AWatchdogMeantForAnotherProcessIsNotOurs) {
    NotifySocket systemd("200000");
    ::setenv("WATCHDOG_PID", "1", 1);  // systemd set it for the process it started, not this one
    SystemdNotifier notifier;
    EXPECT_FALSE(notifier.watchdog().has_value());
    notifier.keep_alive();
    EXPECT_TRUE(systemd.messages().empty());
}

TEST(SystemdNotifier, OutsideSystemdNothingIsSent) {
    ::unsetenv("NOTIFY_SOCKET");
    SystemdNotifier notifier;
    EXPECT_FALSE(notifier.watchdog().has_value());
    notifier.ready("up");  // must not fail or block
    notifier.keep_alive();
}

}  // namespace
}  // namespace slumber::daemon
