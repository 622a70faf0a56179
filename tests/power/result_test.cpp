#include <gtest/gtest.h>

#include "power/result.hpp"

namespace slumber::power {
namespace {

TEST(PowerResult, DescriptionKeepsTheBmcsOwnWords) {
    EXPECT_EQ(describe(PowerError{ErrorKind::auth_failed, "", "password invalid"}),
              "authentication failed (BMC said: password invalid)");
    EXPECT_EQ(describe(PowerError{ErrorKind::unreachable, "no reply from 10.0.0.5:623 in 5 s", ""}),
              "no answer from the controller: no reply from 10.0.0.5:623 in 5 s");
}

TEST(PowerResult, ADevicesWordsAreMadeSafeWhereTheErrorIsMade) {
    const PowerError error = fail(ErrorKind::protocol, "node001: HTTP 500\nnode002: on", "\x1b[2J\x9b").error();
    EXPECT_EQ(error.message, "node001: HTTP 500\\nnode002: on");
    EXPECT_EQ(error.bmc_said, "\\x1b[2J\\x9b");
    EXPECT_EQ(describe(error), "unexpected answer: node001: HTTP 500\\nnode002: on (BMC said: \\x1b[2J\\x9b)");
}

TEST(PowerResult, OnlyTransientKindsAreWorthRetrying) {
    EXPECT_TRUE(info(ErrorKind::unreachable).transient);
    EXPECT_TRUE(info(ErrorKind::bmc_busy).transient);
    EXPECT_FALSE(info(ErrorKind::auth_failed).transient);
    EXPECT_FALSE(info(ErrorKind::permission).transient);
    EXPECT_FALSE(info(ErrorKind::unsupported).transient);
    EXPECT_EQ(to_string(ErrorKind::auth_failed), "auth_failed");
    EXPECT_EQ(to_string(PowerState::on), "on");
}

TEST(PowerResult, EveryPowerStateIsNamedAndReadBack) {
    for (const PowerState state :
         {PowerState::on, PowerState::off, PowerState::powering_on, PowerState::powering_off, PowerState::paused}) {
        EXPECT_EQ(parse_power_state(to_string(state)), state) << to_string(state);
    }
    EXPECT_EQ(to_string(PowerState::powering_off), "powering_off");
    EXPECT_EQ(parse_power_state("error: timeout"), std::nullopt);
    EXPECT_TRUE(is_transitional(PowerState::powering_off));
    EXPECT_FALSE(is_transitional(PowerState::paused));
    EXPECT_EQ(heading(PowerState::powering_off), PowerState::off);
    EXPECT_EQ(heading(PowerState::paused), PowerState::paused);
}

TEST(PowerResult, FailuresThatCannotHealLatchAsFarAsTheyReach) {
    EXPECT_EQ(info(ErrorKind::auth_failed).latch, Latch::target);
    EXPECT_EQ(info(ErrorKind::config).latch, Latch::target);
    EXPECT_EQ(info(ErrorKind::permission).latch, Latch::action);
    EXPECT_EQ(info(ErrorKind::unsupported).latch, Latch::action);
    for (ErrorKind kind : {ErrorKind::unreachable, ErrorKind::timeout, ErrorKind::bmc_busy, ErrorKind::in_progress,
                           ErrorKind::protocol, ErrorKind::internal}) {
        EXPECT_EQ(info(kind).latch, Latch::none) << to_string(kind);
    }
    EXPECT_EQ(error_kind_from("auth_failed"), ErrorKind::auth_failed);
    EXPECT_EQ(error_kind_from("password"), std::nullopt);
}

}  // namespace
}  // namespace slumber::power
