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

TEST(PowerResult, OnlyTransientKindsAreWorthRetrying) {
    EXPECT_TRUE(info(ErrorKind::unreachable).transient);
    EXPECT_TRUE(info(ErrorKind::bmc_busy).transient);
    EXPECT_FALSE(info(ErrorKind::auth_failed).transient);
    EXPECT_FALSE(info(ErrorKind::permission).transient);
    EXPECT_FALSE(info(ErrorKind::unsupported).transient);
    EXPECT_EQ(to_string(ErrorKind::auth_failed), "auth_failed");
    EXPECT_EQ(to_string(PowerState::on), "on");
}

}  // namespace
}  // namespace slumber::power
