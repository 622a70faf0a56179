// The Redfish driver against the emulated Redfish BMC on loopback, over
// HTTPS with the BMC's self-signed certificate: discovery of where a vendor
// keeps the system and which ResetTypes it takes, sessions and Basic
// authentication, TLS trust, readings, and a BMC misbehaving.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>

#include "power/factory.hpp"
#include "vcluster/redfish.hpp"

namespace slumber::power {
namespace {

using std::chrono::milliseconds;
using vcluster::HttpFault;
using vcluster::RedfishBmc;
using vcluster::RedfishMetrics;
using vcluster::RedfishSettings;

class RedfishTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = (std::filesystem::temp_directory_path() / "slumber-redfish-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir = pattern;
        settings.certificate = dir / "bmc.pem";
        settings.key = dir / "bmc.key";
        settings.password = "calvin";
    }
    void TearDown() override {
        bmc.reset();
        std::filesystem::remove_all(dir);
    }
    void start() {
        bmc = std::make_unique<RedfishBmc>(settings);
        ASSERT_EQ(bmc->start(), "");
    }
    TargetSettings target(std::string password = "calvin") const {
        TargetSettings target;
        target.name = "node001";
        target.address = fmt::format("127.0.0.1:{}", bmc->port());
        target.username = "root";
        target.password = util::Secret(std::move(password));
        target.options["ca_file"] = settings.certificate.string();
        target.policy.timeout = milliseconds{1000};
        return target;
    }
    std::unique_ptr<Driver> driver(const TargetSettings& target) {
        auto made = make_driver("redfish", target);
        EXPECT_TRUE(made) << (made ? "" : describe(made.error()));
        return made ? std::move(*made) : nullptr;
    }
    std::unique_ptr<Driver> driver() { return driver(target()); }

    std::filesystem::path dir;
    RedfishSettings settings;
    std::unique_ptr<RedfishBmc> bmc;
};

TEST_F(RedfishTest, SwitchesThroughTheResetActionAndLogsOut) {
    start();
    {
        auto node = driver();
        ASSERT_EQ(node->status(), PowerState::off);
        ASSERT_TRUE(node->on());
        EXPECT_TRUE(bmc->powered());
        ASSERT_TRUE(node->on()) << "on when on: nothing to do";
        ASSERT_TRUE(node->cycle());
        ASSERT_TRUE(node->soft());
        EXPECT_FALSE(bmc->powered());
        ASSERT_TRUE(node->on());
        ASSERT_TRUE(node->off());
        EXPECT_EQ(node->status(), PowerState::off);
        EXPECT_EQ(bmc->sessions(), 1) << "one session for all of it";
        EXPECT_EQ(bmc->connections(), 1) << "and one TLS connection: a handshake per request is slow on a BMC";
    }
    EXPECT_EQ(bmc->resets(), (std::vector<std::string>{"On", "PowerCycle", "GracefulShutdown", "On", "ForceOff"}));
    EXPECT_EQ(bmc->sessions(), 0) << "the driver ends its session: BMCs hold only a few";
}

TEST_F(RedfishTest, FindsTheSystemAndItsResetTypesWhereTheVendorPutsThem) {
    settings.system_id = "System.Embedded.1";
    settings.reset_action_info = true;  // ResetTypes in an ActionInfo resource
    settings.reset_types = {"On", "ForceOff", "PushPowerButton", "Nmi"};
    start();
    auto node = driver();
    ASSERT_TRUE(node->on());
    ASSERT_TRUE(node->soft()) << "no GracefulShutdown: the power button";
    EXPECT_EQ(bmc->resets(), (std::vector<std::string>{"On", "PushPowerButton"}));
    ASSERT_TRUE(node->on());
    auto cycle = node->cycle();
    ASSERT_FALSE(cycle);
    EXPECT_EQ(cycle.error().kind, ErrorKind::unsupported);
    EXPECT_NE(cycle.error().message.find("PushPowerButton"), std::string::npos) << cycle.error().message;

    auto chosen = target();
    chosen.options["system"] = std::string("Self");
    auto wrong = driver(chosen)->status();
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().kind, ErrorKind::config);
    EXPECT_NE(wrong.error().message.find("Systems/System.Embedded.1"), std::string::npos) << wrong.error().message;
}

TEST_F(RedfishTest, BasicAuthenticationAndRefusedPasswords) {
    start();
    auto basic = target();
    basic.options["auth"] = std::string("basic");
    ASSERT_TRUE(driver(basic)->on());
    EXPECT_EQ(bmc->sessions(), 0);

    for (const std::string auth : {"session", "basic"}) {
        auto wrong = target("not-calvin");
        wrong.options["auth"] = auth;
        auto status = driver(wrong)->status();
        ASSERT_FALSE(status) << auth;
        EXPECT_EQ(status.error().kind, ErrorKind::auth_failed) << auth;
        EXPECT_EQ(describe(status.error()).find("not-calvin"), std::string::npos) << describe(status.error());
    }
    EXPECT_EQ(bmc->sessions(), 0);
}

TEST_F(RedfishTest, ASessionTheBmcForgotIsOpenedAgain) {
    start();
    auto node = driver();
    ASSERT_TRUE(node->status());
    bmc->end_sessions();  // a BMC reset, or its session timeout
    EXPECT_TRUE(node->on());
    EXPECT_EQ(bmc->sessions(), 1);
}

TEST_F(RedfishTest, ABmcOutOfSessionsIsBusy) {
    settings.max_sessions = 1;
    start();
    auto first = driver();
    ASSERT_TRUE(first->status());
    auto second = driver()->status();
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().kind, ErrorKind::bmc_busy) << describe(second.error());
    EXPECT_NE(second.error().bmc_said.find("simultaneous sessions"), std::string::npos) << second.error().bmc_said;
}

TEST_F(RedfishTest, ASelfSignedCertificateIsTrustedOnlyWhenTheTargetSaysSo) {
    start();
    auto untrusted = target();
    untrusted.options.erase("ca_file");
    auto refused = driver(untrusted)->status();
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().kind, ErrorKind::config);
    EXPECT_NE(refused.error().message.find("ca_file"), std::string::npos) << refused.error().message;

    untrusted.options["verify_tls"] = false;
    EXPECT_TRUE(driver(untrusted)->status());
}

TEST_F(RedfishTest, ReadingsIdentityAndGuid) {
    start();
    auto node = driver();
    EXPECT_EQ(node->power_reading(), 8.0);
    ASSERT_TRUE(node->on());
    EXPECT_EQ(node->power_reading(), 180.0);
    auto sensors = node->sensors();
    ASSERT_TRUE(sensors);
    ASSERT_EQ(sensors->size(), 2U);
    EXPECT_EQ((*sensors)[1].name, "Inlet Temp");
    EXPECT_EQ((*sensors)[1].value, 26.0);
    auto identity = node->identity();
    ASSERT_TRUE(identity);
    EXPECT_EQ(identity->manufacturer, "slumber");
    EXPECT_EQ(identity->model, "Virtual BMC");
    EXPECT_EQ(identity->firmware, "1.0.0-emulator");
    EXPECT_EQ(node->guid(), settings.uuid);
}

TEST_F(RedfishTest, ReadingsFromEnvironmentMetricsOrNone) {
    settings.metrics = RedfishMetrics::environment_metrics;
    start();
    EXPECT_EQ(driver()->power_reading(), 8.0);
    bmc.reset();
    settings.metrics = RedfishMetrics::none;
    start();
    auto none = driver()->power_reading();
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().kind, ErrorKind::unsupported);
}

TEST_F(RedfishTest, HostileAnswers) {
    start();
    const std::pair<HttpFault, ErrorKind> cases[] = {
        {HttpFault::garbage, ErrorKind::protocol},
        {HttpFault::truncated, ErrorKind::timeout},
        {HttpFault::http_error, ErrorKind::bmc_busy},
        {HttpFault::slow, ErrorKind::timeout},
    };
    for (const auto& [fault, kind] : cases) {
        bmc->set_fault(fault);
        auto status = driver()->status();
        ASSERT_FALSE(status);
        EXPECT_EQ(status.error().kind, kind) << static_cast<int>(fault) << ": " << describe(status.error());
    }
    bmc->set_fault(HttpFault::liar);
    auto on = driver()->on();
    ASSERT_FALSE(on) << "the action said yes, PowerState says off";
    EXPECT_EQ(on.error().kind, ErrorKind::protocol);
    EXPECT_NE(on.error().message.find("still says off"), std::string::npos) << on.error().message;

    const auto gone = target();
    bmc.reset();
    auto nobody = driver(gone)->status();
    ASSERT_FALSE(nobody);
    EXPECT_EQ(nobody.error().kind, ErrorKind::unreachable);
}

}  // namespace
}  // namespace slumber::power
