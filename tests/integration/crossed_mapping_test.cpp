// Crossed BMC addresses on the virtual cluster (`slumber-vcluster fault
// vnode002,vnode003 crossed`), caught both ways `slumber doctor` can: the
// passive GUID check (each node's own SMBIOS UUID against its BMC's GUID)
// and `--verify-mapping`, which powers sleeping nodes up through Slurm one
// at a time and watches which node registers. A clean node (vnode001) is
// verified and nothing is said against it.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>

#include "test_cluster.hpp"
#include "util/command.hpp"

namespace slumber::testing {
namespace {

using std::chrono::seconds;

class CrossedMapping : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        // Three nodes, the hooks slumber's and no daemon (the hooks carry
        // out their requests). Slurm suspends nothing by itself (SuspendTime
        // 1 h): the nodes stay up for the GUID check, and the test powers
        // them down, 5 s each (SuspendTimeout), for --verify-mapping.
        cluster = std::make_unique<TestCluster>(
            ClusterOptions{"crossed-mapping",
                           61,
                           31000,
                           {"--hooks", "slumber", "--suspend-time", "1h", "--suspend-timeout", "5s", "--resume-timeout",
                            "30s", "--boot-delay", "1s"},
                           /*nodes=*/3});
        if (cluster->ready()) {
            crossed = cluster->rig({"fault", "--dir", cluster->dir(), "vnode[002-003]", "crossed"});
            // No daemon: the hooks' carriers, as SlurmUser, switch the nodes.
            credentials = std::make_unique<CredentialsGivenToSlurmUser>(cluster->dir() + "/ipmi.secret");
        }
    }
    static void TearDownTestSuite() {
        credentials.reset();
        cluster.reset();
    }
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "the virtual cluster needs root";
        ASSERT_TRUE(cluster->ready()) << cluster->failure();
        ASSERT_TRUE(crossed) << crossed.error();
    }
    static std::string config() { return cluster->dir() + "/slumber.toml"; }
    static nlohmann::json parsed(const util::CommandResult& result) {
        auto json = nlohmann::json::parse(result.out, nullptr, false);
        EXPECT_FALSE(json.is_discarded()) << result.out << result.err;
        return json;
    }
    // The findings of `check`, each as its nodes joined ("vnode002,vnode003").
    static std::vector<std::string> found(const nlohmann::json& report, std::string_view check) {
        std::vector<std::string> out;
        for (const auto& finding : report["findings"]) {
            if (finding["check"] != check) continue;
            std::vector<std::string> nodes = finding["nodes"];
            out.push_back(fmt::format("{}", fmt::join(nodes, ",")));
        }
        return out;
    }

    static inline std::unique_ptr<TestCluster> cluster;
    static inline std::expected<std::string, std::string> crossed;
    static inline std::unique_ptr<CredentialsGivenToSlurmUser> credentials;
};

// While the nodes are up: each crossed node's own UUID is not its BMC's
// GUID, and the other BMC reports it; vnode001 is not mentioned.
TEST_F(CrossedMapping, TheGuidCheckFlagsTheCrossedPair) {
    const auto status = cluster->rig({"status", "--dir", cluster->dir()});
    ASSERT_TRUE(status) << status.error();
    EXPECT_NE(status->find("crossed with vnode003"), std::string::npos) << *status;
    // The BMC at vnode002's address is vnode003's (its GUID ends in the node's number).
    const auto guid = cluster->ipmitool(1, {"mc", "guid"});
    ASSERT_TRUE(guid) << guid.error();
    EXPECT_NE(guid->find("c3d400000003"), std::string::npos) << *guid;
    const auto result = util::run_command({slumber_program(), "doctor", "--json", "-c", config()});
    EXPECT_EQ(result.exit_code, 5) << result.out << result.err;
    const auto report = parsed(result);
    const auto mismatches = found(report, "node-uuid-mismatch");
    EXPECT_EQ(mismatches, (std::vector<std::string>{"vnode002", "vnode003"})) << result.out;
    for (const auto& finding : report["findings"]) {
        if (finding["check"] != "node-uuid-mismatch") continue;
        EXPECT_NE(std::string(finding["what"]).find("the two addresses are crossed"), std::string::npos) << finding;
        EXPECT_NE(std::string(finding["what"]).find("both are now blocked"), std::string::npos) << finding;
    }
    EXPECT_TRUE(found(report, "guid-duplicate").empty()) << result.out;
    // The proof blocks the pair: no suspend of either may switch the
    // other's machine. Lifted as an admin lifts it (for the next test,
    // which needs them switched), the pair together.
    const auto unblocked = util::run_command({slumber_program(), "unblock", "vnode002", "-c", config()});
    EXPECT_EQ(unblocked.exit_code, 0) << unblocked.out << unblocked.err;
    EXPECT_NE((unblocked.out + unblocked.err).find("vnode003"), std::string::npos) << unblocked.out << unblocked.err;
}

// Once every node sleeps: vnode001 registers when powered up through its
// BMC; vnode002's BMC starts vnode003. Afterwards every node is powered
// down again, the crossed pair drained with the pair named.
TEST_F(CrossedMapping, VerifyMappingFindsTheCrossedPairAndVerifiesTheCleanNode) {
    // Through the crossed BMCs too: each one powers off the other's machine.
    const auto down = cluster->run({"scontrol", "update", "nodename=vnode[001-003]", "state=power_down"});
    ASSERT_TRUE(down) << down.error();
    ASSERT_TRUE(cluster->wait_for(
        [&] { return cluster->every_node([&](int i) { return cluster->state(i) == "idle~"; }); }, seconds{60}))
        << cluster->states();
    const auto started = std::chrono::steady_clock::now();
    const auto result = util::run_command(
        {slumber_program(), "doctor", "--verify-mapping", "vnode[001-003]", "--json", "-c", config()});
    const auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    EXPECT_EQ(result.exit_code, 5) << result.out << result.err;
    const auto report = parsed(result);
    EXPECT_EQ(report["verified"], nlohmann::json({"vnode001"})) << result.out;
    EXPECT_EQ(found(report, "mapping-crossed"), (std::vector<std::string>{"vnode002,vnode003"})) << result.out;
    EXPECT_TRUE(found(report, "mapping-silent").empty()) << result.out;
    EXPECT_TRUE(found(report, "mapping-not-restored").empty()) << result.out;
    // vnode003, the other half of the pair, is not powered up again.
    EXPECT_EQ(found(report, "mapping-skipped"), (std::vector<std::string>{"vnode003"})) << result.out;
    EXPECT_NE(result.err.find("vnode002's BMC started vnode003: crossed addresses?"), std::string::npos) << result.err;
    fmt::print("doctor --verify-mapping took {:.1f} s\n", took);

    // Slurm's view and the machines agree: everything powered down.
    EXPECT_TRUE(cluster->every_node([&](int i) {
        const std::string state = cluster->state(i);
        return state.ends_with("~");
    })) << cluster->states();
    const auto status = cluster->rig({"status", "--dir", cluster->dir()});
    ASSERT_TRUE(status) << status.error();
    EXPECT_EQ(status->find(" on "), std::string::npos) << *status;
    // In the check's words, or, when the hook that carried out its forced
    // power-down drained it again first (that power-down clears DRAIN, and
    // the pair is blocked by then), in the watch's.
    EXPECT_EQ(cluster->field(1, "Reason").find("slumber: BMC addresses of vnode002 and vnode003 look crossed"), 0U)
        << cluster->field(1, "Reason");
    EXPECT_EQ(cluster->state(0), "idle~");
    // Still drained as the check ends: Slurm 22.05 clears DRAIN as the
    // forced power-down of vnode002 begins, and a tester's was schedulable
    // until the daemon drained the blocked pair again.
    for (const int i : {1, 2}) {
        const std::string state = cluster->field(i, "State");
        EXPECT_NE(state.find("DRAIN"), std::string::npos) << cluster->node(i) << ": " << state;
    }
    const auto journal = cluster->slumber({"journal", "vnode002", "-c", config()});
    ASSERT_TRUE(journal) << journal.error();
    EXPECT_NE(journal->find("mapping-check"), std::string::npos) << *journal;
    // Drained before it was powered down again: no job could wake it in
    // between through the crossed address.
    const std::size_t drained_at = journal->find("drained in Slurm: slumber: BMC addresses of vnode002 and vnode003");
    const std::size_t down_at = journal->find("(its BMC started vnode003; end its power-up");
    EXPECT_NE(drained_at, std::string::npos) << *journal;
    EXPECT_NE(down_at, std::string::npos) << *journal;
    EXPECT_LT(drained_at, down_at) << *journal;
    // Both blocked, as the daemon blocks a pair it suspects: a deliberate
    // power-on of either is refused (it would start the other's machine),
    // and unblocking one lifts both.
    for (const char* node : {"vnode002", "vnode003"}) {
        const auto on = util::run_command({slumber_program(), "power", "on", node, "-c", config()});
        EXPECT_EQ(on.exit_code, 1) << node << ": " << on.out << on.err;
        EXPECT_NE((on.out + on.err).find("BMC addresses of vnode002 and vnode003 look crossed"), std::string::npos)
            << on.out << on.err;
    }
    // Its state is read as asked, and said to be perhaps the other's.
    const auto read = util::run_command({slumber_program(), "power", "status", "vnode002", "-c", config()});
    EXPECT_NE(read.out.find("vnode002: off (its BMC address is blocked as crossed with vnode003's: this may be "
                            "vnode003's machine)"),
              std::string::npos)
        << read.out << read.err;
    EXPECT_TRUE(cluster->slumber({"unblock", "vnode003", "-c", config()}));
    const auto lifted = cluster->slumber({"status", "vnode[002-003]", "-c", config()});
    ASSERT_TRUE(lifted) << lifted.error();
    EXPECT_EQ(lifted->find("crossed"), std::string::npos) << *lifted;
}

// The fault names exactly two nodes; `clear` on either one uncrosses both.
TEST_F(CrossedMapping, TheFaultTakesAPairAndClearOnEitherNodeUndoesBoth) {
    EXPECT_FALSE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode001", "crossed"}));
    EXPECT_FALSE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode[001-003]", "crossed"}));
    // vnode002 is crossed with vnode003 already.
    EXPECT_FALSE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode[001-002]", "crossed"}));
    const auto cleared = cluster->rig({"fault", "--dir", cluster->dir(), "vnode003", "clear"});
    ASSERT_TRUE(cleared) << cleared.error();
    const auto status = cluster->rig({"status", "--dir", cluster->dir()});
    ASSERT_TRUE(status) << status.error();
    EXPECT_EQ(status->find("crossed with"), std::string::npos) << *status;
    const auto guid = cluster->ipmitool(1, {"mc", "guid"});
    ASSERT_TRUE(guid) << guid.error();
    EXPECT_NE(guid->find("c3d400000002"), std::string::npos) << *guid;
}

}  // namespace
}  // namespace slumber::testing
