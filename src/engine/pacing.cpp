#include "engine/pacing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace slumber::engine {

int boots_allowed(const PacingPolicy& policy, int booting, int started_last_minute) {
    int allowed = std::numeric_limits<int>::max();
    if (policy.max_booting > 0) allowed = std::min(allowed, policy.max_booting - booting);
    if (policy.boots_per_minute > 0) allowed = std::min(allowed, policy.boots_per_minute - started_last_minute);
    return std::max(allowed, 0);
}

std::string pacing_reason(const PacingPolicy& policy, int booting, int started_last_minute) {
    std::string words;
    if (policy.max_booting > 0 && booting >= policy.max_booting) {
        words = fmt::format("{} booting, max_booting {}", booting, policy.max_booting);
    }
    if (policy.boots_per_minute > 0 && started_last_minute >= policy.boots_per_minute) {
        if (!words.empty()) words += "; ";
        words += fmt::format("{} started in the last minute, boots_per_minute {}", started_last_minute,
                             policy.boots_per_minute);
    }
    return words;
}

}  // namespace slumber::engine
