#include "engine/energy.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace slumber::engine {
namespace {

constexpr TimeMs kHour = 3'600'000;

// Round figures: each phase's draw is easy to reckon by hand.
EnergyModel round_model() {
    return EnergyModel{.off_watts = 10, .idle_watts = 100, .boot_watts = 150, .shutdown_watts = 120};
}

TEST(Energy, AModelledNodeThatSleptSavesIdleLessOffLessItsBootAndShutdown) {
    // Up 1 h, powering off 10 s, off 2 h, booting 100 s, up until 4 h.
    const std::vector<PhaseChange> timeline{{PowerPhase::up, 0},
                                            {PowerPhase::powering_off, kHour},
                                            {PowerPhase::off, kHour + 10'000},
                                            {PowerPhase::booting, 3 * kHour + 10'000},
                                            {PowerPhase::up, 3 * kHour + 110'000}};
    const auto account = integrate(timeline, {}, round_model(), {.from = 0, .until = 4 * kHour});
    const double up_s = 3600 + (3600 - 110);
    const double used = 100 * up_s + 120 * 10 + 10 * 7200 + 150 * 100;
    EXPECT_NEAR(account.joules, used, 1e-6);
    EXPECT_NEAR(account.never_off_joules, 100 * 4 * 3600.0, 1e-6);
    EXPECT_NEAR(account.saved_joules(), 100 * (7200 + 110) - (120 * 10 + 10 * 7200 + 150 * 100), 1e-6);
    EXPECT_EQ(account.measured_joules, 0);
    EXPECT_EQ(account.phase_ms[static_cast<std::size_t>(PowerPhase::off)], 2 * kHour);
    EXPECT_EQ(account.phase_ms, time_in_phases(timeline, 4 * kHour)) << "the journal's per-phase times";
    EXPECT_EQ(account.unknown_ms, 0);
}

TEST(Energy, BootsAndShutdownsCanCostMoreThanASleepSaves) {
    // Off for 5 s between a 60 s shutdown and a 300 s boot.
    const std::vector<PhaseChange> timeline{{PowerPhase::up, 0},
                                            {PowerPhase::powering_off, 1000},
                                            {PowerPhase::off, 61'000},
                                            {PowerPhase::booting, 66'000},
                                            {PowerPhase::up, 366'000}};
    const auto account = integrate(timeline, {}, round_model(), {.from = 0, .until = 400'000});
    EXPECT_LT(account.saved_joules(), 0);
    EXPECT_NEAR(account.saved_joules(), 100.0 * 365 - (120 * 60 + 10 * 5 + 150 * 300), 1e-6);
}

// The net saving goes down while a node boots or shuts down; its two parts
// (what the sleep spared, what switching cost) only grow, round by round,
// and add up to it over the whole span.
TEST(Energy, TheSavingsPartsOnlyGrowRoundByRound) {
    const std::vector<PhaseChange> timeline{{PowerPhase::up, 0},
                                            {PowerPhase::powering_off, 1000},
                                            {PowerPhase::off, 61'000},
                                            {PowerPhase::booting, 66'000},
                                            {PowerPhase::up, 366'000}};
    EnergyAccount sum;
    bool net_fell = false;
    for (TimeMs from = 0; from < 400'000; from += 7'000) {
        const auto round = integrate(timeline, {}, round_model(), {.from = from, .until = from + 7'000});
        EXPECT_GE(round.saved_gross_joules, 0) << from;
        EXPECT_GE(round.switching_joules, 0) << from;
        net_fell = net_fell || round.saved_joules() < 0;
        sum += round;
    }
    EXPECT_TRUE(net_fell) << "what the counter went down by before";
    const auto whole = integrate(timeline, {}, round_model(), {.from = 0, .until = 406'000});
    EXPECT_NEAR(whole.saved_gross_joules, 90.0 * 5, 1e-6);
    EXPECT_NEAR(whole.switching_joules, 20.0 * 60 + 50.0 * 300, 1e-6);
    EXPECT_NEAR(whole.saved_gross_joules - whole.switching_joules, whole.saved_joules(), 1e-6);
    EXPECT_NEAR(sum.saved_gross_joules, whole.saved_gross_joules, 1e-6);
    EXPECT_NEAR(sum.switching_joules, whole.switching_joules, 1e-6);
}

TEST(Energy, ReadingsMeasureTheTimeTheyCoverAndTheModelTheRest) {
    const std::vector<PhaseChange> timeline{{PowerPhase::up, 0}};
    // 200 W read every minute for the first 10 minutes, then nothing.
    std::vector<PowerSample> samples;
    for (TimeMs t = 0; t <= 600'000; t += 60'000) samples.push_back({t, 200});
    const auto account = integrate(timeline, samples, round_model(), {.from = 0, .until = 1'200'000});
    EXPECT_EQ(account.measured_ms, 600'000);
    EXPECT_NEAR(account.measured_joules, 200 * 600.0, 1e-6);
    EXPECT_NEAR(account.joules, 200 * 600.0 + 100 * 600.0, 1e-6);
    EXPECT_NEAR(account.saved_joules(), 0, 1e-6) << "a node that was up all along saves nothing";
}

TEST(Energy, ReadingsTooFarApartMeasureNothing) {
    const std::vector<PhaseChange> timeline{{PowerPhase::off, 0}};
    const std::vector<PowerSample> samples{{0, 5}, {600'000, 5}};
    const auto account = integrate(timeline, samples, round_model(), {.from = 0, .until = 600'000, .max_gap = 180'000});
    EXPECT_EQ(account.measured_ms, 0);
    EXPECT_NEAR(account.joules, 10 * 600.0, 1e-6);
}

TEST(Energy, EachReadingHoldsUpToAPhaseChange) {
    // Off at 10 W, then booting: readings 10 W at 0 s and 130 W at 60 s; the
    // boot starts at 20 s. The node drew its off reading until it was
    // switched on, its booting reading after (a line would read 50 W there).
    const std::vector<PhaseChange> timeline{{PowerPhase::off, 0}, {PowerPhase::booting, 20'000}};
    const std::vector<PowerSample> samples{{0, 10}, {60'000, 130}};
    const auto account = integrate(timeline, samples, round_model(), {.from = 0, .until = 60'000});
    EXPECT_NEAR(account.joules, 10 * 20.0 + 130 * 40.0, 1e-6);
    EXPECT_EQ(account.measured_ms, 60'000);
    EXPECT_NEAR(account.never_off_joules, 100 * 60.0, 1e-6);
}

TEST(Energy, ReadingsInOnePhaseAreInterpolated) {
    const std::vector<PhaseChange> timeline{{PowerPhase::up, 0}};
    const std::vector<PowerSample> samples{{0, 100}, {60'000, 160}};
    const auto account = integrate(timeline, samples, round_model(), {.from = 0, .until = 60'000});
    EXPECT_NEAR(account.joules, (100 + 160) / 2.0 * 60, 1e-6);
}

// A tester's demo: readings 180 W at 0 s and 60 s, the node switched off
// at 10 s and on at 50 s. A line between the readings charged the 40 s off
// at 180 W and saved nothing; the node drew its off draw then. Each side's
// reading holds up to the switch, and the off stretch, which no reading
// was taken in, is charged the off figure.
TEST(Energy, ReadingsAreNotInterpolatedAcrossASwitchTheJournalRecords) {
    const std::vector<PhaseChange> timeline{
        {PowerPhase::up, 0}, {PowerPhase::off, 10'000}, {PowerPhase::booting, 50'000}};
    const std::vector<PowerSample> samples{{0, 180}, {60'000, 180}};
    const EnergyModel model{.off_watts = 8, .idle_watts = 180, .boot_watts = 150, .shutdown_watts = 120};
    const auto account = integrate(timeline, samples, model, {.from = 0, .until = 60'000});
    EXPECT_NEAR(account.joules, 10 * 180.0 + 40 * 8.0 + 10 * 180.0, 1e-6) << "not 60 s x 180 W";
    EXPECT_NEAR(account.measured_joules, 20 * 180.0, 1e-6) << "the off stretch is modelled";
    EXPECT_EQ(account.measured_ms, 20'000);
    EXPECT_NEAR(account.never_off_joules, 60 * 180.0, 1e-6);
    EXPECT_NEAR(account.saved_joules(), 40 * (180.0 - 8), 1e-6);
    EXPECT_NEAR(account.saved_gross_joules, 40 * (180.0 - 8), 1e-6);
    EXPECT_NEAR(account.switching_joules, 0, 1e-6);
}

// Between a reading up and one off, the shutdown in between is charged the
// shutdown figure (no reading was taken in it); up to the request the node
// drew what its reading up says, from the switch what its reading off says.
TEST(Energy, APhaseNoReadingWasTakenInIsChargedItsFigure) {
    const std::vector<PhaseChange> timeline{
        {PowerPhase::up, 0}, {PowerPhase::powering_off, 20'000}, {PowerPhase::off, 30'000}};
    const std::vector<PowerSample> samples{{0, 200}, {60'000, 6}};
    const auto account = integrate(timeline, samples, round_model(), {.from = 0, .until = 60'000});
    EXPECT_NEAR(account.joules, 20 * 200.0 + 10 * 120.0 + 30 * 6.0, 1e-6);
    EXPECT_EQ(account.measured_ms, 50'000);
    // Additive still: a round boundary inside the shutdown changes nothing.
    auto parts = integrate(timeline, samples, round_model(), {.from = 0, .until = 25'000});
    parts += integrate(timeline, samples, round_model(), {.from = 25'000, .until = 60'000});
    EXPECT_NEAR(parts.joules, account.joules, 1e-6);
    EXPECT_NEAR(parts.saved_gross_joules, account.saved_gross_joules, 1e-6);
    EXPECT_NEAR(parts.switching_joules, account.switching_joules, 1e-6);
}

TEST(Energy, AccountsOfAdjacentSpansAddUp) {
    const std::vector<PhaseChange> timeline{{PowerPhase::up, 0},
                                            {PowerPhase::powering_off, 500'000},
                                            {PowerPhase::off, 520'000},
                                            {PowerPhase::booting, 900'000},
                                            {PowerPhase::up, 1'000'000}};
    std::vector<PowerSample> samples;
    for (TimeMs t = 7'000; t < 1'200'000; t += 45'000) samples.push_back({t, 50.0 + static_cast<double>(t % 97)});
    const EnergyModel model = round_model();
    const auto whole = integrate(timeline, samples, model, {.from = 0, .until = 1'200'000});
    EnergyAccount parts;
    for (TimeMs t = 0; t < 1'200'000; t += 100'000)
        parts += integrate(timeline, samples, model, {.from = t, .until = t + 100'000});
    EXPECT_NEAR(parts.joules, whole.joules, 1e-6);
    EXPECT_NEAR(parts.measured_joules, whole.measured_joules, 1e-6);
    EXPECT_NEAR(parts.never_off_joules, whole.never_off_joules, 1e-6);
    EXPECT_EQ(parts.phase_ms, whole.phase_ms);
    EXPECT_EQ(parts.measured_ms, whole.measured_ms);
}

// A report over a day of a journal a minute old charges nothing for the
// time before it knew the node, unless readings measured that time.
TEST(Energy, TimeBeforeTheFirstKnownPhaseCountsOnlyWhatReadingsMeasureAndSavesNothing) {
    const std::vector<PhaseChange> timeline{{PowerPhase::off, 60'000}};
    const auto account = integrate(timeline, {}, round_model(), {.from = 0, .until = 120'000});
    EXPECT_EQ(account.unknown_ms, 60'000);
    EXPECT_NEAR(account.joules, 10 * 60.0, 1e-6);
    EXPECT_NEAR(account.saved_joules(), 90 * 60.0, 1e-6);
    const auto nothing = integrate({}, {}, round_model(), {.from = 0, .until = 120'000});
    EXPECT_EQ(nothing.unknown_ms, 120'000);
    EXPECT_EQ(nothing.joules, 0);
    EXPECT_NEAR(nothing.saved_joules(), 0, 1e-9);
    const std::vector<PowerSample> readings{{0, 200}, {60'000, 200}};
    const auto measured = integrate({}, readings, round_model(), {.from = 0, .until = 120'000});
    EXPECT_NEAR(measured.joules, 200 * 60.0, 1e-6) << "the first minute measured, the second unknown";
    EXPECT_NEAR(measured.saved_joules(), 0, 1e-9);
}

TEST(Energy, MeasuredMeansReplaceTheFiguresOfThePhasesWithReadings) {
    const std::vector<PhaseChange> timeline{
        {PowerPhase::off, 0}, {PowerPhase::booting, 100'000}, {PowerPhase::up, 200'000}};
    const std::vector<PowerSample> samples{{10'000, 4}, {20'000, 6}, {30'000, 5}, {210'000, 180}};
    const PhaseMeans means = measured_means(timeline, samples);
    EXPECT_EQ(means[static_cast<std::size_t>(PowerPhase::off)], 5.0);
    EXPECT_EQ(means[static_cast<std::size_t>(PowerPhase::up)], 180.0) << "one reading is enough";
    EXPECT_FALSE(means[static_cast<std::size_t>(PowerPhase::booting)]) << "no reading while booting";
    const EnergyModel model = with_means(round_model(), means);
    EXPECT_EQ(model.off_watts, 5.0);
    EXPECT_EQ(model.idle_watts, 180.0);
    EXPECT_EQ(model.boot_watts, 150.0);
}

// A BMC's reading averages the seconds before it: one taken just after a
// switch-off still shows the node's draw up, and teaches the off phase
// nothing (a tester found one, under a second after the power-off, in a node's off mean).
TEST(Energy, AReadingJustAfterASwitchOffTeachesTheOffDrawNothing) {
    const std::vector<PhaseChange> timeline{{PowerPhase::up, 0}, {PowerPhase::off, 100'000}};
    const std::vector<PowerSample> lagging{{50'000, 180}, {100'800, 180}};
    EXPECT_FALSE(measured_means(timeline, lagging)[static_cast<std::size_t>(PowerPhase::off)]);
    const std::vector<PowerSample> settled{{50'000, 180}, {100'800, 180}, {100'000 + kOffSettleMs, 8}};
    EXPECT_EQ(measured_means(timeline, settled)[static_cast<std::size_t>(PowerPhase::off)], 8.0);
}

}  // namespace
}  // namespace slumber::engine
