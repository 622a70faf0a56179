#include "engine/thermal.hpp"

namespace slumber::engine {

ThermalVerdict judge_temperature(const ThermalPolicy& policy, std::span<const Temperature> readings,
                                 std::int64_t now_ms, bool holding) {
    ThermalVerdict verdict;
    for (const Temperature& reading : readings) {
        // A reading from the future (a clock stepped back) is as fresh as now.
        if (now_ms - reading.at_ms > policy.max_age_ms) continue;
        if (!verdict.warmest || reading.celsius > verdict.warmest->celsius) verdict.warmest = reading;
    }
    if (!verdict.warmest) return verdict;
    const double warmest = verdict.warmest->celsius;
    verdict.hold = holding ? warmest >= policy.resume_celsius : warmest >= policy.limit_celsius;
    return verdict;
}

}  // namespace slumber::engine
