#include "operate/daemon_role.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string_view>

#include "util/safe_text.hpp"

namespace slumber::operate {

std::optional<std::string> daemon_standing_by(const store::Journal& journal) {
    const auto role_at = journal.latest_event_time(store::EventKind::controller_role);
    const auto acting_at = journal.latest_event_time(store::EventKind::took_control);
    const auto stop_at = journal.latest_event_time(store::EventKind::daemon_stop);
    if (!role_at || !*role_at || !acting_at || !stop_at || (*stop_at && **stop_at > **role_at)) return std::nullopt;
    // Began acting since (or in the same millisecond): not standing by.
    if (*acting_at && **acting_at >= **role_at) return std::nullopt;
    const auto events = journal.events({}, **role_at);
    if (!events) return std::nullopt;
    for (auto it = events->rbegin(); it != events->rend(); ++it) {
        if (it->kind != store::EventKind::controller_role) continue;
        constexpr std::string_view kStandingBy = "standing by: ";
        if (!it->detail.starts_with(kStandingBy)) return std::nullopt;
        return util::safe_text(std::string_view(it->detail).substr(kStandingBy.size()));
    }
    return std::nullopt;
}

std::expected<std::optional<pid_t>, int> daemon_holding(const std::filesystem::path& lock) {
    const int fd = ::open(lock.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT) return std::nullopt;
        return std::unexpected(errno);
    }
    const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd);
    if (!held) return std::nullopt;
    std::ifstream in(lock);
    pid_t pid = 0;
    return in >> pid ? std::optional(pid) : std::optional(pid_t{0});
}

}  // namespace slumber::operate
