// The head node's clock. slumber's journal times every request and boot by
// it, and Slurm's nodes must agree with it: MUNGE refuses a credential
// whose time is off by more than its TTL (300 s by default), so a head node
// that drifts loses its nodes one by one. Asked of the kernel (ntp_adjtime
// with no mode set only reads), so it needs neither systemd nor a time
// daemon's own tool, and works in a container.
#include <sys/timex.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "service/doctor_checks.hpp"

namespace slumber::service {

std::expected<ClockSync, std::string> kernel_clock_sync() {
    timex reading{};
    reading.modes = 0;  // read only: no privilege needed, nothing changed
    const int state = ::ntp_adjtime(&reading);
    if (state < 0) return std::unexpected(fmt::format("ntp_adjtime: {}", std::strerror(errno)));
    // The kernel sets STA_UNSYNC until a time daemon clears it, and again
    // when no daemon has updated it for a while (maxerror past 16 s).
    return ClockSync{state != TIME_ERROR && (reading.status & STA_UNSYNC) == 0, reading.maxerror};
}

namespace doctor {

void check_clock(const std::function<std::expected<ClockSync, std::string>()>& read, Findings& out) {
    if (!read) return;
    const auto sync = read();
    // The kernel would not say: nothing is known, and nothing guessed.
    if (!sync || sync->synchronised) return;
    out.push_back({Check::clock_unsynchronised,
                   fmt::format("this machine's clock is not synchronised (the kernel's maximum error estimate is "
                               "{:.1f} s): the journal's times drift from Slurm's, and MUNGE refuses credentials "
                               "once the nodes' clocks differ by more than its TTL (300 s)",
                               static_cast<double>(sync->max_error_us) / 1e6),
                   {},
                   0,
                   "run a time service that disciplines the kernel clock: systemctl enable --now chrony (or "
                   "systemd-timesyncd, ntpsec); `chronyc tracking` or `timedatectl` shows when it is synchronised",
                   "",
                   {}});
}

}  // namespace doctor
}  // namespace slumber::service
