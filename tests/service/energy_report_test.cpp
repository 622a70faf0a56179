// `slumber report`'s numbers from a crafted journal, checked against the
// same numbers worked out here by hand from the journal's per-phase times
// and [simulate]'s figures, without the engine's integration.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "config/config.hpp"
#include "service/energy_counters.hpp"
#include "service/energy_json.hpp"
#include "service/energy_report.hpp"

namespace slumber::service {
namespace {

namespace fs = std::filesystem;
using store::EventKind;
using store::OutcomeKind;
using store::TimeMs;

constexpr TimeMs kT0 = 1'700'000'000'000;
constexpr TimeMs kS = 1000;
constexpr TimeMs kHour = 3600 * kS;

// off 10 W, idle 100 W, booting 15000 J / 100 s = 150 W, powering off
// 1200 J / 10 s = 120 W; readings 60 s apart measure the time between them.
constexpr std::string_view kConfig = R"(
[simulate]
off_watts = 10
idle_watts = 100
boot_time = "100s"
boot_energy = 15000
shutdown_time = "10s"
shutdown_energy = 1200

[energy]
interval = "1m"
price_per_kwh = 0.25
currency = "EUR"
)";

class EnergyReportTest : public ::testing::Test {
  protected:
    // A [[node]] table of `names`, switched by commands that always work.
    static std::string exec_nodes(std::string_view names) {
        return fmt::format("[[node]]\nnames = \"{}\"\ndriver = \"exec\"\non = \"true\"\noff = \"true\"\n", names);
    }
    void SetUp() override {
        m_dir = fs::temp_directory_path() / ("slumber-report-" + std::to_string(::getpid()) + "-" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(m_dir);
        auto opened = store::Journal::open(m_dir / "journal.db");
        ASSERT_TRUE(opened) << opened.error();
        journal.emplace(std::move(*opened));
        auto loaded = config::load_text(kConfig, "test.toml");
        ASSERT_TRUE(loaded) << config::format(loaded.error().front());
        config = std::move(*loaded);
    }
    void TearDown() override {
        journal.reset();
        fs::remove_all(m_dir);
    }
    void row(const std::string& node, TimeMs at, EventKind kind, std::optional<power::Action> action,
             std::optional<OutcomeKind> outcome = std::nullopt) {
        ASSERT_TRUE(journal->record({0, kT0 + at, node, std::nullopt, kind, "crafted", outcome, action}));
    }
    void readings(const std::string& target, TimeMs from, TimeMs until, double watts, TimeMs every = 60 * kS) {
        std::vector<store::Reading> all;
        for (TimeMs t = from; t <= until; t += every) all.push_back({target, kT0 + t, watts, 21.5, "Inlet"});
        ASSERT_TRUE(journal->add_readings(all));
    }
    fs::path m_dir;
    std::optional<store::Journal> journal;
    config::Config config;
};

TEST_F(EnergyReportTest, AgreesWithThePerPhaseTimesAndTheModelWorkedOutByHand) {
    using power::Action;
    // n1, no meter: on and booting 150 s, up, asked off at 1 h, off 10 s
    // later, asked on at 3 h, switched on 2 s later, registered 140 s after.
    row("n1", 0, EventKind::power_on, Action::on, OutcomeKind::ok);
    ASSERT_TRUE(journal->boot_started("n1", kT0));
    row("n1", 150 * kS, EventKind::registered, std::nullopt);
    ASSERT_TRUE(journal->boot_registered("n1", kT0 + 150 * kS));
    row("n1", kHour, EventKind::requested, Action::off);
    row("n1", kHour + 10 * kS, EventKind::power_off, Action::off, OutcomeKind::ok);
    row("n1", 3 * kHour, EventKind::requested, Action::on);
    row("n1", 3 * kHour + 2 * kS, EventKind::power_on, Action::on, OutcomeKind::ok);
    ASSERT_TRUE(journal->boot_started("n1", kT0 + 3 * kHour + 2 * kS));
    row("n1", 3 * kHour + 142 * kS, EventKind::registered, std::nullopt);
    ASSERT_TRUE(journal->boot_registered("n1", kT0 + 3 * kHour + 142 * kS));
    // n2, metered at 200 W all along: up, a failed resume at 2 h, a power
    // cycle 30 s later, registered 60 s after that.
    row("n2", 0, EventKind::registered, std::nullopt);
    row("n2", 2 * kHour, EventKind::resume_failed, std::nullopt);
    row("n2", 2 * kHour + 30 * kS, EventKind::power_cycle, Action::cycle, OutcomeKind::ok);
    row("n2", 2 * kHour + 90 * kS, EventKind::registered, std::nullopt);
    readings("n2", 0, 4 * kHour, 200);
    // A plug metered at 5 W, on from 1 h to 2 h.
    row("plug", kHour, EventKind::power_on, Action::on, OutcomeKind::ok);
    row("plug", 2 * kHour, EventKind::power_off, Action::off, OutcomeKind::ok);
    readings("plug", kHour, 2 * kHour, 5);

    const auto report = energy_report(*journal, config, {"n1", "n2"}, {"plug"}, kT0, kT0 + 4 * kHour);
    ASSERT_TRUE(report) << report.error();
    ASSERT_EQ(report->nodes.size(), 2U);

    // n1's seconds in each phase, from the rows above.
    const double booting = 150 + 140, powering_off = 10, off = 2 * 3600 - 10, powering_on = 2;
    const double up = 4 * 3600 - booting - powering_off - off - powering_on;
    const double used = 150 * booting + 120 * powering_off + 10 * (off + powering_on) + 100 * up;
    const double saved = 100 * (booting + powering_off + off + powering_on) -
                         (150 * booting + 120 * powering_off + 10 * (off + powering_on));
    const NodeEnergy& n1 = report->nodes[0];
    EXPECT_NEAR(n1.energy.joules, used, 1e-6);
    EXPECT_NEAR(n1.energy.saved_joules(), saved, 1e-6);
    EXPECT_EQ(n1.energy.measured_joules, 0);
    EXPECT_EQ(n1.energy.phase_ms[static_cast<std::size_t>(engine::PowerPhase::off)], static_cast<TimeMs>(off * 1000));
    EXPECT_EQ(n1.boots, 2);
    EXPECT_EQ(n1.boot_ms, (std::vector<TimeMs>{150 * kS, 140 * kS}));
    EXPECT_EQ(n1.failed_resumes, 0);

    // n2: measured throughout; its idle figure is its measured 200 W, so
    // its 60 s boot saved nothing.
    const NodeEnergy& n2 = report->nodes[1];
    EXPECT_NEAR(n2.energy.joules, 200.0 * 4 * 3600, 1e-6);
    EXPECT_NEAR(n2.energy.measured_joules, n2.energy.joules, 1e-6);
    EXPECT_NEAR(n2.energy.saved_joules(), 0, 1e-6);
    EXPECT_EQ(n2.model.idle_watts, 200);
    EXPECT_EQ(n2.failed_resumes, 1);
    EXPECT_EQ(n2.power_cycles, 1);

    ASSERT_EQ(report->devices.size(), 1U);
    EXPECT_NEAR(report->devices[0].energy.measured_joules, 5.0 * 3600, 1e-6);
    EXPECT_EQ(report->devices[0].on_ms, kHour);

    EXPECT_NEAR(report->total.joules, used + 200.0 * 4 * 3600, 1e-6);
    EXPECT_NEAR(report->total.saved_joules(), saved, 1e-6);
    EXPECT_NEAR(report->cost(report->total.saved_joules()), saved / 3.6e6 * 0.25, 1e-9);

    const nlohmann::json json = to_json(*report);
    EXPECT_EQ(json["since_ms"], kT0);
    EXPECT_NEAR(json["total"]["saved_kwh"].get<double>(), saved / 3.6e6, 1e-9);
    EXPECT_NEAR(json["total"]["saved_cost"].get<double>(), saved / 3.6e6 * 0.25, 1e-9);
    EXPECT_EQ(json["currency"], "EUR");
    EXPECT_EQ(json["nodes"][0]["node"], "n1");
    EXPECT_NEAR(json["nodes"][0]["hours"]["off"].get<double>(), off / 3600, 1e-9);
    EXPECT_EQ(json["nodes"][0]["boot_ms"], (std::vector<TimeMs>{150 * kS, 140 * kS}));
    EXPECT_EQ(json["nodes"][1]["power_cycles"], 1);
    EXPECT_NEAR(json["nodes"][1]["measured_share"].get<double>(), 1.0, 1e-9);
    EXPECT_NEAR(json["total"]["measured_share"].get<double>(), 0.5, 1e-9) << "n2's 4 h of the two nodes' 8 h";
    EXPECT_EQ(json["devices"][0]["device"], "plug");
    EXPECT_NEAR(json["model"]["boot_watts"].get<double>(), 150, 1e-9);
}

TEST_F(EnergyReportTest, ASpanThatStartsWhileTheNodeIsOffTakesItsPhaseFromEarlierRows) {
    row("n1", 0, EventKind::power_off, power::Action::off, OutcomeKind::ok);
    const auto report = energy_report(*journal, config, {"n1"}, {}, kT0 + kHour, kT0 + 2 * kHour);
    ASSERT_TRUE(report) << report.error();
    EXPECT_NEAR(report->nodes[0].energy.joules, 10.0 * 3600, 1e-6);
    EXPECT_NEAR(report->nodes[0].energy.saved_joules(), 90.0 * 3600, 1e-6);
    EXPECT_EQ(report->nodes[0].energy.unknown_ms, 0);
}

// The daemon's counters, advanced after each sampling round, add up to the
// report over the whole span, and the journal's running totals to both.
TEST_F(EnergyReportTest, TheDaemonsCountersAddUpToTheReport) {
    auto loaded = config::load_text(std::string(kConfig) + R"(
[[node]]
names = "n[1-2]"
driver = "exec"
on = "true"
off = "true"

[[device]]
name = "plug"
driver = "exec"
on = "true"
off = "true"
)",
                                    "test.toml");
    ASSERT_TRUE(loaded) << config::format(loaded.error().front());
    using power::Action;
    row("n1", 0, EventKind::power_on, Action::on, OutcomeKind::ok);
    row("n1", 150 * kS, EventKind::registered, std::nullopt);
    row("n1", kHour, EventKind::power_off, Action::off, OutcomeKind::ok);
    row("n2", 0, EventKind::registered, std::nullopt);
    readings("n2", 0, 2 * kHour, 200);
    row("plug", 0, EventKind::power_on, Action::on, OutcomeKind::ok);
    readings("plug", 0, 2 * kHour, 5);

    EnergyCounters counters(kT0);
    for (TimeMs until = 7 * 60 * kS; until <= 2 * kHour; until += 7 * 60 * kS) {
        ASSERT_TRUE(counters.advance(*journal, *loaded, kT0 + until, {{"n2", kT0 + until, 200.0, std::nullopt, ""}}));
    }
    const TimeMs last = 2 * kHour - (2 * kHour) % (7 * 60 * kS);
    const auto report = energy_report(*journal, *loaded, {"n1", "n2"}, {"plug"}, kT0, kT0 + last);
    ASSERT_TRUE(report) << report.error();
    const std::vector<EnergyCounter> counted = counters.counters();
    ASSERT_EQ(counted.size(), 3U);
    EXPECT_EQ(counted[0].target, "n1");
    EXPECT_NEAR(counted[0].joules, report->nodes[0].energy.joules, 1e-6);
    EXPECT_NEAR(counted[0].saved_joules, report->nodes[0].energy.saved_joules(), 1e-6);
    EXPECT_EQ(counted[0].watts, std::nullopt) << "n1 has no meter";
    EXPECT_NEAR(counted[1].joules, 200.0 * static_cast<double>(last) / 1000, 1e-6);
    EXPECT_EQ(counted[1].watts, 200.0);
    EXPECT_TRUE(counted[2].device);
    EXPECT_NEAR(counted[2].measured_joules, 5.0 * static_cast<double>(last) / 1000, 1e-6);

    const auto totals = journal->energy_totals();
    ASSERT_TRUE(totals) << totals.error();
    EXPECT_NEAR(totals->at("n1").joules, counted[0].joules, 1e-6);
    EXPECT_NEAR(totals->at("n1").saved_joules, counted[0].saved_joules, 1e-6);
    EXPECT_EQ(totals->at("n1").since, kT0);
    EXPECT_EQ(totals->at("n1").until, kT0 + last);
    // Time that has been counted is not counted again.
    ASSERT_TRUE(counters.advance(*journal, *loaded, kT0 + last, {}));
    EXPECT_EQ(counters.counters()[0].joules, counted[0].joules);
}

// Rounds a few seconds apart hold a reading or two each: the counters
// still charge a node the never-off draw the report does, its measured
// mean over the journal's history rather than the round's few readings (a
// tester saw them differ twice over after a daemon's restart).
TEST_F(EnergyReportTest, CountersOfShortRoundsAgreeWithTheReportOverTheSameSpan) {
    auto loaded = config::load_text(std::string(kConfig) + exec_nodes("n[1-2]"), "test.toml");
    ASSERT_TRUE(loaded) << config::format(loaded.error().front());
    loaded->energy.interval = std::chrono::seconds(5);
    using power::Action;
    // n1 up at 180 W for an hour, then off at 12 W; n2 has no meter.
    row("n1", 0, EventKind::registered, std::nullopt);
    readings("n1", 0, kHour - 5 * kS, 180, 5 * kS);
    row("n1", kHour, EventKind::requested, Action::off);
    row("n1", kHour + 4 * kS, EventKind::power_off, Action::off, OutcomeKind::ok);
    readings("n1", kHour + 5 * kS, kHour + 300 * kS, 12, 5 * kS);
    row("n2", 0, EventKind::registered, std::nullopt);
    row("n2", kHour, EventKind::power_off, Action::off, OutcomeKind::ok);

    // The daemon restarted a minute before n1 went off.
    const TimeMs start = kHour - 60 * kS;
    const TimeMs last = kHour + 300 * kS;
    EnergyCounters counters(kT0 + start);
    for (TimeMs until = start + 5 * kS; until <= last; until += 5 * kS) {
        ASSERT_TRUE(counters.advance(*journal, *loaded, kT0 + until, {}));
    }
    const auto report = energy_report(*journal, *loaded, {"n1", "n2"}, {}, kT0 + start, kT0 + last);
    ASSERT_TRUE(report) << report.error();
    EXPECT_EQ(report->nodes[0].model.idle_watts, 180) << "n1's measured mean up";
    EXPECT_EQ(report->nodes[1].model.idle_watts, 100) << "n2's: [simulate]'s";
    const std::vector<EnergyCounter> counted = counters.counters();
    ASSERT_EQ(counted.size(), 2U);
    for (std::size_t i = 0; i < 2; ++i) {
        SCOPED_TRACE(counted[i].target);
        EXPECT_NEAR(counted[i].joules, report->nodes[i].energy.joules, 1e-6);
        EXPECT_NEAR(counted[i].saved_joules, report->nodes[i].energy.saved_joules(), 1e-6);
    }
    // Off for 296 s, of which 5 s before its first reading off: saved
    // against 180 W, not the model's 100 W.
    EXPECT_GT(counted[0].saved_joules, 160.0 * 290);
}

// A node first metered up while the daemon runs: the counters charged its
// first sleep at the model's idle draw (no mean yet) and its second at its
// measured one; a report over the same span charges each part the same.
TEST_F(EnergyReportTest, CountersAndTheReportAgreeWhileANodesMeansAreLearned) {
    auto loaded = config::load_text(std::string(kConfig) + exec_nodes("n1"), "test.toml");
    ASSERT_TRUE(loaded) << config::format(loaded.error().front());
    loaded->energy.interval = std::chrono::seconds(5);
    using power::Action;
    // Off at 12 W for 10 min, up at 180 W for 10 min, off again for 10 min.
    row("n1", 0, EventKind::power_off, Action::off, OutcomeKind::ok);
    readings("n1", 5 * kS, 600 * kS - 5 * kS, 12, 5 * kS);
    row("n1", 600 * kS, EventKind::power_on, Action::on, OutcomeKind::ok);
    row("n1", 600 * kS + 2 * kS, EventKind::registered, std::nullopt);
    readings("n1", 605 * kS, 1200 * kS - 5 * kS, 180, 5 * kS);
    row("n1", 1200 * kS, EventKind::power_off, Action::off, OutcomeKind::ok);
    readings("n1", 1205 * kS, 1800 * kS, 12, 5 * kS);

    EnergyCounters counters(kT0);
    for (TimeMs until = 5 * kS; until <= 1800 * kS; until += 5 * kS) {
        ASSERT_TRUE(counters.advance(*journal, *loaded, kT0 + until, {}));
    }
    const auto report = energy_report(*journal, *loaded, {"n1"}, {}, kT0, kT0 + 1800 * kS);
    ASSERT_TRUE(report) << report.error();
    EXPECT_EQ(report->nodes[0].model.idle_watts, 180);
    const EnergyCounter counted = counters.counters().at(0);
    EXPECT_NEAR(counted.joules, report->nodes[0].energy.joules, 1e-6);
    EXPECT_NEAR(counted.saved_joules, report->nodes[0].energy.saved_joules(), 1e-6);
    // The first sleep saved against 100 W, the second against 180 W.
    EXPECT_NEAR(report->nodes[0].energy.saved_joules(), 88.0 * 600 + 168.0 * 600, 5 * 168.0);
}

// A tester's demo (`scripts/demo`, readings every 10 s, SuspendTime 10 s):
// vnode001 was off 22 of 52 s, at 8 W against 180 W up, and the report
// said it saved 0.125 Wh. The line between its last reading up and its
// first off charged the shutdown and the first seconds off a ramp from
// 180 W, and with one reading up (three were needed) it was saved against
// [simulate]'s 100 W idle draw rather than its measured 180 W.
TEST_F(EnergyReportTest, ASleepBetweenReadingsIsChargedItsOwnDrawAgainstTheMeasuredIdleDraw) {
    auto loaded = config::load_text(std::string(kConfig) + exec_nodes("n1"), "test.toml");
    ASSERT_TRUE(loaded) << config::format(loaded.error().front());
    loaded->energy.interval = std::chrono::seconds(10);
    using power::Action;
    row("n1", 0, EventKind::registered, std::nullopt);
    row("n1", 10 * kS, EventKind::requested, Action::off);
    row("n1", 12 * kS, EventKind::power_off, Action::off, OutcomeKind::ok);
    row("n1", 40 * kS, EventKind::requested, Action::on);
    row("n1", 42 * kS, EventKind::power_on, Action::on, OutcomeKind::ok);
    row("n1", 52 * kS, EventKind::registered, std::nullopt);
    readings("n1", 5 * kS, 5 * kS, 180);           // up
    readings("n1", 15 * kS, 35 * kS, 8, 10 * kS);  // off
    readings("n1", 45 * kS, 45 * kS, 150);         // booting
    readings("n1", 55 * kS, 55 * kS, 180);         // up again

    EnergyCounters counters(kT0);
    for (TimeMs until = 10 * kS; until <= 60 * kS; until += 10 * kS) {
        ASSERT_TRUE(counters.advance(*journal, *loaded, kT0 + until, {}));
    }
    const auto report = energy_report(*journal, *loaded, {"n1"}, {}, kT0, kT0 + 60 * kS);
    ASSERT_TRUE(report) << report.error();
    const engine::EnergyAccount& energy = report->nodes.at(0).energy;
    EXPECT_EQ(report->nodes[0].model.idle_watts, 180) << "its one reading up, not [simulate]'s 100 W";
    // Up at the model's 100 W until its first reading, then at 180 W; each
    // reading holds up to the switch beside it; the shutdown (10-12 s) and
    // the request on (40-42 s) are charged their figures: 120 W, and the
    // off draw, 8 W, as measured by then.
    const double used = 100 * 5.0 + 180 * 5 + 120 * 2 + 8 * 28 + 8 * 2 + 150 * 10 + 180 * 8;
    const double asleep = 2 + 28 + 2 + 10;  // s: powering off, off, powering on, booting
    EXPECT_NEAR(energy.joules, used, 1e-6);
    EXPECT_NEAR(energy.never_off_joules, used - (120 * 2 + 8 * 30 + 150 * 10) + 180 * asleep, 1e-6);
    EXPECT_NEAR(energy.saved_joules(), 180 * asleep - (120 * 2 + 8 * 30 + 150 * 10), 1e-6);
    EXPECT_NEAR(energy.saved_gross_joules, energy.saved_joules(), 1e-6) << "every stretch drew less than 180 W";
    const EnergyCounter counted = counters.counters().at(0);
    EXPECT_NEAR(counted.joules, energy.joules, 1e-6);
    EXPECT_NEAR(counted.saved_joules, energy.saved_joules(), 1e-6);
    EXPECT_NEAR(counted.saved_gross_joules, energy.saved_gross_joules, 1e-6);
    EXPECT_NEAR(counted.switching_joules, energy.switching_joules, 1e-6);
}

// A tester saw slumber_node_energy_saved_joules_total fall at a boot (5351
// J to 5265 J): the counters added each round's net saving, negative while
// the node booted. The two parts /metrics exports only grow, and agree with
// a report over the same span, whose net saving is their difference.
TEST_F(EnergyReportTest, TheExportedSavingsCountersNeverGoDown) {
    auto loaded = config::load_text(std::string(kConfig) + exec_nodes("n1"), "test.toml");
    ASSERT_TRUE(loaded) << config::format(loaded.error().front());
    using power::Action;
    // Off for 10 min, booting 100 s (150 W against 100 W), up, shut down.
    row("n1", 0, EventKind::power_off, Action::off, OutcomeKind::ok);
    row("n1", 600 * kS, EventKind::power_on, Action::on, OutcomeKind::ok);
    row("n1", 700 * kS, EventKind::registered, std::nullopt);
    row("n1", 1000 * kS, EventKind::requested, Action::off);
    row("n1", 1010 * kS, EventKind::shutdown, Action::soft, OutcomeKind::ok);

    EnergyCounters counters(kT0);
    double saved = 0;
    double switching = 0;
    bool net_fell = false;
    double net = 0;
    for (TimeMs until = 20 * kS; until <= 1200 * kS; until += 20 * kS) {
        ASSERT_TRUE(counters.advance(*journal, *loaded, kT0 + until, {}));
        const EnergyCounter counted = counters.counters().at(0);
        EXPECT_GE(counted.saved_gross_joules, saved) << until;
        EXPECT_GE(counted.switching_joules, switching) << until;
        net_fell = net_fell || counted.saved_joules < net;
        saved = counted.saved_gross_joules;
        switching = counted.switching_joules;
        net = counted.saved_joules;
    }
    EXPECT_TRUE(net_fell) << "the net saving, which /metrics exported before, went down";
    const auto report = energy_report(*journal, *loaded, {"n1"}, {}, kT0, kT0 + 1200 * kS);
    ASSERT_TRUE(report) << report.error();
    const engine::EnergyAccount& energy = report->nodes.at(0).energy;
    EXPECT_NEAR(saved, energy.saved_gross_joules, 1e-6);
    EXPECT_NEAR(switching, energy.switching_joules, 1e-6);
    EXPECT_NEAR(saved - switching, energy.saved_joules(), 1e-6);
    EXPECT_NEAR(saved, 90.0 * 600 + 90.0 * 190, 1e-6);
    EXPECT_NEAR(switching, 50.0 * 100 + 20.0 * 10, 1e-6);
    const nlohmann::json json = to_json(*report);
    EXPECT_NEAR(json["nodes"][0]["saved_gross_kwh"].get<double>(), saved / 3.6e6, 1e-12);
    EXPECT_NEAR(json["nodes"][0]["switching_kwh"].get<double>(), switching / 3.6e6, 1e-12);
}

// A tester's vnode004: booted by slumber, running a job, then `slumber
// power off` (refused: no request journaled) and Slurm's suspend of it
// refused by the daemon (a request, then its refusal). Neither changed
// the node's power: it was up throughout, its readings are readings up,
// and it saved nothing (it was charged as off, its 180 W as the off draw).
TEST_F(EnergyReportTest, RefusedRequestsLeaveTheNodeUpInEveryReader) {
    auto loaded = config::load_text(std::string(kConfig) + exec_nodes("n1"), "test.toml");
    ASSERT_TRUE(loaded) << config::format(loaded.error().front());
    using power::Action;
    const auto request_row = [&](TimeMs at, EventKind kind, std::int64_t id, Action action,
                                 std::optional<OutcomeKind> outcome) {
        ASSERT_TRUE(journal->record({0, kT0 + at, "n1", id, kind, "crafted", outcome, action}));
    };
    request_row(0, EventKind::requested, 1, Action::on, std::nullopt);
    request_row(2 * kS, EventKind::power_on, 1, Action::on, OutcomeKind::ok);
    row("n1", 150 * kS, EventKind::registered, std::nullopt);
    readings("n1", 180 * kS, kHour, 180);
    row("n1", 600 * kS, EventKind::refused, Action::off, OutcomeKind::refused);
    request_row(1200 * kS, EventKind::requested, 2, Action::off, std::nullopt);
    request_row(1200 * kS + 50, EventKind::refused, 2, Action::off, OutcomeKind::refused);

    EnergyCounters counters(kT0 + 300 * kS);
    for (TimeMs until = 360 * kS; until <= kHour; until += 60 * kS) {
        ASSERT_TRUE(counters.advance(*journal, *loaded, kT0 + until, {}));
    }
    const auto report = energy_report(*journal, *loaded, {"n1"}, {}, kT0 + 300 * kS, kT0 + kHour);
    ASSERT_TRUE(report) << report.error();
    const NodeEnergy& n1 = report->nodes.at(0);
    const auto hours_in = [&](engine::PowerPhase phase) { return n1.energy.phase_ms[static_cast<std::size_t>(phase)]; };
    EXPECT_EQ(hours_in(engine::PowerPhase::up), kHour - 300 * kS);
    EXPECT_EQ(hours_in(engine::PowerPhase::off), 0);
    EXPECT_EQ(hours_in(engine::PowerPhase::powering_off), 0);
    EXPECT_EQ(n1.model.off_watts, 10) << "no reading of the running node counts as an off reading";
    EXPECT_EQ(n1.model.idle_watts, 180);
    EXPECT_NEAR(n1.energy.saved_joules(), 0, 1e-6);
    const EnergyCounter counted = counters.counters().at(0);
    EXPECT_NEAR(counted.saved_joules, 0, 1e-6);
    EXPECT_NEAR(counted.joules, n1.energy.joules, 1e-6);

    const auto history = readings_before(*journal, {"n1"}, kT0 + kHour + kS);
    ASSERT_TRUE(history) << history.error();
    EXPECT_EQ(history->at("n1").count[static_cast<std::size_t>(engine::PowerPhase::off)], 0);
}

// A name the configuration does not list and the journal never saw is a
// usage error: the report must not invent its energy. A name only the
// journal knows (a node removed from the file) is reported.
TEST_F(EnergyReportTest, ANameNeitherTheFileNorItsJournalKnowsIsRefused) {
    const fs::path file = m_dir / "slumber.toml";
    std::ofstream(file) << fmt::format("[daemon]\nstate_dir = \"{}\"\n", m_dir.string());
    row("gone1", 0, EventKind::power_off, power::Action::off, OutcomeKind::ok);
    ASSERT_TRUE(journal->record({0, kT0, "", std::nullopt, EventKind::daemon_start, "started"}));
    const auto refused = energy_report(file, {"gone1", "nosuch", "other"}, kT0, kT0 + kHour);
    ASSERT_FALSE(refused);
    EXPECT_TRUE(refused.error().unknown_targets);
    EXPECT_NE(refused.error().words.find("nosuch,other: not in"), std::string::npos) << refused.error().words;
    const auto known = energy_report(file, {"gone1"}, kT0, kT0 + kHour);
    ASSERT_TRUE(known) << known.error().words;
    EXPECT_NEAR(known->nodes.at(0).energy.joules, 9.75 * 3600, 1e-6) << "off for the hour, by the default model";
}

// A tester's report over a day of a journal an hour old said "measured
// 98%" in its text and "measured_share": 0.0013 in its JSON: the JSON
// divided by the whole --since window. Both are now the share of the time
// the journal knows.
TEST_F(EnergyReportTest, TheMeasuredShareIsOfTheTimeTheJournalKnowsInTextAndJson) {
    row("n1", 0, EventKind::registered, std::nullopt);
    row("n2", 0, EventKind::registered, std::nullopt);
    readings("n1", 0, kHour, 200);
    const TimeMs day = 24 * kHour;
    const auto report = energy_report(*journal, config, {"n1", "n2"}, {}, kT0 + kHour - day, kT0 + kHour);
    ASSERT_TRUE(report) << report.error();
    EXPECT_EQ(report->known_since, kT0);
    EXPECT_NEAR(report->measured_share(report->nodes[0].energy), 1.0, 1e-9);
    const nlohmann::json json = to_json(*report);
    EXPECT_NEAR(json["nodes"][0]["measured_share"].get<double>(), 1.0, 1e-9) << "not 1 h / 24 h";
    EXPECT_NEAR(json["nodes"][1]["measured_share"].get<double>(), 0.0, 1e-9);
    EXPECT_NEAR(json["total"]["measured_share"].get<double>(), 0.5, 1e-9) << "one node's hour of the two's";
}

// A tester's `slumber report vnode001,vnode001` printed the node twice and
// doubled the total: a name given twice is reported once.
TEST_F(EnergyReportTest, ANameGivenTwiceIsReportedAndTotalledOnce) {
    const fs::path file = m_dir / "slumber.toml";
    std::ofstream(file) << fmt::format("[daemon]\nstate_dir = \"{}\"\n{}", m_dir.string(), exec_nodes("n[1-2]"));
    row("n1", 0, EventKind::power_off, power::Action::off, OutcomeKind::ok);
    const auto report = energy_report(file, {"n1", "n2", "n1"}, kT0, kT0 + kHour);
    ASSERT_TRUE(report) << report.error().words;
    ASSERT_EQ(report->nodes.size(), 2U);
    EXPECT_EQ(report->nodes[0].node, "n1");
    EXPECT_EQ(report->nodes[1].node, "n2");
    EXPECT_NEAR(report->total.joules, report->nodes[0].energy.joules + report->nodes[1].energy.joules, 1e-6);
    EXPECT_EQ(to_json(*report)["nodes"].size(), 2U) << "--json the same";
}

TEST_F(EnergyReportTest, TheDefaultModelIsTheSimulators) {
    const engine::EnergyModel model = energy_model(config::SimulationSettings{});
    EXPECT_EQ(model.off_watts, 9.75);
    EXPECT_EQ(model.idle_watts, 95);
    EXPECT_NEAR(model.boot_watts, 19'030.0 / 152, 1e-9);
    EXPECT_NEAR(model.shutdown_watts, 620.0 / 6, 1e-9);
}

}  // namespace
}  // namespace slumber::service
