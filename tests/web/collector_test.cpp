// The web server's snapshot shows the BMC reads the daemon published and
// never asks a BMC itself ("never hammer a BMC").
#include "web/collector.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "../support/journal.hpp"
#include "../support/temp_dir.hpp"

namespace slumber::web {
namespace {

class CollectorReads : public ::testing::Test {
  protected:
    void SetUp() override {
        // Each status call appends a line to `asked`: a snapshot must add none.
        const std::string toml = fmt::format(R"(
[daemon]
state_dir = "{0}/state"

[slurm]
bin_dir = "{0}"

[[node]]
names = "n[1-3]"
driver = "exec"
on = "true"
off = "true"
status = "sh -c 'echo {{name}} >> {0}/asked; echo on'"
)",
                                             dir.string());
        auto loaded = config::load_text(toml, "test.toml");
        ASSERT_TRUE(loaded) << config::format(loaded.error().front());
        config = std::make_shared<const config::Config>(std::move(*loaded));
        journal = slumber::testing::open_journal(config->daemon.journal());
        ASSERT_TRUE(journal);
    }

    [[nodiscard]] bool bmc_asked() const { return std::filesystem::exists(dir / "asked"); }

    static service::PowerReading::Kind power_of(const MetricsSnapshot& snapshot, const std::string& node) {
        for (const service::NodeView& view : snapshot.nodes.nodes) {
            if (view.name == node) return view.power.kind;
        }
        ADD_FAILURE() << node << " not in the snapshot";
        return service::PowerReading::Kind::error;
    }

    slumber::testing::TempDir m_temp{"slumber-collector"};
    std::filesystem::path dir = m_temp.path();
    config::SharedConfig config;
    std::unique_ptr<store::Journal> journal;
};

TEST_F(CollectorReads, ShowsThePublishedReadsAndAsksNoBmc) {
    Collector collector(config, "1.0", {}, std::chrono::milliseconds(0), [] { return store::TimeMs{10'000}; });
    // Nothing published yet: no power is known, and no BMC is asked for it.
    auto first = collector.snapshot();
    ASSERT_EQ(first->nodes.nodes.size(), 3U);
    EXPECT_EQ(power_of(*first, "n1"), service::PowerReading::Kind::not_asked);
    EXPECT_FALSE(bmc_asked()) << "the snapshot asked a BMC";

    auto reads = std::make_shared<service::PublishedReads>();
    (*reads)["n1"] = {.state = power::PowerState::off, .asked_at = 9'000, .taken_at = 9'100};
    (*reads)["n2"] = {.state = std::unexpected(std::string("no answer")), .asked_at = 9'000, .taken_at = 9'500};
    collector.publish_bmc_reads(reads);
    auto second = collector.snapshot();
    EXPECT_NE(second, first);  // taken anew (max_age 0)
    EXPECT_EQ(power_of(*second, "n1"), service::PowerReading::Kind::off);
    EXPECT_EQ(power_of(*second, "n2"), service::PowerReading::Kind::error);
    EXPECT_EQ(power_of(*second, "n3"), service::PowerReading::Kind::not_asked);
    EXPECT_FALSE(bmc_asked()) << "the snapshot asked a BMC";
}

TEST_F(CollectorReads, AReadOlderThanTheNodesLatestRequestIsNotShown) {
    ASSERT_TRUE(journal->add_requests(std::vector<std::string>{"n1"}, power::Action::on,
                                      store::RequestSource::hand_resume, 9'500));
    Collector collector(config, "1.0", {}, std::chrono::milliseconds(0), [] { return store::TimeMs{10'000}; });
    auto reads = std::make_shared<service::PublishedReads>();
    (*reads)["n1"] = {.state = power::PowerState::off, .asked_at = 9'000, .taken_at = 9'100};
    (*reads)["n2"] = {.state = power::PowerState::off, .asked_at = 9'000, .taken_at = 9'100};
    collector.publish_bmc_reads(reads);
    auto snapshot = collector.snapshot();
    EXPECT_EQ(power_of(*snapshot, "n1"), service::PowerReading::Kind::not_asked);  // powered on since
    EXPECT_EQ(power_of(*snapshot, "n2"), service::PowerReading::Kind::off);
    EXPECT_FALSE(bmc_asked());
}

}  // namespace
}  // namespace slumber::web
