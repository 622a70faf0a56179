// What a reload changes (config::diff), how a file's text is fingerprinted,
// and where a hook finds the journal when the file is invalid.
#include <gtest/gtest.h>

#include <fstream>

#include "config/config.hpp"
#include "config/diff.hpp"

namespace slumber::config {
namespace {

Config load_or_fail(const std::string& text) {
    auto loaded = load_text(text, "test.toml");
    EXPECT_TRUE(loaded) << (loaded ? "" : format(loaded.error().front()));
    return loaded ? std::move(*loaded) : Config{};
}

constexpr const char* kBase = R"(
[slurm]
exclude = "n1"
[[node]]
names = "n[1-4]"
driver = "tasmota"
bmc = "http://10.0.0.[1-4]"
)";

TEST(ConfigDiff, TheSameFileChangesNothing) {
    const ConfigChanges changes = diff(load_or_fail(kBase), load_or_fail(kBase));
    EXPECT_TRUE(changes.empty());
    EXPECT_EQ(describe(changes), "no change");
}

TEST(ConfigDiff, NodesAddedAndRemovedAreNamedAsHostlists) {
    const Config after = load_or_fail(R"(
[slurm]
exclude = "n1"
[[node]]
names = "n[1-2],n5,n6"
driver = "tasmota"
bmc = "http://10.0.0.[1-4]"
)");
    const ConfigChanges changes = diff(load_or_fail(kBase), after);
    EXPECT_EQ(changes.nodes_added, (std::vector<std::string>{"n5", "n6"}));
    EXPECT_EQ(changes.nodes_removed, (std::vector<std::string>{"n3", "n4"}));
    // n1 and n2 kept their addresses.
    EXPECT_TRUE(changes.nodes_changed.empty());
    EXPECT_FALSE(changes.exclude_changed);
    EXPECT_EQ(describe(changes), "nodes added n[5-6]; nodes removed n[3-4]");
}

TEST(ConfigDiff, ExcludeComparesTheNodesNotTheSpelling) {
    std::string respelled = kBase;
    respelled.replace(respelled.find("\"n1\""), 4, "\"n[1]\"");
    EXPECT_TRUE(diff(load_or_fail(kBase), load_or_fail(respelled)).empty());

    std::string wider = kBase;
    wider.replace(wider.find("\"n1\""), 4, "\"n[1-2]\"");
    const ConfigChanges changes = diff(load_or_fail(kBase), load_or_fail(wider));
    EXPECT_TRUE(changes.exclude_changed);
    EXPECT_EQ(describe(changes), "exclude n[1-2] (was n1)");

    std::string none = kBase;
    none.replace(none.find("exclude = \"n1\""), 14, "");
    EXPECT_EQ(describe(diff(load_or_fail(kBase), load_or_fail(none))), "exclude none (was n1)");
}

TEST(ConfigDiff, ANodeWithAnotherAddressOrPolicyIsChangedButNotItsLine) {
    std::string moved = kBase;
    moved.insert(0, "\n\n# a comment moves every line\n");
    moved.replace(moved.find("10.0.0.[1-4]"), 12, "10.0.0.[1-3,9]");
    moved += "retries = 7\n";
    const ConfigChanges changes = diff(load_or_fail(kBase), load_or_fail(moved));
    EXPECT_EQ(changes.nodes_changed, (std::vector<std::string>{"n1", "n2", "n3", "n4"}));  // retries
    std::string only_address = kBase;
    only_address.replace(only_address.find("10.0.0.[1-4]"), 12, "10.0.0.[1-3,9]");
    EXPECT_EQ(describe(diff(load_or_fail(kBase), load_or_fail(only_address))), "nodes changed n4");
}

TEST(ConfigDiff, DaemonSettingsAreNamedAndTheStateDirNeedsARestart) {
    const std::string after = std::string(kBase) + R"(
[daemon]
max_booting = 2
late_boot_grace = "5m"
boot_deadline = "20m"
state_dir = "/srv/slumber"
)";
    const ConfigChanges changes = diff(load_or_fail(kBase), load_or_fail(after));
    EXPECT_EQ(changes.settings,
              (std::vector<std::string>{"[daemon] max_booting 0 -> 2", "[daemon] late_boot_grace 2m -> 5m",
                                        "[daemon] boot_deadline unset -> 20m"}));
    EXPECT_EQ(changes.need_restart, (std::vector<std::string>{"[daemon] state_dir /var/lib/slumber -> /srv/slumber"}));
}

TEST(ConfigDiff, SlurmPathsNeedARestartDevicesAndDependenciesAreNamed) {
    const std::string after = std::string(kBase) + R"(
conf = "/opt/slurm/etc/slurm.conf"
[[device]]
name = "ibswitch"
driver = "shelly"
address = "http://switch-plug"
[[dependency]]
device = "ibswitch"
nodes = "n[1-4]"
)";
    std::string text = after;
    // `conf` belongs to [slurm]: move it there.
    text.erase(text.find("conf = "), std::string("conf = \"/opt/slurm/etc/slurm.conf\"\n").size());
    text.replace(text.find("[slurm]\n"), 8, "[slurm]\nconf = \"/opt/slurm/etc/slurm.conf\"\n");
    const ConfigChanges changes = diff(load_or_fail(kBase), load_or_fail(text));
    EXPECT_EQ(changes.devices_added, (std::vector<std::string>{"ibswitch"}));
    EXPECT_EQ(changes.settings, (std::vector<std::string>{"[[dependency]]"}));
    ASSERT_EQ(changes.need_restart.size(), 1U);
    EXPECT_EQ(changes.need_restart[0], "[slurm] conf /etc/slurm/slurm.conf -> /opt/slurm/etc/slurm.conf");
}

TEST(ConfigFingerprint, FollowsTheText) {
    EXPECT_EQ(fingerprint("a = 1\n"), fingerprint("a = 1\n"));
    EXPECT_NE(fingerprint("a = 1\n"), fingerprint("a = 2\n"));
    EXPECT_EQ(load_or_fail(kBase).fingerprint, fingerprint(kBase));
}

TEST(ConfigLoad, AHookReadsTheNodesWithoutTheirCredentials) {
    constexpr const char* kIpmi = R"(
[[node]]
names = "n[1-2]"
driver = "ipmi"
bmc = "10.0.0.[1-2]"
credentials = "/nonexistent/ipmi.secret"
)";
    EXPECT_FALSE(load_text(kIpmi, "test.toml"));
    auto loaded = load_text(kIpmi, "test.toml", {.credentials = false});
    ASSERT_TRUE(loaded) << format(loaded.error().front());
    EXPECT_NE(loaded->find("n2"), nullptr);
    EXPECT_TRUE(loaded->credentials.empty());
}

class StateDirOf : public ::testing::Test {
  protected:
    std::filesystem::path write(const std::string& text) {
        const auto path = std::filesystem::temp_directory_path() /
                          ("slumber-state-dir-" + std::to_string(::getpid()) + "-" + std::to_string(m_files++));
        std::ofstream(path) << text;
        m_paths.push_back(path);
        return path;
    }
    ~StateDirOf() override {
        for (const auto& path : m_paths) std::filesystem::remove(path);
    }

  private:
    int m_files = 0;
    std::vector<std::filesystem::path> m_paths;
};

TEST_F(StateDirOf, AnInvalidButParsedFileStillNamesIt) {
    // An unknown key makes the file invalid for load(), not for TOML.
    EXPECT_EQ(state_dir_of(write("[daemon]\nstate_dir = \"/srv/s\"\nbogus = 1\n")), "/srv/s");
    EXPECT_EQ(state_dir_of(write("[slurm]\nexclude = \"n[1\"\n")), DaemonSettings{}.state_dir);
    EXPECT_EQ(state_dir_of(write("[daemon]\nstate_dir = \"relative\"\n")), std::nullopt);
}

TEST_F(StateDirOf, ABrokenFileIsReadLineByLine) {
    EXPECT_EQ(state_dir_of(write("[slurm]\nexclude = \"n1\nx\n[daemon]\n  state_dir = \"/srv/s\"  # here\n")),
              "/srv/s");
    EXPECT_EQ(state_dir_of(write("[slurm\nexclude = 1\n")), DaemonSettings{}.state_dir);
    // Named, but not in a way that can be made out: no guess.
    EXPECT_EQ(state_dir_of(write("[daemon\nstate_dir = \"/srv/s\"\n")), std::nullopt);
    EXPECT_EQ(state_dir_of("/nonexistent/slumber.toml"), std::nullopt);
}

}  // namespace
}  // namespace slumber::config
