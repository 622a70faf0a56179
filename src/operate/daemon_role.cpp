#include "operate/daemon_role.hpp"

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

}  // namespace slumber::operate
