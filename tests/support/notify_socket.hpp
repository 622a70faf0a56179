// The service manager's end of sd_notify(3), as systemd has it for a
// Type=notify unit: an AF_UNIX datagram socket bound in a fresh directory,
// NOTIFY_SOCKET naming it (and WATCHDOG_USEC, as WatchdogSec sets it) in this
// process's environment for the object's lifetime, so that the notifier under
// test, or a daemon this process starts, sends its messages here.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

namespace slumber::testing {

class NotifySocket {
  public:
    /// `watchdog_usec`: WATCHDOG_USEC in microseconds, or none. WATCHDOG_PID
    /// is set to this process when `for_this_process` (the notifier runs
    /// here), and left unset for a child: systemd sets it to the unit's main
    /// process, and sd_watchdog_enabled(3) accepts an unset one.
    explicit NotifySocket(const char* watchdog_usec = nullptr, bool for_this_process = true) {
        char name[] = "/tmp/slumber-notify-XXXXXX";
        EXPECT_NE(::mkdtemp(name), nullptr);
        m_dir = name;
        m_path = (m_dir / "notify").string();
        m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        m_path.copy(address.sun_path, sizeof(address.sun_path) - 1);
        EXPECT_EQ(::bind(m_fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0);
        ::setenv("NOTIFY_SOCKET", m_path.c_str(), 1);
        ::unsetenv("WATCHDOG_PID");
        if (watchdog_usec != nullptr) {
            ::setenv("WATCHDOG_USEC", watchdog_usec, 1);
            if (for_this_process) ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
        }
    }
    ~NotifySocket() {
        ::unsetenv("NOTIFY_SOCKET");
        ::unsetenv("WATCHDOG_USEC");
        ::unsetenv("WATCHDOG_PID");
        ::close(m_fd);
        std::error_code ignored;
        std::filesystem::remove_all(m_dir, ignored);
    }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    /// Every message received since the last call, in order.
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

}  // namespace slumber::testing
