// The SWF reader: headers, -1 anywhere, decimals, blank lines, wrong lines
// skipped or refused with their line numbers, gzip (whole or cut short), and
// the real traces with the figures their README gives.
#include "sim/swf.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <fstream>

#include "traces.hpp"

namespace slumber::sim {
namespace {

constexpr std::string_view kSmall =
    "; Version: 2.2\n"
    "; MaxProcs: 8\n"
    "; UnixStartTime: 893466664\n"
    ";  Note: free text: with a colon\n"
    "1 0 5 100 4 -1 -1 4 200 -1 1 3 1 -1 1 -1 -1 -1\n"
    "\n"
    "   3 10 -1 50 -1 12.5 -1 2 -1 -1 1 4 1 -1 1 -1 -1 -1\r\n"
    "2 5 0 -1 2 -1 -1 2 100 -1 0 3 1 -1 1 -1 -1 -1\n"
    "4 20 0 30 -1 -1 -1 -1 60 -1 1 3 1 -1 1 -1 -1 -1\n"
    "\n";

TEST(Swf, ReadsJobsAndHeader) {
    auto trace = parse_swf(kSmall, "small.swf", BadLines::refuse);
    ASSERT_TRUE(trace) << trace.error().line << ": " << trace.error().message;
    EXPECT_EQ(trace->max_processors, 8);
    EXPECT_EQ(trace->unix_start, 893466664);
    ASSERT_EQ(trace->jobs.size(), 2U);
    const Job& first = trace->jobs[0];
    EXPECT_EQ(first.id, 1);
    EXPECT_EQ(first.run, 100);
    EXPECT_EQ(first.processors, 4);
    EXPECT_EQ(first.requested, 200);
    EXPECT_EQ(first.wait, 5);
    EXPECT_EQ(first.line, 5);
    const Job& third = trace->jobs[1];  // allocated -1: the requested 2; no limit: its run time
    EXPECT_EQ(third.id, 3);
    EXPECT_EQ(third.processors, 2);
    EXPECT_EQ(third.requested, 50);
    EXPECT_EQ(third.line, 7);
    EXPECT_EQ(trace->without_run_time, 1);  // job 2
    EXPECT_EQ(trace->without_size, 1);      // job 4
    EXPECT_TRUE(trace->problems.empty());
}

TEST(Swf, WrongLinesAreSkippedOrRefusedByLine) {
    const std::string text = std::string(kSmall) +
                             "5 30 0 10 2 -1 -1 2 60 -1 1 3 1 -1 1 -1\n"          // line 11: 16 fields
                             "6 30 0 10 two -1 -1 2 60 -1 1 3 1 -1 1 -1 -1 -1\n"  // 12: not a number
                             "7 -30 0 10 2 -1 -1 2 60 -1 1 3 1 -1 1 -1 -1 -1\n"   // 13: negative submit
                             "8 30 0 -10 2 -1 -1 2 60 -1 1 3 1 -1 1 -1 -1 -1\n"   // 14: negative run time
                             "9 30 0 10 64 -1 -1 64 60 -1 1 3 1 -1 1 -1 -1 -1\n"  // 15: larger than MaxProcs
                             "10 40 0 10 2 -1 -1 2 60 -1 1 3 1 -1 1 -1 -1 -1";    // 16: fine, no newline
    auto skipped = parse_swf(text, "bad.swf", BadLines::skip);
    ASSERT_TRUE(skipped);
    ASSERT_EQ(skipped->problems.size(), 5U);
    EXPECT_EQ(skipped->problems[0].line, 11);
    EXPECT_EQ(skipped->problems[0].message, "16 fields; SWF has 18");
    EXPECT_EQ(skipped->problems[1].message, "field 5 is \"two\", not a number");
    EXPECT_EQ(skipped->problems[2].line, 13);
    EXPECT_EQ(skipped->problems[3].line, 14);
    EXPECT_NE(skipped->problems[4].message.find("more than the machine's 8"), std::string::npos);
    EXPECT_EQ(skipped->jobs.size(), 3U);
    EXPECT_EQ(skipped->jobs.back().id, 10);

    auto refused = parse_swf(text, "bad.swf", BadLines::refuse);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().line, 11);
}

TEST(Swf, JobsComeInSubmitOrder) {
    auto trace =
        parse_swf("2 50 0 10 1 -1 -1 1 -1 -1 1 1 1 -1 1 -1 -1 -1\n1 20 0 10 1 -1 -1 1 -1 -1 1 1 1 -1 1 -1 -1 -1\n", "x",
                  BadLines::refuse);
    ASSERT_TRUE(trace);
    EXPECT_EQ(trace->jobs.front().id, 1);
    EXPECT_EQ(trace->max_processors, 1) << "no header: the largest job";
}

class SwfFiles : public ::testing::Test {
  protected:
    void SetUp() override {
        dir = std::filesystem::temp_directory_path() / ("slumber-swf-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
    std::filesystem::path dir;
};

TEST_F(SwfFiles, GzipWholeOrCutShort) {
    const std::string text(kSmall);
    const auto gz = dir / "small.swf.gz";
    gzFile out = gzopen(gz.c_str(), "wb");
    gzwrite(out, text.data(), static_cast<unsigned>(text.size()));
    gzclose(out);
    auto trace = read_swf(gz, BadLines::refuse);
    ASSERT_TRUE(trace) << trace.error().message;
    EXPECT_EQ(trace->jobs.size(), 2U);

    const auto size = std::filesystem::file_size(gz);
    std::filesystem::resize_file(gz, size - 12);  // no trailer, part of the data
    auto cut = read_swf(gz, BadLines::refuse);
    ASSERT_FALSE(cut) << "a truncated file is an error, not a shorter trace";
    EXPECT_NE(cut.error().message.find("small.swf.gz"), std::string::npos) << cut.error().message;

    auto missing = read_swf(dir / "nothing.swf", BadLines::refuse);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("cannot open"), std::string::npos);
}

// Processor-seconds used over MaxProcs x (last completion - first submit),
// as the traces' README computes it.
double utilisation(const Trace& trace) {
    double used = 0;
    Seconds first = trace.jobs.front().submit;
    Seconds last = 0;
    for (const Job& job : trace.jobs) {
        used += static_cast<double>(job.processors) * static_cast<double>(job.run);
        last = std::max(last, job.submit + std::max<Seconds>(job.wait, 0) + job.run);
    }
    return used / (trace.max_processors * static_cast<double>(last - first));
}

struct RealTrace {
    const char* file;
    std::size_t jobs;
    int without_run_time;
    int max_processors;
    double utilisation;
};

TEST(SwfRealTraces, MatchTheirReadme) {
    for (const RealTrace& expected : {RealTrace{"SDSC-SP2-1998-4.2-cln.swf.gz", 59715 - 5671, 5671, 128, 0.834},
                                      RealTrace{"NASA-iPSC-1993-3.1-cln.swf.gz", 18239, 0, 128, 0.466},
                                      RealTrace{"HPC2N-2002-alea-subset-3170jobs.swf", 3170 - 25, 25, 240, 0.397}}) {
        const auto file = testing::trace(expected.file);
        if (!std::filesystem::exists(file)) GTEST_SKIP() << file << " is not here";
        auto trace = read_swf(file, BadLines::refuse);
        ASSERT_TRUE(trace) << expected.file << ":" << trace.error().line << ": " << trace.error().message;
        EXPECT_EQ(trace->jobs.size(), expected.jobs) << expected.file;
        EXPECT_EQ(trace->without_run_time, expected.without_run_time) << expected.file;
        EXPECT_EQ(trace->max_processors, expected.max_processors) << expected.file;
        EXPECT_NEAR(utilisation(*trace), expected.utilisation, 0.001) << expected.file;
    }
}

}  // namespace
}  // namespace slumber::sim
