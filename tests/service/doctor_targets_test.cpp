// `slumber doctor`'s checks of the BMCs and devices against emulated ones on
// loopback (a Tasmota plug, a Redfish BMC): one login each, a refusal
// blocks the target so that no later run tries the password again, two
// entries for one BMC show as one GUID twice; and the head node's clock,
// with its reading injected.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <memory>

#include "../support/journal.hpp"
#include "../support/listeners.hpp"
#include "../support/refusing_plug.hpp"
#include "../support/temp_dir.hpp"
#include "service/doctor.hpp"
#include "vcluster/certificate.hpp"
#include "vcluster/plug.hpp"
#include "vcluster/redfish.hpp"

namespace slumber::service {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kBmcPassword = "calvin";

using ClockReader = std::function<std::expected<ClockSync, std::string>()>;

std::expected<ClockSync, std::string> synchronised() { return ClockSync{true, 50'000}; }

class DoctorTargets : public ::testing::Test {
  protected:
    void SetUp() override {
        fs::create_directories(dir / "state");
        journal = testing::open_journal(dir / "state/journal.db");
        ASSERT_TRUE(journal);
    }

    void start_bmc() {
        // Its certificate names it both ways, so that two entries can reach
        // it by two addresses (slumber.toml refuses one address twice).
        ASSERT_TRUE(vcluster::make_self_signed(dir / "bmc.pem", dir / "bmc.key", {"127.0.0.1", "localhost"}));
        vcluster::RedfishSettings settings;
        settings.certificate = dir / "bmc.pem";
        settings.key = dir / "bmc.key";
        settings.password = std::string(kBmcPassword);
        bmc = std::make_unique<vcluster::RedfishBmc>(settings);
        ASSERT_EQ(bmc->start(), "");
        std::ofstream(dir / "bmc.secret") << fmt::format("username = \"root\"\npassword = \"{}\"\n", kBmcPassword);
        ::chmod((dir / "bmc.secret").c_str(), 0600);
    }
    // A [[node]] whose BMC is the emulated Redfish one.
    std::string redfish_node(std::string_view name, std::string_view host = "127.0.0.1") const {
        return fmt::format(R"(
[[node]]
names = "{}"
driver = "redfish"
bmc = "{}:{}"
credentials = "{}"
ca_file = "{}"
timeout = "2s"
)",
                           name, host, bmc->port(), (dir / "bmc.secret").string(), (dir / "bmc.pem").string());
    }
    // A [[device]]: a Tasmota plug at `port` on loopback.
    std::string plug_device(std::string_view name, int port, const fs::path& credentials) const {
        return fmt::format(R"(
[[device]]
name = "{}"
driver = "tasmota"
address = "http://127.0.0.1:{}"
credentials = "{}"
timeout = "1s"
retries = 2
)",
                           name, port, credentials.string());
    }

    // The machine running the test may have no time service: its clock is
    // injected.
    DoctorReport run(const std::string& targets, DoctorOptions options = {}, ClockReader clock = synchronised) {
        std::ofstream(dir / "slumber.toml")
            << fmt::format("[daemon]\nstate_dir = \"{}/state\"\n{}", dir.string(), targets);
        options.clock = std::move(clock);
        options.now = [] { return store::TimeMs{1'000'000}; };
        return run_doctor(dir / "slumber.toml", options);
    }
    // The findings of this slice: the others (no slurm.conf here) are the
    // static checks' business.
    static std::vector<Finding> of_targets(const DoctorReport& report) {
        std::vector<Finding> kept;
        for (const Finding& finding : report.findings) {
            if (finding.check >= Check::target_settings) kept.push_back(finding);
        }
        return kept;
    }
    static std::string listed(const std::vector<Finding>& findings) {
        std::string text;
        for (const Finding& f : findings) text += fmt::format("{}: {}\n", to_string(f.check), f.what);
        return text;
    }

    testing::TempDir m_temp{"slumber-doctor-targets"};
    fs::path dir = m_temp.path();
    std::unique_ptr<store::Journal> journal;
    std::unique_ptr<vcluster::RedfishBmc> bmc;
};

TEST_F(DoctorTargets, HealthyTargetsReportNothing) {
    start_bmc();
    vcluster::PlugSettings settings;
    settings.password = "right";
    vcluster::Plug plug(settings);
    ASSERT_TRUE(plug.start());
    testing::write_credentials(dir / "plug.secret", "right");

    const auto report = run(redfish_node("node001") + plug_device("ibswitch", plug.port(), dir / "plug.secret"));
    EXPECT_TRUE(of_targets(report).empty()) << listed(of_targets(report));
    EXPECT_EQ(plug.refused_logins(), 0);
    EXPECT_EQ(bmc->sessions(), 0) << "the Redfish session is ended";
}

TEST_F(DoctorTargets, ARefusedPasswordIsOneLoginAndABlockEvenWhenDoctorRunsTwice) {
    const auto plug = testing::refusing_plug(dir / "plug.secret");
    const std::string targets = plug_device("ibswitch", plug->port(), dir / "plug.secret");

    const auto first = of_targets(run(targets));
    ASSERT_EQ(first.size(), 1U) << listed(first);
    EXPECT_EQ(first[0].check, Check::target_auth_refused);
    EXPECT_EQ(first[0].nodes, std::vector<std::string>{"ibswitch"});
    EXPECT_NE(first[0].what.find(fmt::format("127.0.0.1:{}", plug->port())), std::string::npos) << first[0].what;
    EXPECT_NE(first[0].fix.find((dir / "plug.secret").string()), std::string::npos) << first[0].fix;
    // A tester read "until that file or its settings in slumber.toml
    // change", changed a setting, and the block stood, as docs/power.md says.
    EXPECT_NE(first[0].fix.find("until that file changes (or `slumber unblock ibswitch`); a change of its other "
                                "settings in slumber.toml does not lift it"),
              std::string::npos)
        << first[0].fix;
    EXPECT_EQ(first[0].what.find(testing::kOldPassword), std::string::npos) << "no secret in a finding";
    EXPECT_EQ(first[0].fix.find(testing::kOldPassword), std::string::npos);
    const auto blocks = journal->blocks(std::vector<std::string>{"ibswitch"});
    ASSERT_TRUE(blocks);
    ASSERT_EQ(blocks->size(), 1U) << "recorded as every automatic caller records it";
    EXPECT_EQ(blocks->front().kind, power::ErrorKind::auth_failed);
    EXPECT_EQ(blocks->front().source, "slumber doctor");

    const auto second = of_targets(run(targets));
    ASSERT_EQ(second.size(), 1U) << listed(second);
    EXPECT_EQ(second[0].check, Check::target_blocked);
    EXPECT_EQ(plug->refused_logins(), 1) << "the refused password was not tried again";

    // The admin writes the right password: the block is lifted and doctor
    // finds nothing.
    testing::write_credentials(dir / "plug.secret", testing::kPlugPassword);
    EXPECT_TRUE(of_targets(run(targets)).empty());
    EXPECT_EQ(plug->refused_logins(), 1);
}

// A tester set a cipher suite the BMC does not offer, put it back, and
// doctor (and the daemon, which shares the journal) still left the node
// blocked "until its credentials file changes": a setting put right lifts
// the block, and the fixes say so.
TEST_F(DoctorTargets, ABlockForAWrongSettingIsLiftedWhenTheSettingIsPutRight) {
    start_bmc();
    const std::string right = redfish_node("node001");
    const std::string wrong = right + "system = \"2\"\n";  // the BMC has only system 1

    const auto first = of_targets(run(wrong));
    ASSERT_EQ(first.size(), 1U) << listed(first);
    EXPECT_EQ(first[0].check, Check::target_status_unreadable) << first[0].what;
    EXPECT_NE(first[0].fix.find("it is blocked from now on, for every automatic caller (the daemon, the hooks, "
                                "doctor), until its settings in slumber.toml or its credentials file change (or "
                                "`slumber unblock node001`)"),
              std::string::npos)
        << first[0].fix;

    const auto second = of_targets(run(wrong));
    ASSERT_EQ(second.size(), 1U) << listed(second);
    EXPECT_EQ(second[0].check, Check::target_blocked);
    EXPECT_NE(second[0].what.find("not tried again until its settings in slumber.toml or its credentials file change"),
              std::string::npos)
        << second[0].what;
    EXPECT_EQ(second[0].fix,
              "put the cause right: the block is lifted when its settings in slumber.toml or its credentials file "
              "change or `slumber unblock node001` is run");

    EXPECT_TRUE(of_targets(run(right)).empty()) << "contacted again, and it answers";
    EXPECT_TRUE(journal->blocks(std::vector<std::string>{"node001"}).value_or(std::vector<store::Block>{}).empty());
    const auto events = journal->events({}, 0).value_or(std::vector<store::Event>{});
    EXPECT_TRUE(std::ranges::any_of(events, [](const store::Event& e) {
        return e.kind == store::EventKind::unblocked && e.detail.find("settings in ") != std::string::npos;
    })) << "journaled as a changed credentials file is";
}

TEST_F(DoctorTargets, NoContactAndAHostlistLeaveTheOthersAlone) {
    const auto plug = testing::refusing_plug(dir / "plug.secret");
    start_bmc();
    const std::string targets = redfish_node("node001") + plug_device("ibswitch", plug->port(), dir / "plug.secret");

    EXPECT_TRUE(of_targets(run(targets, {.contact = false})).empty());
    EXPECT_TRUE(of_targets(run(targets, {.nodes = {"node001"}})).empty());
    EXPECT_EQ(plug->refused_logins(), 0);
    EXPECT_TRUE(journal->blocks(std::vector<std::string>{"ibswitch"}).value_or(std::vector<store::Block>{}).empty());
}

// A tester's BMC refused the password; `doctor --no-contact` then reported
// nothing about it (exit 6, the clock alone), though the block is in the
// journal and `slumber status` lists it.
TEST_F(DoctorTargets, NoContactStillReportsABlockFromTheJournal) {
    const auto plug = testing::refusing_plug(dir / "plug.secret");
    const std::string targets = plug_device("ibswitch", plug->port(), dir / "plug.secret");
    ASSERT_EQ(of_targets(run(targets)).size(), 1U);

    const auto found = of_targets(run(targets, {.contact = false}));
    ASSERT_EQ(found.size(), 1U) << listed(found);
    EXPECT_EQ(found[0].check, Check::target_blocked);
    EXPECT_EQ(found[0].nodes, std::vector<std::string>{"ibswitch"});
    EXPECT_NE(found[0].what.find("password"), std::string::npos) << found[0].what;
    EXPECT_EQ(found[0].fix,
              "put the cause right: the block is lifted when its credentials file changes or `slumber "
              "unblock ibswitch` is run");
    EXPECT_EQ(plug->refused_logins(), 1) << "not contacted";

    // A changed file is not taken for a lifted block without contact: the
    // block stands until a call that contacts the target lifts it.
    // Its words say so, and how to try it (a tester read "put the cause
    // right" after doing just that).
    testing::write_credentials(dir / "plug.secret", testing::kPlugPassword);
    const auto changed = of_targets(run(targets, {.contact = false}));
    ASSERT_EQ(changed.size(), 1U) << listed(changed);
    EXPECT_NE(changed[0].what.find(fmt::format("and its credentials file {} changed since: not checked",
                                               (dir / "plug.secret").string())),
              std::string::npos)
        << changed[0].what;
    EXPECT_EQ(changed[0].fix,
              "run `slumber doctor ibswitch` without --no-contact: it tries ibswitch again, and lifts the block if "
              "the change put it right");
    EXPECT_EQ(journal->blocks(std::vector<std::string>{"ibswitch"}).value_or(std::vector<store::Block>{}).size(), 1U);
    EXPECT_TRUE(of_targets(run(targets)).empty()) << "contacted: the new password works";
}

TEST_F(DoctorTargets, AnAddressNobodyListensAtIsUnreachable) {
    int port = 0;
    {
        const testing::Listener closed;  // bound, then closed: nobody listens there
        port = closed.port;
    }
    testing::write_credentials(dir / "plug.secret", "any");
    const auto found = of_targets(run(plug_device("ibswitch", port, dir / "plug.secret")));
    ASSERT_EQ(found.size(), 1U) << listed(found);
    EXPECT_EQ(found[0].check, Check::target_unreachable);
    EXPECT_NE(found[0].what.find(fmt::format("127.0.0.1:{}", port)), std::string::npos) << found[0].what;
    EXPECT_TRUE(journal->blocks(std::vector<std::string>{"ibswitch"}).value_or(std::vector<store::Block>{}).empty())
        << "an unreachable target may heal: not blocked";
}

TEST_F(DoctorTargets, TwoEntriesForOneBmcReportOneGuidTwice) {
    start_bmc();
    const std::string both = redfish_node("node001") + redfish_node("node002", "localhost");
    const auto found = of_targets(run(both));
    ASSERT_EQ(found.size(), 1U) << listed(found);
    EXPECT_EQ(found[0].check, Check::guid_duplicate);
    EXPECT_EQ(found[0].nodes, (std::vector<std::string>{"node001", "node002"}));
    EXPECT_NE(found[0].what.find("8b4d7e2a-3f61-4c0e-9a57-2d1c6e9b0f13"), std::string::npos) << found[0].what;
    // Asked for one of them, doctor contacts only that one: no pair to compare.
    EXPECT_TRUE(of_targets(run(both, {.nodes = {"node001"}})).empty());
}

// The node's own UUID from the site's command, here a file per node.
TEST_F(DoctorTargets, ANodeWhoseOwnUuidIsNotItsBmcsGuidIsCrossed) {
    start_bmc();
    bmc->set_power(true);
    const std::string targets =
        fmt::format("[doctor]\nnode_uuid_command = \"cat {}/uuid-{{node}}\"\n", dir.string()) + redfish_node("node001");
    const auto says = [&](std::string_view uuid) { std::ofstream(dir / "uuid-node001") << uuid << "\n"; };

    says("8B4D7E2A-3F61-4C0E-9A57-2D1C6E9B0F13");  // dmidecode prints it upper-case
    EXPECT_TRUE(of_targets(run(targets)).empty());
    says("2a7e4d8b-613f-0e4c-9a57-2d1c6e9b0f13");  // a BMC that sends the first fields big-endian
    EXPECT_TRUE(of_targets(run(targets)).empty());

    says("\n4c4c4544-0031-3510-8044-b4c04f4e3232");
    const auto found = of_targets(run(targets));
    ASSERT_EQ(found.size(), 1U) << listed(found);
    EXPECT_EQ(found[0].check, Check::node_uuid_mismatch);
    EXPECT_EQ(found[0].nodes, std::vector<std::string>{"node001"});
    EXPECT_NE(found[0].what.find("4c4c4544-0031-3510-8044-b4c04f4e3232"), std::string::npos) << found[0].what;
    EXPECT_NE(found[0].what.find("8b4d7e2a-3f61-4c0e-9a57-2d1c6e9b0f13"), std::string::npos) << found[0].what;
    // In the other byte order too, so that a neighbour's UUID shows as one
    // (a tester's two looked unrelated).
    EXPECT_NE(found[0].what.find("(2a7e4d8b-613f-0e4c-9a57-2d1c6e9b0f13 with the first three fields in the other byte "
                                 "order"),
              std::string::npos)
        << found[0].what;
    EXPECT_NE(found[0].what.find("no BMC of slumber.toml reports it"), std::string::npos) << found[0].what;

    // With a HOSTLIST, the other BMCs were not asked: doctor does not say
    // that none of them reports the UUID.
    DoctorOptions only;
    only.nodes = {"node001"};
    const auto narrowed = of_targets(run(targets + redfish_node("node002", "localhost"), only));
    ASSERT_EQ(narrowed.size(), 1U) << listed(narrowed);
    EXPECT_EQ(narrowed[0].what.find("no BMC of slumber.toml"), std::string::npos) << narrowed[0].what;
    EXPECT_NE(narrowed[0].what.find("none of the 1 BMC(s) whose GUID doctor read reports it (only those of HOSTLIST"),
              std::string::npos)
        << narrowed[0].what;

    // A node whose BMC says on and that does not answer (down, its ssh
    // refused) is a warning: a crossed pair with one machine off looks so
    // (a tester's plain doctor saw nothing of one). A node its BMC says is
    // off is not asked.
    fs::remove(dir / "uuid-node001");
    const auto silent = of_targets(run(targets));
    ASSERT_EQ(silent.size(), 1U) << listed(silent);
    EXPECT_EQ(silent[0].check, Check::node_uuid_unanswered);
    EXPECT_EQ(silent[0].severity(), Severity::warning);
    EXPECT_NE(silent[0].what.find("did not answer [doctor] node_uuid_command (exit 1: cat: "), std::string::npos)
        << silent[0].what;
    EXPECT_NE(silent[0].fix.find("slumber doctor --verify-mapping node001"), std::string::npos) << silent[0].fix;
    says("4c4c4544-0031-3510-8044-b4c04f4e3232");
    bmc->set_power(false);
    EXPECT_TRUE(of_targets(run(targets)).empty());
}

// A command's output holds the UUID among other lines (an ssh banner, a
// message of the day): a tester's "Last login: …" was taken for the node's
// UUID and reported as crossed addresses. Output with no UUID at all is no
// answer, not a mismatch.
TEST_F(DoctorTargets, TheNodesUuidIsFoundInTheCommandsOutput) {
    start_bmc();
    bmc->set_power(true);
    const std::string targets =
        fmt::format("[doctor]\nnode_uuid_command = \"cat {}/uuid-{{node}}\"\n", dir.string()) + redfish_node("node001");
    const auto says = [&](std::string_view text) { std::ofstream(dir / "uuid-node001") << text; };
    says("Last login: Thu Dec  3 07:00:01 2026 from 10.0.0.1\n8B4D7E2A-3F61-4C0E-9A57-2D1C6E9B0F13\n");
    EXPECT_TRUE(of_targets(run(targets)).empty());
    // A banner with a UUID of its own (a machine ID) comes before the answer.
    says("Welcome to node001 (machine 0c1d2e3f-aaaa-bbbb-cccc-000000000001)\n8b4d7e2a-3f61-4c0e-9a57-2d1c6e9b0f13\n");
    EXPECT_TRUE(of_targets(run(targets)).empty());
    says("garbage-node001\n");
    const auto found = of_targets(run(targets));
    ASSERT_EQ(found.size(), 1U) << listed(found);
    EXPECT_EQ(found[0].check, Check::node_uuid_unanswered);
    EXPECT_NE(found[0].what.find(R"((it printed no UUID: "garbage-node001"))"), std::string::npos) << found[0].what;
}

// A node Slurm shows up is asked too when the BMC at its address says off:
// that BMC drives another machine, asleep, and this node's own UUID tells
// whose (a tester's plain doctor warned only of the sleeping node).
TEST_F(DoctorTargets, ANodeUpInSlurmBehindABmcThatSaysOffIsAsked) {
    start_bmc();
    bmc->set_power(false);
    std::ofstream(dir / "slurm.conf") << "ClusterName=c\nNodeName=node001\n";
    std::ofstream(dir / "scontrol") << "#!/bin/sh\ncase \"$*\" in\n  *'show node'*) echo 'NodeName=node001 "
                                       "CPUAlloc=4 State=ALLOCATED BootTime=2026-12-03T07:00:00' ;;\nesac\n";
    ::chmod((dir / "scontrol").c_str(), 0755);
    std::ofstream(dir / "uuid-node001") << "4c4c4544-0031-3510-8044-b4c04f4e3232\n";
    const std::string targets =
        fmt::format(
            "[slurm]\nbin_dir = \"{0}\"\nconf = \"{0}/slurm.conf\"\n[doctor]\nnode_uuid_command = \"cat "
            "{0}/uuid-{{node}}\"\n",
            dir.string()) +
        redfish_node("node001");
    DoctorOptions options;
    options.slurm_version = slurm::Version{22, 5, 8};
    const auto found = of_targets(run(targets, options));
    ASSERT_EQ(found.size(), 1U) << listed(found);
    EXPECT_EQ(found[0].check, Check::node_uuid_mismatch);
    // Up in Slurm and silent: no sign of anything.
    fs::remove(dir / "uuid-node001");
    EXPECT_TRUE(of_targets(run(targets, options)).empty());
}

// exec targets: no login, a command each. One without a status command
// cannot tell its power; settings no driver can be made from are a finding.
TEST_F(DoctorTargets, ATargetWithoutStatusOrWithoutADriver) {
    std::ofstream(dir / "nouser.secret") << "password = \"p\"\n";
    ::chmod((dir / "nouser.secret").c_str(), 0600);
    const std::string targets = fmt::format(R"(
[[node]]
names = "node001"
driver = "exec"
on = "true"
off = "true"
status = "echo on"

[[node]]
names = "node002"
driver = "exec"
on = "true"
off = "true"

[[node]]
names = "node003"
driver = "ipmi"
bmc = "127.0.0.1"
credentials = "{}"
)",
                                            (dir / "nouser.secret").string());
    const auto found = of_targets(run(targets));
    ASSERT_EQ(found.size(), 2U) << listed(found);
    EXPECT_EQ(found[0].check, Check::target_settings);
    EXPECT_EQ(found[0].nodes, std::vector<std::string>{"node003"});
    EXPECT_EQ(found[1].check, Check::target_no_status);
    EXPECT_EQ(found[1].severity(), Severity::advice);
    EXPECT_EQ(found[1].nodes, std::vector<std::string>{"node002"});
}

TEST_F(DoctorTargets, AnIpmiSessionAtUserPrivilegeCannotSwitchPower) {
    testing::write_credentials(dir / "bmc.secret", "any");
    const std::string node = fmt::format(R"(
[[node]]
names = "node001"
driver = "ipmi"
bmc = "127.0.0.1"
credentials = "{}"
privilege = "user"
)",
                                         (dir / "bmc.secret").string());
    const auto found = of_targets(run(node, {.contact = false}));
    ASSERT_EQ(found.size(), 1U) << listed(found);
    EXPECT_EQ(found[0].check, Check::target_privilege);
    EXPECT_EQ(found[0].line, 4) << "at the node's table";
}

TEST_F(DoctorTargets, AnUnsynchronisedClockIsAWarning) {
    const auto with_clock = [&](ClockReader clock) {
        return of_targets(run("", {.contact = false}, std::move(clock)));
    };
    const auto found = with_clock([] { return ClockSync{false, 16'000'000}; });
    ASSERT_EQ(found.size(), 1U) << listed(found);
    EXPECT_EQ(found[0].check, Check::clock_unsynchronised);
    EXPECT_EQ(found[0].severity(), Severity::warning);
    EXPECT_NE(found[0].what.find("16.0 s"), std::string::npos) << found[0].what;
    EXPECT_NE(found[0].fix.find("chrony"), std::string::npos) << found[0].fix;
    EXPECT_TRUE(with_clock(synchronised).empty());
    EXPECT_TRUE(with_clock([]() -> std::expected<ClockSync, std::string> {
                    return std::unexpected("ntp_adjtime: Operation not permitted");
                }).empty())
        << "what the kernel would not say is not guessed";
}

}  // namespace
}  // namespace slumber::service
