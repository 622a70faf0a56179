// The power phase from journal rows: a resume and a suspend as the daemon
// journals them, failures, refusals, and the time spent in each phase.
#include <gtest/gtest.h>

#include <vector>

#include "engine/power_phase.hpp"

namespace slumber::engine {
namespace {

using store::EventKind;
using store::OutcomeKind;

PhaseRow requested(TimeMs time, power::Action action) { return {time, EventKind::requested, std::nullopt, action}; }
PhaseRow carried(TimeMs time, EventKind kind, OutcomeKind outcome) { return {time, kind, outcome, std::nullopt}; }
PhaseRow row(TimeMs time, EventKind kind) { return {time, kind, std::nullopt, std::nullopt}; }

std::vector<PowerPhase> phases(const std::vector<PhaseChange>& timeline) {
    std::vector<PowerPhase> found;
    for (const PhaseChange& change : timeline) found.push_back(change.phase);
    return found;
}

TEST(PowerPhaseTest, AResumeAndASuspendPassThroughEveryPhase) {
    const std::vector<PhaseRow> rows{
        requested(1000, power::Action::on),
        row(1010, EventKind::paced),  // held back a moment: still powering on
        carried(1030, EventKind::power_on, OutcomeKind::ok),
        row(61000, EventKind::registered),
        requested(100000, power::Action::soft),
        carried(100500, EventKind::shutdown, OutcomeKind::ok),
    };
    const auto timeline = phase_timeline(rows);
    EXPECT_EQ(phases(timeline), (std::vector{PowerPhase::powering_on, PowerPhase::booting, PowerPhase::up,
                                             PowerPhase::powering_off, PowerPhase::off}));
    EXPECT_EQ(timeline[2].since, 61000);
    const auto spent = time_in_phases(timeline, 200000);
    EXPECT_EQ(spent[static_cast<std::size_t>(PowerPhase::powering_on)], 30);
    EXPECT_EQ(spent[static_cast<std::size_t>(PowerPhase::booting)], 59970);
    EXPECT_EQ(spent[static_cast<std::size_t>(PowerPhase::up)], 39000);
    EXPECT_EQ(spent[static_cast<std::size_t>(PowerPhase::powering_off)], 500);
    EXPECT_EQ(spent[static_cast<std::size_t>(PowerPhase::off)], 99500);
    EXPECT_EQ(spent[static_cast<std::size_t>(PowerPhase::failed)], 0);
}

TEST(PowerPhaseTest, FailuresLeadToFailedUntilTheNextRequest) {
    const std::vector<PhaseRow> rows{
        requested(1000, power::Action::on),
        carried(1100, EventKind::power_on, OutcomeKind::error),  // the BMC refused the password
        requested(5000, power::Action::cycle),
        carried(6000, EventKind::power_cycle, OutcomeKind::ok),
        row(400000, EventKind::resume_failed),  // Slurm gave up on the boot
        row(400001, EventKind::diagnosis),
        requested(500000, power::Action::off),
        carried(500100, EventKind::power_off, OutcomeKind::error),
    };
    EXPECT_EQ(phases(phase_timeline(rows)),
              (std::vector{PowerPhase::powering_on, PowerPhase::failed, PowerPhase::powering_on, PowerPhase::booting,
                           PowerPhase::failed, PowerPhase::powering_off, PowerPhase::failed}));
}

PhaseRow requested(TimeMs time, power::Action action, std::int64_t id) {
    return {time, EventKind::requested, std::nullopt, action, id};
}
PhaseRow refused(TimeMs time, power::Action action, std::optional<std::int64_t> id) {
    return {time, EventKind::refused, OutcomeKind::refused, action, id};
}

// A refused request (the carrier's: the node runs a job) is taken out of
// the timeline: no powering-off, not even for the moment before the refusal.
// A tester's power-off failed after its retries, 40 s after it was asked:
// those 40 s were charged as powering off (the shutdown's watts) while the
// node ran on. The request of a call that failed moves nothing.
TEST(PowerPhaseTest, TheRequestOfAFailedCallMovesNothing) {
    const std::vector<PhaseRow> rows{
        row(0, EventKind::registered),
        requested(1000, power::Action::off, 7),
        {41000, EventKind::power_off, OutcomeKind::error, power::Action::off, 7},
        requested(50000, power::Action::off, 8),
        {51000, EventKind::power_off, OutcomeKind::ok, power::Action::off, 8},
    };
    const auto timeline = phase_timeline(rows);
    EXPECT_EQ(phases(timeline),
              (std::vector{PowerPhase::up, PowerPhase::failed, PowerPhase::powering_off, PowerPhase::off}));
    const auto spent = time_in_phases(timeline, 60000);
    EXPECT_EQ(spent[static_cast<std::size_t>(PowerPhase::up)], 41000);
    EXPECT_EQ(spent[static_cast<std::size_t>(PowerPhase::powering_off)], 1000);
}

TEST(PowerPhaseTest, ARefusedRequestChangesNothing) {
    const std::vector<PhaseRow> rows{
        row(1000, EventKind::registered),
        requested(2000, power::Action::off, 7),
        refused(2001, power::Action::off, 7),
    };
    const auto timeline = phase_timeline(rows);
    EXPECT_EQ(phases(timeline), (std::vector{PowerPhase::up}));
    EXPECT_EQ(timeline.back().since, 1000);
}

// A tester's `slumber power off vnode004` while it ran a job: the refusal
// has no journaled request, and the phase before slumber's earlier
// power-on (off) must not come back.
TEST(PowerPhaseTest, ARefusalOfNoJournaledRequestLeavesThePhase) {
    const std::vector<PhaseRow> rows{
        requested(1000, power::Action::on, 1),
        {1030, EventKind::power_on, OutcomeKind::ok, power::Action::on, 1},
        row(61000, EventKind::registered),
        refused(90000, power::Action::off, std::nullopt),
    };
    const auto timeline = phase_timeline(rows);
    EXPECT_EQ(phases(timeline), (std::vector{PowerPhase::powering_on, PowerPhase::booting, PowerPhase::up}));
    const auto spent = time_in_phases(timeline, 200000);
    EXPECT_EQ(spent[static_cast<std::size_t>(PowerPhase::off)], 0);
    EXPECT_EQ(spent[static_cast<std::size_t>(PowerPhase::up)], 139000);
}

// The web API's refused `on` of a node Slurm is powering down: the node
// is off once the power-off is carried out, whatever was refused meanwhile.
TEST(PowerPhaseTest, ARefusedOnOfANodeGoingDownLeavesItOff) {
    const std::vector<PhaseRow> rows{
        requested(1000, power::Action::on, 1),
        {1030, EventKind::power_on, OutcomeKind::ok, power::Action::on, 1},
        requested(1500, power::Action::on, 2),  // Slurm's resume, run twice
        row(61000, EventKind::registered),
        requested(100000, power::Action::off, 3),
        refused(100200, power::Action::on, std::nullopt),
        {100500, EventKind::power_off, OutcomeKind::ok, power::Action::off, 3},
        refused(100700, power::Action::on, std::nullopt),
        refused(100800, power::Action::on, 2),  // long carried out by another
    };
    const auto timeline = phase_timeline(rows);
    EXPECT_EQ(phases(timeline), (std::vector{PowerPhase::powering_on, PowerPhase::booting, PowerPhase::up,
                                             PowerPhase::powering_off, PowerPhase::off}));
    EXPECT_EQ(timeline.back().since, 100500);
}

// A power-on held back (thermal guard, pacing) until Slurm gave up on it
// and then refused: the node never left off, so Slurm's ResumeTimeout makes
// it no failed node (a tester saw it red, and saving nothing, for 2 min).
TEST(PowerPhaseTest, SlurmGivingUpOnAPowerOnNeverCarriedOutLeavesTheNodeOff) {
    const std::vector<PhaseRow> rows{
        {500, EventKind::power_off, OutcomeKind::ok, power::Action::off, std::nullopt},
        requested(1000, power::Action::on, 4),
        row(1200, EventKind::paced),
        row(61000, EventKind::resume_failed),
        refused(61001, power::Action::on, 4),
        requested(63000, power::Action::off, 5),
        {63100, EventKind::power_off, OutcomeKind::ok, power::Action::off, 5},
    };
    const auto timeline = phase_timeline(rows);
    EXPECT_EQ(phases(timeline), (std::vector{PowerPhase::off}));
    EXPECT_EQ(timeline.back().since, 500);
}

// A boot that never registered is failed, as before.
TEST(PowerPhaseTest, SlurmGivingUpOnABootMakesItFailed) {
    const std::vector<PhaseRow> rows{
        requested(1000, power::Action::on, 4),
        {1030, EventKind::power_on, OutcomeKind::ok, power::Action::on, 4},
        row(61000, EventKind::resume_failed),
    };
    EXPECT_EQ(phases(phase_timeline(rows)),
              (std::vector{PowerPhase::powering_on, PowerPhase::booting, PowerPhase::failed}));
}

// A call that could not be made (a blocked BMC, a device that did not come
// on) contacted nothing: the node is where it was, not failed.
TEST(PowerPhaseTest, ACallThatCouldNotBeMadeChangesNothing) {
    const std::vector<PhaseRow> rows{
        {500, EventKind::power_off, OutcomeKind::ok, power::Action::off, std::nullopt},
        requested(1000, power::Action::on, 4),
        {1001, EventKind::failed, std::nullopt, std::nullopt, 4},
        requested(2000, power::Action::on, 5),
        {2001, EventKind::power_on, OutcomeKind::refused, power::Action::on, 5},
    };
    const auto timeline = phase_timeline(rows);
    EXPECT_EQ(phases(timeline), (std::vector{PowerPhase::off}));
    EXPECT_EQ(timeline.back().since, 500);
}

// Of two requests pending, the one withdrawn is as if never asked: the
// other's phase stands from its own request on.
TEST(PowerPhaseTest, AWithdrawnRequestLeavesTheOthersPending) {
    const std::vector<PhaseRow> rows{
        row(1000, EventKind::registered),      requested(2000, power::Action::off, 1),
        requested(3000, power::Action::on, 2), refused(3500, power::Action::on, 2),
        refused(4000, power::Action::off, 1),
    };
    const auto timeline = phase_timeline(rows);
    EXPECT_EQ(phases(timeline), (std::vector{PowerPhase::up}));
    const std::vector<PhaseRow> partly(rows.begin(), rows.end() - 1);
    const auto timeline_partly = phase_timeline(partly);
    EXPECT_EQ(phases(timeline_partly), (std::vector{PowerPhase::up, PowerPhase::powering_off}));
    EXPECT_EQ(timeline_partly.back().since, 2000);
}

TEST(PowerPhaseTest, UnknownUntilARowSaysAndUnmovedByOtherRows) {
    const std::vector<PhaseRow> rows{
        row(500, EventKind::diagnosis), requested(600, power::Action::status), row(700, EventKind::power_lost),
        row(800, EventKind::recovery),  row(900, EventKind::blocked),
    };
    const auto timeline = phase_timeline(rows);
    ASSERT_EQ(timeline.size(), 1U);
    EXPECT_EQ(timeline[0].phase, PowerPhase::off);
    EXPECT_EQ(timeline[0].since, 700);
    const auto spent = time_in_phases(timeline, 1000);
    EXPECT_EQ(spent[static_cast<std::size_t>(PowerPhase::off)], 300) << "no time counted before the first phase";
    EXPECT_TRUE(phase_timeline({}).empty());
}

TEST(PowerPhaseTest, TimeInPhasesStopsAtUntil) {
    const std::vector<PhaseChange> timeline{{PowerPhase::booting, 1000}, {PowerPhase::up, 5000}};
    const auto spent = time_in_phases(timeline, 3000);
    EXPECT_EQ(spent[static_cast<std::size_t>(PowerPhase::booting)], 2000);
    EXPECT_EQ(spent[static_cast<std::size_t>(PowerPhase::up)], 0);
}

TEST(PowerPhaseTest, PhasesHaveTheirWords) {
    EXPECT_EQ(to_string(PowerPhase::powering_on), "powering-on");
    EXPECT_EQ(to_string(PowerPhase::failed), "failed");
}

}  // namespace
}  // namespace slumber::engine
