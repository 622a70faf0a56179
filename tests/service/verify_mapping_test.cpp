// --verify-mapping's steps against a Slurm that answers as Slurm 22.05.8
// did in the virtual cluster (crossed_mapping_test runs the real one): what
// it asks Slurm, in which order, and what it reports. Slurm here is a
// script: POWER_UP of a node starts its machine, or the machine of the node
// its BMC is crossed with, which Slurm then shows DOWN with a new boot time.
#include "service/verify_mapping.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <functional>
#include <map>
#include <ranges>

#include "../support/temp_dir.hpp"
#include "operate/clock.hpp"

namespace slumber::service {
namespace {

namespace fs = std::filesystem;

std::int64_t now_s() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

class ScriptedSlurm final : public slurm::SlurmView {
  public:
    explicit ScriptedSlurm(std::vector<std::string> names) {
        for (const std::string& name : names) {
            slurm::NodeState node;
            node.name = name;
            node.base = "IDLE";
            node.flags = {"POWERED_DOWN"};
            node.boot_time = 1000;
            m_nodes[name] = node;
        }
    }
    std::map<std::string, std::string> crossed;  ///< the node whose BMC starts another's machine -> that node
    bool silent = false;                         ///< POWER_UP starts no machine that registers
    bool job_on_start = false;                   ///< Slurm gives the machine that registers a job at once
    bool refuse_up = false;                      ///< POWER_UP fails, as scontrol does for a node it will not wake
    /// A power-down leaves the node DOWN, "Not responding" (`down~`), as a
    /// tester's interrupted check left one under Slurm 22.05.
    bool down_after_power_down = false;
    mutable std::vector<std::string> calls;
    mutable std::map<std::string, slurm::NodeState> m_nodes;
    std::vector<slurm::Reservation> m_reservations;
    std::string reservations_error;  ///< reservations() fails with it

    /// Called at each look at the nodes, before they are shown.
    std::function<void()> on_look;

    [[nodiscard]] std::expected<std::vector<slurm::NodeState>, std::string> nodes() const override {
        if (on_look) on_look();
        std::vector<slurm::NodeState> out;
        for (const auto& [name, node] : m_nodes) out.push_back(node);
        return out;
    }
    [[nodiscard]] std::expected<std::vector<slurm::Reservation>, std::string> reservations() const override {
        if (!reservations_error.empty()) return std::unexpected(reservations_error);
        return m_reservations;
    }
    [[nodiscard]] std::expected<void, std::string> update(const std::string& hostlist, const std::string& state,
                                                          const std::string& reason) const override {
        calls.push_back(fmt::format("{} {} {}", state, hostlist, reason));
        if (state == "DRAIN") {
            for (const auto& name : std::views::split(hostlist, ',')) {
                slurm::NodeState& node = m_nodes[std::string(name.begin(), name.end())];
                if (!node.has("DRAIN")) node.flags.push_back("DRAIN");
                node.reason = reason;
            }
        }
        if (state == "RESUME" && m_nodes.contains(hostlist) && m_nodes[hostlist].base == "DOWN") {
            m_nodes[hostlist].base = "IDLE";  // RESUME keeps POWERED_DOWN: idle~
            m_nodes[hostlist].reason.clear();
        }
        return {};
    }
    [[nodiscard]] std::expected<void, std::string> call(const slurm::ScontrolCall& arguments) const override {
        // update NodeName=N State=S, as power_call() words it for 22.05
        const std::string node = arguments.at(1).substr(9);
        const std::string state = arguments.at(2).substr(6);
        calls.push_back(state + " " + node);
        if (state == "POWER_UP" && refuse_up) return std::unexpected("Invalid node state specified");
        if (state == "POWER_UP") {
            m_nodes[node].flags = {"POWERING_UP"};
            if (silent) return {};
            const auto other = crossed.find(node);
            slurm::NodeState& started = m_nodes[other == crossed.end() ? node : other->second];
            started.boot_time = now_s();
            if (other != crossed.end()) {
                started.base = "DOWN";  // "Node unexpectedly rebooted"
                started.flags = {};
            } else {
                started.flags = {};
            }
            if (job_on_start) started.cpus_allocated = 4;
        } else {
            // Slurm 22.05 keeps a drain through POWER_DOWN and clears it as
            // a POWER_DOWN_FORCE begins (seen on the virtual cluster).
            const bool drained = m_nodes[node].has("DRAIN") && state == "POWER_DOWN";
            m_nodes[node].flags = {"POWERED_DOWN"};
            if (drained) m_nodes[node].flags.push_back("DRAIN");
            if (down_after_power_down) {
                m_nodes[node].base = "DOWN";
                m_nodes[node].reason = "Not responding";
            }
        }
        return {};
    }
    [[nodiscard]] std::expected<slurm::Version, std::string> version() const override {
        return slurm::Version{22, 5, 8};
    }
    [[nodiscard]] std::expected<slurm::PowerSaveRules, std::string> power_save_rules() const override {
        return slurm::PowerSaveRules{};
    }
};

class VerifyMapping : public ::testing::Test {
  protected:
    void SetUp() override {
        // ResumeTimeout and SuspendTimeout of 1 s: a node that never
        // registers is given up on at once.
        std::ofstream(dir.path() / "slurm.conf") << "ResumeTimeout=1\nSuspendTimeout=1\n";
        const std::string text = fmt::format(
            "[daemon]\nstate_dir = \"{0}/state\"\n[slurm]\nconf = \"{0}/slurm.conf\"\nexclude = \"n9\"\n"
            "[[node]]\nnames = \"n[1-3],n9\"\ndriver = \"exec\"\non = \"true\"\noff = \"true\"\nstatus = \"echo on\"\n",
            dir.path().string());
        auto loaded = config::load_text(text, dir.path() / "slumber.toml");
        ASSERT_TRUE(loaded) << config::format(loaded.error().front());
        config = std::move(*loaded);
        auto opened = store::Journal::open(dir.path() / "state" / "journal.db");
        ASSERT_TRUE(opened) << opened.error();
        journal.emplace(std::move(*opened));
    }
    // The BMCs say off unless `bmc` says otherwise; with real_bmc, each is
    // read through its driver (the exec status command: "echo on").
    DoctorReport run(const ScriptedSlurm& slurm, std::vector<std::string> nodes, bool real_bmc = false) {
        DoctorReport report;
        VerifyMappingOptions options{.nodes = std::move(nodes)};
        options.poll = std::chrono::milliseconds{5};
        options.progress = [this](const std::string& line) { progress += line + "\n"; };
        if (!real_bmc) {
            options.bmc_power = [this](const std::string& node) {
                const auto it = bmc.find(node);
                return it == bmc.end() ? operate::PowerReading(power::PowerState::off) : it->second;
            };
        }
        options.stop_signal = stop;
        verify_mapping_with(config, slurm, *journal, options, report);
        return report;
    }
    std::vector<std::string> journaled() const {
        std::vector<std::string> out;
        auto events = journal->events({}, 0);
        if (!events) return out;
        for (const store::Event& event : *events) {
            if (event.kind == store::EventKind::mapping_check) out.push_back(event.node + ": " + event.detail);
        }
        return out;
    }
    static std::vector<std::string> found(const DoctorReport& report, Check check) {
        std::vector<std::string> out;
        for (const Finding& finding : report.findings) {
            if (finding.check == check) out.push_back(fmt::format("{}", fmt::join(finding.nodes, ",")));
        }
        return out;
    }

    std::map<std::string, operate::PowerReading> bmc;
    std::function<int()> stop;
    testing::TempDir dir{"verify-mapping"};
    config::Config config;
    std::optional<store::Journal> journal;
    std::string progress;
};

TEST_F(VerifyMapping, ACrossedPairIsNamedPutBackAndDrainedAndACleanNodeVerified) {
    ScriptedSlurm slurm({"n1", "n2", "n3"});
    slurm.crossed = {{"n2", "n3"}, {"n3", "n2"}};
    // What blocks the pair while Slurm powers it down (a tester's `slumber
    // power on n2` went through then): power-ons and cycles, not the
    // power-offs the check asked for.
    std::vector<std::string> while_down;
    slurm.on_look = [&] {
        if (!while_down.empty() || slurm.calls.empty() || slurm.calls.back() != "POWER_DOWN_FORCE n2") return;
        for (const store::Block& block : journal->blocks().value_or(std::vector<store::Block>{})) {
            while_down.push_back(
                fmt::format("{} {}", block.target, block.action ? power::to_string(*block.action) : "all"));
        }
    };
    const DoctorReport report = run(slurm, {"n1", "n2", "n3"});
    std::ranges::sort(while_down);
    EXPECT_EQ(while_down, (std::vector<std::string>{"n2 cycle", "n2 on", "n3 cycle", "n3 on"}));
    EXPECT_EQ(report.verified, std::vector<std::string>{"n1"});
    EXPECT_EQ(found(report, Check::mapping_crossed), std::vector<std::string>{"n2,n3"});
    EXPECT_EQ(found(report, Check::mapping_skipped), std::vector<std::string>{"n3"});  // the pair is known
    EXPECT_TRUE(found(report, Check::mapping_not_restored).empty());
    // Both drained at once, the pair in the reason (no job wakes either
    // meanwhile); then the node that registered unasked powered down, and
    // the checked one's pending power-up ended, its crossed BMC switching
    // the other machine off.
    EXPECT_EQ(slurm.calls, (std::vector<std::string>{"POWER_UP n1", "POWER_DOWN n1", "POWER_UP n2",
                                                     "DRAIN n2,n3 slumber: BMC addresses of n2 and n3 look crossed: "
                                                     "n2's BMC started n3; swap them, then slumber unblock n2,n3",
                                                     "POWER_DOWN n3", "POWER_DOWN_FORCE n2",
                                                     // Its forced power-down cleared the drain.
                                                     "DRAIN n2 slumber: BMC addresses of n2 and n3 look crossed: "
                                                     "n2's BMC started n3; swap them, then slumber unblock n2,n3"}));
    EXPECT_NE(progress.find("n2: n2's BMC started n3: crossed addresses?"), std::string::npos) << progress;
    // The way back is `slumber unblock`, not Slurm's resume: the check
    // blocked both (a tester's `scontrol update state=resume` had the daemon
    // drain them again 8 s later).
    const auto crossed = std::ranges::find(report.findings, Check::mapping_crossed, &Finding::check);
    ASSERT_NE(crossed, report.findings.end());
    EXPECT_NE(crossed->fix.find("systemctl reload slumberd"), std::string::npos) << crossed->fix;
    EXPECT_NE(crossed->fix.find("then `slumber unblock n2,n3`, which lifts the block"), std::string::npos)
        << crossed->fix;
    EXPECT_EQ(crossed->fix.find("scontrol update nodename="), std::string::npos) << crossed->fix;
    const auto blocks = journal->blocks();
    ASSERT_TRUE(blocks);
    ASSERT_EQ(blocks->size(), 2U) << "both blocked: only slumber unblock lifts them";
    EXPECT_EQ((*blocks)[0].action, std::nullopt) << "every action, once powered down";
    auto events = journal->events({}, 0);
    ASSERT_TRUE(events);
    const auto checks = std::count_if(events->begin(), events->end(), [](const store::Event& event) {
        return event.kind == store::EventKind::mapping_check;
    });
    EXPECT_GE(checks, 6);  // each call of Slurm's, what registered, the drains
}

// The machine that registered got a job: switching off through the crossed
// BMC would kill it. Nothing is powered down; both are drained.
TEST_F(VerifyMapping, APairWhoseOtherNodeGotAJobIsLeftOnAndDrained) {
    ScriptedSlurm slurm({"n1", "n2", "n3"});
    slurm.crossed = {{"n2", "n3"}};
    slurm.job_on_start = true;
    const DoctorReport report = run(slurm, {"n2"});
    EXPECT_EQ(found(report, Check::mapping_crossed), std::vector<std::string>{"n2,n3"});
    EXPECT_EQ(found(report, Check::mapping_not_restored), std::vector<std::string>{"n2,n3"});
    EXPECT_EQ(slurm.calls,
              (std::vector<std::string>{
                  "POWER_UP n2",
                  "DRAIN n2,n3 slumber: BMC addresses of n2 and n3 look crossed: n2's BMC started n3; swap them, then "
                  "slumber unblock n2,n3"}));
}

// Another node powered up while n1 was checked: a crossed address of its
// could have started n1's machine (a tester's crossed n1 was verified so,
// then powered down through its BMC, which killed the other node's job).
// Nothing is verified and nothing switched.
TEST_F(VerifyMapping, AnotherNodePoweredUpDuringTheCheckMakesItUnclear) {
    ScriptedSlurm slurm({"n1", "n2", "n3"});
    slurm.on_look = [&slurm] {
        if (!slurm.calls.empty() && slurm.calls.back() == "POWER_UP n1") slurm.m_nodes["n3"].flags = {"POWERING_UP"};
    };
    const DoctorReport report = run(slurm, {"n1"});
    EXPECT_TRUE(report.verified->empty());
    EXPECT_EQ(found(report, Check::mapping_unclear), std::vector<std::string>{"n1"});
    EXPECT_EQ(slurm.calls, std::vector<std::string>{"POWER_UP n1"}) << "no power-down through an unproven BMC";
    const auto unclear = std::ranges::find(report.findings, Check::mapping_unclear, &Finding::check);
    ASSERT_NE(unclear, report.findings.end());
    EXPECT_NE(unclear->what.find("but Slurm powered up n3 meanwhile"), std::string::npos) << unclear->what;
    EXPECT_NE(unclear->fix.find("`slumber doctor n1,n3` with [doctor] node_uuid_command"), std::string::npos)
        << unclear->fix;
}

// A sleeper nobody asked for registers instead of n1 while n3 powers up:
// a BMC not its own started it, n1's or n3's. n1's power-up, left to
// Slurm, would end at ResumeTimeout in a recovery that switches off through
// n1's BMC (a tester's was left so): the pair is drained and blocked,
// nothing switched.
TEST_F(VerifyMapping, AnotherSleeperRegisteringWhileANodePowersUpElsewhereBlocksThePair) {
    ScriptedSlurm slurm({"n1", "n2", "n3"});
    slurm.crossed = {{"n1", "n2"}};
    slurm.on_look = [&slurm] {
        if (!slurm.calls.empty() && slurm.calls.back() == "POWER_UP n1") slurm.m_nodes["n3"].flags = {"POWERING_UP"};
    };
    const DoctorReport report = run(slurm, {"n1"});
    EXPECT_TRUE(report.verified->empty());
    EXPECT_EQ(found(report, Check::mapping_unclear), std::vector<std::string>{"n1,n2"});
    EXPECT_EQ(slurm.calls, (std::vector<std::string>{
                               "POWER_UP n1",
                               "DRAIN n1,n2 slumber: BMC addresses of n1 and n2 look crossed: n2 registered unasked "
                               "while n1 was powered up (and n3: whose BMC started it is unclear); check which machine "
                               "each BMC address drives, then slumber unblock n1,n2"}))
        << "no power-down through an unproven BMC";
    const auto blocks = journal->blocks();
    ASSERT_TRUE(blocks);
    EXPECT_EQ(blocks->size(), 2U) << "both blocked: the daemon's recovery of n1 switches nothing";
    const auto unclear = std::ranges::find(report.findings, Check::mapping_unclear, &Finding::check);
    ASSERT_NE(unclear, report.findings.end());
    EXPECT_NE(unclear->fix.find("then `slumber unblock n1,n2`"), std::string::npos) << unclear->fix;
}

// A node powering up when the check of another begins: the check waits
// until Slurm is done with it, then goes on.
TEST_F(VerifyMapping, ItWaitsUntilNoOtherNodePowersUp) {
    ScriptedSlurm slurm({"n1", "n2"});
    slurm.m_nodes["n2"].flags = {"POWERING_UP"};
    int looks = 0;
    slurm.on_look = [&slurm, &looks] {
        if (++looks == 4) slurm.m_nodes["n2"].flags = {};
    };
    const DoctorReport report = run(slurm, {"n1"});
    EXPECT_EQ(report.verified, std::vector<std::string>{"n1"});
    EXPECT_EQ(slurm.calls, (std::vector<std::string>{"POWER_UP n1", "POWER_DOWN n1"}));
    EXPECT_NE(progress.find("n1: waiting until Slurm has powered n2 up or down, before checking it"), std::string::npos)
        << progress;
}

// One that stays so: the node is not checked.
TEST_F(VerifyMapping, ANodePoweringUpForLongLeavesTheCheckUndone) {
    ScriptedSlurm slurm({"n1", "n2"});
    slurm.m_nodes["n2"].flags = {"POWERING_UP"};
    const DoctorReport report = run(slurm, {"n1"});
    EXPECT_TRUE(report.verified->empty());
    EXPECT_TRUE(slurm.calls.empty());
    EXPECT_EQ(found(report, Check::mapping_skipped), std::vector<std::string>{"n1"});
    EXPECT_NE(report.findings.front().what.find("Slurm kept powering n2 up or down for 2 s"), std::string::npos)
        << report.findings.front().what;
}

// A node in a reservation is never powered up: Slurm 22.05 shows none in
// the node's state, and a tester's reserved node was checked. One that
// begins only after the check could be over is no reason to skip.
TEST_F(VerifyMapping, ANodeInAReservationIsSkipped) {
    ScriptedSlurm slurm({"n1", "n2", "n3"});
    const std::int64_t now = now_s();
    slurm.m_reservations = {{"t1", {"n1"}, now - 60, now + 1800, true},
                            {"soon", {"n2"}, now + 10, now + 1800, false},
                            {"tomorrow", {"n3"}, now + 86400, now + 90000, false}};
    const DoctorReport report = run(slurm, {"n1", "n2", "n3"});
    EXPECT_EQ(slurm.calls, (std::vector<std::string>{"POWER_UP n3", "POWER_DOWN n3"}));
    EXPECT_EQ(found(report, Check::mapping_skipped), (std::vector<std::string>{"n1", "n2"}));
    EXPECT_NE(progress.find("n1: not checked: in reservation t1, active"), std::string::npos) << progress;
    EXPECT_NE(progress.find("n2: not checked: in reservation soon, which begins in"), std::string::npos) << progress;
    EXPECT_EQ(report.verified, std::vector<std::string>{"n3"});
}

// Reservations that cannot be read hold every node: none is powered up blind.
TEST_F(VerifyMapping, UnreadableReservationsCheckNoNode) {
    ScriptedSlurm slurm({"n1"});
    slurm.reservations_error = "scontrol show reservation: timed out";
    const DoctorReport report = run(slurm, {"n1"});
    EXPECT_TRUE(slurm.calls.empty());
    EXPECT_NE(
        progress.find("n1: not checked: Slurm's reservations cannot be read: scontrol show reservation: timed out"),
        std::string::npos)
        << progress;
}

// A `down~` or drained node never becomes idle~ by itself: the fix says how
// it does.
TEST_F(VerifyMapping, ADownOrDrainedNodeIsToldHowToBeChecked) {
    ScriptedSlurm slurm({"n1", "n2"});
    slurm.m_nodes["n1"].base = "DOWN";
    slurm.m_nodes["n2"].flags = {"DRAIN", "POWERED_DOWN"};
    const DoctorReport report = run(slurm, {"n1", "n2"});
    ASSERT_EQ(found(report, Check::mapping_skipped), (std::vector<std::string>{"n1", "n2"}));
    EXPECT_NE(report.findings[0].fix.find("`scontrol update nodename=n1 state=resume` returns it to idle~"),
              std::string::npos)
        << report.findings[0].fix;
    EXPECT_NE(report.findings[1].fix.find("once what it was drained for is dealt with, `scontrol update nodename=n2 "
                                          "state=resume` returns it to idle~"),
              std::string::npos)
        << report.findings[1].fix;
}

// Interrupted while it waits: it says so, not that Slurm was slow (a
// tester's SIGINT 3 s into the wait read "for 90 s").
TEST_F(VerifyMapping, AnInterruptedWaitForAnotherNodeSaysItWasInterrupted) {
    ScriptedSlurm slurm({"n1", "n2"});
    slurm.m_nodes["n2"].flags = {"POWERING_DOWN"};
    int looks = 0;
    stop = [&looks] { return ++looks > 2 ? SIGTERM : 0; };
    const DoctorReport report = run(slurm, {"n1"});
    EXPECT_TRUE(slurm.calls.empty());
    ASSERT_EQ(found(report, Check::mapping_skipped), std::vector<std::string>{"n1"});
    EXPECT_NE(report.findings.front().what.find(
                  "the check was interrupted (SIGTERM) while it waited for Slurm to power n2 up or down"),
              std::string::npos)
        << report.findings.front().what;
    EXPECT_EQ(report.findings.front().what.find("kept powering"), std::string::npos) << report.findings.front().what;
}

// A node that got a job once it registered is left on for Slurm to suspend.
TEST_F(VerifyMapping, AVerifiedNodeWithAJobIsLeftOn) {
    ScriptedSlurm slurm({"n1", "n2"});
    slurm.job_on_start = true;
    const DoctorReport report = run(slurm, {"n1"});
    EXPECT_EQ(report.verified, std::vector<std::string>{"n1"});
    EXPECT_EQ(slurm.calls, std::vector<std::string>{"POWER_UP n1"});
    EXPECT_TRUE(report.findings.empty());
}

// Nothing registers within ResumeTimeout: the power-up is ended at once
// (POWER_DOWN_FORCE) rather than left to end `down~`.
TEST_F(VerifyMapping, ANodeThatDoesNotRegisterIsPoweredDownAgain) {
    ScriptedSlurm slurm({"n1", "n2"});
    slurm.silent = true;
    const DoctorReport report = run(slurm, {"n1"});
    EXPECT_EQ(found(report, Check::mapping_silent), std::vector<std::string>{"n1"});
    EXPECT_TRUE(report.verified->empty());
    EXPECT_EQ(slurm.calls, (std::vector<std::string>{"POWER_UP n1", "POWER_DOWN_FORCE n1"}));
}

// A busy slurmctld runs ResumeProgram seconds after `scontrol power up`
// (11 s in a 24.11 run), and counts ResumeTimeout from there: the check
// gave a node up 19 s into its boot. Here ResumeTimeout is 1 s, Slurm's
// ResumeProgram runs 0.8 s after the power-up and the node registers 1.5 s
// after it: verified.
TEST_F(VerifyMapping, TheWaitForANodeCountsResumeTimeoutFromSlurmsResumeProgram) {
    ScriptedSlurm slurm({"n1", "n2"});
    slurm.silent = true;
    const auto start = std::chrono::steady_clock::now();
    bool resumed = false;
    slurm.on_look = [&] {
        const auto elapsed = std::chrono::steady_clock::now() - start;
        if (!resumed && elapsed >= std::chrono::milliseconds(800) && !slurm.calls.empty()) {
            resumed = true;
            const std::vector<std::string> n1{"n1"};
            ASSERT_TRUE(journal->add_requests(n1, power::Action::on, store::RequestSource::slurm_resume,
                                              operate::wall_clock_ms()));
        }
        if (elapsed >= std::chrono::milliseconds(1500) && slurm.m_nodes["n1"].has("POWERING_UP")) {
            slurm.m_nodes["n1"].flags.clear();
            slurm.m_nodes["n1"].boot_time = now_s();
        }
    };
    const DoctorReport report = run(slurm, {"n1"});
    EXPECT_TRUE(found(report, Check::mapping_silent).empty()) << progress;
    EXPECT_EQ(*report.verified, std::vector<std::string>{"n1"}) << progress;
}

// Slurm refuses the power-up: the node is not checked, and nothing else is asked.
TEST_F(VerifyMapping, APowerUpSlurmRefusesLeavesTheNodeUnchecked) {
    ScriptedSlurm slurm({"n1", "n2"});
    slurm.refuse_up = true;
    const DoctorReport report = run(slurm, {"n1"});
    EXPECT_EQ(found(report, Check::mapping_skipped), std::vector<std::string>{"n1"});
    EXPECT_EQ(report.findings.size(), 1U);
    EXPECT_EQ(slurm.calls, std::vector<std::string>{"POWER_UP n1"});
    EXPECT_NE(progress.find("Invalid node state specified"), std::string::npos) << progress;
}

// Never touched: a node with a job, a drained one, one Slurm does not
// know, one in [slurm] exclude, one slumber.toml does not have.
TEST_F(VerifyMapping, NodesThatDoNotSleepAreSkippedWithoutACall) {
    ScriptedSlurm slurm({"n1", "n2", "n9"});
    slurm.m_nodes["n1"].base = "ALLOCATED";
    slurm.m_nodes["n2"].flags = {"DRAIN", "POWERED_DOWN"};
    const DoctorReport report = run(slurm, {"n1", "n2", "n3", "n9", "n7"});
    EXPECT_TRUE(slurm.calls.empty()) << fmt::format("{}", fmt::join(slurm.calls, "; "));
    EXPECT_EQ(found(report, Check::mapping_skipped), (std::vector<std::string>{"n1", "n2", "n3", "n9", "n7"}));
    EXPECT_NE(progress.find("n1: not checked: Slurm shows it running a job"), std::string::npos) << progress;
    EXPECT_NE(progress.find("n3: not checked: Slurm does not know it"), std::string::npos) << progress;
    EXPECT_NE(progress.find("n9: not checked: excluded in [slurm] exclude"), std::string::npos) << progress;
    EXPECT_NE(progress.find("n7: not checked: not in"), std::string::npos) << progress;
}

// A tester's job was requeued so: n2 asleep in Slurm's view, its BMC
// address driving n3's machine, which runs a job. Powering n2 up had the
// carrier find "its" machine on and power-cycle it. Now the BMC is read
// first, and a node asleep whose BMC says on is reported and not touched;
// nor is one whose BMC cannot be read.
TEST_F(VerifyMapping, ANodeAsleepWhoseBmcSaysOnOrCannotBeReadIsNeverPoweredUp) {
    ScriptedSlurm slurm({"n1", "n2", "n3"});
    slurm.m_nodes["n3"].base = "ALLOCATED";
    slurm.m_nodes["n3"].flags = {};
    bmc["n2"] = power::PowerState::on;
    bmc["n1"] = std::unexpected(std::string("no answer from 10.0.0.1"));
    const DoctorReport report = run(slurm, {"n1", "n2"});
    EXPECT_TRUE(slurm.calls.empty()) << fmt::format("{}", fmt::join(slurm.calls, "; "));
    EXPECT_EQ(found(report, Check::mapping_bmc_on), std::vector<std::string>{"n2"});
    EXPECT_EQ(found(report, Check::mapping_skipped), std::vector<std::string>{"n1"});
    EXPECT_TRUE(report.verified->empty());
    EXPECT_NE(progress.find("n2: not checked: Slurm shows it powered down, and its BMC says on"), std::string::npos)
        << progress;
    EXPECT_NE(progress.find("no answer from 10.0.0.1"), std::string::npos) << progress;
    const auto events = journaled();
    EXPECT_TRUE(std::any_of(events.begin(), events.end(), [](const std::string& line) {
        return line.starts_with("n2: ") && line.find("says its machine is on") != std::string::npos;
    })) << fmt::format("{}", fmt::join(events, "\n"));
}

// Unless a test gives the readings, the BMC is asked through the node's
// driver: here an exec status command that prints "on".
TEST_F(VerifyMapping, TheBmcIsReadThroughTheNodesDriver) {
    ScriptedSlurm slurm({"n1", "n2"});
    const DoctorReport report = run(slurm, {"n1"}, true);
    EXPECT_TRUE(slurm.calls.empty()) << fmt::format("{}", fmt::join(slurm.calls, "; "));
    EXPECT_EQ(found(report, Check::mapping_bmc_on), std::vector<std::string>{"n1"});
}

// SIGINT while waiting for a node: it is put back to sleep through Slurm as
// a node that did not register is, the interruption is journaled, and the
// nodes after it are not checked.
TEST_F(VerifyMapping, AnInterruptedCheckPutsTheNodeBackAndChecksNoMore) {
    ScriptedSlurm slurm({"n1", "n2", "n3"});
    slurm.silent = true;
    stop = [&slurm] { return slurm.calls.empty() ? 0 : SIGINT; };
    const DoctorReport report = run(slurm, {"n1", "n2"});
    EXPECT_EQ(slurm.calls, (std::vector<std::string>{"POWER_UP n1", "POWER_DOWN_FORCE n1"}));
    EXPECT_EQ(found(report, Check::mapping_skipped), (std::vector<std::string>{"n1", "n2"}));
    EXPECT_TRUE(found(report, Check::mapping_silent).empty()) << "it was not waited for: not silent";
    const auto events = journaled();
    EXPECT_TRUE(std::any_of(events.begin(), events.end(), [](const std::string& line) {
        return line.starts_with("n1: ") && line.find("interrupted (SIGINT)") != std::string::npos;
    })) << fmt::format("{}", fmt::join(events, "\n"));
    EXPECT_TRUE(std::any_of(events.begin(), events.end(), [](const std::string& line) {
        return line.find("POWER_DOWN_FORCE (the check was interrupted (SIGINT)") != std::string::npos;
    })) << fmt::format("{}", fmt::join(events, "\n"));
}

// A tester's interrupted check left its node `down~`, "Not responding",
// having said it put it back to sleep: a node the check found idle~ goes
// back to idle~ (RESUME keeps it powered down), and the progress says so.
TEST_F(VerifyMapping, AnInterruptedCheckLeavesTheNodeIdleAsItFoundIt) {
    ScriptedSlurm slurm({"n1", "n2"});
    slurm.silent = true;
    slurm.down_after_power_down = true;
    stop = [&slurm] { return slurm.calls.empty() ? 0 : SIGINT; };
    const DoctorReport report = run(slurm, {"n1"});
    EXPECT_EQ(slurm.calls, (std::vector<std::string>{"POWER_UP n1", "POWER_DOWN_FORCE n1", "RESUME n1 "}));
    EXPECT_EQ(slurm.m_nodes["n1"].base, "IDLE");
    EXPECT_TRUE(slurm.m_nodes["n1"].powered_down());
    EXPECT_NE(progress.find("n1: Slurm showed it DOWN, \"Not responding\" once powered down; resumed it (idle~"),
              std::string::npos)
        << progress;
    EXPECT_TRUE(found(report, Check::mapping_not_restored).empty());

    // A node that registered and was powered down again: the same.
    ScriptedSlurm registered({"n1", "n2"});
    registered.down_after_power_down = true;
    stop = {};
    run(registered, {"n1"});
    EXPECT_EQ(registered.calls, (std::vector<std::string>{"POWER_UP n1", "POWER_DOWN n1", "RESUME n1 "}));
    EXPECT_EQ(registered.m_nodes["n1"].base, "IDLE");
}

}  // namespace
}  // namespace slumber::service
