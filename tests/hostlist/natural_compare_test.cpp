#include "hostlist/natural_compare.hpp"

#include <gtest/gtest.h>

namespace slumber::hostlist {
namespace {

int sign(int x) { return (x > 0) - (x < 0); }

TEST(NaturalCompare, NumbersCompareByMagnitude) {
    EXPECT_EQ(sign(natural_compare("n9", "n10")), -1);
    EXPECT_EQ(sign(natural_compare("n10", "n9")), 1);
    EXPECT_EQ(natural_compare("rack2", "rack2"), 0);
}

TEST(NaturalCompare, LeadingZerosCompareAsFractions) {
    // "0" starts a left-aligned comparison: 01 < 1 at the first digit.
    EXPECT_EQ(sign(natural_compare("a01", "a1")), -1);
    EXPECT_EQ(sign(natural_compare("a001", "a01")), -1);
    EXPECT_EQ(sign(natural_compare("x09", "x1")), -1);
}

TEST(NaturalCompare, ShorterPrefixFirstAndCaseMatters) {
    EXPECT_EQ(sign(natural_compare("n", "n0")), -1);
    EXPECT_EQ(sign(natural_compare("N1", "m9")), -1);  // 'N' < 'm' in ASCII
    EXPECT_EQ(sign(natural_compare("n-", "n_")), -1);
}

TEST(NaturalCompare, WhiteSpaceIsSkipped) { EXPECT_EQ(natural_compare("a 1", "a1"), 0); }

}  // namespace
}  // namespace slumber::hostlist
