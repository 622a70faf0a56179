// A daemon standing by keeps its journal's crossed pairs as Slurm's drains
// show them (operate/crossed_follow.hpp): a pair the acting daemon drained
// is blocked here too, one unblocked there is lifted here, and nothing else
// is touched. Slurm's view is made by hand; the journal is a real one.
#include "operate/crossed_follow.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "../support/node_state.hpp"
#include "../support/temp_dir.hpp"
#include "operate/blocks.hpp"

namespace slumber::operate {
namespace {

using testing::node_state;

const std::string kDaemonReason = "slumber: BMC addresses of n1 and n2 look crossed; check, then slumber unblock n1,n2";
const std::string kVerifyReason =
    "slumber: BMC addresses of n1 and n2 look crossed: n2's BMC started n1; swap them, then slumber unblock n2,n1";
// --verify-mapping's words before 2026-12-02, still in a drain made then.
const std::string kOldVerifyReason =
    "slumber: crossed BMC addresses? n2's BMC started n1; swap them, then slumber unblock n2,n1";

class CrossedFollowTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto config = config::load_text(
            fmt::format("[daemon]\nstate_dir = \"{}\"\n[[node]]\nnames = \"n[1-4]\"\ndriver = \"exec\"\n"
                        "on = \"/bin/true\"\noff = \"/bin/true\"\nstatus = \"/bin/echo on\"\n",
                        m_dir.path().string()),
            m_dir.path() / "slumber.toml", {.credentials = false});
        ASSERT_TRUE(config) << config::format(config.error().front());
        m_config = std::move(*config);
        auto journal = store::Journal::open(m_config.daemon.journal());
        ASSERT_TRUE(journal) << journal.error();
        m_journal = std::make_unique<store::Journal>(std::move(*journal));
    }
    std::vector<std::string> follow(const std::vector<slurm::NodeState>& nodes) {
        auto done = follow_crossed_drains(*m_journal, m_config, nodes, "ctl2", 1000);
        EXPECT_TRUE(done) << done.error();
        return done.value_or(std::vector<std::string>{});
    }
    std::vector<store::Block> blocks() const { return m_journal->blocks().value_or(std::vector<store::Block>{}); }
    void block_pair(const std::string& a, const std::string& b) {
        const std::string words = fmt::format("BMC addresses of {} and {} look crossed: a test", a, b);
        for (const std::string& node : {a, b}) {
            const auto added =
                m_journal->add_block({node, std::nullopt, power::ErrorKind::crossed, words, 1, {}, "the daemon"});
            ASSERT_TRUE(added && *added);
        }
    }

    slumber::testing::TempDir m_dir{"slumber-crossed-follow"};
    config::Config m_config;
    std::unique_ptr<store::Journal> m_journal;
};

TEST(CrossedPairInReason, ReadsThePairOfEitherOfSlumbersCrossedDrains) {
    EXPECT_EQ(crossed_pair_in_reason(kDaemonReason), (std::pair<std::string, std::string>{"n1", "n2"}));
    EXPECT_EQ(crossed_pair_in_reason(kVerifyReason), (std::pair<std::string, std::string>{"n2", "n1"}));
    EXPECT_EQ(crossed_pair_in_reason(kOldVerifyReason), (std::pair<std::string, std::string>{"n2", "n1"}));
    // Slurm 23.02 and later may append words of their own.
    EXPECT_EQ(crossed_pair_in_reason(kDaemonReason + "; Not responding"),
              (std::pair<std::string, std::string>{"n1", "n2"}));
}

TEST(CrossedPairInReason, AnyOtherReasonNamesNoPair) {
    for (const std::string reason :
         {"", "slumber: BMC refused the password; fix it, then slumber unblock n1",
          "slumber: BMC addresses look crossed; check, then slumber unblock n1", "bad DIMM, then slumber unblock n1,n2",
          "slumber: crossed BMC addresses? then slumber unblock n1,n1", "slumber: crossed, slumber unblock n1,n2,n3",
          "slumber: crossed, slumber unblock ,n2"}) {
        EXPECT_FALSE(crossed_pair_in_reason(reason)) << reason;
    }
}

// The tester's case: the primary's daemon drained n1 and n2; the backup's,
// standing by, blocks them too, so that after a takeover it neither
// switches them nor lets `scontrol update state=resume` alone undo the drain.
TEST_F(CrossedFollowTest, APairTheActingDaemonDrainedIsBlockedHereToo) {
    const std::vector<slurm::NodeState> nodes{node_state("n1", "IDLE", {"DRAIN", "POWERED_DOWN"}, kDaemonReason),
                                              node_state("n2", "IDLE", {"DRAIN"}, kDaemonReason),
                                              node_state("n3", "IDLE", {"POWERED_DOWN"})};
    const auto done = follow(nodes);
    EXPECT_EQ(done.size(), 2U);
    const auto now = blocks();
    ASSERT_EQ(now.size(), 2U);
    for (const store::Block& block : now) {
        EXPECT_EQ(block.kind, power::ErrorKind::crossed);
        EXPECT_FALSE(block.action) << "every action";
        EXPECT_EQ(crossed_partner(block), block.target == "n1" ? "n2" : "n1") << block.words;
        EXPECT_NE(block.words.find("while ctl2 is in control"), std::string::npos) << block.words;
    }
    EXPECT_TRUE(follow(nodes).empty()) << "blocked once";
    EXPECT_EQ(blocks().size(), 2U);
}

TEST_F(CrossedFollowTest, APairDoctorDrainedIsBlockedAsWell) {
    follow({node_state("n1", "IDLE", {"DRAIN"}, kVerifyReason), node_state("n2", "IDLE", {"DRAIN"}, kVerifyReason)});
    EXPECT_EQ(blocks().size(), 2U);
}

// Only the nodes of this daemon's configuration.
TEST_F(CrossedFollowTest, APairWithANodeNotConfiguredHereIsLeftAlone) {
    const std::string reason = "slumber: BMC addresses of n1 and x9 look crossed; check, then slumber unblock n1,x9";
    EXPECT_TRUE(follow({node_state("n1", "IDLE", {"DRAIN"}, reason)}).empty());
    EXPECT_TRUE(blocks().empty());
}

// Unblocked where the other daemon acts: its drain gone from both nodes,
// this daemon's own block goes too (a takeover drained a tester's fixed
// pair again), and no other block: a refused password's stays.
TEST_F(CrossedFollowTest, APairSlurmShowsUndrainedIsLiftedAndNothingElse) {
    block_pair("n1", "n2");
    const auto refused = m_journal->add_block(
        {"n3", std::nullopt, power::ErrorKind::auth_failed, "password refused", 1, {}, "the daemon"});
    ASSERT_TRUE(refused && *refused);
    const auto done = follow({node_state("n1", "IDLE", {"POWERED_DOWN"}), node_state("n2", "IDLE", {"POWERED_DOWN"}),
                              node_state("n3", "IDLE", {"POWERED_DOWN"})});
    EXPECT_EQ(done.size(), 2U);
    const auto left = blocks();
    ASSERT_EQ(left.size(), 1U);
    EXPECT_EQ(left.front().kind, power::ErrorKind::auth_failed);
    const auto events = m_journal->events(std::vector<std::string>{"n2"}, 0);
    ASSERT_TRUE(events) << events.error();
    ASSERT_FALSE(events->empty());
    EXPECT_EQ(events->back().kind, store::EventKind::unblocked);
    EXPECT_NE(events->back().detail.find("Slurm shows neither drained while ctl2 is in control"), std::string::npos)
        << events->back().detail;
}

// Still drained by either (22.05.8 keeps DRAIN and drops the reason when a
// powered-down node registers), or not shown at all: kept.
TEST_F(CrossedFollowTest, APairStillDrainedOrNotShownKeepsItsBlock) {
    block_pair("n1", "n2");
    EXPECT_TRUE(follow({node_state("n1", "IDLE", {"POWERED_DOWN"}), node_state("n2", "IDLE", {"DRAIN"})}).empty());
    EXPECT_TRUE(follow({node_state("n1", "IDLE", {"POWERED_DOWN"})}).empty());
    EXPECT_EQ(blocks().size(), 2U);
}

// A tester's password block, lifted by `slumber unblock` on the backup while
// the primary was down: the primary's daemon, back, refused the node the
// backup had switched since. A node this journal drained for its block and
// Slurm shows undrained is lifted; one never drained here, or still drained,
// keeps its block.
TEST_F(CrossedFollowTest, ABlockWhoseDrainWasLiftedElsewhereIsLifted) {
    for (const std::string node : {"n3", "n4", "n1"}) {
        const auto added = m_journal->add_block(
            {node, std::nullopt, power::ErrorKind::auth_failed, "password refused", 1000, {}, "the daemon"});
        ASSERT_TRUE(added && *added);
    }
    for (const std::string node : {"n3", "n1"}) {
        ASSERT_TRUE(
            m_journal->record({0, 1100, node, std::nullopt, store::EventKind::drained, "drained in Slurm: slumber: …",
                               store::OutcomeKind::ok, std::nullopt, store::StepKind::slurm_drain}));
    }
    auto done =
        follow_lifted_drains(*m_journal,
                             {node_state("n3", "IDLE", {"POWERED_DOWN"}), node_state("n4", "IDLE", {"POWERED_DOWN"}),
                              node_state("n1", "IDLE", {"DRAIN", "POWERED_DOWN"}, "slumber: password refused")},
                             "ctl2", 2000);
    ASSERT_TRUE(done) << done.error();
    ASSERT_EQ(done->size(), 1U);
    EXPECT_NE(done->front().find("n3: block lifted"), std::string::npos) << done->front();
    std::vector<std::string> still;
    for (const store::Block& block : blocks()) still.push_back(block.target);
    std::ranges::sort(still);
    EXPECT_EQ(still, (std::vector<std::string>{"n1", "n4"})) << "n1 still drained; n4 never drained here";
}

}  // namespace
}  // namespace slumber::operate
