// The Shelly driver against the emulated plug on loopback, both API
// generations: switching, channels, meters, Basic and Digest passwords, and
// hostile answers.
#include <gtest/gtest.h>

#include <memory>

#include "power/factory.hpp"
#include "vcluster/plug.hpp"

namespace slumber::power {
namespace {

using std::chrono::milliseconds;
using vcluster::Plug;
using vcluster::PlugApi;
using vcluster::PlugFault;
using vcluster::PlugSettings;

class ShellyTest : public ::testing::TestWithParam<int> {
  protected:
    int generation() const { return GetParam(); }
    void start(int relays = 1, double watts = 0, std::string password = {}) {
        PlugSettings settings;
        settings.api = generation() == 1 ? PlugApi::shelly_gen1 : PlugApi::shelly_gen2;
        settings.relays = relays;
        settings.watts = watts;
        settings.password = std::move(password);
        plug = std::make_unique<Plug>(std::move(settings));
        ASSERT_TRUE(plug->start());
    }
    std::unique_ptr<Driver> driver(std::string password = {}, std::int64_t channel = 0) {
        TargetSettings target;
        target.name = "ibswitch";
        target.address = fmt::format("http://127.0.0.1:{}", plug->port());
        target.password = util::Secret(std::move(password));
        target.options["generation"] = std::int64_t{generation()};
        target.options["channel"] = channel;
        target.policy.timeout = milliseconds{1000};
        auto made = make_driver("shelly", target);
        EXPECT_TRUE(made) << (made ? "" : describe(made.error()));
        return made ? std::move(*made) : nullptr;
    }
    std::unique_ptr<Plug> plug;
};

TEST_P(ShellyTest, SwitchesAndReportsItsRelay) {
    start();
    auto relay = driver();
    EXPECT_EQ(relay->status(), PowerState::off);
    ASSERT_TRUE(relay->on());
    EXPECT_TRUE(plug->relay_on(0));
    EXPECT_EQ(relay->status(), PowerState::on);
    ASSERT_TRUE(relay->off());
    EXPECT_FALSE(plug->relay_on(0));
    EXPECT_EQ(relay->soft().error().kind, ErrorKind::unsupported);
    auto identity = relay->identity();
    ASSERT_TRUE(identity) << describe(identity.error());
    EXPECT_EQ(identity->manufacturer, "Shelly");
}

TEST_P(ShellyTest, TheSecondChannelAndOneThatIsNotThere) {
    start(2);
    ASSERT_TRUE(driver({}, 1)->on());
    EXPECT_FALSE(plug->relay_on(0));
    EXPECT_TRUE(plug->relay_on(1));
    auto missing = driver({}, 5)->status();
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().kind, ErrorKind::internal) << describe(missing.error());
}

TEST_P(ShellyTest, ReadsItsMeter) {
    start(1, 60);
    auto relay = driver();
    ASSERT_TRUE(relay->on());
    EXPECT_EQ(relay->power_reading(), 60.0);
    ASSERT_TRUE(relay->off());
    EXPECT_EQ(relay->power_reading(), 0.0);
}

TEST_P(ShellyTest, APasswordBasicOrDigestAsTheGenerationWants) {
    const std::string password = "sh3lly&pass";
    start(1, 0, password);
    EXPECT_EQ(driver(password)->status(), PowerState::off);
    for (const std::string& wrong : {std::string(), std::string("nope")}) {
        auto refused = driver(wrong)->status();
        ASSERT_FALSE(refused);
        EXPECT_EQ(refused.error().kind, ErrorKind::auth_failed) << describe(refused.error());
        EXPECT_EQ(describe(refused.error()).find(password), std::string::npos);
    }
}

TEST_P(ShellyTest, HostileAnswers) {
    start();
    auto relay = driver();
    for (const auto& [fault, kind] : {std::pair{PlugFault::garbage, ErrorKind::protocol},
                                      {PlugFault::truncated, ErrorKind::timeout},
                                      {PlugFault::http_error, ErrorKind::bmc_busy},
                                      {PlugFault::slow, ErrorKind::timeout}}) {
        SCOPED_TRACE(static_cast<int>(fault));
        plug->set_fault(fault);
        auto status = relay->status();
        ASSERT_FALSE(status);
        EXPECT_EQ(status.error().kind, kind) << describe(status.error());
    }
    // A plug's words reach logs, the journal and terminals: made safe first.
    plug->set_fault(PlugFault::hostile);
    auto hostile = relay->status();
    ASSERT_FALSE(hostile);
    const std::string said = describe(hostile.error());
    EXPECT_EQ(said.find_first_of("\n\r\x1b\x07"), std::string::npos) << said;
    EXPECT_EQ(said.find("\xc2\x9b"), std::string::npos) << said;
    EXPECT_NE(said.find("off\\n2026-11-30T08:00:00 node002: on\\x1b[2J\\x1b]0;owned\\x07\\u009b31m"), std::string::npos)
        << said;
    plug->set_fault(PlugFault::liar);
    auto on = relay->on();
    ASSERT_FALSE(on) << "a relay that did not move is caught by reading it back";
    EXPECT_EQ(on.error().kind, ErrorKind::protocol) << describe(on.error());
}

// A plug of the other generation answers a plain 404 page, not JSON: the
// error must still say which setting is wrong.
TEST_P(ShellyTest, TheWrongGenerationIsNamedWithItsFix) {
    PlugSettings settings;
    settings.api = generation() == 1 ? PlugApi::shelly_gen2 : PlugApi::shelly_gen1;
    plug = std::make_unique<Plug>(std::move(settings));
    ASSERT_TRUE(plug->start());
    auto status = driver()->status();
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().kind, ErrorKind::config) << describe(status.error());
    const std::string fix = fmt::format("set generation = {}", generation() == 1 ? 2 : 1);
    EXPECT_NE(status.error().message.find(fix), std::string::npos) << describe(status.error());
}

INSTANTIATE_TEST_SUITE_P(Generations, ShellyTest, ::testing::Values(1, 2),
                         [](const auto& generation) { return fmt::format("Gen{}", generation.param); });

}  // namespace
}  // namespace slumber::power
