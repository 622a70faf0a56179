// `slumber power` against the virtual cluster's ipmi_sim BMCs, checked with
// the clients sites use today (ipmitool, ipmipower) and with the nodes
// themselves (is slurmd running?).
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "test_cluster.hpp"
#include "vcluster/process.hpp"

namespace slumber::testing {
namespace {

using std::chrono::seconds;

class PowerIpmi : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        cluster = std::make_unique<TestCluster>(
            ClusterOptions{"power-ipmi", 15, 27600, {"--suspend-time", "1h", "--boot-delay", "2s"}});
    }
    static void TearDownTestSuite() { cluster.reset(); }
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "the virtual cluster needs root";
        ASSERT_TRUE(cluster->ready()) << cluster->failure();
    }

    static std::string all() { return fmt::format("vnode[001-{:03}]", cluster->nodes()); }
    static std::string config() { return cluster->dir() + "/slumber.toml"; }
    // The inventory with one line of the IPMI group's settings replaced.
    static std::string config_with(const std::string& name, const std::string& line, const std::string& replacement) {
        std::ifstream in(config());
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const auto at = text.find(line);
        if (at == std::string::npos) return {};
        text.replace(at, line.size(), replacement);
        const std::string file = cluster->dir() + "/" + name;
        std::ofstream(file) << text;
        return file;
    }

    // Exit code, and standard output followed by standard error.
    static vcluster::CommandResult power(std::vector<std::string> args, const std::string& file = config()) {
        std::vector<std::string> argv{slumber_program(), "power"};
        argv.insert(argv.end(), args.begin(), args.end());
        argv.insert(argv.end(), {"-c", file});
        vcluster::CommandResult run = vcluster::run_command(argv);
        run.out += run.err;
        return run;
    }
    static nlohmann::json power_json(std::vector<std::string> args, const std::string& file = config()) {
        args.emplace_back("--json");
        const vcluster::CommandResult run = power(args, file);
        auto parsed = nlohmann::json::parse(run.out, nullptr, false);
        EXPECT_FALSE(parsed.is_discarded()) << run.out;
        return parsed;
    }
    static std::string ipmitool_power(int index) {
        auto out = cluster->ipmitool(index, {"chassis", "power", "status"});
        return out ? out->substr(out->rfind(' ') + 1, 2) == "on" ? "on" : "off" : "error: " + out.error();
    }
    // Power changes the BMC was asked for, as its chassis program logs them.
    static int requests(int index, const std::string& request) {
        std::ifstream log(cluster->dir() + "/log/bmc-requests.log");
        std::string line;
        int count = 0;
        const std::string wanted = " " + cluster->node(index) + " " + request;
        while (std::getline(log, line)) count += line.ends_with(wanted) ? 1 : 0;
        return count;
    }
    static int boots(int index) {  // lines the node's console gets per power-on
        std::ifstream console(cluster->dir() + "/log/" + cluster->node(index) + ".console");
        std::string line;
        int count = 0;
        while (std::getline(console, line)) count += line.find("powered on") != std::string::npos ? 1 : 0;
        return count;
    }

    static inline std::unique_ptr<TestCluster> cluster;
};

TEST_F(PowerIpmi, StatusAgreesWithIpmitoolAndIpmipower) {
    ASSERT_TRUE(cluster->ipmitool(1, {"chassis", "power", "off"}));
    const auto status = power_json({"status", all()});
    ASSERT_EQ(status.size(), static_cast<std::size_t>(cluster->nodes()));
    for (int i = 0; i < cluster->nodes(); ++i) {
        EXPECT_EQ(status[i]["target"], cluster->node(i));
        EXPECT_EQ(status[i]["state"], ipmitool_power(i)) << cluster->node(i);
        auto freeipmi = cluster->ipmipower(i, {"--stat"});
        ASSERT_TRUE(freeipmi) << freeipmi.error();
        EXPECT_EQ(*freeipmi, fmt::format("{}: {}\n", cluster->bmc(i), status[i]["state"].get<std::string>()));
    }
    const vcluster::CommandResult grouped = power({"status", all()});
    EXPECT_EQ(grouped.exit_code, 0);
    EXPECT_NE(grouped.out.find("vnode002: off\n"), std::string::npos) << grouped.out;
    ASSERT_TRUE(cluster->ipmitool(1, {"chassis", "power", "on"}));
}

TEST_F(PowerIpmi, EveryVerbOnEveryNodeChangesTheNodeItself) {
    vcluster::CommandResult off = power({"off", all(), "--wait"});
    EXPECT_EQ(off.exit_code, 0) << off.out;
    EXPECT_EQ(off.out, all() + ": off\n");
    for (int i = 0; i < cluster->nodes(); ++i) {
        EXPECT_EQ(ipmitool_power(i), "off");
        EXPECT_FALSE(cluster->slurmd_running(i)) << cluster->node(i);
    }
    vcluster::CommandResult on = power({"on", all(), "--wait"});
    EXPECT_EQ(on.out, all() + ": on\n");
    EXPECT_TRUE(cluster->wait_for(
        [] {
            for (int i = 0; i < cluster->nodes(); ++i) {
                if (!cluster->slurmd_running(i)) return false;
            }
            return true;
        },
        seconds{30}));

    vcluster::CommandResult soft = power({"soft", "vnode001", "--wait"});
    EXPECT_EQ(soft.out, "vnode001: off\n");
    EXPECT_FALSE(cluster->slurmd_running(0));
    const int boots_before = boots(0);
    vcluster::CommandResult cycle = power({"cycle", "vnode001", "--wait"});
    EXPECT_EQ(cycle.out, "vnode001: on\n") << "a cycle of a node that is off powers it on";
    EXPECT_TRUE(cluster->wait_for([&] { return boots(0) == boots_before + 1; }, seconds{10})) << boots(0);
    vcluster::CommandResult cycle_on = power({"cycle", "vnode001", "--wait"});
    EXPECT_EQ(cycle_on.out, "vnode001: on\n");
    EXPECT_TRUE(cluster->wait_for([] { return boots(0) == 0 + boots(0) && cluster->slurmd_running(0); }, seconds{30}));
}

TEST_F(PowerIpmi, OnAndOffAreIdempotent) {
    ASSERT_EQ(power({"on", "vnode002", "--wait"}).exit_code, 0);
    const int ons = requests(1, "set power 1");
    const vcluster::CommandResult again = power({"on", "vnode002"});
    EXPECT_EQ(again.exit_code, 0);
    EXPECT_EQ(again.out, "vnode002: ok\n");
    EXPECT_EQ(requests(1, "set power 1"), ons) << "no second power-on was sent";
    EXPECT_EQ(power({"off", "vnode002", "--wait"}).out, "vnode002: off\n");
    const int offs = requests(1, "set power 0");
    EXPECT_EQ(power({"off", "vnode002", "--wait"}).out, "vnode002: off\n");
    EXPECT_EQ(requests(1, "set power 0"), offs) << "no second power-off was sent";
    EXPECT_EQ(power({"on", "vnode002", "--wait"}).out, "vnode002: on\n");
}

TEST_F(PowerIpmi, BrokenBmcsFailAloneWithTheirOwnError) {
    if (cluster->nodes() < 4) GTEST_SKIP() << "needs 4 nodes";
    // Short timeouts so that the silent BMC is given up on quickly.
    const std::string quick = cluster->dir() + "/quick.toml";
    {
        std::ifstream in(config());
        std::ofstream out(quick);
        out << "[defaults]\ntimeout = \"1s\"\nretries = 1\nbackoff = \"500ms\"\n\n" << in.rdbuf();
    }
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode001", "bmc-silent"}));
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode002", "bmc-password"}));
    const auto outcomes = power_json({"status", all()}, quick);
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode00[1-2]", "clear"}));

    ASSERT_EQ(outcomes.size(), static_cast<std::size_t>(cluster->nodes()));
    EXPECT_EQ(outcomes[0]["error"]["kind"], "unreachable") << outcomes[0];
    EXPECT_EQ(outcomes[0]["attempts"], 2) << "one retry, as configured";
    // Two 1 s attempts and a 500 ms pause, not FreeIPMI's 20 s default.
    EXPECT_LT(outcomes[0]["elapsed_ms"].get<int>(), 6000) << outcomes[0];
    EXPECT_EQ(outcomes[1]["error"]["kind"], "auth_failed") << outcomes[1];
    EXPECT_EQ(outcomes[1]["error"]["bmc_said"], "password invalid");
    EXPECT_EQ(outcomes[1]["attempts"], 1) << "a wrong password is never retried";
    for (int i = 2; i < cluster->nodes(); ++i) EXPECT_EQ(outcomes[i]["ok"], true) << outcomes[i];

    const vcluster::CommandResult grouped = power({"status", all()}, quick);
    EXPECT_EQ(grouped.exit_code, 0) << "faults cleared: " << grouped.out;
}

TEST_F(PowerIpmi, OperatorAccountIsEnoughForPowerControl) {
    // The inventory with the BMCs' operator account and operator privilege.
    const std::string operator_config = cluster->dir() + "/operator.toml";
    {
        std::ifstream in(config());
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const std::string admin = cluster->dir() + "/ipmi.secret\"";
        const auto at = text.find(admin);
        ASSERT_NE(at, std::string::npos) << text;
        text.replace(at, admin.size(), cluster->dir() + "/ipmi-operator.secret\"\nprivilege = \"operator\"");
        std::ofstream(operator_config) << text;
    }
    EXPECT_EQ(power({"off", "vnode003", "--wait"}, operator_config).out, "vnode003: off\n");
    EXPECT_EQ(power({"on", "vnode003", "--wait"}, operator_config).out, "vnode003: on\n");
}

// ipmi_sim refuses the SHA-256 suites (15-17) with RMCP+ status 0x04, which
// FreeIPMI reports as "internal IPMI error": a setting that cannot work,
// said at once with its fix, and never retried.
TEST_F(PowerIpmi, ACipherSuiteTheBmcDoesNotOfferIsUnsupportedAtOnce) {
    const std::string file = config_with("sha256.toml", "cipher_suite = 3\n", "cipher_suite = 17\n");
    ASSERT_FALSE(file.empty());
    const auto outcome = power_json({"status", "vnode001"}, file);
    ASSERT_EQ(outcome.size(), 1U) << outcome;
    EXPECT_EQ(outcome[0]["error"]["kind"], "unsupported") << outcome[0];
    EXPECT_EQ(outcome[0]["attempts"], 1) << "never retried";
    const std::string message = outcome[0]["error"]["message"];
    EXPECT_NE(message.find("does not offer cipher suite 17"), std::string::npos) << message;
    EXPECT_NE(message.find("cipher_suite"), std::string::npos) << message;
    const std::string said = outcome[0]["error"]["bmc_said"];
    EXPECT_NE(said.find("RMCP+ status 0x04"), std::string::npos) << said;
    EXPECT_EQ(power({"status", "vnode001"}, file).exit_code, 1);
}

TEST_F(PowerIpmi, ABmcThatNeedsOpensessprivIsToldSo) {
    const std::string file = config_with("no-workaround.toml", "workarounds = [\"opensesspriv\"]", "workarounds = []");
    ASSERT_FALSE(file.empty());
    const auto outcome = power_json({"status", "vnode001"}, file);
    ASSERT_EQ(outcome.size(), 1U) << outcome;
    EXPECT_EQ(outcome[0]["error"]["kind"], "permission") << outcome[0];
    EXPECT_EQ(outcome[0]["attempts"], 1);
    const std::string message = outcome[0]["error"]["message"];
    EXPECT_NE(message.find("workarounds = [\"opensesspriv\"]"), std::string::npos) << message;
    EXPECT_NE(message.find("needs FreeIPMI's opensesspriv"), std::string::npos) << message;
}

// The value after "NAME :" in ipmitool's "mc info" or "mc guid" listing.
std::string ipmitool_field(const std::string& listing, const std::string& name) {
    const auto at = listing.find(name);
    if (at == std::string::npos) return "?";
    const auto value = listing.find(": ", at) + 2;
    return listing.substr(value, listing.find('\n', value) - value);
}

TEST_F(PowerIpmi, InfoAgreesWithIpmitoolAndFollowsThePower) {
    ASSERT_EQ(power({"off", "vnode003", "--wait"}).exit_code, 0);
    // ipmi_sim polls its sensor files once a second.
    nlohmann::json info;
    EXPECT_TRUE(cluster->wait_for(
        [&] {
            info = power_json({"info", "vnode003"});
            return info.size() == 1 && info[0]["watts"] == 8.0;
        },
        seconds{5}))
        << info;
    ASSERT_EQ(info.size(), 1U);
    EXPECT_EQ(info[0]["state"], "off");
    ASSERT_EQ(info[0]["sensors"].size(), 2U) << info;
    EXPECT_EQ(info[0]["sensors"][0]["name"], "Inlet Temp");
    EXPECT_EQ(info[0]["sensors"][0]["unit"], "C");
    EXPECT_EQ(info[0]["sensors"][1], nlohmann::json::parse(R"({"name": "Power", "unit": "W", "value": 8.0})"));
    // The room's air (docs/vcluster.md): every node on warms it by 2 °C.
    const int inlet_off = info[0]["sensors"][0]["value"].get<int>();
    auto guid = cluster->ipmitool(2, {"mc", "guid"});
    ASSERT_TRUE(guid) << guid.error();
    EXPECT_EQ(info[0]["guid"], ipmitool_field(*guid, "System GUID"));
    auto mc = cluster->ipmitool(2, {"mc", "info"});
    ASSERT_TRUE(mc) << mc.error();
    EXPECT_EQ(info[0]["bmc"]["firmware"], ipmitool_field(*mc, "Firmware Revision"));
    EXPECT_EQ(info[0]["bmc"]["manufacturer"], "IANA " + ipmitool_field(*mc, "Manufacturer ID"));

    ASSERT_EQ(power({"on", "vnode003", "--wait"}).exit_code, 0);
    EXPECT_TRUE(cluster->wait_for(
        [&] {
            info = power_json({"info", "vnode003"});
            return info.size() == 1 && info[0]["watts"] == 180.0;
        },
        seconds{5}))
        << info;
    const vcluster::CommandResult text = power({"info", "vnode003"});
    EXPECT_EQ(text.exit_code, 0);
    EXPECT_NE(text.out.find(fmt::format("  draw:    180 W\n  sensors: Inlet Temp {} C, Power 180 W\n", inlet_off + 2)),
              std::string::npos)
        << text.out;
}

TEST_F(PowerIpmi, InfoOnABrokenBmcSaysWhyAndAsksNothingMore) {
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode004", "bmc-password"}));
    const auto info = power_json({"info", "vnode00[3-4]"});
    const vcluster::CommandResult exit = power({"info", "vnode00[3-4]"});
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode004", "clear"}));
    ASSERT_EQ(info.size(), 2U);
    EXPECT_EQ(info[1]["state"]["error"]["kind"], "auth_failed") << info[1];
    EXPECT_TRUE(info[1]["guid"].is_null()) << "no further logins after a wrong password";
    EXPECT_TRUE(info[0]["guid"].is_string()) << info[0];
    EXPECT_EQ(exit.exit_code, 1) << exit.out;
}

TEST_F(PowerIpmi, ExitCodesTellUsageConfigAndPartialFailureApart) {
    EXPECT_EQ(power({"status", "vnode[001-999]"}).exit_code, 2);
    EXPECT_NE(power({"status", "nosuch01"}).out.find("not in " + config() + ": nosuch01"), std::string::npos);
    EXPECT_EQ(power({"status", "vnode[001"}).exit_code, 2);
    EXPECT_EQ(power({"reboot", "vnode001"}).exit_code, 2);
    EXPECT_EQ(power({"status", "vnode001"}, "/nonexistent/slumber.toml").exit_code, 3);
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode001", "bmc-password"}));
    const vcluster::CommandResult partial = power({"status", all()});
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode001", "clear"}));
    EXPECT_EQ(partial.exit_code, 1) << partial.out;
    EXPECT_NE(partial.out.find("vnode001: error: authentication failed"), std::string::npos) << partial.out;
}

}  // namespace
}  // namespace slumber::testing
