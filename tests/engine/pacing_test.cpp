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

}  // namespace
}  // namespace slumber::engine
