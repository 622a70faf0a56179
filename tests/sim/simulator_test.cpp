// The simulator on tiny traces whose schedules and energies are worked out
// by hand in the comments, then invariants on a real trace.
#include "sim/simulator.hpp"

#include <gtest/gtest.h>

#include "sim/swf.hpp"
#include "traces.hpp"

namespace slumber::sim {
namespace {

using Kind = engine::IdlePolicy::Kind;

Trace trace_of(std::vector<Job> jobs, int max_processors) {
    Trace trace;
    trace.source = "hand-made";
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        jobs[i].id = static_cast<std::int64_t>(i + 1);
        jobs[i].line = static_cast<int>(i + 1);
        if (jobs[i].requested == 0) jobs[i].requested = jobs[i].run;
    }
    trace.jobs = std::move(jobs);
    trace.max_processors = max_processors;
    return trace;
}

Job job(Seconds submit, Seconds run, int processors, Seconds requested = 0) {
    Job out;
    out.submit = submit;
    out.run = run;
    out.processors = processors;
    out.requested = requested;
    return out;
}

double joules(const Outcome& outcome, NodePower state) { return outcome.joules[static_cast<std::size_t>(state)]; }

TEST(Simulator, FirstComeFirstServedWithNothingSwitchedOff) {
    // Two nodes. A (1 node, 100 s) starts at 0; B needs both, so it waits for
    // A and runs 100-150. Node 0 is busy 0-150; node 1 idle 0-100, busy
    // 100-150: 200 s busy x 190.7 W + 100 s idle x 95 W = 38,140 + 9,500 J.
    auto outcome = simulate(trace_of({job(0, 100, 1), job(0, 50, 2)}, 2), {});
    ASSERT_TRUE(outcome) << outcome.error();
    EXPECT_EQ(outcome->jobs[0].start, 0);
    EXPECT_EQ(outcome->jobs[1].start, 100);
    EXPECT_EQ(outcome->end, 150);
    EXPECT_DOUBLE_EQ(joules(*outcome, NodePower::busy), 38'140);
    EXPECT_DOUBLE_EQ(joules(*outcome, NodePower::idle), 9'500);
    EXPECT_DOUBLE_EQ(outcome->total_joules(), 47'640);
}

TEST(Simulator, EasyBackfillRespectsTheReservation) {
    // Two nodes. A (1 node, 100 s) runs 0-100. B (both nodes) arrives at 1
    // and is reserved for 100, when A is planned to end. C (1 node, 50 s)
    // arrives at 2 and ends by 100: it backfills at once. D (1 node, 200 s)
    // arrives at 3 and would delay B: it waits, and runs after B (110-310).
    auto outcome = simulate(trace_of({job(0, 100, 1), job(1, 10, 2), job(2, 50, 1), job(3, 200, 1)}, 2), {});
    ASSERT_TRUE(outcome) << outcome.error();
    EXPECT_EQ(outcome->jobs[0].start, 0);
    EXPECT_EQ(outcome->jobs[1].start, 100);
    EXPECT_EQ(outcome->jobs[2].start, 2);
    EXPECT_EQ(outcome->jobs[3].start, 110);
    EXPECT_EQ(outcome->end, 310);
}

TEST(Simulator, ABackfillJobPlansWithItsRequestedTime) {
    // As above, but C asks for 150 s (and needs 50): planned past B's
    // reservation, it may not backfill, and runs with D after B.
    auto outcome = simulate(trace_of({job(0, 100, 1), job(1, 10, 2), job(2, 50, 1, 150)}, 2), {});
    ASSERT_TRUE(outcome) << outcome.error();
    EXPECT_EQ(outcome->jobs[2].start, 110);
}

TEST(Simulator, SuspendTimeSwitchesAnIdleNodeOffAndTheNextJobWakesIt) {
    // One node, SuspendTime 300 s, the default model (boot 152 s / 19,030 J,
    // shutdown 6 s / 620 J, off 9.75 W). A runs 0-100; idle 100-400; shut
    // down 400-406; off 406-1000; B arrives at 1000, the node boots
    // 1000-1152, B runs 1152-1252 (a wait of 152 s).
    // Energy: busy 200 s x 190.7 = 38,140; idle 300 s x 95 = 28,500;
    // shutdown 620; off 594 s x 9.75 = 5,791.5; boot 19,030. Sum 92,081.5 J.
    Settings settings;
    settings.policy = {Kind::after_idle, 300, 0};
    auto outcome = simulate(trace_of({job(0, 100, 1), job(1000, 100, 1)}, 1), settings);
    ASSERT_TRUE(outcome) << outcome.error();
    EXPECT_EQ(outcome->jobs[1].start, 1152);
    EXPECT_EQ(outcome->end, 1252);
    EXPECT_DOUBLE_EQ(joules(*outcome, NodePower::off), 5'791.5);
    EXPECT_DOUBLE_EQ(joules(*outcome, NodePower::booting), 19'030);
    EXPECT_NEAR(joules(*outcome, NodePower::shutting_down), 620, 1e-9);
    EXPECT_NEAR(outcome->total_joules(), 92'081.5, 1e-6);
    EXPECT_EQ(outcome->power_cycles, std::vector<int>{1});

    // Never switched off: busy 200 s, idle 900 s (100-1000), ends at 1100:
    // 38,140 + 85,500 = 123,640 J.
    auto baseline = simulate(trace_of({job(0, 100, 1), job(1000, 100, 1)}, 1), {});
    ASSERT_TRUE(baseline);
    EXPECT_DOUBLE_EQ(baseline->total_joules(), 123'640);
    EXPECT_EQ(baseline->power_cycles, std::vector<int>{0});
}

TEST(Simulator, AJobArrivingDuringShutdownWaitsForItThenTheBoot) {
    // Shutdown 400-406: B, arriving at 403, boots the node 406-558.
    Settings settings;
    settings.policy = {Kind::after_idle, 300, 0};
    auto outcome = simulate(trace_of({job(0, 100, 1), job(403, 100, 1)}, 1), settings);
    ASSERT_TRUE(outcome) << outcome.error();
    EXPECT_EQ(outcome->jobs[1].start, 558);
}

TEST(Simulator, TheHorizonAccountsForTheSameSpan) {
    // One job, 0-100, on one node; horizon 1000. Never off: idle 900 s.
    // SuspendTime 300: idle 300, shutdown 6, off 594 s.
    Settings settings;
    settings.horizon = 1000;
    auto baseline = simulate(trace_of({job(0, 100, 1)}, 1), settings);
    ASSERT_TRUE(baseline);
    EXPECT_EQ(baseline->end, 1000);
    EXPECT_DOUBLE_EQ(joules(*baseline, NodePower::idle), 900 * 95.0);
    settings.policy = {Kind::after_idle, 300, 0};
    auto saving = simulate(trace_of({job(0, 100, 1)}, 1), settings);
    ASSERT_TRUE(saving);
    EXPECT_DOUBLE_EQ(joules(*saving, NodePower::idle), 300 * 95.0);
    EXPECT_DOUBLE_EQ(joules(*saving, NodePower::off), 594 * 9.75);
}

TEST(Simulator, AJobLargerThanTheClusterIsRefused) {
    Settings settings;
    settings.nodes = 2;
    auto outcome = simulate(trace_of({job(0, 10, 3)}, 3), settings);
    ASSERT_FALSE(outcome);
    EXPECT_EQ(outcome.error(), "hand-made:1: job 1 needs 3 nodes; the cluster has 2");
    settings.cores_per_node = 2;
    settings.allocation = Allocation::processors;
    outcome = simulate(trace_of({job(0, 10, 5)}, 3), settings);
    ASSERT_FALSE(outcome);
    EXPECT_EQ(outcome.error(), "hand-made:1: job 1 needs 5 processors; the cluster has 4");
}

TEST(Simulator, JobsSharingNodesArePackedSoThatTheOthersSleep) {
    // Two nodes of 4 cores; SuspendTime 300 s. A (2 processors, 1000 s) at 0
    // and B (2 processors, 1000 s) at 10 share node 0, which is busy 0-1010:
    // 1010 x 190.7 = 192,607 J. Node 1 idles 0-300 (28,500 J), shuts down
    // 300-306 (620 J) and is off 306-1010 (704 x 9.75 = 6,864 J).
    Settings settings;
    settings.nodes = 2;
    settings.cores_per_node = 4;
    settings.allocation = Allocation::processors;
    settings.policy = {Kind::after_idle, 300, 0};
    settings.sample_every = 100;
    const Trace trace = trace_of({job(0, 1000, 2), job(10, 1000, 2)}, 8);
    auto outcome = simulate(trace, settings);
    ASSERT_TRUE(outcome) << outcome.error();
    EXPECT_EQ(outcome->jobs[1].start, 10);
    EXPECT_EQ(outcome->jobs[1].nodes, 1);
    EXPECT_EQ(outcome->end, 1010);
    EXPECT_DOUBLE_EQ(joules(*outcome, NodePower::busy), 192'607);
    EXPECT_DOUBLE_EQ(joules(*outcome, NodePower::idle), 28'500);
    EXPECT_DOUBLE_EQ(joules(*outcome, NodePower::off), 6'864);
    EXPECT_DOUBLE_EQ(outcome->total_joules(), 228'591);

    // The time series, a sample every 100 s from 0 to 1000: at 300 node 1
    // is shutting down, from 400 off. At 1000 the energy is the total less
    // the last 10 s (busy 1,907 J + off 97.5 J).
    ASSERT_EQ(outcome->series.size(), 11U);
    EXPECT_EQ(outcome->series[2].powered_on(), 2);
    EXPECT_EQ(outcome->series[3].nodes[static_cast<std::size_t>(NodePower::shutting_down)], 1);
    EXPECT_EQ(outcome->series[4].powered_on(), 1);
    EXPECT_DOUBLE_EQ(outcome->series[4].watts, 190.7 + 9.75);
    EXPECT_DOUBLE_EQ(outcome->series[10].joules, 228'591 - 1'907 - 97.5);

    // Whole nodes of 4 cores: B takes node 1 to itself.
    settings.allocation = Allocation::whole_nodes;
    auto whole = simulate(trace, settings);
    ASSERT_TRUE(whole);
    EXPECT_EQ(whole->jobs[1].cores, 4);
    EXPECT_DOUBLE_EQ(joules(*whole, NodePower::busy), 2'000 * 190.7);
}

TEST(Simulator, AJobSpanningNodesWaitsForTheOnesThatBoot) {
    // Two nodes of 4 cores, node 1 off after 300 s idle (off from 306). A
    // (2 processors, 1000 s) runs on node 0 from 0. B (6 processors) at 500
    // takes node 0's 2 free cores and node 1's 4: node 1 boots 500-652, and
    // B starts at 652.
    Settings settings;
    settings.nodes = 2;
    settings.cores_per_node = 4;
    settings.allocation = Allocation::processors;
    settings.policy = {Kind::after_idle, 300, 0};
    auto outcome = simulate(trace_of({job(0, 1000, 2), job(500, 100, 6)}, 8), settings);
    ASSERT_TRUE(outcome) << outcome.error();
    EXPECT_EQ(outcome->jobs[1].start, 652);
    EXPECT_EQ(outcome->jobs[1].boot_wait, 152);
    EXPECT_EQ(outcome->jobs[0].boot_wait, 0);
    EXPECT_EQ(outcome->jobs[1].nodes, 2);
    EXPECT_EQ(outcome->power_cycles[1], 1);
}

TEST(Simulator, TheDaemonsPacingHoldsBootsBack) {
    // Three nodes, off from 116 (idle at 10, SuspendTime 100 s, shutdown
    // 6 s). A three-node job at 1000 wakes them all.
    Settings settings;
    settings.policy = {Kind::after_idle, 100, 0};
    const Trace trace = trace_of({job(0, 10, 3), job(1000, 10, 3)}, 3);

    // One boot at a time: 1000-1152, 1152-1304, 1304-1456.
    settings.pacing = {.max_booting = 1, .boots_per_minute = 0};
    auto serial = simulate(trace, settings);
    ASSERT_TRUE(serial) << serial.error();
    EXPECT_EQ(serial->jobs[1].start, 1456);
    EXPECT_EQ(serial->jobs[1].boot_wait, 456);
    // Waiting its turn, a node is off: 3 x 152 s booting in all.
    EXPECT_DOUBLE_EQ(joules(*serial, NodePower::booting), 3 * 19'030);

    // Two a minute: two at 1000, the third at 1060, up at 1212.
    settings.pacing = {.max_booting = 0, .boots_per_minute = 2};
    auto per_minute = simulate(trace, settings);
    ASSERT_TRUE(per_minute);
    EXPECT_EQ(per_minute->jobs[1].start, 1212);

    // Both limits: one at a time still decides (the minute's count is
    // empty again by 1060, while the first node still boots).
    settings.pacing = {.max_booting = 1, .boots_per_minute = 1};
    auto both = simulate(trace, settings);
    ASSERT_TRUE(both);
    EXPECT_EQ(both->jobs[1].start, 1456);

    // No limit: all three at 1000, the job at 1152.
    settings.pacing = {};
    auto free = simulate(trace, settings);
    ASSERT_TRUE(free);
    EXPECT_EQ(free->jobs[1].start, 1152);
    EXPECT_EQ(free->power_cycles, (std::vector<int>{1, 1, 1}));
}

TEST(Simulator, TheBreakEvenOfThePublishedModelIsAboutThreeAndAHalfMinutes) {
    // (19,030 + 620 - 9.75 x 158) / (95 - 9.75) = 212.4 s.
    EXPECT_NEAR(PowerModel{}.break_even_seconds(), 212.4, 0.1);
}

// Invariants on a real trace: every job starts after its submission and runs
// its run time; no node holds two jobs (the busy node-seconds are exactly
// the jobs' node-seconds); energy is power times time per state; the same
// input gives the same output.
TEST(SimulatorOnARealTrace, Invariants) {
    const auto file = testing::trace("HPC2N-2002-alea-subset-3170jobs.swf");
    if (!std::filesystem::exists(file)) GTEST_SKIP() << file << " is not here";
    auto trace = read_swf(file, BadLines::refuse);
    ASSERT_TRUE(trace);
    Settings settings;
    settings.cores_per_node = 2;  // Seth: 120 dual-processor nodes
    settings.policy = {Kind::after_idle, 600, 0};
    auto outcome = simulate(*trace, settings);
    ASSERT_TRUE(outcome) << outcome.error();
    EXPECT_EQ(outcome->nodes, 120);
    double job_node_seconds = 0;
    for (const JobOutcome& job : outcome->jobs) {
        ASSERT_GE(job.start, job.submit);
        job_node_seconds += static_cast<double>(job.run) * job.nodes;
    }
    EXPECT_DOUBLE_EQ(outcome->node_seconds[static_cast<std::size_t>(NodePower::busy)], job_node_seconds);
    double node_seconds = 0;
    for (std::size_t state = 0; state < kNodePowers; ++state) {
        node_seconds += outcome->node_seconds[state];
        EXPECT_NEAR(outcome->joules[state],
                    outcome->node_seconds[state] * settings.model.watts(static_cast<NodePower>(state)), 1e-3);
    }
    EXPECT_DOUBLE_EQ(node_seconds, 120.0 * static_cast<double>(outcome->end - outcome->begin));
    auto again = simulate(*trace, settings);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->total_joules(), outcome->total_joules()) << "bit for bit";
    EXPECT_EQ(again->events, outcome->events);
}

// The same with jobs sharing nodes core by core and boots paced: never more
// processors in use than the cluster has, nodes busy no longer than the
// jobs' processor time, and a time series that adds up.
TEST(SimulatorOnARealTrace, InvariantsWhenJobsShareNodes) {
    const auto file = testing::trace("HPC2N-2002-alea-subset-3170jobs.swf");
    if (!std::filesystem::exists(file)) GTEST_SKIP() << file << " is not here";
    auto trace = read_swf(file, BadLines::refuse);
    ASSERT_TRUE(trace);
    Settings settings;
    settings.cores_per_node = 2;
    settings.allocation = Allocation::processors;
    settings.policy = {Kind::after_idle, 600, 0};
    settings.pacing = {.max_booting = 8, .boots_per_minute = 20};
    settings.sample_every = 3600;
    auto outcome = simulate(*trace, settings);
    ASSERT_TRUE(outcome) << outcome.error();
    std::vector<std::pair<Seconds, int>> changes;  // (time, cores taken or given back)
    double core_seconds = 0;
    for (const JobOutcome& job : outcome->jobs) {
        ASSERT_GE(job.start, job.submit);
        changes.emplace_back(job.start, job.cores);
        changes.emplace_back(job.start + job.run, -job.cores);
        core_seconds += static_cast<double>(job.run) * job.cores;
    }
    std::sort(changes.begin(), changes.end());  // ends (negative) before starts at the same second
    int in_use = 0;
    for (const auto& [time, cores] : changes) {
        in_use += cores;
        ASSERT_LE(in_use, 240) << "at " << time;
    }
    const double busy = outcome->node_seconds[static_cast<std::size_t>(NodePower::busy)];
    EXPECT_LE(busy, core_seconds);
    EXPECT_GE(busy, core_seconds / 2);
    ASSERT_FALSE(outcome->series.empty());
    double before = 0;
    for (const Sample& sample : outcome->series) {
        ASSERT_EQ(sample.powered_on() + sample.nodes[static_cast<std::size_t>(NodePower::off)], 120);
        ASSERT_GE(sample.joules, before);
        before = sample.joules;
    }
    EXPECT_LE(before, outcome->total_joules());
    EXPECT_GE(before, outcome->total_joules() - 3600 * 120 * 190.7);
}

}  // namespace
}  // namespace slumber::sim
