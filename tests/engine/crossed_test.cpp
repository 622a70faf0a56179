// Crossed BMC addresses judged from behaviour on hand-made snapshots: the two
// patterns, and the look-alikes that must not count (a node's own power
// change, Slurm's reboot or power saving, a change before slumber's, too
// late, or with more than one candidate that fits), and the culprit among a
// batch of power-offs.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "engine/crossed.hpp"

namespace slumber::engine {
namespace {

constexpr TimeMs kOn = 1'000'000'000;  // slumber's power change, Unix ms
const CrossedWindows kWindows = crossed_windows(/*resume_timeout_s=*/60, /*suspend_timeout_s=*/30,
                                                /*slurmd_timeout_s=*/30);

CrossedWitness witness(std::string name, std::string base, std::vector<std::string> flags) {
    CrossedWitness node;
    node.slurm.name = std::move(name);
    node.slurm.base = std::move(base);
    node.slurm.flags = std::move(flags);
    return node;
}

// A switched on at kOn, never registered; B asleep until then, registered
// with a boot time 20 s later. Judged once A has had ResumeTimeout.
constexpr TimeMs kJudged = kOn + 61000;

std::vector<CrossedWitness> woke_other() {
    auto a = witness("n1", "DOWN", {"POWERED_DOWN"});
    a.slurm.reason = "ResumeTimeout reached";
    auto b = witness("n2", "DOWN", {});
    b.slurm.reason = "Node unexpectedly rebooted";
    b.woke_unasked = UnaskedWake{kOn + 20000, kOn + 18000};
    return {a, b};
}

// A (idle) switched off at kOn; B, running a job, went silent 8 s later; A's slurmd answers.
std::vector<CrossedWitness> silenced_other() {
    auto a = witness("n1", "IDLE", {"POWERED_DOWN"});
    a.slurmd_answers = true;
    auto b = witness("n2", "MIXED", {"NOT_RESPONDING"});
    b.seen_up_at = kOn + 6000;
    b.silent_since = kOn + 8000;
    return {a, b};
}

const std::vector<PowerChange> kSwitchedOn{{"n1", power::Action::on, kOn}};
const std::vector<PowerChange> kSwitchedOff{{"n1", power::Action::off, kOn}};

TEST(Crossed, ThePowerOnOfOneNodeBootsAnotherThatSlept) {
    const auto pairs = suspect_crossed(woke_other(), kSwitchedOn, kWindows, kJudged).pairs;
    ASSERT_EQ(pairs.size(), 1U);
    EXPECT_EQ(pairs[0].asked, "n1");
    EXPECT_EQ(pairs[0].other, "n2");
    EXPECT_EQ(pairs[0].pattern, CrossedPattern::woke_other);
    EXPECT_NE(pairs[0].evidence.find("registered with a boot time 20 s after that power-on"), std::string::npos)
        << pairs[0].evidence;
    EXPECT_EQ(crossed_drain_reason(pairs[0]),
              "slumber: BMC addresses of n1 and n2 look crossed; check, then slumber unblock n1,n2");
}

TEST(Crossed, AWokenNodeWaitsUntilTheSwitchedNodeHadResumeTimeout) {
    auto woke = woke_other();
    woke[0].slurm = witness("n1", "IDLE", {"POWERING_UP"}).slurm;  // still booting, perhaps slowly
    const auto early = suspect_crossed(woke, kSwitchedOn, kWindows, kOn + 25000);
    EXPECT_TRUE(early.pairs.empty());
    EXPECT_EQ(early.pending(), (std::vector<std::string>{"n1", "n2"})) << "recovery leaves both alone meanwhile";
    woke[0].slurm = witness("n1", "IDLE", {}).slurm;  // it registered: a coincidence
    const auto registered = suspect_crossed(woke, kSwitchedOn, kWindows, kOn + 30000);
    EXPECT_TRUE(registered.pairs.empty());
    EXPECT_TRUE(registered.pending().empty());
}

// A tester: n1 switched on (its registration too brief for a look to see),
// off, then on again 40 s later for a slow boot; n2 rebooted by itself 2 s
// into that boot. The first power-on is not the one judged: n1 is still
// within ResumeTimeout of its latest, and registers in time.
TEST(Crossed, ANodesLatestPowerOnIsTheOneJudged) {
    auto a = witness("n1", "IDLE", {"POWERING_UP"});
    auto b = witness("n2", "DOWN", {});
    b.slurm.reason = "Node unexpectedly rebooted";
    b.woke_unasked = UnaskedWake{kOn + 42000, kOn + 41000};
    const std::vector<PowerChange> changes{{"n1", power::Action::on, kOn},
                                           {"n1", power::Action::off, kOn + 10000},
                                           {"n1", power::Action::on, kOn + 40000}};
    const auto judged = suspect_crossed({a, b}, changes, kWindows, kOn + 61000);
    EXPECT_TRUE(judged.pairs.empty()) << judged.pairs.front().evidence;
    EXPECT_EQ(judged.pending(), (std::vector<std::string>{"n1", "n2"})) << "judged at ResumeTimeout after the latest";
    a.slurm = witness("n1", "IDLE", {}).slurm;  // registered 30 s into its boot
    const auto registered = suspect_crossed({a, b}, changes, kWindows, kOn + 70000);
    EXPECT_TRUE(registered.pairs.empty());
    EXPECT_TRUE(registered.pending().empty());
    // Had it not registered, the latest power-on is the evidence.
    a.slurm = witness("n1", "DOWN", {"POWERED_DOWN"}).slurm;
    a.slurm.reason = "ResumeTimeout reached";
    const auto late = suspect_crossed({a, b}, changes, kWindows, kOn + 101000);
    ASSERT_EQ(late.pairs.size(), 1U);
    EXPECT_NE(late.pairs[0].evidence.find("registered with a boot time 2 s after that power-on"), std::string::npos)
        << late.pairs[0].evidence;
}

TEST(Crossed, ThePowerOffOfOneNodeSilencesAnotherThatRunsAJob) {
    const auto nodes = silenced_other();
    EXPECT_EQ(crossed_probes(nodes, kSwitchedOff, kWindows, kOn + 10000), std::vector<std::string>{"n1"});
    const auto pairs = suspect_crossed(nodes, kSwitchedOff, kWindows, kOn + 10000).pairs;
    ASSERT_EQ(pairs.size(), 1U);
    EXPECT_EQ(pairs[0].asked, "n1");
    EXPECT_EQ(pairs[0].other, "n2");
    EXPECT_EQ(pairs[0].pattern, CrossedPattern::silenced_other);
    EXPECT_NE(pairs[0].evidence.find("stopped responding 8 s after"), std::string::npos) << pairs[0].evidence;
    EXPECT_NE(pairs[0].evidence.find("n1's slurmd still answers"), std::string::npos) << pairs[0].evidence;
}

// Seen by a tester: n1 slept (idle~) for ten minutes when recovery found
// its BMC on (it drives n2's machine) and switched it off; n2, running a
// job, went dark. n1's slurmd could not answer, as it had not before: its
// own machine was off all along. That is the same evidence.
TEST(Crossed, APowerOffOfANodeThatWasDarkAlreadySilencesAnother) {
    auto nodes = silenced_other();
    nodes[0].slurm.flags = {"POWERED_DOWN", "NOT_RESPONDING"};
    nodes[0].slurmd_answers = false;
    nodes[0].dark_since = kOn - 600000;
    EXPECT_EQ(crossed_probes(nodes, kSwitchedOff, kWindows, kOn + 10000), std::vector<std::string>{"n1"});
    const auto pairs = suspect_crossed(nodes, kSwitchedOff, kWindows, kOn + 10000).pairs;
    ASSERT_EQ(pairs.size(), 1U);
    EXPECT_EQ(pairs[0].asked, "n1");
    EXPECT_EQ(pairs[0].other, "n2");
    EXPECT_FALSE(pairs[0].asked_runs) << "both machines are off now";
    EXPECT_NE(pairs[0].evidence.find("n1 was dark in Slurm's view for at least 600 s before that power-off"),
              std::string::npos)
        << pairs[0].evidence;
    // Dark only once its power-off may have started (Slurm's POWERED_DOWN
    // after a short SuspendTimeout, a slow call): a normal suspend, no evidence.
    nodes[0].dark_since = kOn - kCallSlackMs + 1;
    EXPECT_TRUE(suspect_crossed(nodes, kSwitchedOff, kWindows, kOn + 10000).pairs.empty());
    // Switched on again since: it answers for that power-on.
    nodes[0].dark_since = kOn - 600000;
    auto again = kSwitchedOff;
    again.push_back({"n1", power::Action::on, kOn + 9000});
    EXPECT_TRUE(suspect_crossed(nodes, again, kWindows, kOn + 12000).pairs.empty());
    // Its slurmd answering as well: its own machine runs.
    nodes[0].slurmd_answers = true;
    const auto answered = suspect_crossed(nodes, kSwitchedOff, kWindows, kOn + 10000).pairs;
    ASSERT_EQ(answered.size(), 1U);
    EXPECT_TRUE(answered[0].asked_runs);
}

// A tester's false pair: an admin forced n1 down 18 s into its slow boot
// (Slurm powering it up, dark since it slept before), while n2 crashed by
// itself. Its machine may have been booting: its darkness is no evidence.
// A power-up that ended before the power-off could start still is
// (ResumeTimeout reached, down~, then recovery's power-off).
TEST(Crossed, APowerOffOfANodeSlurmWasPoweringUpIsNoEvidence) {
    auto nodes = silenced_other();
    nodes[0].slurm.flags = {"POWERING_DOWN", "NOT_RESPONDING"};
    nodes[0].slurmd_answers = false;
    nodes[0].dark_since = kOn - 600000;
    nodes[0].powering_up_at = kOn - 2000;
    EXPECT_TRUE(suspect_crossed(nodes, kSwitchedOff, kWindows, kOn + 10000).pairs.empty());
    nodes[0].powering_up_at = kOn - kCallSlackMs - 1;
    EXPECT_EQ(suspect_crossed(nodes, kSwitchedOff, kWindows, kOn + 10000).pairs.size(), 1U);
}

// A tester's: slumber power-cycled n1 (on at its BMC, never registered,
// dark since it slept); n2's machine restarted under its job and, its boot
// longer than SlurmdTimeout, went silent first. Before, recovery read n2's
// BMC (n1's machine, off), put n2 back to sleep and switched n1's failed
// boot off through n2's machine.
TEST(Crossed, APowerCycleOfANodeThatWasDarkSilencesAnother) {
    auto nodes = silenced_other();
    nodes[0].slurm = witness("n1", "IDLE", {"POWERED_DOWN", "POWERING_UP"}).slurm;
    nodes[0].slurmd_answers = false;
    nodes[0].dark_since = kOn - 600000;
    const std::vector<PowerChange> cycled{{"n1", power::Action::cycle, kOn}};
    EXPECT_EQ(crossed_probes(nodes, cycled, kWindows, kOn + 10000), std::vector<std::string>{"n1"});
    const auto pairs = suspect_crossed(nodes, cycled, kWindows, kOn + 10000).pairs;
    ASSERT_EQ(pairs.size(), 1U);
    EXPECT_EQ(pairs[0].asked, "n1");
    EXPECT_EQ(pairs[0].other, "n2");
    EXPECT_EQ(pairs[0].pattern, CrossedPattern::silenced_other);
    EXPECT_NE(pairs[0].evidence.find("slumber power-cycled n1; n2, up until then, stopped responding 8 s after that "
                                     "power cycle"),
              std::string::npos)
        << pairs[0].evidence;
    EXPECT_NE(pairs[0].evidence.find("dark in Slurm's view for at least 600 s before that power cycle"),
              std::string::npos)
        << pairs[0].evidence;
    // Dark only since its own power-off 8 s before (Slurm suspended it,
    // then resumed it): dark when the cycle was asked for, which counts.
    nodes[0].dark_since = kOn - 8000;
    EXPECT_TRUE(suspect_crossed(nodes, cycled, kWindows, kOn + 10000).pairs.empty()) << "when is not known";
    const std::vector<PowerChange> asked{{"n1", power::Action::cycle, kOn, kOn - 1300}};
    EXPECT_EQ(suspect_crossed(nodes, asked, kWindows, kOn + 10000).pairs.size(), 1U);
    nodes[0].dark_since = kOn - 1000;  // dark only once the cycle began: its own doing
    EXPECT_TRUE(suspect_crossed(nodes, asked, kWindows, kOn + 10000).pairs.empty());
    // A node that was up when it was cycled (recovery's cycle of a stuck
    // node) answers for its own reboot: no evidence.
    nodes[0].slurmd_answers = true;
    EXPECT_TRUE(suspect_crossed(nodes, asked, kWindows, kOn + 10000).pairs.empty());
    // Unless it stayed up through the cycle with the boot time it had
    // before (an admin's `slumber power cycle` of a running node): its
    // machine never restarted.
    auto running = nodes;
    running[0].slurm = witness("n1", "MIXED", {}).slurm;
    running[0].slurm.boot_time = (kOn - 3'600'000) / 1000;
    running[0].seen_up_at = kOn + 9000;
    running[0].dark_since.reset();
    const auto stayed = suspect_crossed(running, asked, kWindows, kOn + 10000).pairs;
    ASSERT_EQ(stayed.size(), 1U);
    EXPECT_NE(stayed[0].evidence.find("n1's slurmd still answers"), std::string::npos) << stayed[0].evidence;
    running[0].slurm.boot_time = (kOn + 5000) / 1000;  // it rebooted
    EXPECT_TRUE(suspect_crossed(running, asked, kWindows, kOn + 10000).pairs.empty());
    nodes[0].slurmd_answers = false;
    nodes[0].dark_since = kOn - 600000;
    // n2's own power cycle explains its silence.
    auto own = cycled;
    own.push_back({"n2", power::Action::cycle, kOn + 2000});
    EXPECT_TRUE(suspect_crossed(nodes, own, kWindows, kOn + 10000).pairs.empty());
}

// A tester's: a hook's carrier switched n1 off while no daemon ran, and
// noted n2 up 2 s later; the daemon, back past the window, first saw n2
// silent then. Its silence began after that look, within the window.
TEST(Crossed, ASilenceFirstSeenLateIsJudgedFromWhenTheNodeWasLastSeenUp) {
    auto nodes = silenced_other();
    nodes[1].seen_up_at = kOn + 2000;
    const TimeMs back = kOn + kWindows.after_off_ms + 20000;
    nodes[1].silent_since = back;
    EXPECT_EQ(crossed_probes(nodes, kSwitchedOff, kWindows, back + 2000), std::vector<std::string>{"n1"});
    const auto pairs = suspect_crossed(nodes, kSwitchedOff, kWindows, back + 2000).pairs;
    ASSERT_EQ(pairs.size(), 1U);
    EXPECT_NE(pairs[0].evidence.find(
                  fmt::format("stopped responding between 2 s and {} s after that power-off", (back - kOn) / 1000)),
              std::string::npos)
        << pairs[0].evidence;
    // Last seen up past the window: whatever silenced it came later.
    nodes[1].seen_up_at = kOn + kWindows.after_off_ms + 1000;
    EXPECT_TRUE(suspect_crossed(nodes, kSwitchedOff, kWindows, back + 2000).pairs.empty());
    // Its own power-off since it was last seen up explains it.
    nodes[1].seen_up_at = kOn + 2000;
    auto own = kSwitchedOff;
    own.push_back({"n2", power::Action::off, kOn + 5000});
    EXPECT_TRUE(suspect_crossed(nodes, own, kWindows, back + 2000).pairs.empty());
}

TEST(Crossed, ASilencedNodeNeedsTheSwitchedOffNodeToAnswer) {
    auto nodes = silenced_other();
    nodes[0].slurmd_answers.reset();
    EXPECT_TRUE(suspect_crossed(nodes, kSwitchedOff, kWindows, kOn + 10000).pairs.empty()) << "not probed yet";
    nodes[0].slurmd_answers = false;
    EXPECT_TRUE(suspect_crossed(nodes, kSwitchedOff, kWindows, kOn + 10000).pairs.empty())
        << "it is off, as asked: a coincidence";
}

TEST(Crossed, ANodeSwitchedByItsOwnPowerChangeIsNoEvidence) {
    auto on = kSwitchedOn;
    on.push_back({"n2", power::Action::on, kOn + 1000});  // Slurm woke n2 too
    EXPECT_TRUE(suspect_crossed(woke_other(), on, kWindows, kJudged).pairs.empty());
    on = kSwitchedOn;
    on.push_back({"n2", power::Action::on, kOn + 20000 - 90000});  // its own boot, later than ResumeTimeout
    EXPECT_TRUE(suspect_crossed(woke_other(), on, kWindows, kJudged).pairs.empty());
    auto off = kSwitchedOff;
    off.push_back({"n2", power::Action::off, kOn});  // suspended together
    EXPECT_TRUE(crossed_probes(silenced_other(), off, kWindows, kOn + 10000).empty());
    EXPECT_TRUE(suspect_crossed(silenced_other(), off, kWindows, kOn + 10000).pairs.empty());
    off.back().action = power::Action::cycle;
    EXPECT_TRUE(suspect_crossed(silenced_other(), off, kWindows, kOn + 10000).pairs.empty()) << "its own power cycle";
}

// Seen by a tester: B switched on and at once off by hand, 50 s before A's
// resume booted B's machine. Its own power-on, undone, explains nothing.
TEST(Crossed, AnOwnPowerOnThatAPowerOffFollowedExplainsNothing) {
    auto changes = kSwitchedOn;
    changes.push_back({"n2", power::Action::on, kOn - 50000});
    changes.push_back({"n2", power::Action::off, kOn - 49000});
    const auto pairs = suspect_crossed(woke_other(), changes, kWindows, kJudged).pairs;
    ASSERT_EQ(pairs.size(), 1U);
    EXPECT_EQ(pairs[0].other, "n2");
    changes.push_back({"n2", power::Action::on, kOn - 30000});  // on again: its own boot after all
    EXPECT_TRUE(suspect_crossed(woke_other(), changes, kWindows, kJudged).pairs.empty());
}

TEST(Crossed, SlurmsOwnDoingIsNoEvidence) {
    for (const std::string flag : {"POWERING_DOWN", "POWER_DOWN", "POWERED_DOWN", "REBOOT_ISSUED"}) {
        auto silenced = silenced_other();
        silenced[1].slurm.flags.push_back(flag);
        EXPECT_TRUE(suspect_crossed(silenced, kSwitchedOff, kWindows, kOn + 10000).pairs.empty()) << flag;
    }
}

// Slurm powers down a node it set DOWN for "Not responding": that came
// after the silence, and so did the power-off of the node's own that it
// asked for. The silence is still the other power-off's doing. Slurm
// clears NOT_RESPONDING as it suspends a node (power_save.c).
TEST(Crossed, ANodeSlurmFoundSilentBeforePoweringItDownWasSilencedByAnother) {
    auto silenced = silenced_other();  // n2 up at kOn + 6 s, silent at kOn + 8 s
    silenced[1].slurm.base = "DOWN";
    silenced[1].slurm.flags = {"POWERING_DOWN"};
    silenced[1].slurm.reason = "Not responding";
    silenced[1].slurm.reason_time = (kOn + 7000) / 1000;
    auto pairs = suspect_crossed(silenced, kSwitchedOff, kWindows, kOn + 10000).pairs;
    ASSERT_EQ(pairs.size(), 1U);
    EXPECT_EQ(pairs[0].asked, "n1");
    EXPECT_EQ(pairs[0].other, "n2");

    // Its own power-off, asked for 2 s after it was seen silent.
    auto changes = kSwitchedOff;
    changes.push_back({"n2", power::Action::off, kOn + 10300, kOn + 10000});
    EXPECT_EQ(suspect_crossed(silenced, changes, kWindows, kOn + 11000).pairs.size(), 1U);
    // Asked for before it was seen silent: that may be what silenced it.
    changes.back() = {"n2", power::Action::off, kOn + 7300, kOn + 7000};
    EXPECT_TRUE(suspect_crossed(silenced, changes, kWindows, kOn + 11000).pairs.empty());
    // A reason given before it was last seen up: it answered since.
    silenced[1].slurm.reason_time = (kOn + 4000) / 1000;
    EXPECT_TRUE(suspect_crossed(silenced, kSwitchedOff, kWindows, kOn + 10000).pairs.empty());
    // Without Slurm's word that it went silent first, Slurm's power-down explains it.
    silenced[1].slurm.reason_time.reset();
    silenced[1].slurm.reason.clear();
    EXPECT_TRUE(suspect_crossed(silenced, kSwitchedOff, kWindows, kOn + 10000).pairs.empty());
    silenced[1].slurm.flags = {"NOT_RESPONDING", "POWERING_DOWN"};
    EXPECT_TRUE(suspect_crossed(silenced, kSwitchedOff, kWindows, kOn + 10000).pairs.empty());
}

TEST(Crossed, AChangeBeforeSlumbersOrPastTheWindowIsNoEvidence) {
    auto woke = woke_other();
    woke[1].woke_unasked->boot_ms = kOn - 30000;
    EXPECT_TRUE(suspect_crossed(woke, kSwitchedOn, kWindows, kJudged).pairs.empty()) << "booted before the power-on";
    woke[1].woke_unasked->boot_ms = kOn + kWindows.after_on_ms + 10000;
    EXPECT_TRUE(suspect_crossed(woke, kSwitchedOn, kWindows, kJudged + 20000).pairs.empty())
        << "booted past ResumeTimeout";
    woke = woke_other();
    woke[1].woke_unasked->asleep_until = kOn - 60000;
    EXPECT_TRUE(suspect_crossed(woke, kSwitchedOn, kWindows, kJudged).pairs.empty()) << "awake before the power-on";

    auto silenced = silenced_other();
    silenced[1].seen_up_at = kOn - 60000;
    silenced[1].silent_since = kOn - 58000;
    EXPECT_TRUE(suspect_crossed(silenced, kSwitchedOff, kWindows, kOn + 10000).pairs.empty())
        << "silent before the power-off";
    silenced = silenced_other();
    silenced[1].silent_since = kOn + kWindows.after_off_ms + 3000;
    silenced[1].seen_up_at = *silenced[1].silent_since - 2000;  // up past the window
    EXPECT_TRUE(suspect_crossed(silenced, kSwitchedOff, kWindows, kOn + 10000).pairs.empty())
        << "silent past the window";
}

// A tester's node rebooted by itself (BootTime 06:14:15), then Slurm asked
// another node up (06:14:20): within the 15 s a call may take before its
// event, the reboot was counted as woken by that power-on, and the crossed
// pair it really had was judged only after recovery had switched it. A
// power-on's request says when the call began at the earliest.
TEST(Crossed, ABootBeforeThePowerOnWasAskedForIsNoEvidence) {
    auto woke = woke_other();
    woke[1].woke_unasked = UnaskedWake{kOn - 5000, kOn - 6000};
    const std::vector<PowerChange> asked{{"n1", power::Action::on, kOn, kOn - 1000}};
    EXPECT_TRUE(suspect_crossed(woke, asked, kWindows, kJudged).pairs.empty());
    EXPECT_TRUE(suspect_crossed(woke, asked, kWindows, kOn + 1000).open.empty()) << "nothing held for it either";
    // In the second the request came (Slurm's BootTime is whole seconds), it may be.
    woke[1].woke_unasked = UnaskedWake{kOn - 1900, kOn - 6000};
    EXPECT_EQ(suspect_crossed(woke, asked, kWindows, kJudged).pairs.size(), 1U);
}

// One power-on, two nodes woken unasked in its window (a tester's node
// rebooted by itself 5 s after the power-on): which one is on the switched
// node's address cannot be told, so both are paired with it, at once. Once
// the real partner's wake was no longer judged, the other was blamed alone
// and the real partner stayed in service.
TEST(Crossed, OnePowerOnWithTwoNodesWokenBlocksBothWithIt) {
    auto woke = woke_other();
    auto c = witness("n3", "DOWN", {});
    c.slurm.reason = "Node unexpectedly rebooted";
    c.woke_unasked = UnaskedWake{kOn + 25000, kOn + 18000};
    woke.push_back(c);
    EXPECT_TRUE(suspect_crossed(woke, kSwitchedOn, kWindows, kOn + 30000).pairs.empty()) << "within the window";
    const auto pairs = suspect_crossed(woke, kSwitchedOn, kWindows, kJudged).pairs;
    ASSERT_EQ(pairs.size(), 2U);
    for (const CrossedPair& pair : pairs) {
        EXPECT_EQ(pair.asked, "n1");
        EXPECT_NE(pair.evidence.find("another node registered unasked after it too (n2, n3): one of them "
                                     "is on n1's BMC address"),
                  std::string::npos)
            << pair.evidence;
    }
    EXPECT_EQ(pairs[0].other, "n2");
    EXPECT_EQ(pairs[1].other, "n3");
}

// Seen by a tester: Slurm woke n1 for a job while the BMC at its address,
// n2's, said on (n2 ran a job); slumber power-cycled "n1", n2's machine
// restarted under its job and registered with a new boot time, and n1
// never registered. Judged as the power-on pattern is, once n1 has had
// ResumeTimeout.
std::vector<CrossedWitness> rebooted_other() {
    auto a = witness("n1", "DOWN", {"POWERED_DOWN"});
    a.slurm.reason = "ResumeTimeout reached";
    auto b = witness("n2", "DOWN", {});
    b.slurm.reason = "Node unexpectedly rebooted";
    b.woke_unasked = UnaskedWake{kOn + 9000, kOn + 7000, BootedFrom::running, kOn - 40000};
    return {a, b};
}

const std::vector<PowerChange> kCycled{{"n1", power::Action::cycle, kOn, kOn - 2000}};

TEST(Crossed, APowerCycleOfOneNodeThatRestartsAnotherRunningNodeIsAPair) {
    const auto early = suspect_crossed(rebooted_other(), kCycled, kWindows, kOn + 20000);
    EXPECT_TRUE(early.pairs.empty()) << "n1 may still register";
    EXPECT_EQ(early.pending(), (std::vector<std::string>{"n1", "n2"})) << "both held meanwhile";
    const auto pairs = suspect_crossed(rebooted_other(), kCycled, kWindows, kJudged).pairs;
    ASSERT_EQ(pairs.size(), 1U);
    EXPECT_EQ(pairs[0].asked, "n1");
    EXPECT_EQ(pairs[0].other, "n2");
    EXPECT_EQ(pairs[0].pattern, CrossedPattern::rebooted_other);
    EXPECT_NE(pairs[0].evidence.find("slumber power-cycled n1; n2, up in Slurm's view until then and restarted by "
                                     "neither Slurm nor slumber, registered with a boot time 9 s after that power "
                                     "cycle; n1 has not registered"),
              std::string::npos)
        << pairs[0].evidence;
    // n2's own power-on, 45 s before: the tester's n2 was woken for its job
    // so; that power-on made its earlier boot, not this one.
    auto woken_before = kCycled;
    woken_before.insert(woken_before.begin(), {"n2", power::Action::on, kOn - 45000, kOn - 46000});
    EXPECT_EQ(suspect_crossed(rebooted_other(), woken_before, kWindows, kJudged).pairs.size(), 1U);
}

TEST(Crossed, ARestartExplainedOrBeforeTheCycleOrWithTheCycledNodeRegisteredIsNoPair) {
    // n2's own power cycle (Slurm's reboot carried out by slumber).
    auto changes = kCycled;
    changes.push_back({"n2", power::Action::cycle, kOn + 1000, kOn});
    EXPECT_TRUE(suspect_crossed(rebooted_other(), changes, kWindows, kJudged).pairs.empty());
    // Restarted before the cycle was asked for.
    auto before = rebooted_other();
    before[1].woke_unasked = UnaskedWake{kOn - 10000, kOn - 12000, BootedFrom::running, kOn - 40000};
    EXPECT_TRUE(suspect_crossed(before, kCycled, kWindows, kJudged).pairs.empty());
    // Not seen up with its earlier boot since long before the cycle: down, or silent, already.
    auto gone = rebooted_other();
    gone[1].woke_unasked->asleep_until = kOn - 60000;
    EXPECT_TRUE(suspect_crossed(gone, kCycled, kWindows, kJudged).pairs.empty());
    // A plain power-on of n1 restarts no running machine: n2 rebooted by
    // itself (a tester's, beside an admin's `slumber power on` of a node
    // that was up).
    EXPECT_TRUE(suspect_crossed(rebooted_other(), kSwitchedOn, kWindows, kJudged).pairs.empty());
    EXPECT_TRUE(suspect_crossed(rebooted_other(), kSwitchedOn, kWindows, kOn + 20000).pending().empty())
        << "nothing held meanwhile";
    // n1 registered after its cycle: a coincidence.
    auto registered = rebooted_other();
    registered[0].seen_up_at = kOn + 30000;
    EXPECT_TRUE(suspect_crossed(registered, kCycled, kWindows, kJudged).pairs.empty());
}

TEST(Crossed, ANodeThatRegisteredAfterItsPowerOnIsNotCrossed) {
    auto woke = woke_other();
    woke[0].slurm =
        witness("n1", "IDLE", {}).slurm;  // n1 registered: n2's boot is a coincidence (a hand at its button)
    woke[0].slurm.boot_time = (kOn + 25000) / 1000;
    EXPECT_TRUE(suspect_crossed(woke, kSwitchedOn, kWindows, kJudged).pairs.empty());
}

// A tester's: an admin's `slumber power on` of n1, up and running jobs,
// booted sleeping n2's machine. n1 stayed up with the boot time it had
// before: it did not boot, so its being up ends nothing. The same for a
// power cycle of a running n1 that restarted running n2.
TEST(Crossed, ANodeThatStayedUpThroughItsOwnPowerOnDidNotBoot) {
    auto up = witness("n1", "MIXED", {});
    up.slurm.boot_time = (kOn - 3'600'000) / 1000;
    up.seen_up_boot_ms = kOn - 3'600'000;
    up.seen_up_at = kOn + 55000;
    auto woke = woke_other();
    woke[0] = up;
    const auto early = suspect_crossed(woke, kSwitchedOn, kWindows, kOn + 25000);
    EXPECT_TRUE(early.pairs.empty());
    EXPECT_EQ(early.pending(), (std::vector<std::string>{"n1", "n2"})) << "both held until it is decided";
    EXPECT_TRUE(effect_may_show(woke, kSwitchedOn, kWindows, kOn + 25000)) << "looked at closely meanwhile";
    const auto pairs = suspect_crossed(woke, kSwitchedOn, kWindows, kJudged).pairs;
    ASSERT_EQ(pairs.size(), 1U);
    EXPECT_EQ(pairs[0].pattern, CrossedPattern::woke_other);
    EXPECT_NE(pairs[0].evidence.find("n1 has not registered a boot of its own (it stayed up with the boot time it "
                                     "had before) in the 61 s since (Slurm shows it MIXED)"),
              std::string::npos)
        << pairs[0].evidence;

    auto restarted = rebooted_other();
    restarted[0] = up;
    const auto cycled = suspect_crossed(restarted, kCycled, kWindows, kJudged).pairs;
    ASSERT_EQ(cycled.size(), 1U);
    EXPECT_EQ(cycled[0].pattern, CrossedPattern::rebooted_other);
    // It rebooted after all, registering its new boot: a coincidence.
    restarted[0].slurm.boot_time = (kOn + 20000) / 1000;
    EXPECT_TRUE(suspect_crossed(restarted, kCycled, kWindows, kJudged).pairs.empty());
    // Seen up since with its new boot, asleep again now.
    restarted[0].slurm = witness("n1", "IDLE", {"POWERED_DOWN"}).slurm;
    restarted[0].seen_up_boot_ms = kOn + 20000;
    EXPECT_TRUE(suspect_crossed(restarted, kCycled, kWindows, kJudged).pairs.empty());
}

// A tester's: `slumber power cycle n1`, idle, which Slurm suspended 2 s
// later (slumber switched it off), and sleeping n2 woke by itself. n1's
// reboot was never seen (Slurm ignores a registration while it powers a node
// down). The power-off stopped whatever the cycle started at n1's address
// before n2 booted, so n2's boot is not the cycle's. A power-off after the
// boot, or a soft shutdown a machine in its firmware may not heed, leaves
// the pair.
TEST(Crossed, APowerOffOfTheSwitchedNodeBeforeTheBootEndsThePattern) {
    auto woke = woke_other();  // n2 booted 20 s after kOn
    woke[0] = witness("n1", "IDLE", {"POWERED_DOWN"});
    const std::vector<PowerChange> cycled{{"n1", power::Action::cycle, kOn}};
    ASSERT_EQ(suspect_crossed(woke, cycled, kWindows, kJudged).pairs.size(), 1U) << "the control";
    for (const auto& [action, at] : std::vector<std::pair<power::Action, TimeMs>>{{power::Action::off, kOn + 2000},
                                                                                  {power::Action::off, kOn + 17000}}) {
        auto changes = cycled;
        changes.push_back({"n1", action, at});
        const auto judged = suspect_crossed(woke, changes, kWindows, kJudged);
        EXPECT_TRUE(judged.pairs.empty()) << at - kOn;
        EXPECT_TRUE(judged.pending().empty()) << at - kOn;
        EXPECT_TRUE(suspect_crossed(woke, changes, kWindows, kOn + 25000).pending().empty()) << "nothing held";
    }
    for (const auto& [action, at] : std::vector<std::pair<power::Action, TimeMs>>{
             {power::Action::off, kOn + 19000}, {power::Action::off, kOn + 30000}, {power::Action::soft, kOn + 2000}}) {
        auto changes = cycled;
        changes.push_back({"n1", action, at});
        EXPECT_EQ(suspect_crossed(woke, changes, kWindows, kJudged).pairs.size(), 1U)
            << power::to_string(action) << " at " << at - kOn;
    }
}

// Seen on the virtual cluster: n1 registered after its power-on, ran a job
// and was suspended again before the pattern was judged. Its registration
// ends the pattern, whatever Slurm shows of it now.
TEST(Crossed, ASwitchedNodeThatRegisteredAndSleptAgainEndsThePattern) {
    auto woke = woke_other();
    woke[0].slurm = witness("n1", "IDLE", {"POWERED_DOWN"}).slurm;
    woke[0].seen_up_at = kOn + 10000;
    const auto judged = suspect_crossed(woke, kSwitchedOn, kWindows, kJudged);
    EXPECT_TRUE(judged.pairs.empty());
    EXPECT_TRUE(judged.pending().empty());
    // Registered before its power-on's event was journaled (a slow call):
    // the boot time it showed says so.
    woke[0].seen_up_at = kOn - 1000;
    woke[0].seen_up_boot_ms = kOn - 6000;
    EXPECT_TRUE(suspect_crossed(woke, kSwitchedOn, kWindows, kJudged).pairs.empty());
    // Last up before its sleep, long before the power-on: it never registered.
    woke[0].seen_up_at = kOn - 300000;
    woke[0].seen_up_boot_ms = kOn - 900000;
    EXPECT_EQ(suspect_crossed(woke, kSwitchedOn, kWindows, kJudged).pairs.size(), 1U);
}

// Seen on the virtual cluster: n2's own power-on (by the web API) left the
// watch's look-back before the power-on of n1 did, and n2's wake looked
// unasked. The look-back covers every wake still judged.
TEST(Crossed, AWakesOwnPowerOnIsReadBackHoweverLongAgo) {
    const auto woke = woke_other();  // n2 booted at kOn + 20 s
    const TimeMs boot = kOn + 20000;
    EXPECT_EQ(crossed_look_back(woke, kWindows, kJudged + 40000), boot - 2 * kWindows.after_on_ms - kLookSlackMs);
    auto on = kSwitchedOn;
    on.insert(on.begin(), {"n2", power::Action::on, boot - 2 * kWindows.after_on_ms + 1000});
    EXPECT_TRUE(suspect_crossed(woke, on, kWindows, kJudged + 40000).pairs.empty());
    // Past its last chance to be judged, a wake is settled: neither judged
    // nor read back for.
    const TimeMs settled = boot + kCallSlackMs + kWindows.after_on_ms + kLateLookMs + 1;
    EXPECT_TRUE(suspect_crossed(woke, kSwitchedOn, kWindows, settled).pairs.empty());
    EXPECT_EQ(crossed_look_back(woke, kWindows, settled), settled - kLookSlackMs);
}

// The power-off pattern, for the same two kinds: a silence is judged while
// it is new (its own power-off read back), and a switched-off node that was
// switched on again answers for that power-on, not for a crossed address.
TEST(Crossed, ASilenceIsJudgedWhileNewAndNotByALaterPowerOn) {
    const auto silenced = silenced_other();  // n2 up at kOn + 6 s, silent at kOn + 8 s
    EXPECT_EQ(crossed_look_back(silenced, kWindows, kOn + 10000), kOn + 6000 - kWindows.after_off_ms - kLookSlackMs);
    const TimeMs late = kOn + 8000 + kSilenceJudgedMs + 1;
    EXPECT_TRUE(crossed_probes(silenced, kSwitchedOff, kWindows, late).empty());
    EXPECT_TRUE(suspect_crossed(silenced, kSwitchedOff, kWindows, late).pairs.empty()) << "n1 answers later";
    auto again = kSwitchedOff;
    again.push_back({"n1", power::Action::on, kOn + 9000});  // Slurm woke n1 again
    EXPECT_TRUE(crossed_probes(silenced, again, kWindows, kOn + 12000).empty());
    EXPECT_TRUE(suspect_crossed(silenced, again, kWindows, kOn + 12000).pairs.empty());
    // Unless n1 was seen up since with the boot time it had before its
    // power-off: its machine never stopped, and n2's did.
    auto ran_on = silenced;
    ran_on[0].slurm = witness("n1", "IDLE", {}).slurm;
    ran_on[0].slurm.boot_time = (kOn - 3'600'000) / 1000;
    ran_on[0].seen_up_at = kOn + 11000;
    ran_on[0].slurmd_answers = true;
    EXPECT_EQ(crossed_probes(ran_on, again, kWindows, kOn + 12000), std::vector<std::string>{"n1"});
    EXPECT_EQ(suspect_crossed(ran_on, again, kWindows, kOn + 12000).pairs.size(), 1U);
    ran_on[0].slurm.boot_time = (kOn + 9000) / 1000;  // it booted for that power-on
    EXPECT_TRUE(suspect_crossed(ran_on, again, kWindows, kOn + 12000).pairs.empty());
    auto own = kSwitchedOff;
    own.push_back({"n2", power::Action::off, kOn + 12000});  // journaled after it went silent
    EXPECT_TRUE(suspect_crossed(silenced, own, kWindows, kOn + 14000).pairs.empty());
}

TEST(Crossed, ANodeThatWasNeverSeenAsleepOrUpIsNotJudged) {
    auto woke = woke_other();
    woke[1].woke_unasked.reset();  // the daemon started after it woke, or Slurm woke it
    EXPECT_TRUE(suspect_crossed(woke, kSwitchedOn, kWindows, kJudged).pairs.empty());
    auto silenced = silenced_other();
    silenced[1].silent_since.reset();
    EXPECT_TRUE(suspect_crossed(silenced, kSwitchedOff, kWindows, kOn + 10000).pairs.empty());
}

TEST(Crossed, MoreThanOnePowerOnCandidateWaits) {
    auto woke = woke_other();
    woke.push_back(witness("n3", "DOWN", {"POWERED_DOWN"}));
    auto on = kSwitchedOn;
    on.push_back({"n3", power::Action::on, kOn});
    EXPECT_TRUE(suspect_crossed(woke, on, kWindows, kJudged).pairs.empty()) << "n1 or n3: wait until one registers";
    // Within the windows, all three are open: no power change through any
    // of their addresses until it is decided.
    const auto early = suspect_crossed(woke, on, kWindows, kOn + 30000);
    EXPECT_TRUE(early.pairs.empty());
    EXPECT_EQ(early.pending(), (std::vector<std::string>{"n1", "n2", "n3"}));
    ASSERT_EQ(early.open.size(), 2U);
    EXPECT_EQ(early.open[0].decided_at, kOn + kWindows.after_on_ms);
    woke[2].slurm = witness("n3", "IDLE", {}).slurm;
    EXPECT_EQ(suspect_crossed(woke, on, kWindows, kOn + 30000).pending(), (std::vector<std::string>{"n1", "n2"}))
        << "n3 registered: only n1 may have woken n2";
    ASSERT_EQ(suspect_crossed(woke, on, kWindows, kJudged).pairs.size(), 1U) << "n3 registered: n1 is left";
}

// Seen by a tester: Slurm suspended idle n1, n3 and n4 in one SuspendProgram
// call; n3's BMC address was n2's, and n2, running a job, went silent. The
// check wanted a single power-off before the silence, tried no slurmd and
// judged nothing; Slurm's next suspend of n2 switched off n3's machine too.
// Every power-off's node is tried, and the one whose slurmd still answers
// is the culprit.
TEST(Crossed, InABatchOfPowerOffsTheNodeWhoseSlurmdStillAnswersIsTheOne) {
    auto nodes = silenced_other();
    nodes[0].slurmd_answers = false;  // n1: off, as asked
    auto n3 = witness("n3", "IDLE", {"POWERED_DOWN"});
    n3.slurmd_answers = true;  // its own machine runs: its BMC drives n2's
    auto n4 = witness("n4", "IDLE", {"POWERED_DOWN"});
    n4.slurmd_answers = false;
    nodes.push_back(n3);
    nodes.push_back(n4);
    const std::vector<PowerChange> batch{
        {"n1", power::Action::off, kOn}, {"n3", power::Action::off, kOn + 40}, {"n4", power::Action::off, kOn + 80}};
    EXPECT_EQ(crossed_probes(nodes, batch, kWindows, kOn + 10000), (std::vector<std::string>{"n1", "n3", "n4"}));
    const auto pairs = suspect_crossed(nodes, batch, kWindows, kOn + 10000).pairs;
    ASSERT_EQ(pairs.size(), 1U);
    EXPECT_EQ(pairs[0].asked, "n3");
    EXPECT_EQ(pairs[0].other, "n2");
    EXPECT_TRUE(pairs[0].asked_runs);
    EXPECT_NE(pairs[0].evidence.find("n3's slurmd still answers; of the other power-offs before the silence (n1, "
                                     "n4), none left a slurmd answering"),
              std::string::npos)
        << pairs[0].evidence;

    // Decided once every one of them was tried.
    nodes[3].slurmd_answers.reset();
    EXPECT_TRUE(suspect_crossed(nodes, batch, kWindows, kOn + 10000).pairs.empty());
    // Two whose slurmd answers: which one cannot be told.
    nodes[3].slurmd_answers = true;
    EXPECT_TRUE(suspect_crossed(nodes, batch, kWindows, kOn + 10000).pairs.empty());
    // None answers: off as asked, a coincidence.
    nodes[2].slurmd_answers = false;
    nodes[3].slurmd_answers = false;
    EXPECT_TRUE(suspect_crossed(nodes, batch, kWindows, kOn + 10000).pairs.empty());
    // None answers, and one was dark since long before its power-off
    // (recovery switching off a sleeping node whose BMC said on): that one.
    nodes[3].dark_since = kOn - 600000;
    const auto dark = suspect_crossed(nodes, batch, kWindows, kOn + 10000).pairs;
    ASSERT_EQ(dark.size(), 1U);
    EXPECT_EQ(dark[0].asked, "n4");
    EXPECT_FALSE(dark[0].asked_runs);
    // A node that answers outweighs one that was dark before.
    nodes[2].slurmd_answers = true;
    const auto both = suspect_crossed(nodes, batch, kWindows, kOn + 10000).pairs;
    ASSERT_EQ(both.size(), 1U);
    EXPECT_EQ(both[0].asked, "n3");
}

TEST(Crossed, OneSwitchedNodeSilencingTwoIsACoincidence) {
    auto silenced = silenced_other();
    auto third = silenced[1];
    third.slurm.name = "n3";
    silenced.push_back(third);  // a switch failing under both, say
    EXPECT_TRUE(suspect_crossed(silenced, kSwitchedOff, kWindows, kOn + 10000).pairs.empty());
}

TEST(Crossed, APairAlreadySuspectedIsNotJudgedAgain) {
    auto woke = woke_other();
    woke[0].suspected = true;
    EXPECT_TRUE(suspect_crossed(woke, kSwitchedOn, kWindows, kJudged).pairs.empty());
    auto silenced = silenced_other();
    silenced[1].suspected = true;
    EXPECT_TRUE(suspect_crossed(silenced, kSwitchedOff, kWindows, kOn + 10000).pairs.empty());
}

// What keeps the daemon's looks every 2 s for the watch: a power change
// whose effect on another node may still show (issue 21: a cluster of
// 10,000 nodes asleep was looked at every 2 s for minutes after Slurm's
// suspends, though no node could show anything).
TEST(Crossed, APowerOffIsWatchedWhileAnotherNodeSeenUpSinceMayGoSilent) {
    auto a = witness("n1", "IDLE", {"POWERED_DOWN"});
    auto b = witness("n2", "IDLE", {"POWERED_DOWN"});
    EXPECT_FALSE(effect_may_show({a, b}, kSwitchedOff, kWindows, kOn + 2000)) << "none seen up: none can go silent";
    a.seen_up_at = kOn + 2000;
    EXPECT_FALSE(effect_may_show({a, b}, kSwitchedOff, kWindows, kOn + 2000)) << "its own node seen up counts not";
    b.seen_up_at = kOn - 60000;
    EXPECT_FALSE(effect_may_show({a, b}, kSwitchedOff, kWindows, kOn + 2000)) << "asleep since long before the off";
    b = witness("n2", "MIXED", {});
    b.seen_up_at = kOn + 2000;
    EXPECT_TRUE(effect_may_show({a, b}, kSwitchedOff, kWindows, kOn + 2000)) << "n2 runs: it may go silent";
    EXPECT_TRUE(effect_may_show({a, b}, kSwitchedOff, kWindows, kOn + kWindows.after_off_ms + kLookSlackMs));
    EXPECT_FALSE(effect_may_show({a, b}, kSwitchedOff, kWindows, kOn + kWindows.after_off_ms + kLookSlackMs + 1))
        << "past its window";
}

TEST(Crossed, APowerOnIsWatchedUntilItsNodeRegistersOrHadResumeTimeout) {
    auto a = witness("n1", "IDLE", {"POWERED_DOWN", "POWERING_UP"});
    const auto b = witness("n2", "IDLE", {"POWERED_DOWN"});
    EXPECT_TRUE(effect_may_show({a, b}, kSwitchedOn, kWindows, kOn + 2000)) << "another machine may boot instead";
    EXPECT_TRUE(effect_may_show({a, b}, kSwitchedOn, kWindows, kOn + kWindows.after_on_ms + kLookSlackMs));
    EXPECT_FALSE(effect_may_show({a, b}, kSwitchedOn, kWindows, kOn + kWindows.after_on_ms + kLookSlackMs + 1));
    a = witness("n1", "IDLE", {});
    a.seen_up_at = kOn + 30000;
    EXPECT_FALSE(effect_may_show({a, b}, kSwitchedOn, kWindows, kOn + 30000)) << "it registered: the pattern ends";
    EXPECT_FALSE(effect_may_show({b}, kSwitchedOn, kWindows, kOn + 2000)) << "a node not managed is not judged";
}

TEST(Crossed, TheWindowsComeFromSlurmsTimeouts) {
    const CrossedWindows windows = crossed_windows(300, 60, 120);
    EXPECT_EQ(windows.after_on_ms, 300000);
    EXPECT_EQ(windows.after_off_ms, (60 + 120) * 1000 + kLookSlackMs);
}

}  // namespace
}  // namespace slumber::engine
