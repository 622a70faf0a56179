#include "daemon/systemd_notify.hpp"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstdlib>

namespace slumber::daemon {
namespace {

// sd_notify's message is newline-separated assignments: a status that quotes
// Slurm or a BMC (untrusted text) must not add one of its own, e.g. READY=1.
std::string one_line(std::string text) {
    std::replace_if(
        text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }, ' ');
    return text;
}

}  // namespace

SystemdNotifier::SystemdNotifier() {
    m_enabled = std::getenv("NOTIFY_SOCKET") != nullptr;
    std::uint64_t usec = 0;
    // 0 unless WATCHDOG_USEC is set and WATCHDOG_PID, if set, is this process.
    if (m_enabled && sd_watchdog_enabled(/*unset_environment=*/0, &usec) > 0 && usec > 0) {
        m_watchdog = std::chrono::microseconds(usec);
    }
}

void SystemdNotifier::send(const std::string& message) {
    // sd_notify reads NOTIFY_SOCKET at each call, so it stays set; the
    // children slumber starts (scontrol, exec drivers) inherit it, and
    // systemd ignores what they might send (NotifyAccess=main, the default).
    if (m_enabled) (void)sd_notify(0, message.c_str());
}

void SystemdNotifier::ready(const std::string& status) {
    m_last_status = one_line(status);
    send("READY=1\nSTATUS=" + m_last_status);
}

void SystemdNotifier::status(const std::string& status) {
    std::string line = one_line(status);
    if (line == m_last_status) return;
    m_last_status = std::move(line);
    send("STATUS=" + m_last_status);
}

void SystemdNotifier::reloading() { send("RELOADING=1\nSTATUS=reloading the configuration"); }

void SystemdNotifier::stopping() { send("STOPPING=1\nSTATUS=stopping: waiting for the actions under way"); }

void SystemdNotifier::keep_alive() {
    if (!m_watchdog) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - m_last_keep_alive < *m_watchdog / 2) return;
    m_last_keep_alive = now;
    send("WATCHDOG=1");
}

}  // namespace slumber::daemon
