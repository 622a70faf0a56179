// Blocked targets against an emulated smart plug on loopback whose password
// does not match the credentials file: automatic callers log in once, then
// leave it alone until the file changes; an admin's deliberate call tries
// once and lifts the block when it works.
#include "operate/blocks.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <memory>

#include "../support/journal.hpp"
#include "../support/node_state.hpp"
#include "../support/refusing_plug.hpp"
#include "../support/temp_dir.hpp"
#include "operate/dependencies.hpp"
#include "operate/switching.hpp"
#include "vcluster/plug.hpp"

namespace slumber::operate {
namespace {

namespace fs = std::filesystem;

class BlockedPlug : public ::testing::Test {
  protected:
    void SetUp() override {
        plug = testing::refusing_plug(dir / "plug.secret");
        load("");
        journal = testing::open_journal(config.daemon.journal());
        ASSERT_TRUE(journal);
    }

    // The configuration, `plug_setting` written in the plug's table (an
    // admin's edit of its settings).
    void load(std::string_view plug_setting) {
        auto loaded =
            config::load_text(fmt::format(R"(
[daemon]
state_dir = "{}"

[[device]]
name = "ibswitch"
driver = "tasmota"
address = "http://127.0.0.1:{}"
credentials = "{}"
timeout = "1s"
retries = 2
{}

[[node]]
names = "n1"
driver = "exec"
on = "true"
off = "true"

[[dependency]]
device = "ibswitch"
nodes = "n1"
)",
                                          dir.string(), plug->port(), (dir / "plug.secret").string(), plug_setting),
                              "test.toml");
        ASSERT_TRUE(loaded) << config::format(loaded.error().front());
        config = std::move(*loaded);
    }

    void write_credentials(std::string_view password) const {
        testing::write_credentials(dir / "plug.secret", password);
    }
    std::string read(Caller caller) {
        Blocks blocks(config, journal.get(), caller, [] { return store::TimeMs{1000}; });
        const PowerReading reading = read_power(config, {"ibswitch"}, blocks, "the test").at("ibswitch");
        return reading ? std::string(power::to_string(*reading)) : "error: " + reading.error();
    }
    int events(std::string_view kind) {
        const auto all = journal->events({}, 0).value_or(std::vector<store::Event>{});
        return static_cast<int>(
            std::count_if(all.begin(), all.end(), [&](const auto& e) { return store::to_string(e.kind) == kind; }));
    }
    std::string last_event(std::string_view kind) {
        const auto all = journal->events({}, 0).value_or(std::vector<store::Event>{});
        const auto it =
            std::find_if(all.rbegin(), all.rend(), [&](const auto& e) { return store::to_string(e.kind) == kind; });
        return it == all.rend() ? std::string() : it->detail;
    }

    slumber::testing::TempDir m_temp{"slumber-blocks"};
    std::filesystem::path dir = m_temp.path();
    std::unique_ptr<vcluster::Plug> plug;
    config::Config config;
    std::unique_ptr<store::Journal> journal;
};

// An admin's drain is never replaced; one whose reason is only Slurm's own
// words (22.05 puts "Node unexpectedly rebooted" in place of slumber's
// crossed drain when the machine boots unasked) is nobody's record: two
// testers saw slumber leave it, the pair no longer named, and unblock
// leave the node drained.
TEST(DrainedByOthers, AnAdminsReasonCountsSlurmsOwnWordsDoNot) {
    using testing::node_state;
    EXPECT_TRUE(drained_by_others(node_state("n1", "IDLE", {"DRAIN"}, "bad DIMM, ticket 4711")));
    EXPECT_TRUE(drained_by_others(node_state("n1", "IDLE", {"DRAIN"}, "RMA 991 : Node unexpectedly rebooted")))
        << "23.02+ keeps the admin's part";
    EXPECT_FALSE(drained_by_others(node_state("n1", "DOWN", {"DRAIN"}, "Node unexpectedly rebooted")));
    EXPECT_FALSE(drained_by_others(node_state("n1", "DOWN", {"DRAIN"}, "Not responding : ResumeTimeout reached")));
    EXPECT_FALSE(drained_by_others(node_state("n1", "IDLE", {"DRAIN"}, "slumber: BMC addresses of n1 and n2 look")));
    EXPECT_FALSE(drained_by_others(node_state("n1", "IDLE", {"DRAIN"}, ""))) << "22.05.8 cleared slumber's";
    EXPECT_FALSE(drained_by_others(node_state("n1", "IDLE", {}, "bad DIMM"))) << "not drained";
}

TEST_F(BlockedPlug, AutomaticCallersStopAfterTheFirstRefusedLogin) {
    EXPECT_TRUE(read(Caller::automatic).starts_with("error: authentication failed")) << read(Caller::automatic);
    for (int pass = 0; pass < 5; ++pass) {
        const std::string said = read(Caller::automatic);
        EXPECT_NE(said.find("blocked since"), std::string::npos) << said;
        EXPECT_NE(said.find("slumber unblock ibswitch"), std::string::npos) << said;
    }
    // Nor do the devices' keeper and a node's power-on that needs the device.
    Blocks blocks(config, journal.get(), Caller::automatic, [] { return store::TimeMs{2000}; });
    DeviceKeeper keeper(config);
    slurm::NodeState asleep;
    asleep.name = "n1";
    asleep.base = "IDLE";
    asleep.flags = {"POWERED_DOWN"};
    for (const store::TimeMs now : {0, 700'000, 1'400'000}) {
        keeper.run(
            {asleep}, now, [](const store::Event&) {}, blocks);
    }
    const auto failed = bring_up_dependencies(
        config, {"n1"}, [](const store::Event&) {}, [] { return store::TimeMs{3000}; }, blocks);
    ASSERT_TRUE(failed.contains("n1"));
    EXPECT_EQ(failed.at("n1").kind, power::ErrorKind::auth_failed);

    EXPECT_EQ(plug->refused_logins(), 1) << "one failed login, then none";
    EXPECT_EQ(events("blocked"), 1) << "journaled once";
    auto blocks_now = journal->blocks();
    ASSERT_EQ(blocks_now->size(), 1U);
    EXPECT_EQ(blocks_now->front().action, std::nullopt) << "a refused password blocks every action";
    EXPECT_EQ(blocks_now->front().source, "the test");

    // The admin writes the new password: the block lifts on the next use,
    // and the driver uses what the file says now.
    write_credentials("changed-on-the-plug");
    EXPECT_EQ(read(Caller::automatic), "off");
    EXPECT_EQ(events("unblocked"), 1);
    EXPECT_TRUE(journal->blocks()->empty());
    EXPECT_EQ(plug->refused_logins(), 1);
}

// A tester set a cipher suite the BMC does not offer, put it back, and
// doctor still said the node was blocked until its credentials file
// changed: a change of the target's settings lifts a block its settings
// caused, once.
TEST_F(BlockedPlug, AChangeOfTheTargetsSettingsLiftsABlockTheSettingsCaused) {
    ASSERT_TRUE(journal->add_block({"ibswitch", std::nullopt, power::ErrorKind::config, "relay 2 is not offered", 1000,
                                    block_fingerprint(config, "ibswitch"), "slumber doctor"}));
    const std::string blocked = read(Caller::automatic);
    EXPECT_NE(blocked.find("not tried again until its settings in slumber.toml or its credentials file change or "
                           "`slumber unblock ibswitch`"),
              std::string::npos)
        << blocked;
    EXPECT_EQ(plug->refused_logins(), 0);

    load("relay = 1");
    EXPECT_TRUE(read(Caller::automatic).starts_with("error: authentication failed")) << "tried again";
    EXPECT_EQ(plug->refused_logins(), 1);
    EXPECT_EQ(events("unblocked"), 1);
    EXPECT_NE(last_event("unblocked").find("settings in test.toml changed since it was blocked"), std::string::npos)
        << last_event("unblocked");
}

// A refused password's block is lifted by its credentials file alone, not
// by other settings: a doctor run after an edit and a daemon not yet
// reloaded run different settings, and each would lift the other's block
// and log in again.
TEST_F(BlockedPlug, ARefusedPasswordIsNotTriedAgainForAChangeOfOtherSettings) {
    (void)read(Caller::automatic);
    EXPECT_EQ(plug->refused_logins(), 1);
    const std::string blocked = read(Caller::automatic);
    EXPECT_NE(blocked.find("not tried again until its credentials file changes or `slumber unblock ibswitch`"),
              std::string::npos)
        << blocked;
    load("relay = 1");
    EXPECT_NE(read(Caller::automatic).find("blocked since"), std::string::npos);
    load("relay = 2");
    EXPECT_NE(read(Caller::automatic).find("blocked since"), std::string::npos);
    EXPECT_EQ(plug->refused_logins(), 1) << "one refused login, whatever the settings";
    EXPECT_EQ(events("unblocked"), 0);
}

// A block stored by an older slumber holds its credentials file's
// fingerprint only: an upgrade (whose settings fingerprint it cannot
// compare) must not try the refused password again by itself.
TEST_F(BlockedPlug, ABlockStoredWithoutItsSettingsIsLiftedByItsFileAlone) {
    ASSERT_TRUE(journal->add_block({"ibswitch", std::nullopt, power::ErrorKind::auth_failed, "authentication failed",
                                    1000, credentials_fingerprint(config, "ibswitch"), "an older slumber"}));
    load("relay = 1");
    const std::string said = read(Caller::automatic);
    EXPECT_NE(said.find("not tried again until its credentials file changes or `slumber unblock ibswitch`"),
              std::string::npos)
        << said;
    EXPECT_EQ(plug->refused_logins(), 0);
    write_credentials("changed-on-the-plug");
    EXPECT_EQ(read(Caller::automatic), "off");
    EXPECT_NE(last_event("unblocked").find("credentials file"), std::string::npos) << last_event("unblocked");
}

// A crossed block is lifted only by `slumber unblock`, whatever changes.
TEST_F(BlockedPlug, ACrossedBlockOutlivesAChangeOfSettings) {
    const std::string words = "BMC addresses of ibswitch and n1 look crossed: evidence";
    ASSERT_TRUE(journal->add_block({"ibswitch", std::nullopt, power::ErrorKind::crossed, words, 1000,
                                    block_fingerprint(config, "ibswitch"), "the daemon"}));
    load("relay = 1");
    write_credentials("changed-on-the-plug");
    const std::string said = read(Caller::automatic);
    EXPECT_NE(said.find("blocked since"), std::string::npos) << said;
    EXPECT_EQ(plug->refused_logins(), 0);
    EXPECT_EQ(events("unblocked"), 0);
}

TEST_F(BlockedPlug, AnAdminsCallTriesOnceAndLiftsTheBlockWhenItWorks) {
    (void)read(Caller::automatic);
    EXPECT_NE(read(Caller::deliberate).find("authentication failed"), std::string::npos);
    EXPECT_EQ(plug->refused_logins(), 2) << "a deliberate call is tried, once";
    EXPECT_EQ(journal->blocks()->size(), 1U);
    // The plug's password is put back; the file never changed.
    plug->set_password("the-old-one");
    EXPECT_NE(read(Caller::automatic).find("blocked since"), std::string::npos);
    EXPECT_EQ(read(Caller::deliberate), "off");
    EXPECT_TRUE(journal->blocks()->empty());
    EXPECT_EQ(read(Caller::automatic), "off");
}

// A tester's `slumber power off vnode001` (and the web API's) on a node
// under a crossed block switched the partner's machine and killed its job:
// a crossed block holds for deliberate power changes too; a status read
// goes on.
TEST_F(BlockedPlug, ACrossedBlockHoldsForAnAdminsPowerChangeButNotForAStatusRead) {
    const std::string words = "BMC addresses of n1 and n2 look crossed: slumber switched n1 off; n2 went silent";
    ASSERT_TRUE(journal->add_block({"n1", std::nullopt, power::ErrorKind::crossed, words, 1000, {}, "the daemon"}));
    for (const power::Action action :
         {power::Action::on, power::Action::off, power::Action::soft, power::Action::cycle}) {
        Blocks blocks(config, journal.get(), Caller::deliberate, [] { return store::TimeMs{2000}; });
        const Switcher switcher;
        const auto outcomes = switcher.run(config, blocks, {.action = action, .targets = {"n1"}});
        ASSERT_EQ(outcomes.size(), 1U);
        EXPECT_EQ(outcomes[0].not_called, NotCalled::blocked) << power::to_string(action);
        ASSERT_FALSE(outcomes[0].outcome.result) << power::to_string(action);
        const std::string said = outcomes[0].outcome.result.error().message;
        EXPECT_EQ(outcomes[0].outcome.result.error().kind, power::ErrorKind::crossed);
        EXPECT_NE(said.find("may switch n2's machine"), std::string::npos) << said;
        EXPECT_NE(said.find("`slumber unblock n1,n2`"), std::string::npos) << said;
    }
    Blocks blocks(config, journal.get(), Caller::deliberate, [] { return store::TimeMs{2000}; });
    const auto read = Switcher{}.run(config, blocks, {.action = power::Action::status, .targets = {"n1"}});
    ASSERT_EQ(read.size(), 1U);
    EXPECT_NE(read[0].not_called, NotCalled::blocked) << "a status read goes on";
    const auto left = journal->blocks(std::vector<std::string>{"n1"});
    ASSERT_TRUE(left);
    EXPECT_EQ(std::ranges::count_if(*left, [](const store::Block& b) { return b.kind == power::ErrorKind::crossed; }),
              1)
        << "the crossed block stands";
    // Another kind of block still gives a deliberate call its one attempt.
    EXPECT_FALSE(blocks.holding("ibswitch", power::Action::on));
}

TEST(BlockWords, ACrossedBlockNamesItsPartner) {
    store::Block block{
        "n2", std::nullopt, power::ErrorKind::crossed, "BMC addresses of n1 and n2 look crossed: evidence", 0, "", ""};
    EXPECT_EQ(crossed_partner(block), "n1");
    block.target = "n1";
    EXPECT_EQ(crossed_partner(block), "n2");
    block.words = "BMC addresses of n1 and n1 look crossed: evidence";
    EXPECT_EQ(crossed_partner(block), std::nullopt) << "never a self-pair";
    block.words = "something else";
    EXPECT_EQ(crossed_partner(block), std::nullopt);
    block.kind = power::ErrorKind::auth_failed;
    block.words = "BMC addresses of n1 and n2 look crossed";
    EXPECT_EQ(crossed_partner(block), std::nullopt);
}

TEST(BlockWords, TheDrainReasonNamesTheFaultAndTheFix) {
    const store::Block block{"node7", std::nullopt, power::ErrorKind::auth_failed, "authentication failed", 0, "", ""};
    const std::string reason = drain_reason(block);
    EXPECT_TRUE(reason.starts_with(kBlockDrainPrefix)) << reason;
    EXPECT_EQ(reason, "slumber: BMC authentication failed; fix the credentials file, then slumber unblock node7");
    EXPECT_EQ(blocked_error(block).kind, power::ErrorKind::auth_failed);
}

}  // namespace
}  // namespace slumber::operate
