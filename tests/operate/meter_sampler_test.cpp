// The daemon's energy sampling against emulated plugs on loopback (a
// Tasmota energy monitor, one whose password changed): readings journaled,
// a target another call talks to skipped rather than waited for, a refused
// login met once and then never again, and the temperature sensor chosen
// as [energy] says.
#include "operate/meter_sampler.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <memory>

#include "../support/journal.hpp"
#include "../support/refusing_plug.hpp"
#include "../support/temp_dir.hpp"
#include "power/target_locks.hpp"
#include "vcluster/plug.hpp"

namespace slumber::operate {
namespace {

class MeterSampling : public ::testing::Test {
  protected:
    void SetUp() override {
        vcluster::PlugSettings settings;
        settings.watts = 40;
        metered = std::make_unique<vcluster::Plug>(settings);
        ASSERT_TRUE(metered->start());
        metered->set_relay(0, true);
        refusing = testing::refusing_plug(dir / "plug.secret");
        auto loaded = config::load_text(
            fmt::format(R"(
[daemon]
state_dir = "{}"

[energy]
interval = "1m"

[[device]]
name = "ibswitch"
driver = "tasmota"
address = "http://127.0.0.1:{}"
timeout = "1s"

[[device]]
name = "locked"
driver = "tasmota"
address = "http://127.0.0.1:{}"
credentials = "{}"
timeout = "1s"

[[node]]
names = "n1"
driver = "exec"
on = "true"
off = "true"
status = "echo off"
)",
                        dir.string(), metered->port(), refusing->port(), (dir / "plug.secret").string()),
            "test.toml");
        ASSERT_TRUE(loaded) << config::format(loaded.error().front());
        config = std::make_shared<const config::Config>(std::move(*loaded));
        journal = testing::open_journal(config->daemon.journal());
        ASSERT_TRUE(journal);
    }

    SampleRound round(const std::vector<std::string>& targets) {
        Blocks blocks(*config, journal.get(), Caller::automatic, [] { return store::TimeMs{1000}; });
        return MeterSampler{}.run(*config, targets, blocks, 5000);
    }

    slumber::testing::TempDir m_temp{"slumber-sampler"};
    std::filesystem::path dir = m_temp.path();
    std::unique_ptr<vcluster::Plug> metered;
    std::unique_ptr<vcluster::Plug> refusing;
    config::SharedConfig config;
    std::unique_ptr<store::Journal> journal;
};

TEST_F(MeterSampling, AMeteredPlugIsReadAndATargetWithoutAMeterGivesItsStateAlone) {
    const SampleRound found = round({"ibswitch", "n1"});
    ASSERT_EQ(found.readings.size(), 1U);
    EXPECT_EQ(found.readings[0].target, "ibswitch");
    EXPECT_EQ(found.readings[0].watts, 40.0);
    EXPECT_EQ(found.readings[0].time, 5000);
    EXPECT_TRUE(found.failed.empty()) << power::describe(found.failed.begin()->second);
    EXPECT_TRUE(found.busy.empty());
    // Every target's power state comes in the same round, with or without a meter.
    ASSERT_EQ(found.power.size(), 2U);
    ASSERT_TRUE(found.power.at("ibswitch").state) << found.power.at("ibswitch").state.error();
    EXPECT_EQ(*found.power.at("ibswitch").state, power::PowerState::on);
    ASSERT_TRUE(found.power.at("n1").state) << found.power.at("n1").state.error();
    EXPECT_EQ(*found.power.at("n1").state, power::PowerState::off);
    metered->set_relay(0, false);
    EXPECT_EQ(*round({"ibswitch"}).power.at("ibswitch").state, power::PowerState::off);
}

TEST_F(MeterSampling, ATargetAnotherCallTalksToIsSkippedNotWaitedFor) {
    const auto talking = power::TargetLocks::process().lock("ibswitch");
    const SampleRound found = round({"ibswitch"});
    EXPECT_TRUE(found.readings.empty());
    EXPECT_EQ(found.busy, std::vector<std::string>{"ibswitch"});
}

TEST_F(MeterSampling, ARefusedLoginIsMetOnceThenTheTargetIsLeftAlone) {
    for (int pass = 0; pass < 4; ++pass) {
        const SampleRound found = round({"locked"});
        EXPECT_TRUE(found.readings.empty());
        if (pass == 0) {
            ASSERT_TRUE(found.failed.contains("locked"));
            EXPECT_EQ(found.failed.at("locked").kind, power::ErrorKind::auth_failed)
                << power::describe(found.failed.at("locked"));
        }
    }
    EXPECT_EQ(refusing->refused_logins(), 1);
    const auto blocks = journal->blocks();
    ASSERT_TRUE(blocks);
    ASSERT_EQ(blocks->size(), 1U);
    EXPECT_EQ(blocks->front().source, "the daemon's energy sampling");
}

// A plug without an energy monitor answers its state, and its meter says
// "unsupported": that blocked the target's status for good (seen on 24.11:
// ipmi_sim's sensors not yet readable in the first round blocked both
// nodes' status reads). The state is read every round, and nothing is
// blocked.
TEST_F(MeterSampling, AMeterThatGivesNothingBlocksNoStatusRead) {
    vcluster::PlugSettings settings;  // watts 0: no energy monitor
    vcluster::Plug plain(settings);
    ASSERT_TRUE(plain.start());
    plain.set_relay(0, true);
    auto loaded = config::load_text(fmt::format("[daemon]\nstate_dir = \"{}\"\n[[device]]\nname = \"plain\"\n"
                                                "driver = \"tasmota\"\naddress = \"http://127.0.0.1:{}\"\n"
                                                "timeout = \"1s\"\n",
                                                dir.string(), plain.port()),
                                    "test.toml");
    ASSERT_TRUE(loaded) << config::format(loaded.error().front());
    config = std::make_shared<const config::Config>(std::move(*loaded));
    for (int pass = 0; pass < 2; ++pass) {
        const SampleRound found = round({"plain"});
        ASSERT_TRUE(found.failed.contains("plain")) << "its meter's failure is still news";
        EXPECT_EQ(found.failed.at("plain").kind, power::ErrorKind::unsupported);
        ASSERT_TRUE(found.power.contains("plain")) << "pass " << pass;
        EXPECT_TRUE(found.power.at("plain").state.has_value()) << "pass " << pass << ": read, not blocked";
    }
    const auto blocks = journal->blocks();
    ASSERT_TRUE(blocks);
    EXPECT_TRUE(blocks->empty());
}

TEST_F(MeterSampling, RoundsFollowTheIntervalAndTheirReadingsAreJournaled) {
    store::TimeMs now = 1'000'000;
    SamplingRounds rounds(MeterSampler{}, [&now] { return now; });
    EXPECT_TRUE(rounds.start_if_due(config));
    rounds.wait();
    auto finished = rounds.collect();
    ASSERT_TRUE(finished);
    EXPECT_FALSE(finished->journal_error) << *finished->journal_error;
    EXPECT_FALSE(rounds.collect()) << "taken out";
    now += 59'000;
    EXPECT_FALSE(rounds.start_if_due(config)) << "within the interval";
    now += 1'000;
    EXPECT_TRUE(rounds.start_if_due(config));
    rounds.wait();
    ASSERT_TRUE(rounds.collect());

    const std::vector<std::string> plug{"ibswitch"};
    const auto readings = journal->readings(plug, 0, 2'000'000);
    ASSERT_TRUE(readings) << readings.error();
    ASSERT_EQ(readings->size(), 2U);
    EXPECT_EQ(readings->at(0).time, 1'000'000);
    EXPECT_EQ(readings->at(1).time, 1'060'000);
    EXPECT_EQ(readings->at(1).watts, 40.0);

    auto off = std::make_shared<config::Config>(*config);
    off->energy.interval = util::Duration{0};
    now += 600'000;
    EXPECT_FALSE(rounds.start_if_due(off)) << "interval 0: no sampling";
}

TEST(PickTemperature, TheNamedSensorElseInletElseAmbientInCelsiusOnly) {
    const std::vector<power::SensorReading> sensors{{"CPU Temp", 55, "C"},
                                                    {"Ambient", 24, "C"},
                                                    {"Inlet Temp", 71.6, "F"},
                                                    {"System Inlet", 22, "C"},
                                                    {"PSU1 Power", 180, "W"}};
    EXPECT_EQ(pick_temperature(sensors, "")->name, "System Inlet");
    EXPECT_EQ(pick_temperature(sensors, "CPU Temp")->value, 55);
    EXPECT_FALSE(pick_temperature(sensors, "Inlet Temp")) << "not in degrees Celsius";
    EXPECT_FALSE(pick_temperature(sensors, "cpu temp")) << "a named sensor is matched exactly";
    const std::vector<power::SensorReading> ambient{{"CPU Temp", 55, "C"}, {"AMBIENT AIR", 19, "C"}};
    EXPECT_EQ(pick_temperature(ambient, "")->value, 19);
    EXPECT_FALSE(pick_temperature(std::vector<power::SensorReading>{{"CPU Temp", 55, "C"}}, ""));
}

// A misspelt [energy] temperature_sensor is said, naming the sensors there
// are; a target without temperature sensors (a plug) has nothing to say.
TEST(PickTemperature, ASensorNamedThatATargetLacksIsSaid) {
    const std::vector<power::SensorReading> sensors{
        {"Inlet Temp", 22, "C"}, {"Exhaust Temp", 30, "C"}, {"PSU1 Power", 180, "W"}};
    EXPECT_EQ(unknown_temperature_sensor(sensors, "Inlet Tmp"),
              "[energy] temperature_sensor \"Inlet Tmp\" is none of its temperature sensors (Inlet Temp, Exhaust "
              "Temp): no temperature is recorded, and the thermal guard reads none from it");
    EXPECT_EQ(unknown_temperature_sensor(sensors, "Inlet Temp"), std::nullopt);
    EXPECT_EQ(unknown_temperature_sensor(sensors, ""), std::nullopt);
    const std::vector<power::SensorReading> plug{{"Power", 40, "W"}, {"Voltage", 230, "V"}};
    EXPECT_EQ(unknown_temperature_sensor(plug, "Inlet Tmp"), std::nullopt);
}

// A tester's silent Redfish BMC was logged "gave no reading" at every
// round, the lines differing only in curl's "after 5002/5001/5000
// milliseconds": a failure is news when its kind or slumber's words change,
// not the device's.
TEST(FailingTargets, ATargetFailingTheSameWayIsNewsOnceUntilItsCauseChangesOrItReads) {
    FailingTargets failing;
    const auto silent = [](int ms) {
        SampleRound round;
        round.failed["vnode003"] = {power::ErrorKind::timeout, "https://bmc3: no complete answer in time",
                                    fmt::format("Operation timed out after {} milliseconds", ms)};
        return round;
    };
    FailingTargets::News news = failing.update(silent(5002));
    ASSERT_EQ(news.failing.size(), 1U);
    EXPECT_EQ(news.failing[0].first, "vnode003");
    EXPECT_NE(news.failing[0].second.find("after 5002 milliseconds"), std::string::npos) << news.failing[0].second;
    EXPECT_TRUE(failing.update(silent(5001)).failing.empty()) << "the same cause in the device's other words";
    EXPECT_TRUE(failing.update(silent(5000)).failing.empty());

    SampleRound refused;
    refused.failed["vnode003"] = {power::ErrorKind::unreachable, "https://bmc3: no connection", "Connection refused"};
    EXPECT_EQ(failing.update(refused).failing.size(), 1U) << "another cause is news";

    SampleRound reading;
    reading.readings.push_back({"vnode003", 1000, 180.0, std::nullopt, ""});
    news = failing.update(reading);
    EXPECT_EQ(news.reading_again, std::vector<std::string>{"vnode003"});
    EXPECT_EQ(failing.update(silent(5003)).failing.size(), 1U) << "failing again after a reading is news";
}

// A misspelt [energy] temperature_sensor leaves the power reading: a
// tester's log said "gave no reading" and "reads again" for the node at
// every round, and the journal nothing. Said once, as a setting's fault.
TEST(FailingTargets, AMisspeltSensorIsSaidOnceBesideItsPowerReadings) {
    FailingTargets failing;
    const auto round = [] {
        SampleRound misspelt;
        misspelt.readings.push_back({"vnode005", 1000, 8.0, std::nullopt, ""});
        misspelt.failed["vnode005"] = {power::ErrorKind::config,
                                       "[energy] temperature_sensor \"Inlet Tmp\" is none of its temperature sensors "
                                       "(Inlet Temp)",
                                       ""};
        return misspelt;
    };
    FailingTargets::News news = failing.update(round());
    EXPECT_TRUE(news.failing.empty()) << "it gave a power reading";
    ASSERT_EQ(news.misconfigured.size(), 1U);
    EXPECT_EQ(news.misconfigured[0].first, "vnode005");
    EXPECT_NE(news.misconfigured[0].second.find("Inlet Tmp"), std::string::npos) << news.misconfigured[0].second;
    EXPECT_TRUE(news.reading_again.empty());
    for (int i = 0; i < 3; ++i) {
        news = failing.update(round());
        EXPECT_TRUE(news.misconfigured.empty() && news.failing.empty() && news.reading_again.empty()) << i;
    }
    SampleRound fixed;
    fixed.readings.push_back({"vnode005", 2000, 8.0, 24.0, "Inlet Temp"});
    EXPECT_EQ(failing.update(fixed).reading_again, std::vector<std::string>{"vnode005"});
}

TEST(TargetLocks, OneCallPerTargetAcrossTheProcess) {
    auto& locks = power::TargetLocks::process();
    {
        const auto held = locks.lock("bmc-a");
        EXPECT_FALSE(locks.try_lock("bmc-a").owns_lock());
        EXPECT_TRUE(locks.try_lock("bmc-b").owns_lock());
    }
    EXPECT_TRUE(locks.try_lock("bmc-a").owns_lock());
}

}  // namespace
}  // namespace slumber::operate
