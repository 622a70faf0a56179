// Boot-time statistics computed by hand: nearest-rank p95, lower median.
#include <gtest/gtest.h>

#include "engine/boot_stats.hpp"

namespace slumber::engine {
namespace {

TEST(BootStats, PerNodeAndForTheCluster) {
    std::vector<BootSample> samples;
    // n1: 20 boots of 10..29 s. Median (lower middle of 20) = 19 s; p95 =
    // the 19th smallest (ceil(0.95 * 20) = 19) = 28 s; max 29 s.
    for (int s = 10; s < 30; ++s) samples.push_back({"n1", s * 1000});
    samples.push_back({"n2", 90000});
    samples.push_back({"n2", -5});  // a clock step: ignored
    const auto stats = boot_stats(samples);
    ASSERT_EQ(stats.size(), 3U);
    EXPECT_EQ(stats[0].node, "n1");
    EXPECT_EQ(stats[0].count, 20);
    EXPECT_EQ(stats[0].median_ms, 19000);
    EXPECT_EQ(stats[0].p95_ms, 28000);
    EXPECT_EQ(stats[0].max_ms, 29000);
    EXPECT_EQ(stats[1].node, "n2");
    EXPECT_EQ(stats[1].count, 1);
    EXPECT_EQ(stats[1].p95_ms, 90000);
    EXPECT_EQ(stats[2].node, "");
    EXPECT_EQ(stats[2].count, 21);
    EXPECT_EQ(stats[2].max_ms, 90000);
    // 1.5 x 90 s = 135 s, rounded up to 3 minutes.
    EXPECT_EQ(suggested_resume_timeout(stats), 180);
}

TEST(BootStats, FastBootsStillGetSlurmsDefaultAndNoBootsNothing) {
    EXPECT_EQ(suggested_resume_timeout(boot_stats({{"n1", 2000}})), 60);
    EXPECT_FALSE(suggested_resume_timeout(boot_stats({})));
}

// The dashboard's "boots slowly" goes by the latest boots: one slow boot
// followed by three quick ones is no longer news.
TEST(BootStats, TheSlowestOfTheLatestBoots) {
    std::vector<BootSample> samples{{"n1", 76000}, {"n1", 20000}, {"n1", 21000}, {"n1", 19000}};
    auto stats = boot_stats(samples);
    EXPECT_EQ(stats[0].max_ms, 76000);
    EXPECT_EQ(stats[0].recent_max_ms, 21000);
    samples.push_back({"n1", 70000});
    stats = boot_stats(samples);
    EXPECT_EQ(stats[0].recent_max_ms, 70000);
}

}  // namespace
}  // namespace slumber::engine
