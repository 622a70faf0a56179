// Replicas: jittered traces, and the means and spread reported over them.
#include <gtest/gtest.h>

#include <algorithm>

#include "sim/jitter.hpp"
#include "sim/report.hpp"

namespace slumber::sim {
namespace {

Trace three_jobs() {
    Trace trace;
    for (const Seconds submit : {0, 5, 100}) {
        Job job;
        job.id = submit;
        job.submit = submit;
        job.run = 10;
        job.requested = 10;
        trace.jobs.push_back(job);
    }
    return trace;
}

TEST(Jitter, MovesEachSubmissionLaterByAtMostTheJitterAndKeepsSubmitOrder) {
    const Trace trace = three_jobs();
    const Trace moved = jittered(trace, 7, 10);
    ASSERT_EQ(moved.jobs.size(), 3U);
    for (const Job& job : moved.jobs) {
        EXPECT_GE(job.submit, job.id);  // the id is the original submit time
        EXPECT_LE(job.submit, job.id + 10);
    }
    EXPECT_TRUE(std::is_sorted(moved.jobs.begin(), moved.jobs.end(),
                               [](const Job& a, const Job& b) { return a.submit < b.submit; }));
    // The same seed gives the same trace; another seed another one.
    const Trace again = jittered(trace, 7, 10);
    const Trace other = jittered(trace, 8, 10);
    bool differs = false;
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(again.jobs[i].submit, moved.jobs[i].submit);
        differs = differs || other.jobs[i].submit != moved.jobs[i].submit;
    }
    EXPECT_TRUE(differs);
    EXPECT_EQ(jittered(trace, 7, 0).jobs[1].submit, 5) << "no jitter, no change";
}

TEST(Average, MeansOfEachFigureAndTheSpreadOfTheSlowdownChange) {
    // Two replicas of never and one policy: bsld changes of +4 % and +8 %
    // average to +6 % with a standard deviation of sqrt(8) = 2.83.
    Summary never{.policy = "never", .kwh = 100, .mean_bounded_slowdown = 10};
    Summary first{.policy = "p", .kwh = 80, .mean_bounded_slowdown = 10.4, .slowdown_change = 4};
    Summary second{.policy = "p", .kwh = 70, .mean_bounded_slowdown = 10.8, .slowdown_change = 8};
    const auto mean = average({{never, first}, {never, second}});
    ASSERT_EQ(mean.size(), 2U);
    EXPECT_EQ(mean[1].policy, "p");
    EXPECT_EQ(mean[1].replicas, 2);
    EXPECT_DOUBLE_EQ(mean[1].kwh, 75);
    EXPECT_DOUBLE_EQ(mean[1].mean_bounded_slowdown, 10.6);
    EXPECT_DOUBLE_EQ(mean[1].slowdown_change, 6);
    EXPECT_NEAR(mean[1].slowdown_change_sd, 2.828, 1e-3);
    EXPECT_DOUBLE_EQ(mean[0].slowdown_change_sd, 0);
    EXPECT_NE(format_table(mean).find("+6.0±2.8%"), std::string::npos) << format_table(mean);
    // One replica is reported as it is.
    EXPECT_EQ(average({{never, first}})[1].replicas, 1);
}

TEST(Recommend, TheLargestSavingWithinTheSlowdownAllowed) {
    const Summary never{.policy = "never"};
    const Summary short_wait{.policy = "suspend-time=5m", .saved_kwh = 90, .saved_percent = 9, .slowdown_change = 7};
    const Summary long_wait{.policy = "suspend-time=1h",
                            .saved_kwh = 60,
                            .saved_percent = 6,
                            .oracle_share = 60,
                            .slowdown_change = 2,
                            .replicas = 10};
    const Summary oracle{.policy = "oracle", .saved_kwh = 100};
    EXPECT_EQ(recommend({never, short_wait, long_wait, oracle}, 5),
              "Within +5% bounded slowdown, suspend-time=1h saves the most: 6.0% of the energy, 60.0% of what the "
              "oracle saves, for +2.0%.\n");
    EXPECT_EQ(recommend({never, short_wait, long_wait, oracle}, 1),
              "None of these policies stays within +1% bounded slowdown; suspend-time=1h comes closest: +2.0% for 6.0% "
              "of the energy.\n");
    EXPECT_NE(recommend({Summary{.policy = "never"}, short_wait}, 10).find("--replicas 10"), std::string::npos)
        << "one run is said to be one run";
}

}  // namespace
}  // namespace slumber::sim
