// slumberd's messages to systemd (sd_notify(3), the unit's Type=notify):
// READY once the journal is open and Slurm has been read, STATUS lines that
// `systemctl status slumberd` shows, RELOADING around a SIGHUP, STOPPING, and
// the watchdog's keep-alive once per pass of the loop, so that a loop stuck
// for WatchdogSec is killed and restarted. Outside systemd (NOTIFY_SOCKET
// unset: a shell, the tests' virtual cluster) every call does nothing.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace slumber::daemon {

class SystemdNotifier {
  public:
    /// Reads NOTIFY_SOCKET and WATCHDOG_USEC/WATCHDOG_PID (sd_watchdog_enabled(3)).
    SystemdNotifier();

    /// READY=1 with a STATUS line: the service is up (systemctl start returns).
    void ready(const std::string& status);
    /// STATUS=…: one line, what the daemon is doing; only sent when it changed.
    void status(const std::string& status);
    /// RELOADING=1, then ready() when the new configuration is in force.
    void reloading();
    /// STOPPING=1: systemd waits for the exit without counting it a failure.
    void stopping();
    /// WATCHDOG=1, at most every half of WatchdogSec (what sd_watchdog_enabled
    /// advises); nothing when the unit has no watchdog.
    void keep_alive();

    /// The unit's WatchdogSec, when set for this process.
    [[nodiscard]] std::optional<std::chrono::microseconds> watchdog() const { return m_watchdog; }

  private:
    void send(const std::string& message);

    bool m_enabled = false;
    std::optional<std::chrono::microseconds> m_watchdog;
    std::chrono::steady_clock::time_point m_last_keep_alive{};
    std::string m_last_status;
};

}  // namespace slumber::daemon
