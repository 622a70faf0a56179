// The hooks as Slurm runs them and `slumber slurm-config` as an admin reads
// it, without a daemon or a cluster: what reaches the journal and the screen.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "shell.hpp"
#include "slurmctld_like.hpp"

namespace {

using cli_tests::run_like_slurmctld;
using cli_tests::shell;
using cli_tests::slurm_shell;

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
            "[[node]]\nnames = \"n[1-2]\"\ndriver = \"exec\"\non = \"/bin/true\"\ncycle = \"/bin/true\"\n"
            "status = \"/bin/echo on\"\n",
            dir.string(), slurm_extra);
    }
    [[nodiscard]] std::string config() const { return (dir / "slumber.toml").string(); }
    [[nodiscard]] std::string journal() const {
        return shell(fmt::format("'{}' journal -c '{}'", SLUMBER_BINARY, config())).out;
    }
    [[nodiscard]] std::string journal_saying(const std::string& text) const {
        return cli_tests::journal_saying(config(), text);
    }

    std::filesystem::path dir;
};

// With a node_features plugin, Slurm runs `ResumeProgram <hostlist>
// <features>` for a job that needs features a node lacks, and waits for the
// node to boot again (24.11: the node hit ResumeTimeout when slumber took it
// for a plain power-on). A node that is on is power-cycled.
TEST_F(Hooks, ResumeWithFeaturesIsAReboot) {
    const auto run = slurm_shell(fmt::format("'{}' resume 'n[1-2]' feat1,feat2 -c '{}'", SLUMBER_BINARY, config()));
    EXPECT_EQ(run.exit_code, 0) << run.out;
    const std::string said = journal_saying("n2        power-on");
    EXPECT_NE(said.find("n1        requested     on asked by slurm-reboot: reboot; features feat1,feat2 wanted"),
              std::string::npos)
        << said;
    EXPECT_NE(said.find("n2        power-on      on by the hook for slurm-reboot: power cycle (a reboot Slurm asked "
                        "for)"),
              std::string::npos)
        << said;
}

// sbatch --reboot on nodes under power saving: ResumeProgram with
// SLURM_JOB_ID and no SLURM_RESUME_FILE (24.11.5). A wake-up for a job comes
// with the file, and stays a plain power-on.
TEST_F(Hooks, ResumeForSbatchRebootIsAReboot) {
    auto run = slurm_shell(fmt::format("env SLURM_JOB_ID=42 '{}' resume n1 -c '{}'", SLUMBER_BINARY, config()));
    EXPECT_EQ(run.exit_code, 0) << run.out;
    std::string said = journal_saying("n1        power-on");
    EXPECT_NE(said.find("n1        requested     on asked by slurm-reboot: reboot for job 42"), std::string::npos)
        << said;
    EXPECT_NE(said.find("power cycle (a reboot Slurm asked for)"), std::string::npos) << said;

    std::ofstream(dir / "resume.json")
        << R"({"all_nodes_resume": "n2", "jobs": [{"job_id": 43, "nodes_resume": "n2"}]})";
    run = slurm_shell(fmt::format("env SLURM_JOB_ID=43 SLURM_RESUME_FILE='{}' '{}' resume n2 -c '{}'",
                                  (dir / "resume.json").string(), SLUMBER_BINARY, config()));
    EXPECT_EQ(run.exit_code, 0) << run.out;
    said = journal_saying("n2        power-on");
    EXPECT_NE(said.find("n2        requested     on asked by slurm-resume: for job 43"), std::string::npos) << said;
    EXPECT_NE(said.find("n2        power-on      on by the hook for slurm-resume"), std::string::npos) << said;
    EXPECT_EQ(said.find("n2        power-on      on by the hook for slurm-resume: power cycle"), std::string::npos)
        << said;
}

// Slurm 23.02 and later hand ResumeProgram a memfd that slurmctld holds,
// as /proc/<slurmctld pid>/fd/<n>, readable only while the hook runs, with
// the keys all_nodes_resume and nodes_resume and more per job (24.11.5's
// power_save.c). The test process plays slurmctld.
TEST_F(Hooks, ResumeReadsSlurm2302sResumeFileFromProc) {
    const int fd = ::memfd_create("resume_file", 0);
    ASSERT_GE(fd, 0);
    const std::string json =
        R"({"all_nodes_resume":"n[1-2]","jobs":[{"extra":null,"features":"c1","job_id":140814,)"
        R"("nodes_alloc":"n[1-2]","nodes_resume":"n[1-2]","oversubscribe":"OK","partition":"batch",)"
        R"("reservation":null}]})";
    ASSERT_EQ(::write(fd, json.data(), json.size()), static_cast<ssize_t>(json.size()));
    const std::string path = fmt::format("/proc/{}/fd/{}", ::getpid(), fd);
    const auto run = slurm_shell(fmt::format(
        "env SLURM_JOB_ID=140814 SLURM_RESUME_FILE='{}' '{}' resume 'n[1-2]' -c '{}'", path, SLUMBER_BINARY, config()));
    ::close(fd);
    EXPECT_EQ(run.exit_code, 0) << run.out;
    const std::string said = journal();
    EXPECT_NE(said.find("n1        requested     on asked by slurm-resume: for job 140814"), std::string::npos) << said;
    EXPECT_EQ(said.find("ignored"), std::string::npos) << said;
}

// Excluded means never powered off by slumber: a power-on Slurm asks for is
// carried out; a power-off is refused, and Slurm is to be told.
TEST_F(Hooks, AnExcludedNodeIsPoweredOnButNeverOff) {
    write_config("exclude = \"n1\"");
    ASSERT_EQ(slurm_shell(fmt::format("'{}' resume n1 -c '{}'", SLUMBER_BINARY, config())).exit_code, 0);
    std::string said = journal_saying("n1        power-on");
    EXPECT_NE(said.find("n1        power-on      on by the hook for slurm-resume"), std::string::npos) << said;
    EXPECT_EQ(said.find("refused"), std::string::npos) << said;

    ASSERT_EQ(slurm_shell(fmt::format("'{}' suspend n1 -c '{}'", SLUMBER_BINARY, config())).exit_code, 0);
    said = journal_saying("n1        slurm-view");
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
    const auto run = slurm_shell(fmt::format("SLURM_RESUME_FILE='{}' {}'{}' resume n1 -c '{}'",
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
                         << "< /proc/$$/status > " << (dir / "probe.out").string() << "\necho on\n";
    ::chmod(probe.c_str(), 0755);
    // The probe is the status command: the power-on asks it first.
    std::ofstream(dir / "slumber.toml") << fmt::format(
        "[daemon]\nstate_dir = \"{0}/state\"\n[slurm]\nconf = \"{0}/slurm.conf\"\n"
        "[[node]]\nnames = \"n1\"\ndriver = \"exec\"\non = \"/bin/true\"\nstatus = \"{1}\"\n",
        dir.string(), probe.string());
    const auto run = run_like_slurmctld({SLUMBER_BINARY, "resume", "n1", "-c", config()},
                                        {"SLURM_CONF=" + (dir / "slurm.conf").string()});
    EXPECT_EQ(run.exit_code, 0);
    std::error_code error;
    auto written = [&] {
        const auto size = std::filesystem::file_size(dir / "probe.out", error);
        return !error && size > 0;
    };
    for (int poll = 0; poll < 100 && !written(); ++poll) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the hook's carrier runs the command
    }
    std::ifstream in(dir / "probe.out");
    const std::string seen((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(seen, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n") << journal();
}

// A hook's carrier writes to /dev/null: when its file no longer loads (an
// edit between the hook and the carrier), the journal says why the requests
// wait there.
TEST_F(Hooks, ACarrierWhoseFileDoesNotLoadSaysSoInTheJournal) {
    ASSERT_EQ(shell(fmt::format("'{}' carry -c '{}'", SLUMBER_BINARY, config())).exit_code, 0) << "nothing to do";
    ASSERT_EQ(shell(fmt::format("'{}' resume n1 -c '{}'", SLUMBER_BINARY, config())).exit_code, 0);
    (void)journal_saying("n1        power-on");
    std::ofstream(dir / "slumber.toml", std::ios::app) << "[daemon]\nbogus = 1\n";
    const auto run = shell(fmt::format("'{}' carry -c '{}'", SLUMBER_BINARY, config()));
    EXPECT_EQ(run.exit_code, 3) << run.out;
    const std::string said = journal_saying("carrier");
    EXPECT_NE(said.find(fmt::format("carrier       slumber carry cannot load {}", config())), std::string::npos)
        << said;
    EXPECT_NE(said.find("the requests wait in the journal"), std::string::npos) << said;
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

// idle_on_node_suspend lifts every drain when Slurm suspends a node,
// slumber's too (22.05 and 24.11): slurm-config says so. Without slurmctld,
// slurm.conf is read.
TEST_F(Hooks, SlurmConfigNamesIdleOnNodeSuspend) {
    std::ofstream(dir / "slurm.conf")
        << "ClusterName=test\nSlurmctldParameters=enable_configless,idle_on_node_suspend\n";
    const auto run = shell(fmt::format("'{}' slurm-config -c '{}'", SLUMBER_BINARY, config()));
    EXPECT_EQ(run.exit_code, 0) << run.out;
    EXPECT_NE(run.out.find("# SlurmctldParameters=idle_on_node_suspend makes Slurm lift every drain"),
              std::string::npos)
        << run.out;
}

}  // namespace
