// The Tasmota driver against the emulated plug on loopback: switching,
// relays, the energy monitor, passwords, and a plug misbehaving as they do
// on Wi-Fi (slow, cut off, HTML, HTTP errors, reporting a state it is not in).
#include <gtest/gtest.h>

#include <memory>

#include "power/factory.hpp"
#include "vcluster/plug.hpp"

namespace slumber::power {
namespace {

using std::chrono::milliseconds;
using vcluster::Plug;
using vcluster::PlugFault;
using vcluster::PlugSettings;

class TasmotaTest : public ::testing::Test {
  protected:
    void start(int relays = 1, double watts = 0, std::string password = {}) {
        PlugSettings settings;
        settings.relays = relays;
        settings.watts = watts;
        settings.password = std::move(password);
        plug = std::make_unique<Plug>(std::move(settings));
        ASSERT_TRUE(plug->start());
    }
    std::unique_ptr<Driver> driver(std::string password = {}, std::int64_t relay = 1) {
        TargetSettings target;
        target.name = "ib-switch";
        target.address = fmt::format("http://127.0.0.1:{}/", plug->port());
        target.password = util::Secret(std::move(password));
        target.options["relay"] = relay;
        target.policy.timeout = milliseconds{1000};
        auto made = make_driver("tasmota", target);
        EXPECT_TRUE(made) << (made ? "" : describe(made.error()));
        return made ? std::move(*made) : nullptr;
    }
    // The status of plug "gone" at `address` ({} for the port of a plug
    // that has just stopped listening), and that port.
    std::pair<Result<PowerState>, int> status_of_a_gone_plug(std::string_view address) {
        start();
        const int port = plug->port();
        plug->stop();
        TargetSettings target;
        target.name = "gone";
        target.address = fmt::format(fmt::runtime(address), port);
        target.policy.timeout = milliseconds{500};
        return {(*make_driver("tasmota", target))->status(), port};
    }
    std::unique_ptr<Plug> plug;
};

TEST_F(TasmotaTest, SwitchesAndReportsItsRelay) {
    start();
    auto plug_driver = driver();
    ASSERT_EQ(plug_driver->status(), PowerState::off);
    ASSERT_TRUE(plug_driver->on());
    EXPECT_TRUE(plug->relay_on(0));
    EXPECT_EQ(plug_driver->status(), PowerState::on);
    ASSERT_TRUE(plug_driver->on()) << "on when on: nothing to do";
    ASSERT_TRUE(plug_driver->off());
    EXPECT_FALSE(plug->relay_on(0));
    auto soft = plug_driver->soft();
    ASSERT_FALSE(soft);
    EXPECT_EQ(soft.error().kind, ErrorKind::unsupported);
}

TEST_F(TasmotaTest, TheSecondRelayOfAPowerStrip) {
    start(4);
    auto second = driver({}, 2);
    ASSERT_TRUE(second->on());
    EXPECT_FALSE(plug->relay_on(0));
    EXPECT_TRUE(plug->relay_on(1));
    auto fifth = driver({}, 5)->status();
    ASSERT_FALSE(fifth);
    EXPECT_EQ(fifth.error().kind, ErrorKind::unsupported) << describe(fifth.error());
}

TEST_F(TasmotaTest, ReadsTheEnergyMonitor) {
    start(1, 45);
    auto metered = driver();
    ASSERT_TRUE(metered->on());
    EXPECT_EQ(metered->power_reading(), 45.0);
    auto sensors = metered->sensors();
    ASSERT_TRUE(sensors);
    ASSERT_GE(sensors->size(), 3U);
    EXPECT_EQ((*sensors)[1].name, "Voltage");
    EXPECT_EQ((*sensors)[1].unit, "V");
    ASSERT_TRUE(metered->off());
    EXPECT_EQ(metered->power_reading(), 0.0);
    auto identity = metered->identity();
    ASSERT_TRUE(identity);
    EXPECT_EQ(identity->manufacturer, "Tasmota");
    EXPECT_NE(identity->firmware.find("13.2.0"), std::string::npos);
}

TEST_F(TasmotaTest, APlugWithoutAMeterSaysSo) {
    start();
    auto reading = driver()->power_reading();
    ASSERT_FALSE(reading);
    EXPECT_EQ(reading.error().kind, ErrorKind::unsupported);
}

TEST_F(TasmotaTest, PasswordsIncludingCharactersThatNeedEscaping) {
    const std::string password = "p&ss%#wörd =1";
    start(1, 0, password);
    EXPECT_EQ(driver(password)->status(), PowerState::off);
    for (const std::string& wrong : {std::string(), std::string("nope")}) {
        auto refused = driver(wrong)->status();
        ASSERT_FALSE(refused);
        EXPECT_EQ(refused.error().kind, ErrorKind::auth_failed);
        EXPECT_EQ(refused.error().bmc_said, "Need user=<username>&password=<password>");
        EXPECT_EQ(describe(refused.error()).find(password), std::string::npos) << "never the secret";
        EXPECT_EQ(describe(refused.error()).find("password=p"), std::string::npos);
    }
}

TEST_F(TasmotaTest, HostileAnswers) {
    start();
    auto plug_driver = driver();
    const std::pair<PlugFault, ErrorKind> cases[] = {
        {PlugFault::garbage, ErrorKind::protocol},    {PlugFault::truncated, ErrorKind::timeout},
        {PlugFault::http_error, ErrorKind::bmc_busy}, {PlugFault::slow, ErrorKind::timeout},
        {PlugFault::liar, ErrorKind::protocol},
    };
    for (const auto& [fault, kind] : cases) {
        plug->set_fault(fault);
        SCOPED_TRACE(static_cast<int>(fault));
        PowerError error;
        if (fault == PlugFault::liar) {
            auto on = plug_driver->on();
            ASSERT_FALSE(on);
            error = on.error();
        } else {
            auto status = plug_driver->status();
            ASSERT_FALSE(status) << to_string(*status);
            error = status.error();
        }
        EXPECT_EQ(error.kind, kind) << describe(error);
    }
    plug->set_fault(PlugFault::none);
    EXPECT_FALSE(plug->relay_on(0)) << "the liar did not switch";
    EXPECT_EQ(plug_driver->status(), PowerState::off);
}

TEST_F(TasmotaTest, NobodyListening) {
    const auto [result, port] = status_of_a_gone_plug("http://127.0.0.1:{}");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().kind, ErrorKind::unreachable);
    EXPECT_NE(describe(result.error()).find("plug gone"), std::string::npos) << describe(result.error());
}

// slumber.toml refuses a login in a URL, and the driver, should one come
// anyway, names the device without it: its errors reach the journal, the log
// and the web API (a tester read a plug's password in /api/nodes).
TEST_F(TasmotaTest, ErrorsNameThePlugWithoutTheLoginItsUrlMayCarry) {
    const auto [result, port] = status_of_a_gone_plug("http://admin:SuperSecretPW1@127.0.0.1:{}/x?password=QueryPW2");
    ASSERT_FALSE(result);
    const std::string words = describe(result.error());
    EXPECT_NE(words.find(fmt::format("plug gone (http://127.0.0.1:{}/x)", port)), std::string::npos) << words;
    EXPECT_EQ(words.find("SuperSecretPW1"), std::string::npos) << words;
    EXPECT_EQ(words.find("QueryPW2"), std::string::npos) << words;
}

}  // namespace
}  // namespace slumber::power
