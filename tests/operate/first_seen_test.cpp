// The daemon's first sight of nodes whose power phase the journal does not
// know (operate/first_seen.hpp): journaled once, from what Slurm shows, and
// the phase the energy report and the dashboard read from it. Slurm's view
// is made by hand; the journal is a real one.
#include "operate/first_seen.hpp"

#include <gtest/gtest.h>

#include "../support/exec_nodes.hpp"
#include "../support/node_state.hpp"
#include "../support/temp_dir.hpp"
#include "engine/power_phase.hpp"

namespace slumber::operate {
namespace {

using testing::node_state;

class FirstSeenTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto config = config::load_text(slumber::testing::exec_nodes_toml(m_dir.path(), "n[1-5]"),
                                        m_dir.path() / "slumber.toml", {.credentials = false});
        ASSERT_TRUE(config) << config::format(config.error().front());
        m_config = std::move(*config);
        auto journal = store::Journal::open(m_config.daemon.journal());
        ASSERT_TRUE(journal) << journal.error();
        m_journal = std::make_unique<store::Journal>(std::move(*journal));
    }
    // The node's first-seen events, as (action, detail).
    std::vector<store::Event> seen(const std::string& node) const {
        const std::vector<std::string> nodes{node};
        auto events = m_journal->events(nodes, 0);
        std::vector<store::Event> found;
        for (const store::Event& event : events.value_or(std::vector<store::Event>{})) {
            if (event.kind == store::EventKind::first_seen) found.push_back(event);
        }
        return found;
    }

    const slumber::testing::TempDir m_dir{"slumber-first-seen"};
    config::Config m_config;
    std::unique_ptr<store::Journal> m_journal;
};

TEST_F(FirstSeenTest, NodesUnknownToTheJournalAreJournaledOnceAsSlurmShowsThem) {
    // n5 was switched by slumber before: its phase is known.
    const std::vector<std::string> n5{"n5"};
    ASSERT_TRUE(m_journal->add_requests(n5, power::Action::off, store::RequestSource::slurm_suspend, 500));
    const std::vector<slurm::NodeState> nodes{
        node_state("n1", "IDLE", {}),
        node_state("n2", "IDLE", {"POWERED_DOWN"}),
        node_state("n3", "IDLE", {"POWERED_DOWN", "POWERING_UP"}),  // on its way: left for a later look
        node_state("n4", "DOWN", {"NOT_RESPONDING"}),
        node_state("n5", "IDLE", {}),
        node_state("other", "IDLE", {}),  // not slumber's
    };
    auto journaled = journal_first_seen(*m_journal, m_config, nodes, 1000);
    ASSERT_TRUE(journaled) << journaled.error();
    EXPECT_EQ(*journaled, 2);
    ASSERT_EQ(seen("n1").size(), 1U);
    EXPECT_EQ(seen("n1").front().action, power::Action::on);
    EXPECT_EQ(seen("n1").front().detail, "first seen by the daemon: up in Slurm (IDLE)");
    ASSERT_EQ(seen("n2").size(), 1U);
    EXPECT_EQ(seen("n2").front().action, power::Action::off);
    EXPECT_TRUE(seen("n3").empty());
    EXPECT_TRUE(seen("n4").empty());
    EXPECT_TRUE(seen("n5").empty());
    EXPECT_TRUE(seen("other").empty());

    journaled = journal_first_seen(*m_journal, m_config, nodes, 2000);
    ASSERT_TRUE(journaled) << journaled.error();
    EXPECT_EQ(*journaled, 0) << "their phase is known now";
}

// The phase from a first-seen row: a node up since before slumber watched
// it is up from then on, and its readings count for that phase.
TEST(FirstSeenPhase, ARowOfFirstSightSetsThePhase) {
    using store::EventKind;
    const std::vector<engine::PhaseRow> rows{
        {1000, EventKind::first_seen, std::nullopt, power::Action::on, std::nullopt},
        {5000, EventKind::requested, std::nullopt, power::Action::off, 1},
        {5100, EventKind::power_off, store::OutcomeKind::ok, power::Action::off, 1},
    };
    const auto timeline = engine::phase_timeline(rows);
    ASSERT_EQ(timeline.size(), 3U);
    EXPECT_EQ(timeline[0].phase, engine::PowerPhase::up);
    EXPECT_EQ(timeline[0].since, 1000);
    EXPECT_EQ(timeline[2].phase, engine::PowerPhase::off);
    const std::vector<engine::PhaseRow> asleep{{1000, EventKind::first_seen, std::nullopt, power::Action::off, {}}};
    EXPECT_EQ(engine::phase_timeline(asleep).front().phase, engine::PowerPhase::off);
    const std::vector<engine::PhaseRow> nothing{{1000, EventKind::first_seen, std::nullopt, std::nullopt, {}}};
    EXPECT_TRUE(engine::phase_timeline(nothing).empty());
}

}  // namespace
}  // namespace slumber::operate
