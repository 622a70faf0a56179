#include "util/suggest.hpp"

#include <gtest/gtest.h>
#include <array>

namespace slumber::util {
namespace {

using namespace std::string_view_literals;
constexpr std::array kKeys{"names"sv, "driver"sv, "bmc"sv, "bmc_pattern"sv, "cipher_suite"sv};

TEST(ClosestMatch, FindsTyposAndTranspositions) {
    EXPECT_EQ(closest_match("cipher_suit", kKeys), "cipher_suite");
    EXPECT_EQ(closest_match("drvier", kKeys), "driver");
    EXPECT_EQ(closest_match("name", kKeys), "names");
}

TEST(ClosestMatch, StaysQuietWhenNothingIsClose) {
    EXPECT_FALSE(closest_match("password", kKeys));
    EXPECT_FALSE(closest_match("x", kKeys));
}

}  // namespace
}  // namespace slumber::util
