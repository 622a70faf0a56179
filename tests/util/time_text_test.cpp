// The one reader of times and durations from outside: Slurm's forms, their
// ranges, and what fuzzing found.
#include "util/time_text.hpp"

#include <gtest/gtest.h>
#include <time.h>

#include <cstdlib>
#include <ctime>
#include <string>

namespace slumber::util {
namespace {

TEST(SlurmTime, ReadsScontrolsForm) {
    EXPECT_FALSE(parse_slurm_time("None"));
    EXPECT_FALSE(parse_slurm_time("Unknown"));
    EXPECT_FALSE(parse_slurm_time("2026-11-25T22:49:19x"));
    const auto earlier = parse_slurm_time("2026-11-25T22:49:19");
    const auto later = parse_slurm_time("2026-11-25T22:50:20");
    ASSERT_TRUE(earlier && later);
    EXPECT_EQ(*later - *earlier, 61);
}

// The hand-written reader agrees with strptime + mktime in the local zone,
// on both sides of a daylight-saving change.
TEST(SlurmTime, IsLocalTimeAsMktimeReadsIt) {
    const char* saved = std::getenv("TZ");
    const std::string old_tz = saved != nullptr ? saved : "";
    for (const char* zone : {"UTC", "Europe/Berlin", "America/New_York"}) {
        ::setenv("TZ", zone, 1);
        ::tzset();
        for (const char* text :
             {"2026-01-15T08:00:00", "2026-07-15T23:59:59", "2024-02-29T12:30:45", "2026-11-25T22:49:19"}) {
            std::tm tm{};
            ASSERT_NE(::strptime(text, "%Y-%m-%dT%H:%M:%S", &tm), nullptr);
            tm.tm_isdst = -1;
            EXPECT_EQ(parse_slurm_time(text).value(), static_cast<std::int64_t>(std::mktime(&tm)))
                << zone << " " << text;
        }
    }
    if (saved != nullptr) {
        ::setenv("TZ", old_tz.c_str(), 1);
    } else {
        ::unsetenv("TZ");
    }
    ::tzset();
    EXPECT_FALSE(parse_slurm_time("2026-13-01T00:00:00"));
    EXPECT_FALSE(parse_slurm_time("2026-1-01T00:00:00"));
}

TEST(SlurmTime, RangesAreExplicit) {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
    EXPECT_EQ(parse_slurm_time("1970-01-01T00:00:00").value(), kEarliestTime);
    EXPECT_EQ(parse_slurm_time("9999-12-31T23:59:59").value(), kLatestTime);
    EXPECT_EQ(parse_slurm_time("2024-02-29T00:00:00").value(), 1'709'164'800);
    for (const char* wrong :
         {"1969-12-31T23:59:00", "0006-01-01T10:00:00", "-026-01-01T10:00:00", "2026-01-01T10:-0:00",
          "2026-01-01T+1:00:00", "2026-01-01T 1:00:00", "2026-02-29T00:00:00", "2026-04-31T00:00:00",
          "2026-00-10T00:00:00", "2026-01-01T24:00:00", "2026-01-01T10:60:00", "2026-01-01 10:00:00",
          "２026-01-01T10:00:00", ""}) {
        const auto time = parse_slurm_time(wrong);
        EXPECT_FALSE(time) << wrong << " read as " << time.value_or(0);
    }
    EXPECT_NE(parse_slurm_time("1969-12-31T23:59:00").error().find("year is not 1970–9999"), std::string::npos);
    // Local midnight of 1970-01-01 east of Greenwich was still 1969 in UTC.
    ::setenv("TZ", "Europe/Berlin", 1);
    ::tzset();
    EXPECT_FALSE(parse_slurm_time("1970-01-01T00:00:00"));
    EXPECT_EQ(parse_slurm_time("1970-01-01T01:00:00").value(), 0);
    ::unsetenv("TZ");
    ::tzset();
}

TEST(SlurmDuration, SlurmsFormats) {
    EXPECT_EQ(parse_slurm_duration("30").value(), 1800);
    EXPECT_EQ(parse_slurm_duration("30:15").value(), 1815);
    EXPECT_EQ(parse_slurm_duration("02:00:00").value(), 7200);
    EXPECT_EQ(parse_slurm_duration("1-00").value(), 86'400);
    EXPECT_EQ(parse_slurm_duration("2-03:04").value(), 2 * 86'400 + 3 * 3600 + 4 * 60);
    EXPECT_EQ(parse_slurm_duration("2-03:04:05").value(), 2 * 86'400 + 3 * 3600 + 4 * 60 + 5);
    EXPECT_EQ(parse_slurm_duration("90").value(), 5400) << "a field may exceed its unit, as in Slurm";
    EXPECT_EQ(parse_slurm_duration("0").value(), 0);
    for (const char* wrong : {"UNLIMITED", "INFINITE", "Partition_Limit", "1:2:3:4", "", "-5", "1--2", "1-", "-1-00",
                              "+5", "1:-2", " 5", "5 ", "1-2-3", ":", "1::2"}) {
        EXPECT_FALSE(parse_slurm_duration(wrong)) << wrong;
    }
}

TEST(SlurmDuration, NeverOverflows) {
    // Found by fuzzing the sacct reader: a signed multiplication overflowed.
    EXPECT_FALSE(parse_slurm_duration("6-4212222222222222"));
    EXPECT_FALSE(parse_slurm_duration("233333333333333333"));
    EXPECT_FALSE(parse_slurm_duration("999999999-999999999:999999999:999999999"));
    EXPECT_EQ(parse_slurm_duration("4294967293").value(), kLongestDuration);
    EXPECT_FALSE(parse_slurm_duration("4294967294")) << "NO_VAL minutes";
    EXPECT_NE(parse_slurm_duration("4294967294").error().find("longest"), std::string::npos);
}

TEST(Digits, OnlyDigitsWithinTheirMaximum) {
    EXPECT_EQ(parse_digits("0", 0), 0);
    EXPECT_EQ(parse_digits("007", 10), 7);
    EXPECT_EQ(parse_digits("999999999999999999", 999'999'999'999'999'999), 999'999'999'999'999'999);
    for (const char* wrong : {"", "-0", "+1", " 1", "1 ", "0x10", "1e3", "9999999999999999999"}) {
        EXPECT_FALSE(parse_digits(wrong, 999'999'999'999'999'999)) << wrong;
    }
    EXPECT_FALSE(parse_digits("11", 10));
}

}  // namespace
}  // namespace slumber::util
