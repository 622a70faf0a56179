// The sacct reader: columns by header name, job steps left out, jobs that
// never ran counted, Slurm's time limit formats, wrong lines by number.
#include "sim/sacct.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace slumber::sim {
namespace {

// sacct prints local times; the tests fix the zone.
class Sacct : public ::testing::Test {
  protected:
    void SetUp() override { ::setenv("TZ", "UTC", 1); }
};

constexpr std::string_view kLog =
    "JobIDRaw|Submit|Start|End|NNodes|NCPUS|Timelimit|State\n"
    "100|2026-01-01T10:00:00|2026-01-01T10:00:30|2026-01-01T11:00:30|2|64|02:00:00|COMPLETED\n"
    "100.batch|2026-01-01T10:00:30|2026-01-01T10:00:30|2026-01-01T11:00:30|1|32||COMPLETED\n"
    "100.0|2026-01-01T10:00:31|2026-01-01T10:00:31|2026-01-01T11:00:29|2|64||COMPLETED\n"
    "101_3|2026-01-01T09:59:00|2026-01-01T10:30:00|2026-01-01T10:40:00|1|1|1-00:00:00|TIMEOUT\n"
    "102|2026-01-01T10:05:00|Unknown|Unknown|1|4|30|CANCELLED by 0\n"
    "103|2026-01-01T10:06:00|2026-01-01T10:06:00|2026-01-01T10:06:10|1|8|UNLIMITED|FAILED\n";

TEST_F(Sacct, JobsWithoutTheirStepsInSubmitOrder) {
    auto trace = parse_sacct(kLog, "sacct.txt", BadLines::refuse);
    ASSERT_TRUE(trace) << trace.error().line << ": " << trace.error().message;
    ASSERT_EQ(trace->jobs.size(), 3U);
    EXPECT_EQ(trace->without_run_time, 1);  // 102 never started
    EXPECT_FALSE(trace->size_known);
    const Job& array_task = trace->jobs[0];  // submitted first, at 09:59
    EXPECT_EQ(array_task.id, 101);
    EXPECT_EQ(array_task.submit, 0);
    EXPECT_EQ(array_task.wait, 31 * 60);
    EXPECT_EQ(array_task.run, 600);
    EXPECT_EQ(array_task.requested, 86'400);
    const Job& first = trace->jobs[1];
    EXPECT_EQ(first.id, 100);
    EXPECT_EQ(first.submit, 60);
    EXPECT_EQ(first.run, 3600);
    EXPECT_EQ(first.processors, 64);
    EXPECT_EQ(first.nodes, 2);
    EXPECT_EQ(first.requested, 7200);
    EXPECT_EQ(trace->jobs[2].requested, 10) << "UNLIMITED: plan with the run time";
    EXPECT_EQ(trace->max_processors, 64);
}

TEST_F(Sacct, ColumnsInAnyOrderAndTheirOtherNames) {
    auto trace = parse_sacct(
        "State|AllocCPUS|End|Start|Submit|JobID\n"
        "COMPLETED|4|2026-01-01T10:10:00|2026-01-01T10:00:00|2026-01-01T09:00:00|7\n",
        "x", BadLines::refuse);
    ASSERT_TRUE(trace) << trace.error().message;
    ASSERT_EQ(trace->jobs.size(), 1U);
    EXPECT_EQ(trace->jobs[0].processors, 4);
    EXPECT_EQ(trace->jobs[0].wait, 3600);
}

TEST_F(Sacct, WrongInputIsNamed) {
    auto no_header = parse_sacct("100|2026-01-01T10:00:00\n", "x", BadLines::skip);
    ASSERT_FALSE(no_header);
    EXPECT_EQ(no_header.error().line, 1);
    EXPECT_NE(no_header.error().message.find("no JobIDRaw column"), std::string::npos) << no_header.error().message;

    const std::string text = std::string(kLog) +
                             "104|yesterday|2026-01-01T10:06:00|2026-01-01T10:06:10|1|8|10|COMPLETED\n"    // line 8
                             "105|2026-01-01T10:06:00|2026-01-01T10:05:00|2026-01-01T10:06:10|1|8|10|X\n"  // 9
                             "106|2026-01-01T10:06:00\n";                                                  // 10
    auto skipped = parse_sacct(text, "x", BadLines::skip);
    ASSERT_TRUE(skipped);
    ASSERT_EQ(skipped->problems.size(), 3U);
    EXPECT_EQ(skipped->problems[0].line, 8);
    EXPECT_NE(skipped->problems[0].message.find("Submit \"yesterday\""), std::string::npos);
    EXPECT_EQ(skipped->problems[1].line, 9);
    EXPECT_EQ(skipped->problems[2].line, 10);
    EXPECT_EQ(skipped->jobs.size(), 3U);
    auto refused = parse_sacct(text, "x", BadLines::refuse);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().line, 8);
}

// What fuzzing found: times before 1970, signs inside fields, negative
// years and time limits that overflow are wrong lines, never jobs with a
// negative submit time or a wrapped limit.
TEST_F(Sacct, TimesOutOfRangeAreWrongLinesNotJobs) {
    const std::string text =
        "JobIDRaw|Submit|Start|End|NNodes|NCPUS|Timelimit|State\n"
        "1|0006-01-01T10:00:00|2026-01-01T10:00:00|2026-01-01T10:10:00|1|1|10|COMPLETED\n"   // line 2
        "2|1969-12-31T23:59:00|2026-01-01T10:00:00|2026-01-01T10:10:00|1|1|10|COMPLETED\n"   // 3
        "3|2026-01-01T10:-0:00|2026-01-01T10:00:00|2026-01-01T10:10:00|1|1|10|COMPLETED\n"   // 4
        "4|-026-01-01T10:00:00|2026-01-01T10:00:00|2026-01-01T10:10:00|1|1|10|COMPLETED\n"   // 5
        "5|2026-01-01T10:00:00|2026-01-01T10:+1:00|2026-01-01T10:10:00|1|1|10|COMPLETED\n"   // 6
        "6|2026-01-01T10:00:00|2026-01-01T10:00:00|2026-01-01T10:10:00|1|-1|10|COMPLETED\n"  // 7: no size
        "7|2026-01-01T10:00:00|2026-01-01T10:00:00|2026-01-01T10:10:00|1|1|6-4212222222222222|X\n"
        "8|2026-01-01T10:00:00|2026-01-01T10:00:00|2026-01-01T10:10:00|1|1|233333333333333333|X\n"
        "9|2026-01-01T10:00:00|2026-01-01T10:00:00|2026-01-01T10:10:00|1|1|-5|X\n";
    auto trace = parse_sacct(text, "x", BadLines::skip);
    ASSERT_TRUE(trace) << trace.error().message;
    ASSERT_EQ(trace->problems.size(), 5U);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(trace->problems[static_cast<std::size_t>(i)].line, i + 2);
    EXPECT_NE(trace->problems[0].message.find("the year is not 1970–9999"), std::string::npos)
        << trace->problems[0].message;
    EXPECT_NE(trace->problems[1].message.find("year"), std::string::npos) << trace->problems[1].message;
    EXPECT_NE(trace->problems[2].message.find("minute"), std::string::npos) << trace->problems[2].message;
    EXPECT_EQ(trace->without_size, 1);
    // Limits that are not Slurm limits are no limit: planned with the run time.
    ASSERT_EQ(trace->jobs.size(), 3U);
    for (const Job& job : trace->jobs) {
        EXPECT_GE(job.submit, 0);
        EXPECT_EQ(job.requested, 600) << job.id;
    }
}

TEST_F(Sacct, TheFirstSecondOf1970IsATime) {
    auto trace = parse_sacct(
        "JobIDRaw|Submit|Start|End|NCPUS\n"
        "1|1970-01-01T00:00:00|1970-01-01T00:00:00|1970-01-01T00:00:01|1\n",
        "x", BadLines::refuse);
    ASSERT_TRUE(trace) << trace.error().message;
    EXPECT_EQ(trace->unix_start, 0);
    ASSERT_EQ(trace->jobs.size(), 1U);
    EXPECT_EQ(trace->jobs[0].run, 1);
}

}  // namespace
}  // namespace slumber::sim
