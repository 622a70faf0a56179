#include <gtest/gtest.h>

#include "engine/pacing.hpp"

namespace slumber::engine {
namespace {

TEST(Pacing, TheTighterLimitWinsAndNoneMeansAll) {
    EXPECT_GT(boots_allowed({}, 500, 500), 1000000) << "no limits";
    EXPECT_EQ(boots_allowed({.max_booting = 8}, 5, 100), 3);
    EXPECT_EQ(boots_allowed({.boots_per_minute = 60}, 100, 58), 2);
    EXPECT_EQ(boots_allowed({.max_booting = 8, .boots_per_minute = 60}, 2, 58), 2);
    EXPECT_EQ(boots_allowed({.max_booting = 8, .boots_per_minute = 60}, 9, 0), 0) << "never negative";
}

// A tester read "0 booting … (max_booting 0)" when boots_per_minute alone
// held power-ons back: the words name the limits reached, and only those.
TEST(Pacing, TheReasonNamesOnlyTheLimitsReached) {
    EXPECT_EQ(pacing_reason({.boots_per_minute = 2}, 0, 2), "2 started in the last minute, boots_per_minute 2");
    EXPECT_EQ(pacing_reason({.max_booting = 4, .boots_per_minute = 60}, 4, 10), "4 booting, max_booting 4");
    EXPECT_EQ(pacing_reason({.max_booting = 4, .boots_per_minute = 6}, 5, 6),
              "5 booting, max_booting 4; 6 started in the last minute, boots_per_minute 6");
    EXPECT_EQ(pacing_reason({.max_booting = 4}, 3, 100), "") << "no limit reached";
}

}  // namespace
}  // namespace slumber::engine
