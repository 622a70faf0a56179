// The journal's readings and energy counters (schema version 3).
#include <gtest/gtest.h>

#include <filesystem>

#include "store/journal.hpp"

namespace slumber::store {
namespace {

namespace fs = std::filesystem;

class JournalEnergyTest : public ::testing::Test {
  protected:
    void SetUp() override {
        m_dir = fs::temp_directory_path() / ("slumber-energy-" + std::to_string(::getpid()) + "-" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(m_dir);
        auto opened = Journal::open(m_dir / "journal.db");
        ASSERT_TRUE(opened) << opened.error();
        journal.emplace(std::move(*opened));
    }
    void TearDown() override {
        journal.reset();
        fs::remove_all(m_dir);
    }
    fs::path m_dir;
    std::optional<Journal> journal;
};

TEST_F(JournalEnergyTest, ReadingsComeBackByTargetAndTimeWithTheirGaps) {
    const std::vector<Reading> readings{{"n2", 2000, 120.5, 24.0, "Inlet Temp"},
                                        {"n1", 3000, std::nullopt, 22.5, "Ambient"},
                                        {"n1", 1000, 95.0, std::nullopt, ""},
                                        {"plug", 1500, 3.25, std::nullopt, ""}};
    ASSERT_TRUE(journal->add_readings(readings));
    const auto all = journal->readings({}, 0, 10'000);
    ASSERT_TRUE(all) << all.error();
    ASSERT_EQ(all->size(), 4U);
    EXPECT_EQ((*all)[0].target, "n1");
    EXPECT_EQ((*all)[0].time, 1000);
    EXPECT_EQ((*all)[0].watts, 95.0);
    EXPECT_FALSE((*all)[0].temperature);
    EXPECT_FALSE((*all)[1].watts);
    EXPECT_EQ((*all)[1].temperature, 22.5);
    EXPECT_EQ((*all)[1].sensor, "Ambient");
    const std::vector<std::string> n2{"n2"};
    const auto some = journal->readings(n2, 0, 1999);
    ASSERT_TRUE(some);
    EXPECT_TRUE(some->empty()) << "until is inclusive, and 2000 is past it";
    const auto latest = journal->latest_readings();
    ASSERT_TRUE(latest) << latest.error();
    ASSERT_EQ(latest->size(), 3U);
    EXPECT_EQ(latest->at("n1").time, 3000);
    EXPECT_EQ(latest->at("n1").temperature, 22.5);
    EXPECT_EQ(latest->at("n2").watts, 120.5);
}

TEST_F(JournalEnergyTest, EnergyCountersAddUp) {
    const std::vector<EnergyTotal> first{{"n1", 0, 60'000, 6000, 5000, 100}, {"n2", 0, 60'000, 10, 0, 500}};
    ASSERT_TRUE(journal->add_energy(first));
    const std::vector<EnergyTotal> second{{"n1", 60'000, 120'000, 6000, 6000, -50}};
    ASSERT_TRUE(journal->add_energy(second));
    const auto totals = journal->energy_totals();
    ASSERT_TRUE(totals) << totals.error();
    ASSERT_EQ(totals->size(), 2U);
    const EnergyTotal& n1 = totals->at("n1");
    EXPECT_EQ(n1.since, 0);
    EXPECT_EQ(n1.until, 120'000);
    EXPECT_DOUBLE_EQ(n1.joules, 12'000);
    EXPECT_DOUBLE_EQ(n1.measured_joules, 11'000);
    EXPECT_DOUBLE_EQ(n1.saved_joules, 50);
}

TEST_F(JournalEnergyTest, RetentionKeepsEachTargetsLatestReadingAndEveryCounter) {
    const TimeMs day = 86'400'000;
    const std::vector<Reading> readings{{"n1", 1 * day, 90.0, std::nullopt, ""},
                                        {"n1", 2 * day, 91.0, std::nullopt, ""},
                                        {"n1", 50 * day, 92.0, std::nullopt, ""},
                                        {"n2", 3 * day, 10.0, std::nullopt, ""}};
    ASSERT_TRUE(journal->add_readings(readings));
    const std::vector<EnergyTotal> totals{{"n1", 0, day, 1, 1, 1}};
    ASSERT_TRUE(journal->add_energy(totals));
    const auto pruned = journal->prune(10 * day, 51 * day);
    ASSERT_TRUE(pruned) << pruned.error();
    EXPECT_EQ(pruned->readings, 2) << "n1's two old ones; n2's only one is its latest";
    const auto left = journal->readings({}, 0, 100 * day);
    ASSERT_TRUE(left);
    ASSERT_EQ(left->size(), 2U);
    EXPECT_EQ((*left)[0].time, 50 * day);
    EXPECT_EQ((*left)[1].target, "n2");
    EXPECT_EQ(journal->energy_totals()->size(), 1U);
}

}  // namespace
}  // namespace slumber::store
