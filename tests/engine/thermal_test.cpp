#include <gtest/gtest.h>

#include <vector>

#include "engine/thermal.hpp"

namespace slumber::engine {
namespace {

constexpr ThermalPolicy kGuardPolicy{.limit_celsius = 30, .resume_celsius = 27, .max_age_ms = 120000};
constexpr std::int64_t kGuardNow = 1'000'000'000;

Temperature reading(const char* target, double celsius, std::int64_t age_ms = 0) {
    return {target, "Inlet Temp", celsius, kGuardNow - age_ms};
}

TEST(ThermalGuard, HoldsFromTheLimitOnAndNamesTheWarmestReading) {
    const std::vector<Temperature> cool{reading("bmc1", 25), reading("bmc2", 29.9)};
    EXPECT_FALSE(judge_temperature(kGuardPolicy, cool, kGuardNow, false).hold);

    const std::vector<Temperature> warm{reading("bmc1", 25), reading("bmc2", 30), reading("bmc3", 28)};
    const ThermalVerdict verdict = judge_temperature(kGuardPolicy, warm, kGuardNow, false);
    EXPECT_TRUE(verdict.hold) << "at the limit holds";
    ASSERT_TRUE(verdict.warmest);
    EXPECT_EQ(verdict.warmest->target, "bmc2");
    EXPECT_EQ(verdict.warmest->celsius, 30);
}

TEST(ThermalGuard, ReleasesOnlyBelowTheResumeTemperature) {
    const std::vector<Temperature> between{reading("bmc1", 28.5)};
    EXPECT_TRUE(judge_temperature(kGuardPolicy, between, kGuardNow, true).hold) << "still holding between the two";
    EXPECT_FALSE(judge_temperature(kGuardPolicy, between, kGuardNow, false).hold) << "not yet holding between the two";
    const std::vector<Temperature> at_resume{reading("bmc1", 27)};
    EXPECT_TRUE(judge_temperature(kGuardPolicy, at_resume, kGuardNow, true).hold);
    const std::vector<Temperature> below{reading("bmc1", 26.9), reading("bmc2", 20)};
    EXPECT_FALSE(judge_temperature(kGuardPolicy, below, kGuardNow, true).hold);
}

TEST(ThermalGuard, StaleReadingsCountAsNoneAndNoneHoldsNothing) {
    const std::vector<Temperature> stale{reading("bmc1", 45, 120001), reading("bmc2", 26, 1000)};
    const ThermalVerdict verdict = judge_temperature(kGuardPolicy, stale, kGuardNow, true);
    EXPECT_FALSE(verdict.hold) << "the hot reading is too old; the fresh one is cool";
    ASSERT_TRUE(verdict.warmest);
    EXPECT_EQ(verdict.warmest->target, "bmc2");

    const std::vector<Temperature> only_stale{reading("bmc1", 45, 600000)};
    const ThermalVerdict blind = judge_temperature(kGuardPolicy, only_stale, kGuardNow, true);
    EXPECT_FALSE(blind.hold) << "a guard that cannot see does not keep jobs waiting";
    EXPECT_FALSE(blind.warmest);
    EXPECT_FALSE(judge_temperature(kGuardPolicy, {}, kGuardNow, true).hold);
}

TEST(ThermalGuard, AReadingFromAClockSteppedBackIsFresh) {
    const std::vector<Temperature> ahead{reading("bmc1", 31, -5000)};
    EXPECT_TRUE(judge_temperature(kGuardPolicy, ahead, kGuardNow, false).hold);
}

}  // namespace
}  // namespace slumber::engine
