// The IPMI driver's handling of its settings and of libfreeipmi's errors;
// its conversations with BMCs are tested on the virtual cluster
// (tests/integration/power_ipmi_test.cpp).
#include <freeipmi/freeipmi.h>
#include <gtest/gtest.h>

#include "power/factory.hpp"
#include "power/ipmi/ipmi_driver.hpp"

namespace slumber::power {
namespace {

TEST(IpmiDriver, FreeipmiErrorsBecomeKindsThatDecideRetrying) {
    EXPECT_EQ(ipmi::error_kind(IPMI_ERR_PASSWORD_INVALID), ErrorKind::auth_failed);
    EXPECT_EQ(ipmi::error_kind(IPMI_ERR_USERNAME_INVALID), ErrorKind::auth_failed);
    EXPECT_EQ(ipmi::error_kind(IPMI_ERR_K_G_INVALID), ErrorKind::auth_failed);
    EXPECT_EQ(ipmi::error_kind(IPMI_ERR_PRIVILEGE_LEVEL_CANNOT_BE_OBTAINED), ErrorKind::permission);
    EXPECT_EQ(ipmi::error_kind(IPMI_ERR_CONNECTION_TIMEOUT), ErrorKind::unreachable);
    EXPECT_EQ(ipmi::error_kind(IPMI_ERR_SESSION_TIMEOUT), ErrorKind::timeout);
    EXPECT_EQ(ipmi::error_kind(IPMI_ERR_BMC_BUSY), ErrorKind::bmc_busy);
    EXPECT_EQ(ipmi::error_kind(IPMI_ERR_CIPHER_SUITE_ID_UNAVAILABLE), ErrorKind::unsupported);
    EXPECT_EQ(ipmi::error_kind(IPMI_ERR_HOSTNAME_INVALID), ErrorKind::config);
    EXPECT_EQ(ipmi::error_kind(IPMI_ERR_BAD_COMPLETION_CODE), ErrorKind::protocol);
    EXPECT_EQ(ipmi::error_kind(IPMI_ERR_SYSTEM_ERROR), ErrorKind::internal);
}

TEST(IpmiDriver, NeedsAUserName) {
    TargetSettings settings;
    settings.name = "node001";
    settings.address = "10.0.0.1";
    auto driver = make_driver("ipmi", settings);
    ASSERT_FALSE(driver);
    EXPECT_EQ(driver.error().kind, ErrorKind::config);
    EXPECT_NE(driver.error().message.find("node001"), std::string::npos) << driver.error().message;
}

TEST(IpmiDriver, UnknownDriversAreErrorsNotCrashes) {
    TargetSettings settings;
    settings.username = "admin";
    EXPECT_TRUE(make_driver("ipmi", settings));
    EXPECT_EQ(make_driver("ipmii", settings).error().kind, ErrorKind::config);
}

TEST(IpmiDriver, UnreachableBmcFailsWithinItsTimeout) {
    // 127.0.0.1:9 (discard) does not speak IPMI: the session never opens.
    TargetSettings settings;
    settings.name = "node001";
    settings.address = "127.0.0.1";
    settings.options["port"] = std::int64_t{9};
    settings.username = "admin";
    settings.password = util::Secret("secret");
    settings.policy.timeout = std::chrono::milliseconds{300};
    auto driver = make_driver("ipmi", settings);
    ASSERT_TRUE(driver);
    auto status = (*driver)->status();
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().kind, ErrorKind::unreachable) << describe(status.error());
    EXPECT_EQ(status.error().bmc_said, "connection timeout");
}

}  // namespace
}  // namespace slumber::power
