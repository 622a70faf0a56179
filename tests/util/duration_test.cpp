#include "util/duration.hpp"

#include <gtest/gtest.h>

namespace slumber::util {
namespace {

using namespace std::chrono_literals;

TEST(Duration, ParsesUnitsAndSums) {
    EXPECT_EQ(parse_duration("500ms").value(), 500ms);
    EXPECT_EQ(parse_duration("30s").value(), 30s);
    EXPECT_EQ(parse_duration("10m").value(), 10min);
    EXPECT_EQ(parse_duration("1h30m").value(), 90min);
    EXPECT_EQ(parse_duration("2d").value(), 48h);
    EXPECT_EQ(parse_duration("0s").value(), 0ms);
}

TEST(Duration, RefusesWithAReason) {
    EXPECT_NE(parse_duration("10").error().find("needs a unit"), std::string::npos);
    EXPECT_NE(parse_duration("").error().find("empty"), std::string::npos);
    EXPECT_NE(parse_duration("ten minutes").error().find("expected a number"), std::string::npos);
    EXPECT_NE(parse_duration("-5s").error().find("expected a number"), std::string::npos);
    EXPECT_NE(parse_duration("5 s").error().find(R"(unknown unit " s")"), std::string::npos);
    EXPECT_EQ(parse_duration("10y").error(), R"("10y": unknown unit "y"; the units are ms, s, m, h and d)");
    EXPECT_NE(parse_duration("400d").error().find("longer than a year"), std::string::npos);
    EXPECT_NE(parse_duration("99999999999999999999s").error().find("longer than a year"), std::string::npos);
    EXPECT_NE(parse_duration("-0s").error().find("expected a number"), std::string::npos) << "digits only";
    EXPECT_NE(parse_duration("1m-0s").error().find("expected a number"), std::string::npos);
}

TEST(Duration, FormatsShortestExactSpelling) {
    EXPECT_EQ(format_duration(90s), "1m30s");
    EXPECT_EQ(format_duration(1500ms), "1s500ms");
    EXPECT_EQ(format_duration(0ms), "0s");
    EXPECT_EQ(format_duration(parse_duration("1d2h3m4s5ms").value()), "1d2h3m4s5ms");
}

// `slumber report` said "(the journal knows the last 16s70ms)": a measured
// duration is said to the second.
TEST(Duration, FormatsAnElapsedTimeToTheSecond) {
    EXPECT_EQ(format_elapsed(16070ms), "16s");
    EXPECT_EQ(format_elapsed(16600ms), "17s");
    EXPECT_EQ(format_elapsed(3'723'400ms), "1h2m3s");
    EXPECT_EQ(format_elapsed(90s), "1m30s");
    EXPECT_EQ(format_elapsed(400ms), "400ms") << "under half a second, not 0s";
    EXPECT_EQ(format_elapsed(0ms), "0s");
}

}  // namespace
}  // namespace slumber::util
