#include "engine/pacing.hpp"

#include <algorithm>
#include <limits>

namespace slumber::engine {

int boots_allowed(const PacingPolicy& policy, int booting, int started_last_minute) {
    int allowed = std::numeric_limits<int>::max();
    if (policy.max_booting > 0) allowed = std::min(allowed, policy.max_booting - booting);
    if (policy.boots_per_minute > 0) allowed = std::min(allowed, policy.boots_per_minute - started_last_minute);
    return std::max(allowed, 0);
}

}  // namespace slumber::engine
