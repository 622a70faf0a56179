// The hooks as Slurm runs them and `slumber slurm-config` as an admin reads
// it, without a daemon or a cluster: what reaches the journal and the screen.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "shell.hpp"
#include "slurmctld_like.hpp"

namespace {

using cli_tests::run_like_slurmctld;
using cli_tests::shell;

// A directory with a slumber.toml of two nodes on the exec driver (no
// credentials, nothing to reach), its journal in state/.
class Hooks : public ::testing::Test {
  protected:
    void SetUp() override {
        dir = std::filesystem::temp_directory_path() /
              fmt::format("slumber-hook-test-{}-{}", ::getpid(),
                          ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir / "state");
        // scontrol fails at once on it (no SlurmctldHost), as on a head node
        // whose slurmctld is away.
        std::ofstream(dir / "slurm.conf") << "ClusterName=test\n";
        write_config("");
    }
    void TearDown() override { std::filesystem::remove_all(dir); }

    void write_config(const std::string& slurm_extra) {
        std::ofstream(dir / "slumber.toml") << fmt::format(
            "[daemon]\nstate_dir = \"{0}/state\"\n[slurm]\nconf = \"{0}/slurm.conf\"\n{1}\n"
            "[[node]]\nnames = \"n[1-2]\"\ndriver = \"exec\"\non = \"/bin/true\"\nstatus = \"/bin/echo on\"\n",
            dir.string(), slurm_extra);
    }
    [[nodiscard]] std::string config() const { return (dir / "slumber.toml").string(); }
    [[nodiscard]] std::string journal() const {
        return shell(fmt::format("'{}' journal -c '{}'", SLUMBER_BINARY, config())).out;
    }

    std::filesystem::path dir;
};

// Slurm 23.02 and later run `ResumeProgram <hostlist> <features>` when a job
// needs node features; slumber once exited 2 on it and the nodes never woke.
TEST_F(Hooks, ResumeTakesTheFeaturesAJobNeedsAndPowersOn) {
    const auto run = shell(fmt::format("'{}' resume 'n[1-2]' feat1,feat2 -c '{}'", SLUMBER_BINARY, config()));
    EXPECT_EQ(run.exit_code, 0) << run.out;
    const std::string said = journal();
    EXPECT_NE(said.find("n1        requested     on asked by slurm-resume: features feat1,feat2 wanted"),
              std::string::npos)
        << said;
    EXPECT_NE(said.find("n2        power-on      on by the hook for slurm-resume"), std::string::npos) << said;
}

// Excluded means never powered off by slumber: a power-on Slurm asks for is
// carried out; a power-off is refused, and Slurm is to be told.
TEST_F(Hooks, AnExcludedNodeIsPoweredOnButNeverOff) {
    write_config("exclude = \"n1\"");
    ASSERT_EQ(shell(fmt::format("'{}' resume n1 -c '{}'", SLUMBER_BINARY, config())).exit_code, 0);
    std::string said = journal();
    EXPECT_NE(said.find("n1        power-on      on by the hook for slurm-resume"), std::string::npos) << said;
    EXPECT_EQ(said.find("refused"), std::string::npos) << said;

    ASSERT_EQ(shell(fmt::format("'{}' suspend n1 -c '{}'", SLUMBER_BINARY, config())).exit_code, 0);
    said = journal();
    EXPECT_NE(said.find("n1        refused       off refused by the hook: excluded in [slurm] exclude: never powered "
                        "off by slumber"),
              std::string::npos)
        << said;
    // No slurmctld here: the journal says that Slurm could not be told.
    EXPECT_NE(said.find("n1        slurm-view    power-off refused; cannot tell Slurm it is still up"),
              std::string::npos)
        << said;
}

// A SLURM_RESUME_FILE the hook (SlurmUser) may not open was journaled as
// "not JSON": the real reason is the open error.
TEST_F(Hooks, AResumeFileThatCannotBeOpenedIsJournaledWithTheReason) {
    std::ofstream(dir / "resume.json") << R"({"all_nodes_resume":"n1","jobs":[{"job_id":7,"nodes_resume":"n1"}]})";
    ::chmod((dir / "resume.json").c_str(), 0600);
    std::string run_as;
    if (::geteuid() == 0) {
        // root reads anything: run the hook as nobody, as Slurm runs it as SlurmUser.
        if (shell("command -v setpriv").exit_code != 0) GTEST_SKIP() << "setpriv is needed to drop root";
        ::chmod(dir.c_str(), 0755);
        ::chmod((dir / "state").c_str(), 01777);
        run_as = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
    } else {
        ::chmod((dir / "resume.json").c_str(), 0);
    }
    const auto run = shell(fmt::format("SLURM_RESUME_FILE='{}' {}'{}' resume n1 -c '{}'",
                                       (dir / "resume.json").string(), run_as, SLUMBER_BINARY, config()));
    EXPECT_EQ(run.exit_code, 0) << run.out;
    const std::string said = journal();
    EXPECT_NE(said.find(fmt::format("SLURM_RESUME_FILE {} ignored: cannot open: Permission denied",
                                    (dir / "resume.json").string())),
              std::string::npos)
        << said;
    EXPECT_EQ(said.find("not JSON"), std::string::npos) << said;
    EXPECT_NE(said.find("n1        requested     on asked by slurm-resume"), std::string::npos) << said;
}

// Slurm 22.05 runs a hook with descriptors 0-2 closed: an error written to
// stderr aborted the hook (SIGABRT, "power_save: program signaled: Aborted"
// in slurmctld's log) and the message was lost. Now it exits with its code,
// and what went wrong reaches syslog.
TEST_F(Hooks, AHookStartedAsSlurm2205StartsItExitsWithItsCodeAndTellsSyslog) {
    std::ofstream(dir / "broken.toml") << "[daemon]\nstate_dir = \"" << (dir / "nowhere").string()
                                       << "\"\n[[node]]\nnames = \"n1\"\n";
    const bool root = ::geteuid() == 0;
    const auto run = run_like_slurmctld({SLUMBER_BINARY, "resume", "n1", "-c", (dir / "broken.toml").string()},
                                        {"SLURM_CONF=" + (dir / "slurm.conf").string()}, root);
    EXPECT_EQ(run.signal, 0) << "killed by signal " << run.signal << "; " << run.syslog;
    EXPECT_EQ(run.exit_code, 3) << run.syslog;
    if (!root) GTEST_SKIP() << "reading syslog needs a private /dev (root)";
    EXPECT_NE(run.syslog.find("slumber-resume["), std::string::npos) << run.syslog;
    EXPECT_NE(run.syslog.find("cannot be loaded and names no journal that exists: n1 is not recorded"),
              std::string::npos)
        << run.syslog;
}

// Slurm 22.05 starts a hook with SIGCHLD (and more) blocked and SIGPIPE
// ignored, and every process it starts inherited that: a site's script that
// waits for its children slept for ever. Each command slumber runs starts
// with a clean mask and default dispositions.
TEST_F(Hooks, WhatAHookRunsStartsWithACleanSignalMask) {
    const auto probe = dir / "probe.sh";
    std::ofstream(probe) << "#!/bin/sh\n"
                         << "while read -r line; do case $line in SigBlk*|SigIgn*) echo \"$line\";; esac; done "
                         << "< /proc/$$/status > " << (dir / "probe.out").string() << "\n";
    ::chmod(probe.c_str(), 0755);
    std::ofstream(dir / "slumber.toml") << fmt::format(
        "[daemon]\nstate_dir = \"{0}/state\"\n[slurm]\nconf = \"{0}/slurm.conf\"\n"
        "[[node]]\nnames = \"n1\"\ndriver = \"exec\"\non = \"{1}\"\n",
        dir.string(), probe.string());
    const auto run = run_like_slurmctld({SLUMBER_BINARY, "resume", "n1", "-c", config()},
                                        {"SLURM_CONF=" + (dir / "slurm.conf").string()});
    EXPECT_EQ(run.exit_code, 0);
    std::ifstream in(dir / "probe.out");
    const std::string seen((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(seen, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n") << journal();
}

// slurmctld runs the hooks from its own directory: a script made from
// `slurm-config -c relative.toml` must name the file by its absolute path.
TEST_F(Hooks, SlurmConfigNamesTheConfigurationByItsAbsolutePath) {
    const auto run = shell(fmt::format("cd '{}' && '{}' slurm-config -c slumber.toml", dir.string(), SLUMBER_BINARY));
    EXPECT_EQ(run.exit_code, 0) << run.out;
    EXPECT_NE(run.out.find(fmt::format("resume --config {}/slumber.toml \"$@\"", dir.string())), std::string::npos)
        << run.out;
    EXPECT_EQ(run.out.find("--config slumber.toml"), std::string::npos) << run.out;
}

TEST_F(Hooks, SlurmConfigPointsOutAnExcludeThatSlurmConfDoesNotShare) {
    write_config("exclude = \"n[1-2]\"");
    std::ofstream(dir / "slurm.conf") << "ClusterName=test\nSuspendExcNodes=n2,head\n";
    auto run = shell(fmt::format("'{}' slurm-config -c '{}'", SLUMBER_BINARY, config()));
    EXPECT_EQ(run.exit_code, 0) << run.out;
    EXPECT_NE(run.out.find(fmt::format("# {}/slurm.conf: n1 in [slurm] exclude but not in slurm.conf's "
                                       "SuspendExcNodes",
                                       dir.string())),
              std::string::npos)
        << run.out;
    std::ofstream(dir / "slurm.conf") << "ClusterName=test\nSuspendExcNodes=n[1-2]\n";
    run = shell(fmt::format("'{}' slurm-config -c '{}'", SLUMBER_BINARY, config()));
    EXPECT_EQ(run.out.find("SuspendExcNodes: Slurm will"), std::string::npos) << run.out;
    EXPECT_EQ(run.out.find("not in slurm.conf"), std::string::npos) << run.out;
}

}  // namespace
