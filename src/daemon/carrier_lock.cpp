#include "daemon/carrier_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace slumber::daemon {
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

store::DbResult<int> take_back_left_running(store::Journal& journal, std::string_view who, store::TimeMs now) {
    auto requeued = journal.requeue_running();
    if (requeued && *requeued > 0) {
        (void)journal.record({0, now, "", std::nullopt, store::EventKind::restart,
                              fmt::format("{} request(s) left running are carried out again by {}", *requeued, who)});
    }
    return requeued;
}

}  // namespace slumber::daemon
