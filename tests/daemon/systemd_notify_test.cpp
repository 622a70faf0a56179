// slumberd's sd_notify messages, as systemd receives them: through libsystemd
// to a datagram socket named by NOTIFY_SOCKET, read here as systemd would.
#include "daemon/systemd_notify.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace slumber::daemon {
namespace {

// The manager's end: a bound AF_UNIX datagram socket, NOTIFY_SOCKET set to it
// (and WATCHDOG_USEC when asked) for the test's lifetime.
class NotifySocket {
  public:
    explicit NotifySocket(const char* watchdog_usec = nullptr) {
        m_dir = std::filesystem::temp_directory_path() / ("slumber-notify-" + std::to_string(::getpid()));
        std::filesystem::create_directories(m_dir);
        m_path = (m_dir / "notify").string();
        m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        m_path.copy(address.sun_path, sizeof(address.sun_path) - 1);
        EXPECT_EQ(::bind(m_fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0);
        ::setenv("NOTIFY_SOCKET", m_path.c_str(), 1);
        if (watchdog_usec != nullptr) {
            ::setenv("WATCHDOG_USEC", watchdog_usec, 1);
            ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
        }
    }
    ~NotifySocket() {
        ::unsetenv("NOTIFY_SOCKET");
        ::unsetenv("WATCHDOG_USEC");
        ::unsetenv("WATCHDOG_PID");
        ::close(m_fd);
        std::filesystem::remove_all(m_dir);
    }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    /// Every message received so far, in order.
    std::vector<std::string> messages() {
        std::vector<std::string> out;
        char buffer[4096];
        for (ssize_t n; (n = ::recv(m_fd, buffer, sizeof(buffer), 0)) > 0;) out.emplace_back(buffer, n);
        return out;
    }

  private:
    std::filesystem::path m_dir;
    std::string m_path;
    int m_fd = -1;
};

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
