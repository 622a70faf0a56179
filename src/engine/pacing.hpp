// How many power-ons may start now: a limit on nodes booting at once (a
// power or a boot-server budget) and on power-ons per minute (the inrush when
// a 1,000-node job wakes a sleeping cluster). Pure, like the rest of engine/.
#pragma once

#include <string>

namespace slumber::engine {

struct PacingPolicy {
    int max_booting = 0;       ///< 0: no limit
    int boots_per_minute = 0;  ///< 0: no limit
};

/// `booting`: powered on, not registered yet; `started_last_minute`: power-ons
/// in the last 60 s. Returns how many more may start, never negative; a large
/// number when nothing limits.
int boots_allowed(const PacingPolicy& policy, int booting, int started_last_minute);

/// Why boots_allowed() allows no more, in words naming only the limits
/// reached ("2 booting, max_booting 2"; "6 started in the last minute,
/// boots_per_minute 6"): a tester read "0 booting … (max_booting 0)" when
/// only boots_per_minute held power-ons back.
std::string pacing_reason(const PacingPolicy& policy, int booting, int started_last_minute);

}  // namespace slumber::engine
