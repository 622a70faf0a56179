// slumber.toml edited while the daemon runs, on the virtual cluster (real
// slurmctld, slurmd and ipmi_sim): SIGHUP puts a valid file in force and the
// daemon's next decision follows it; an invalid file is refused with the
// running configuration kept and the reason logged and journaled; a hook that
// cannot load the file still journals Slurm's request; an edit not reloaded
// is pointed out in the journal and by `slumber status`.
#include <gtest/gtest.h>
#include <signal.h>

#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "test_cluster.hpp"
#include "util/command.hpp"
#include "vcluster/process.hpp"

namespace slumber::testing {
namespace {

using std::chrono::seconds;

class ConfigReload : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        cluster =
            std::make_unique<TestCluster>(ClusterOptions{"config-reload",
                                                         33,
                                                         29300,
                                                         {"--hooks", "slumber", "--daemon", "--suspend-time", "10s",
                                                          "--suspend-timeout", "5s", "--resume-timeout", "90s"}});
        std::ifstream in(config());
        original.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    static void TearDownTestSuite() { cluster.reset(); }
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "the virtual cluster needs root";
        ASSERT_TRUE(cluster->ready()) << cluster->failure();
        ASSERT_NE(original.find("[slurm]\n"), std::string::npos) << original;
    }
    // Each test starts from the file `vcluster up` wrote, in force.
    void TearDown() override {
        if (::geteuid() != 0 || !cluster->ready()) return;
        write_config(original);
        const int reloads = events("", "reload");
        hangup();
        EXPECT_TRUE(cluster->wait_for([&] { return events("", "reload") > reloads; }, seconds{10}));
    }

    static std::string config() { return cluster->dir() + "/slumber.toml"; }
    // The file as `vcluster up` wrote it, with `line` added to [slurm].
    static std::string with_slurm_line(const std::string& line) {
        std::string text = original;
        text.insert(text.find("[slurm]\n") + 8, line + "\n");
        return text;
    }
    static void write_config(const std::string& text) {
        // As an editor saves it: a new file renamed over the old one.
        std::ofstream(config() + ".new", std::ios::trunc) << text;
        std::filesystem::rename(config() + ".new", config());
    }
    // What `systemctl reload` does.
    static void hangup() {
        auto daemon = vcluster::read_record(cluster->dir() + "/pids/slumberd");
        ASSERT_TRUE(daemon && vcluster::alive(*daemon)) << "the daemon runs";
        ASSERT_EQ(::kill(daemon->pid, SIGHUP), 0);
    }
    static bool daemon_alive() {
        auto daemon = vcluster::read_record(cluster->dir() + "/pids/slumberd");
        return daemon && vcluster::alive(*daemon);
    }
    // Events of `kind` for `node` (any node when empty) whose detail has `text`.
    static int events(const std::string& node, const std::string& kind, const std::string& text = {}) {
        auto out = cluster->run({slumber_program(), "journal", "--json", "--since", "1h", "-c", config()});
        const auto all = nlohmann::json::parse(out.value_or("[]"), nullptr, false);
        int count = 0;
        for (const auto& event : all.is_array() ? all : nlohmann::json::array()) {
            count += (node.empty() || event["node"] == node) && event["kind"] == kind &&
                             event["detail"].get<std::string>().find(text) != std::string::npos
                         ? 1
                         : 0;
        }
        return count;
    }
    // A hook called as Slurm calls it; its exit code.
    // As Slurm runs it (a slurmctld ancestor: journaled as slurm-<hook>).
    static int hook(const std::string& name, const std::string& nodes) {
        const AsSlurmctld slurmctld;
        return util::run_command({slumber_program(), name, nodes, "-c", config()}).exit_code;
    }
    static std::string status_warnings() {
        return util::run_command({slumber_program(), "status", "-c", config()},
                                 {{"SLURM_CONF", cluster->dir() + "/slurm.conf"}})
            .err;
    }
    static std::string daemon_log() {
        std::ifstream in(cluster->dir() + "/log/slumberd.log");
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

    static inline std::unique_ptr<TestCluster> cluster;
    static inline std::string original;
};

TEST_F(ConfigReload, AnExcludeEditedWhileTheDaemonRunsDecidesAfterSighup) {
    ASSERT_TRUE(cluster->wait_for([] { return cluster->state(0) == "idle~"; }, seconds{90})) << cluster->states();
    // vnode001 woken by Slurm and up.
    ASSERT_TRUE(cluster->run({"scontrol", "update", "NodeName=vnode001", "State=POWER_UP"}));
    ASSERT_TRUE(cluster->wait_for([] { return cluster->state(0) == "idle"; }, seconds{60})) << cluster->states();
    ASSERT_TRUE(cluster->bmc_says(0, "on"));

    write_config(with_slurm_line("exclude = \"vnode001\""));
    hangup();
    ASSERT_TRUE(cluster->wait_for([] { return events("", "reload", "exclude vnode001 (was none)") == 1; }, seconds{10}))
        << daemon_log();
    EXPECT_TRUE(daemon_alive());
    // The daemon's next decision follows the file: a power-off is refused.
    const int offs = events("vnode001", "power-off");
    EXPECT_EQ(hook("suspend", "vnode001"), 0);
    EXPECT_TRUE(cluster->wait_for([] { return events("vnode001", "refused", "excluded") >= 1; }, seconds{10}));
    EXPECT_EQ(events("vnode001", "power-off"), offs);
    EXPECT_TRUE(cluster->bmc_says(0, "on"));

    // And back: without the exclude, the same request switches it off.
    write_config(original);
    hangup();
    ASSERT_TRUE(
        cluster->wait_for([] { return events("", "reload", "exclude none (was vnode001)") == 1; }, seconds{10}));
    EXPECT_EQ(hook("suspend", "vnode001"), 0);
    EXPECT_TRUE(cluster->wait_for([&] { return events("vnode001", "power-off", ": off after") > offs; }, seconds{30}));
    EXPECT_TRUE(cluster->bmc_says(0, "off"));
}

TEST_F(ConfigReload, AnInvalidEditIsRefusedAndTheRunningConfigurationKept) {
    write_config(with_slurm_line("exclude = \"vnode002\""));
    hangup();
    ASSERT_TRUE(cluster->wait_for([] { return events("", "reload", "exclude vnode002") >= 1; }, seconds{10}));

    // A typo: the hostlist is not closed.
    const std::string broken = with_slurm_line("exclude = \"vnode[002\"");
    write_config(broken);
    const int line = static_cast<int>(std::count(broken.begin(), broken.begin() + broken.find("vnode[002"), '\n')) + 1;
    hangup();
    ASSERT_TRUE(cluster->wait_for(
        [&] {
            return events("", "reload-refused",
                          fmt::format("not reloaded, the daemon keeps the configuration it "
                                      "runs: line {}: [slurm], exclude",
                                      line)) == 1;
        },
        seconds{10}))
        << daemon_log();
    EXPECT_TRUE(daemon_alive());
    EXPECT_NE(daemon_log().find(fmt::format("slumber.toml:{}: [slurm], exclude", line)), std::string::npos)
        << daemon_log();

    // The hooks cannot load the file either: Slurm's request is journaled
    // all the same, and the daemon decides with what it runs (vnode002 excluded).
    const int offs = events("vnode002", "power-off");
    EXPECT_EQ(hook("suspend", "vnode002"), 0);
    EXPECT_TRUE(
        cluster->wait_for([] { return events("", "hook-config", "the suspend hook cannot load") == 1; }, seconds{10}));
    EXPECT_TRUE(cluster->wait_for([] { return events("vnode002", "refused", "excluded") >= 1; }, seconds{10}));
    EXPECT_EQ(events("vnode002", "power-off"), offs);

    // Said once: the refused file is not reported again as an unloaded edit.
    std::this_thread::sleep_for(seconds{5});
    EXPECT_EQ(events("", "config-changed"), 0);
    EXPECT_EQ(events("", "reload-refused"), 1);
}

TEST_F(ConfigReload, ANodeRemovedAndAddedBackFollowsTheFile) {
    std::string fewer = original;
    const auto names = fewer.find("names = \"vnode[001-004]\"");
    const auto bmcs = fewer.find("bmc = \"127.33.0.[1-4]\"");
    ASSERT_TRUE(names != std::string::npos && bmcs != std::string::npos) << fewer;
    fewer.replace(bmcs, 22, "bmc = \"127.33.0.[1-3]\"");
    fewer.replace(names, 24, "names = \"vnode[001-003]\"");
    write_config(fewer);
    hangup();
    ASSERT_TRUE(cluster->wait_for([] { return events("", "reload", "nodes removed vnode004") == 1; }, seconds{10}))
        << daemon_log();
    EXPECT_EQ(hook("resume", "vnode004"), 0);
    EXPECT_TRUE(cluster->wait_for([] { return events("vnode004", "refused", "not in") == 1; }, seconds{10}));

    write_config(original);
    hangup();
    ASSERT_TRUE(cluster->wait_for([] { return events("", "reload", "nodes added vnode004") == 1; }, seconds{10}));
}

TEST_F(ConfigReload, AHookNeedsNoCredentialsWhileADaemonRuns) {
    // Credentials the hook may not use (here: readable by others, which
    // slumber refuses; at a site: root's file, and Slurm runs the hooks as
    // SlurmUser). The daemon read them when it started.
    const std::string credentials = cluster->dir() + "/ipmi.secret";
    ASSERT_TRUE(std::filesystem::exists(credentials));
    std::filesystem::permissions(credentials, std::filesystem::perms::others_read, std::filesystem::perm_options::add);
    const int offs = events("vnode003", "power-off", "slurm-suspend: off after");
    const int code = hook("suspend", "vnode003");
    std::filesystem::permissions(credentials, std::filesystem::perms::others_read,
                                 std::filesystem::perm_options::remove);
    EXPECT_EQ(code, 0);
    EXPECT_TRUE(cluster->wait_for([&] { return events("vnode003", "power-off", "slurm-suspend: off after") > offs; },
                                  seconds{30}));
    EXPECT_EQ(events("", "hook-config"), 1) << "only the one of the invalid edit";
}

TEST_F(ConfigReload, AnEditNotReloadedIsPointedOutOnce) {
    EXPECT_EQ(status_warnings().find("changed since slumberd"), std::string::npos) << status_warnings();
    std::string paced = original;
    paced.insert(paced.find("[daemon]\n") + 9, "max_booting = 2\n");
    write_config(paced);
    // Said at the second turn of the daemon's loop that sees the edit (it
    // waits for the file to hold still); a turn may hold a look at Slurm,
    // which took seconds in CI's Debian 13 run under ASan on a loaded machine.
    EXPECT_TRUE(cluster->wait_for([] { return events("", "config-changed", "reload it") == 1; }, seconds{30}))
        << daemon_log();
    EXPECT_NE(status_warnings().find("changed since slumberd"), std::string::npos) << status_warnings();
    std::this_thread::sleep_for(seconds{5});
    EXPECT_EQ(events("", "config-changed"), 1) << "said once";

    hangup();
    ASSERT_TRUE(
        cluster->wait_for([] { return events("", "reload", "[daemon] max_booting 0 -> 2") == 1; }, seconds{10}));
    EXPECT_EQ(status_warnings().find("changed since slumberd"), std::string::npos) << status_warnings();
}

}  // namespace
}  // namespace slumber::testing
