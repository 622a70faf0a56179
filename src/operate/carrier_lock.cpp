#include "operate/carrier_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace slumber::operate {
namespace {

bool lock(int fd, int operation) {
    int done = -1;
    while ((done = ::flock(fd, operation | LOCK_NB)) != 0 && errno == EINTR) {
    }
    return done == 0;
}

}  // namespace

std::expected<CarrierLock, std::string> CarrierLock::open(const std::filesystem::path& file) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) return std::unexpected(fmt::format("cannot open {}: {}", file.string(), std::strerror(errno)));
    return CarrierLock(fd);
}

CarrierLock::~CarrierLock() {
    if (m_fd >= 0) ::close(m_fd);
}

CarrierLock::CarrierLock(CarrierLock&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}

bool CarrierLock::try_exclusive() { return lock(m_fd, LOCK_EX); }

bool CarrierLock::try_shared() { return lock(m_fd, LOCK_SH); }

void CarrierLock::release() { (void)::flock(m_fd, LOCK_UN); }

store::DbResult<int> take_back_left_running(store::Journal& journal, std::string_view who, store::TimeMs now,
                                            std::string_view left_by, bool handed_over) {
    auto requeued = journal.requeue_running();
    if (requeued && *requeued > 0) {
        const std::string by = left_by.empty() ? std::string() : fmt::format(", left by {}", left_by);
        (void)journal.record(
            {0, now, "", std::nullopt, store::EventKind::restart,
             handed_over
                 ? fmt::format("{} request(s) left running{} are handed over, not carried out again by {}: with "
                               "several controllers, another daemon may have acted since (below)",
                               *requeued, left_by.empty() ? std::string() : " by " + std::string(left_by), who)
                 : fmt::format("{} request(s) left running are carried out again by {}{}", *requeued, who, by)});
    }
    return requeued;
}

std::string left_running_by(const store::Journal& journal) {
    const auto started = journal.latest_event_time(store::EventKind::daemon_start);
    const auto stopped = journal.latest_event_time(store::EventKind::daemon_stop);
    const auto handed = journal.latest_event_time(store::EventKind::no_daemon);
    const auto taken_back = journal.latest_event_time(store::EventKind::restart);
    if (!started || !stopped || !handed || !taken_back) return "a carrier that died";
    if (!*started) return "a hook's carrier that died";
    const auto before = [&](const std::optional<store::TimeMs>& other) { return !other || *other < **started; };
    return before(*stopped) && before(*handed) && before(*taken_back) ? "a daemon that died"
                                                                      : "a hook's carrier that died";
}

}  // namespace slumber::operate
