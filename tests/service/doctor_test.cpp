// `slumber doctor`'s checks, each on a crafted slurm.conf and slumber.toml
// in a temporary directory with exactly that fault; the same setup without
// it reports nothing.
#include "service/doctor.hpp"

#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "../support/temp_dir.hpp"
#include "service/doctor_json.hpp"
#include "service/slurm_setup.hpp"
#include "store/journal.hpp"

namespace slumber::service {
namespace {

namespace fs = std::filesystem;

std::string me() {
    const passwd* entry = ::getpwuid(::geteuid());
    return entry ? entry->pw_name : "root";
}

class Doctor : public ::testing::Test {
  protected:
    void SetUp() override {
        ::chmod(dir.c_str(), 0755);
        fs::create_directories(dir / "bin");
        fs::create_directories(dir / "sbin");
        fs::create_directories(dir / "state");
        ::chmod((dir / "state").c_str(), 0755);
        // The hooks for a configuration file other than the default: a
        // script each, as `slumber slurm-config -c FILE` describes them.
        write("bin/slumber", "#!/bin/sh\n", 0755);
        for (const char* verb : {"suspend", "resume", "resume-fail"}) {
            write(fmt::format("sbin/slumber-{}", verb),
                  fmt::format("#!/bin/sh\nexec {0}/bin/slumber {1} --config {0}/slumber.toml \"$@\"\n", dir.string(),
                              verb),
                  0755);
        }
        write("plug.secret", "username = \"u\"\npassword = \"p\"\n", 0600);
        hold_daemon_lock();
        bind_wake_socket();
    }
    void TearDown() override {
        if (m_lock >= 0) ::close(m_lock);
        if (m_socket >= 0) ::close(m_socket);
    }

    void write(const std::string& name, const std::string& text, mode_t mode = 0644) {
        std::ofstream(dir / name) << text;
        ::chmod((dir / name).c_str(), mode);
    }
    // As a running daemon holds it (daemon.cpp's DaemonLock).
    void hold_daemon_lock() {
        m_lock = ::open((dir / "state/slumberd.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
        ASSERT_GE(m_lock, 0);
        ASSERT_EQ(::flock(m_lock, LOCK_EX | LOCK_NB), 0);
        const std::string pid = fmt::format("{}\n", ::getpid());
        ASSERT_EQ(::write(m_lock, pid.data(), pid.size()), static_cast<ssize_t>(pid.size()));
    }
    void release_daemon_lock() {
        ::close(m_lock);
        m_lock = -1;
    }
    // The daemon's wake socket (util/wake_socket.cpp), bound as it binds it.
    void bind_wake_socket() {
        m_socket = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ASSERT_GE(m_socket, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        const std::string path = (dir / "state/slumberd.sock").string();
        ASSERT_LT(path.size(), sizeof(address.sun_path));
        std::copy(path.begin(), path.end(), address.sun_path);
        ASSERT_EQ(::bind(m_socket, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0);
    }

    void set(const std::string& key, const std::string& value) {
        const auto it = std::find_if(power.begin(), power.end(), [&](const auto& pair) { return pair.first == key; });
        if (it == power.end()) {
            power.emplace_back(key, value);
        } else {
            it->second = value;
        }
    }
    void erase(const std::string& key) {
        std::erase_if(power, [&](const auto& pair) { return pair.first == key; });
    }

    DoctorReport run(DoctorOptions options = {}) {
        write("slurm.conf", fmt::format("ClusterName=test\nSlurmctldHost=head(10.0.0.1)\nSlurmUser={}\n"
                                        "# power saving lives in its own file, as sites split it\n"
                                        "Include power.conf\n{}NodeName=DEFAULT CPUs=2\nNodeName=head CPUs=1\n"
                                        "NodeName={} RealMemory=1000\nPartitionName=batch Nodes={} Default=YES\n",
                                        slurm_user, slurm_extra, slurm_nodes, slurm_nodes));
        std::string text;
        for (const auto& [key, value] : power) text += fmt::format("{}={}\n", key, value);
        write("power.conf", text);
        write("slumber.toml",
              fmt::format(R"([daemon]
state_dir = "{0}/state"
{2}
[slurm]
bin_dir = "{0}"
conf = "{0}/slurm.conf"
{3}
[[node]]
names = "{1}"
driver = "exec"
on = "true"
off = "true"

[[device]]
name = "plug"
driver = "tasmota"
address = "http://plug"
credentials = "{4}"
{5})",
                          dir.string(), nodes, daemon_extra, slurm_section, credentials.string(), toml_extra),
              toml_mode);
        return run_doctor(dir / "slumber.toml", offline(std::move(options)));
    }

    // The BMCs, the devices and the clock are doctor_targets_test's: here
    // the files alone.
    // Slurm's release and the machine's name are the test's, whichever the
    // machine has.
    static DoctorOptions offline(DoctorOptions options = {}) {
        options.contact = false;
        options.clock = [] { return ClockSync{}; };
        if (!options.slurm_version) options.slurm_version = slurm::Version{22, 5, 8};
        if (!options.this_host) options.this_host = "admin-desk";
        return options;
    }

    // run(), with the file named relative to the working directory, as
    // `slumber doctor -c slumber.toml` names it.
    DoctorReport run_relative(DoctorOptions options = {}) {
        run(options);  // writes the files
        const fs::path before = fs::current_path();
        fs::current_path(dir);
        DoctorReport report = run_doctor("slumber.toml", offline(std::move(options)));
        fs::current_path(before);
        return report;
    }

    static std::vector<std::string> ids(const DoctorReport& report) {
        std::vector<std::string> out;
        for (const Finding& finding : report.findings) out.emplace_back(to_string(finding.check));
        return out;
    }
    static const Finding* find(const DoctorReport& report, Check check) {
        const auto it = std::find_if(report.findings.begin(), report.findings.end(),
                                     [&](const Finding& finding) { return finding.check == check; });
        return it == report.findings.end() ? nullptr : &*it;
    }
    static std::string text(const DoctorReport& report) { return to_json(report).dump(2); }

    slumber::testing::TempDir m_temp{"slumber-doctor"};
    fs::path dir = m_temp.path();
    int m_lock = -1;
    int m_socket = -1;
    std::string slurm_user = me();
    std::string slurm_nodes = "n[1-4]";
    std::string slurm_extra;
    std::string nodes = "n[1-4]";
    std::string daemon_extra;
    std::string slurm_section;
    std::string toml_extra;
    mode_t toml_mode = 0644;
    fs::path credentials = dir / "plug.secret";
    std::vector<std::pair<std::string, std::string>> power{
        {"SuspendProgram", (dir / "sbin/slumber-suspend").string()},
        {"ResumeProgram", (dir / "sbin/slumber-resume").string()},
        {"ResumeFailProgram", (dir / "sbin/slumber-resume-fail").string()},
        {"SuspendTime", "600"},
        {"SuspendTimeout", "60"},
        {"ResumeTimeout", "300"},
        {"ReturnToService", "1"},
        {"SuspendExcNodes", "head"},
    };
};

TEST_F(Doctor, ACleanSetupReportsNothing) {
    const DoctorReport report = run();
    EXPECT_TRUE(report.findings.empty()) << text(report);
    EXPECT_EQ(report.count(Severity::error), 0);
    EXPECT_EQ(report.slurm_conf, dir / "slurm.conf");
}

TEST_F(Doctor, ConfigurationErrorsAreFindingsWithFileAndLine) {
    toml_extra = "colour = \"red\"\n";
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"config-invalid"}) << text(report);
    EXPECT_EQ(report.findings[0].file, dir / "slumber.toml");
    EXPECT_EQ(report.findings[0].line, 19);
    EXPECT_EQ(report.findings[0].severity(), Severity::error);
}

// A tester's `-c slumber.toml` gave "slumber.toml:23" (every other finding
// names its file absolute) and no fix: line, though docs/doctor.md promises
// one with every finding.
TEST_F(Doctor, ConfigurationErrorsNameTheFileAbsoluteAndAlwaysGiveAFix) {
    toml_extra = "[[device]]\nname = \"pdu\"\ndriver = \"tasmota\"\naddress = \"http://pdu\"\ntimeout = 5\n";
    const DoctorReport report = run_relative();
    ASSERT_EQ(ids(report), std::vector<std::string>{"config-invalid"}) << text(report);
    EXPECT_EQ(report.findings[0].file, dir / "slumber.toml");
    EXPECT_EQ(report.findings[0].line, 23);
    EXPECT_FALSE(report.findings[0].fix.empty()) << text(report);
    EXPECT_NE(report.findings[0].fix.find("a duration in quotes"), std::string::npos) << report.findings[0].fix;
}

TEST_F(Doctor, AMissingSlurmConfIsAFinding) {
    write("slumber.toml",
          fmt::format("[daemon]\nstate_dir = \"{0}/state\"\n[slurm]\nconf = \"{0}/nowhere.conf\"\n", dir.string()));
    const DoctorReport report = run_doctor(dir / "slumber.toml", offline());
    ASSERT_EQ(ids(report), std::vector<std::string>{"slurm-conf-missing"}) << text(report);
    EXPECT_EQ(report.findings[0].file, dir / "slumber.toml");
    EXPECT_EQ(report.findings[0].line, 4) << "the conf = line, not line 0";
}

// `conf = "/etc/slurm"` was read as an empty slurm.conf: a flood of
// findings (hook-unset, suspend-time-unset, node-unknown-to-slurm …) about
// a file that is not there, instead of the one that says so.
TEST_F(Doctor, ASlurmConfThatIsADirectoryIsOneFinding) {
    write("slumber.toml",
          fmt::format("[daemon]\nstate_dir = \"{0}/state\"\n[slurm]\nconf = \"{0}/sbin\"\n", dir.string()));
    const DoctorReport report = run_doctor(dir / "slumber.toml", offline());
    ASSERT_EQ(ids(report), std::vector<std::string>{"slurm-conf-missing"}) << text(report);
    EXPECT_NE(report.findings[0].what.find("is a directory, not slurm.conf"), std::string::npos)
        << report.findings[0].what;
}

TEST_F(Doctor, AnIncludeThatCannotBeReadIsAnErrorAtItsLine) {
    slurm_extra = "Include site-%c.conf\n";
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"slurm-conf-include"}) << text(report);
    EXPECT_EQ(report.findings[0].file, dir / "slurm.conf");
    EXPECT_EQ(report.findings[0].line, 6);
    EXPECT_NE(report.findings[0].what.find((dir / "site-test.conf").string()), std::string::npos)
        << "%c is ClusterName";
    EXPECT_EQ(report.findings[0].fix, "make the file exist and be readable, or remove the Include line");
}

// Each kind of Include fault has its own fix: for a pattern, "make the file
// exist" (the one fix all kinds had) would have an admin create a file named
// *.conf.
TEST_F(Doctor, AnIncludePatternsFixIsOneLineAFile) {
    slurm_extra = "Include conf.d/*.conf\n";
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"slurm-conf-include"}) << text(report);
    EXPECT_EQ(report.findings[0].fix, "name each file on an Include line of its own");
}

// Lines slurmctld refuses, the whole file with them (it does not start):
// doctor said nothing of `this is garbage` or `NoSuchKey=1` where Slurm
// 22.05.8 said `Parse error in file ... line 46: "this is garbage"` and
// "Parsing error at unrecognized key: NoSuchKey".
TEST_F(Doctor, ALineSlurmRefusesIsAnErrorAtItsFileAndLine) {
    slurm_extra = "this is garbage\n";
    DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"slurm-conf-syntax"}) << text(report);
    EXPECT_EQ(report.findings[0].file, dir / "slurm.conf");
    EXPECT_EQ(report.findings[0].line, 6);
    EXPECT_NE(report.findings[0].what.find("\"this is garbage\""), std::string::npos) << report.findings[0].what;
    EXPECT_EQ(report.findings[0].severity(), Severity::error);

    slurm_extra = "NoSuchKey=1\nNodeName=DEFAULT Colour=red\n";
    report = run();
    ASSERT_EQ(ids(report), (std::vector<std::string>{"slurm-conf-unknown-key", "slurm-conf-unknown-key"}))
        << text(report);
    EXPECT_EQ(report.findings[0].line, 6);
    EXPECT_NE(report.findings[0].what.find("\"NoSuchKey\" is no key Slurm knows"), std::string::npos)
        << report.findings[0].what;
    EXPECT_EQ(report.findings[1].line, 7);
    EXPECT_NE(report.findings[1].what.find("on a NodeName line"), std::string::npos) << report.findings[1].what;

    // A misspelt key, in the included file: the key it means, and its line.
    slurm_extra.clear();
    erase("SuspendProgram");
    set("SuspendProgramm", (dir / "sbin/slumber-suspend").string());
    report = run();
    const Finding* finding = find(report, Check::slurm_conf_unknown_key);
    ASSERT_TRUE(finding) << text(report);
    EXPECT_EQ(finding->file, dir / "power.conf");
    EXPECT_NE(finding->fix.find("write SuspendProgram"), std::string::npos) << finding->fix;
    EXPECT_EQ(finding->paste, "SuspendProgram=" + (dir / "sbin/slumber-suspend").string());
    EXPECT_TRUE(find(report, Check::hook_unset)) << "Slurm has no SuspendProgram either";
}

TEST_F(Doctor, ASlurmUserThatIsNoAccountIsAnError) {
    slurm_user = "slumber-no-such-user";
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"slurm-user-unknown"}) << text(report);
    EXPECT_EQ(report.findings[0].line, 3);
}

// The line to paste names slumber's hook for that verb and this file
// beside the hooks slurm.conf names (sbin/slumber-suspend beside
// sbin/slumber-resume): a tester pasted $D/slumber-suspend, which did not
// exist, and slurmctld refused it.
TEST_F(Doctor, AMissingSuspendProgramGivesTheLineToPaste) {
    erase("SuspendProgram");
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"hook-unset"}) << text(report);
    EXPECT_EQ(report.findings[0].paste, fmt::format("SuspendProgram={}/sbin/slumber-suspend", dir.string()));
    EXPECT_EQ(report.findings[0].fix.find("does not exist"), std::string::npos) << report.findings[0].fix;
    EXPECT_EQ(report.findings[0].file, dir / "slurm.conf");
}

// With no hook of slumber's known, the line names where the hook belongs
// (beside slumber.toml) and the fix says to create it, with the script
// `slumber slurm-config -c FILE` prints.
TEST_F(Doctor, AHookToPasteThatDoesNotExistIsToBeCreatedWithItsScript) {
    for (const char* verb : {"suspend", "resume", "resume-fail"})
        fs::remove(dir / fmt::format("sbin/slumber-{}", verb));
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>(3, "hook-missing")) << text(report);
    const Finding& suspend = report.findings[0];
    EXPECT_EQ(suspend.paste, fmt::format("SuspendProgram={}/slumber-suspend", dir.string()));
    EXPECT_NE(
        suspend.fix.find(fmt::format(
            "; {0}/slumber-suspend does not exist: create it, an executable script (not a link; owned by root, "
            "mode 755: Slurm refuses a program others may write), whose lines are `#!/bin/sh` then `exec {1}/slumber "
            "suspend --config {0}/slumber.toml \"$@\"`",
            dir.string(), own_directory().string())),
        std::string::npos)
        << suspend.fix;
    EXPECT_NE(report.findings[2].fix.find("`exec " + (own_directory() / "slumber").string() + " resume-fail --config"),
              std::string::npos)
        << report.findings[2].fix;
}

TEST_F(Doctor, AMissingResumeFailProgramIsAWarning) {
    erase("ResumeFailProgram");
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"resume-fail-unset"}) << text(report);
    EXPECT_EQ(report.findings[0].severity(), Severity::warning);
}

TEST_F(Doctor, ARelativeHookIsAnErrorWhereItIsWrittenInTheIncludedFile) {
    set("ResumeProgram", "slumber-resume");
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"hook-relative"}) << text(report);
    EXPECT_EQ(report.findings[0].file, dir / "power.conf");
    EXPECT_EQ(report.findings[0].line, 2);
    EXPECT_EQ(report.findings[0].paste, fmt::format("ResumeProgram={}/sbin/slumber-resume", dir.string()));
}

TEST_F(Doctor, AHookThatDoesNotExistIsAnError) {
    set("SuspendProgram", (dir / "sbin/slumber-sleep").string());
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"hook-missing"}) << text(report);
    EXPECT_EQ(report.findings[0].paste, fmt::format("SuspendProgram={}/sbin/slumber-suspend", dir.string()));
    EXPECT_EQ(report.findings[0].fix.find("does not exist"), std::string::npos) << report.findings[0].fix;
}

TEST_F(Doctor, AHookSlurmUserMayNotRunIsAnError) {
    for (const char* verb : {"suspend", "resume", "resume-fail"}) {
        ::chmod((dir / fmt::format("sbin/slumber-{}", verb)).c_str(), 0644);
    }
    const DoctorReport report = run();
    EXPECT_EQ(ids(report), std::vector<std::string>(3, "hook-not-executable")) << text(report);
}

TEST_F(Doctor, AHookOthersMayWriteIsAnErrorSlurmRefusesIt) {
    for (const char* verb : {"suspend", "resume", "resume-fail"}) {
        ::chmod((dir / fmt::format("sbin/slumber-{}", verb)).c_str(), 0775);
    }
    const DoctorReport report = run();
    EXPECT_EQ(ids(report), std::vector<std::string>(3, "hook-group-writable")) << text(report);
    EXPECT_NE(report.findings[0].fix.find("chmod go-w"), std::string::npos);
}

TEST_F(Doctor, ASiteScriptIsNotSlumbersHook) {
    write("sbin/site-suspend", "#!/bin/sh\nipmitool -H \"$1-ipmi\" chassis power off\n", 0755);
    set("SuspendProgram", (dir / "sbin/site-suspend").string());
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"hook-not-slumber"}) << text(report);
    EXPECT_EQ(report.findings[0].severity(), Severity::warning);
    EXPECT_EQ(report.findings[0].paste, fmt::format("SuspendProgram={}/sbin/slumber-suspend", dir.string()));
}

// slumber named only in a comment: the script runs ipmitool, not slumber
// (a tester's passed as slumber's hook).
TEST_F(Doctor, ASiteScriptThatNamesSlumberInACommentIsNotSlumbersHook) {
    write("sbin/site-suspend",
          fmt::format("#!/bin/sh\n# this used to run: slumber suspend --config {}/slumber.toml \"$1\"\n"
                      "ipmitool -H \"$1-ipmi\" chassis power off # not slumber suspend\n",
                      dir.string()),
          0755);
    set("SuspendProgram", (dir / "sbin/site-suspend").string());
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"hook-not-slumber"}) << text(report);
}

// slumber's verb only in what a script prints or logs: it runs ipmitool.
TEST_F(Doctor, ASiteScriptThatOnlyPrintsSlumbersVerbIsNotSlumbersHook) {
    write("sbin/site-suspend",
          fmt::format("#!/bin/sh\necho \"slumber suspend --config {}/slumber.toml $1\" >> /var/log/hooks.log\n"
                      "LC_ALL=C /usr/bin/logger -t hooks slumber suspend \"$1\"; printf 'slumber suspend\\n'\n"
                      "ipmitool -H \"$1-ipmi\" chassis power off\n",
                      dir.string()),
          0755);
    set("SuspendProgram", (dir / "sbin/site-suspend").string());
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"hook-not-slumber"}) << text(report);
}

// A site's wrapper that logs, then runs slumber, is slumber's hook.
TEST_F(Doctor, ASiteScriptThatLogsThenRunsSlumberIsSlumbersHook) {
    write("sbin/site-suspend",
          fmt::format("#!/bin/bash\nset -e\necho \"$(date) suspend $1\" >> /tmp/hooks.log\n"
                      "SLUMBER_X=1 exec {}/slumber suspend --config {}/slumber.toml \"$@\"\n",
                      own_directory().string(), dir.string()),
          0755);
    set("SuspendProgram", (dir / "sbin/site-suspend").string());
    const DoctorReport report = run();
    const auto found = ids(report);
    EXPECT_EQ(std::ranges::find(found, "hook-not-slumber"), found.end()) << text(report);
}

// The package's links run the verb their name says, on the default file.
TEST_F(Doctor, ALinkToSlumberIsItsHookForTheDefaultFile) {
    fs::create_directory(dir / "links");
    fs::create_symlink("../bin/slumber", dir / "links/slumber-suspend");
    set("SuspendProgram", (dir / "links/slumber-suspend").string());
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"hook-other-config"}) << text(report);
    EXPECT_NE(report.findings[0].what.find("/etc/slumber/slumber.toml"), std::string::npos) << report.findings[0].what;
    EXPECT_EQ(report.findings[0].severity(), Severity::warning);
}

TEST_F(Doctor, AScriptForAnotherConfigurationFileIsAWarning) {
    write("sbin/slumber-resume", "#!/bin/sh\nexec /usr/sbin/slumber-resume --config=/etc/other.toml \"$@\"\n", 0755);
    EXPECT_EQ(ids(run()), std::vector<std::string>{"hook-other-config"});
    // Where the hook belongs (beside slumber.toml), the line in slurm.conf
    // is right and the script is not: no line to paste (it repeated the
    // line already there).
    write("slumber-resume", "#!/bin/sh\nexec slumber resume --config=/etc/other.toml \"$@\"\n", 0755);
    set("ResumeProgram", (dir / "slumber-resume").string());
    DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"hook-other-config"}) << text(report);
    EXPECT_EQ(report.findings[0].paste, "") << text(report);
    EXPECT_NE(report.findings[0].fix.find("make " + (dir / "slumber-resume").string() + " run slumber resume"),
              std::string::npos)
        << report.findings[0].fix;
    set("ResumeProgram", (dir / "sbin/slumber-resume").string());
    // A variable cannot be told: no finding.
    write("sbin/slumber-resume", "#!/bin/sh\nexec slumber resume -c \"$CONF\" \"$@\"\n", 0755);
    EXPECT_TRUE(run().findings.empty());
}

TEST_F(Doctor, SlumbersHookForAnotherVerbIsAnError) {
    fs::create_directory(dir / "links");
    fs::create_symlink("../bin/slumber", dir / "links/slumber-resume");
    set("SuspendProgram", (dir / "links/slumber-resume").string());
    write("sbin/fail", "#!/bin/sh\nexec slumber resume --config x \"$@\"\n", 0755);
    set("ResumeFailProgram", (dir / "sbin/fail").string());
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>(2, "hook-wrong-verb")) << text(report);
    EXPECT_NE(report.findings[0].what.find("instead of `suspend`"), std::string::npos) << report.findings[0].what;
    EXPECT_NE(report.findings[1].what.find("instead of `resume-fail`"), std::string::npos) << report.findings[1].what;
    EXPECT_EQ(report.findings[0].paste, fmt::format("SuspendProgram={}/sbin/slumber-suspend", dir.string()));
    EXPECT_EQ(report.findings[1].paste, fmt::format("ResumeFailProgram={}/sbin/slumber-resume-fail", dir.string()));
}

// A tester's hooks were scripts $D/hooks/suspend and $D/hooks/resume, and
// SuspendProgram named the resume one: the line to paste names the suspend
// script beside it, not $D/slumber-suspend, which did not exist.
TEST_F(Doctor, TheLineToPasteNamesTheHookBesideTheOthers) {
    fs::create_directory(dir / "hooks");
    for (const char* verb : {"suspend", "resume", "resume-fail"}) {
        fs::remove(dir / fmt::format("sbin/slumber-{}", verb));
        write(fmt::format("hooks/{}", verb),
              fmt::format("#!/bin/sh\nexec slumber {} --config {}/slumber.toml \"$@\"\n", verb, dir.string()), 0755);
    }
    set("SuspendProgram", (dir / "hooks/resume").string());
    set("ResumeProgram", (dir / "hooks/resume").string());
    set("ResumeFailProgram", (dir / "hooks/resume-fail").string());
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"hook-wrong-verb"}) << text(report);
    EXPECT_EQ(report.findings[0].paste, fmt::format("SuspendProgram={}/hooks/suspend", dir.string()));
    EXPECT_EQ(report.findings[0].fix.find("does not exist"), std::string::npos) << report.findings[0].fix;
}

TEST_F(Doctor, PowerSavingOffIsAnErrorUnlessAPartitionTurnsItOn) {
    set("SuspendTime", "INFINITE");
    DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"suspend-time-unset"}) << text(report);
    EXPECT_EQ(report.findings[0].paste, "SuspendTime=600");
    erase("SuspendTime");
    slurm_extra = "PartitionName=DEFAULT SuspendTime=300\n";
    EXPECT_TRUE(run().findings.empty());
}

// A tester: SuspendTime=NONE, which slurmctld 22.05 reads as INFINITE,
// passed for power saving on; "abc" and "10min", which it reads as 0 s and
// 10 s, passed too.
TEST_F(Doctor, SuspendTimeNoneIsOffAndAValueThatIsNoNumberIsAnError) {
    for (const char* off : {"NONE", "none", "-1", "Infinite"}) {
        set("SuspendTime", off);
        EXPECT_EQ(ids(run()), std::vector<std::string>{"suspend-time-unset"}) << off << "\n" << text(run());
    }
    for (const char* garbage : {"abc", "10min", "-5"}) {
        set("SuspendTime", garbage);
        const DoctorReport report = run();
        ASSERT_EQ(ids(report), std::vector<std::string>{"slurm-conf-value"}) << garbage << "\n" << text(report);
        EXPECT_NE(report.findings[0].what.find("is neither a number of seconds nor INFINITE"), std::string::npos)
            << report.findings[0].what;
        EXPECT_EQ(report.findings[0].paste, "SuspendTime=600");
        EXPECT_GT(report.findings[0].line, 0);
    }
    // A partition's NONE keeps its nodes on, as INFINITE does.
    set("SuspendTime", "600");
    slurm_extra = "PartitionName=admin Nodes=head SuspendTime=NONE\n";
    erase("SuspendExcNodes");
    EXPECT_TRUE(run().findings.empty()) << text(run());
}

TEST_F(Doctor, ResumeTimeoutIsHeldToTheMeasuredBoots) {
    {
        auto journal = store::Journal::open(dir / "state/journal.db");
        ASSERT_TRUE(journal) << journal.error();
        // The slowest boot took 130 s: 1.5 x that is 195 s, 240 s in whole minutes.
        ASSERT_TRUE(journal->boot_started("n1", 1'000'000));
        ASSERT_TRUE(journal->boot_registered("n1", 1'130'000));
    }
    set("ResumeTimeout", "100");
    DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"resume-timeout-short"}) << text(report);
    EXPECT_EQ(report.findings[0].paste, "ResumeTimeout=240");
    EXPECT_EQ(report.findings[0].file, dir / "power.conf");
    EXPECT_EQ(report.findings[0].line, 6);
    set("ResumeTimeout", "190");
    report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"resume-timeout-tight"}) << text(report);
    EXPECT_EQ(report.findings[0].paste, "ResumeTimeout=240");  // the advised value, whole minutes
    // Half again the slowest boot (195 s) is not tight, though under the
    // advised 240 s.
    set("ResumeTimeout", "200");
    EXPECT_TRUE(run().findings.empty()) << text(run());
    set("ResumeTimeout", "240");
    EXPECT_TRUE(run().findings.empty());
    erase("ResumeTimeout");  // 60 s by default
    EXPECT_EQ(ids(run()), std::vector<std::string>{"resume-timeout-short"});

    // A partition's own wins, for its nodes (here every partition after DEFAULT's line).
    set("ResumeTimeout", "300");
    slurm_extra = "PartitionName=DEFAULT ResumeTimeout=100\n";
    report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"resume-timeout-short"}) << text(report);
    EXPECT_EQ(report.findings[0].file, dir / "slurm.conf");
    EXPECT_EQ(report.findings[0].line, 6);
    EXPECT_EQ(report.findings[0].paste, "PartitionName=DEFAULT ResumeTimeout=240");
    set("ResumeTimeout", "100");
    slurm_extra = "PartitionName=DEFAULT ResumeTimeout=600\n";
    EXPECT_TRUE(run().findings.empty()) << text(run());
}

// Fast boots: a ResumeTimeout under the advised value's 60 s floor is not
// tight when it covers the slowest boot by half again (a tester's 30 s
// against 3.5 s boots was called tight).
TEST_F(Doctor, AShortResumeTimeoutIsNotTightForFastBoots) {
    {
        auto journal = store::Journal::open(dir / "state/journal.db");
        ASSERT_TRUE(journal) << journal.error();
        ASSERT_TRUE(journal->boot_started("n1", 1'000'000));
        ASSERT_TRUE(journal->boot_registered("n1", 1'003'500));
    }
    set("ResumeTimeout", "30");
    EXPECT_TRUE(run().findings.empty()) << text(run());
    set("ResumeTimeout", "5");  // 3.5 s x 1.5 = 5.25 s
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"resume-timeout-tight"}) << text(report);
    EXPECT_EQ(report.findings[0].paste, "ResumeTimeout=60");
}

TEST_F(Doctor, AnUnsetResumeTimeoutWithoutMeasuredBootsIsAdvice) {
    erase("ResumeTimeout");
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"resume-timeout-default"}) << text(report);
    EXPECT_EQ(report.findings[0].severity(), Severity::advice);
}

TEST_F(Doctor, AnUnsetSuspendTimeoutIsAdvice) {
    erase("SuspendTimeout");
    EXPECT_EQ(ids(run()), std::vector<std::string>{"suspend-timeout-unset"});
}

// SuspendTimeout against Slurm's suspends the journal saw carried out: from
// the hook's request to the confirmed off.
TEST_F(Doctor, SuspendTimeoutIsHeldToTheMeasuredPowerOffs) {
    {
        auto journal = store::Journal::open(dir / "state/journal.db");
        ASSERT_TRUE(journal) << journal.error();
        const std::vector<std::string> n1{"n1"};
        const std::vector<std::string> n2{"n2"};
        // n1 took 70 s, n2 20 s; n3's failed one and a person's do not count.
        const auto off = [&](const std::vector<std::string>& node, store::RequestSource source, store::TimeMs took,
                             bool ok) {
            auto ids = journal->start_requests(node, power::Action::off, source, 1'000'000);
            ASSERT_TRUE(ids) << ids.error();
            ASSERT_TRUE(journal->finish_with(
                ids->front(), ok, ok ? "off" : "error",
                {0, 1'000'000 + took, node.front(), ids->front(), store::EventKind::power_off, "off"}));
        };
        off(n1, store::RequestSource::slurm_suspend, 70'000, true);
        off(n2, store::RequestSource::slurm_suspend, 20'000, true);
        off({"n3"}, store::RequestSource::slurm_suspend, 500'000, false);
        off({"n4"}, store::RequestSource::hand_suspend, 500'000, true);
    }
    set("SuspendTimeout", "60");
    DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"suspend-timeout-short"}) << text(report);
    EXPECT_EQ(report.findings[0].paste, "SuspendTimeout=110") << "1.5 x 70 s, in tens of seconds";
    EXPECT_EQ(report.findings[0].file, dir / "power.conf");
    EXPECT_NE(report.findings[0].what.find("slowest of 2 measured power-offs"), std::string::npos) << text(report);
    set("SuspendTimeout", "70");
    EXPECT_TRUE(run().findings.empty()) << text(run());
    // Unset: Slurm's 30 s against the measured 70 s.
    erase("SuspendTimeout");
    report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"suspend-timeout-short"}) << text(report);
    EXPECT_NE(report.findings[0].what.find("30 s (not set: Slurm's default)"), std::string::npos) << text(report);
}

// SuspendExcStates is 23.02's: from then Slurm powers down an idle drained
// node unless it lists drain; 22.05 has no such key to advise.
TEST_F(Doctor, SuspendExcStatesWithoutDrainIsAdviceFromSlurm2302) {
    EXPECT_TRUE(run().findings.empty()) << "22.05: " << text(run());
    DoctorOptions options;
    options.slurm_version = slurm::Version{24, 11, 3};
    DoctorReport report = run(options);
    ASSERT_EQ(ids(report), std::vector<std::string>{"suspend-exc-states"}) << text(report);
    EXPECT_EQ(report.findings[0].severity(), Severity::advice);
    EXPECT_EQ(report.findings[0].paste, "SuspendExcStates=drain");
    set("SuspendExcStates", "DOWN,planned");
    report = run(options);
    ASSERT_EQ(ids(report), std::vector<std::string>{"suspend-exc-states"}) << text(report);
    EXPECT_EQ(report.findings[0].paste, "SuspendExcStates=down,planned,drain");
    EXPECT_EQ(report.findings[0].file, dir / "power.conf");
    set("SuspendExcStates", "down,Drain");
    EXPECT_TRUE(run(options).findings.empty()) << text(run(options));
}

TEST_F(Doctor, AControllerThatIsASlurmNodeMustBeExcluded) {
    erase("SuspendExcNodes");
    DoctorOptions options;
    DoctorReport report = run(options);
    ASSERT_EQ(ids(report), std::vector<std::string>{"controller-not-excluded"}) << text(report);
    EXPECT_EQ(report.findings[0].paste, "SuspendExcNodes=head");
    EXPECT_EQ(report.findings[0].nodes, std::vector<std::string>{"head"});
    // A second controller named by its long name is the node of its short
    // one. (Doctor runs on the backup: its daemon's controller is that one.)
    slurm_extra = "NodeName=backup CPUs=1\nSlurmctldHost=backup.cluster.example\n";
    options.this_host = "backup";
    report = run(options);
    ASSERT_EQ(ids(report), std::vector<std::string>{"controller-not-excluded"}) << text(report);
    EXPECT_EQ(report.findings[0].paste, "SuspendExcNodes=backup,head");
    // Their partition in SuspendExcParts keeps them on too.
    slurm_extra += "PartitionName=admin Nodes=head,backup\n";
    set("SuspendExcParts", "admin");
    EXPECT_TRUE(run(options).findings.empty()) << text(run(options));
}

// A tester kept the controller on with its partition's own
// SuspendTime=INFINITE, and doctor said Slurm would suspend it (exit 5).
// slurmctld gives a node the highest SuspendTime of its partitions,
// INFINITE above any number, so such a node is never suspended, even when
// another of its partitions has a number; PartitionName=DEFAULT's counts for
// the lines after it.
TEST_F(Doctor, AControllerKeptOnByItsPartitionsSuspendTimeIsExcluded) {
    erase("SuspendExcNodes");
    slurm_extra = "PartitionName=admin Nodes=head SuspendTime=INFINITE\nPartitionName=all Nodes=head SuspendTime=60\n";
    EXPECT_TRUE(run().findings.empty()) << text(run());
    slurm_extra =
        "PartitionName=DEFAULT SuspendTime=-1\nPartitionName=admin Nodes=head\nPartitionName=DEFAULT "
        "SuspendTime=600\n";
    EXPECT_TRUE(run().findings.empty()) << text(run());
    // A number does not keep it on.
    slurm_extra = "PartitionName=admin Nodes=head SuspendTime=3600\n";
    EXPECT_EQ(ids(run()), std::vector<std::string>{"controller-not-excluded"}) << text(run());
}

// Login nodes (by name: Slurm has no word for them) and the machine doctor
// runs on are Slurm nodes that idle most of the time: Slurm would suspend
// them under the users logged in.
TEST_F(Doctor, ALoginNodeOrThisMachineMustBeExcluded) {
    slurm_extra = "NodeName=login[01-02] CPUs=1\nNodeName=admin-desk CPUs=1\n";
    DoctorReport report = run();
    // Not in slumber.toml either: slumber could not switch them, whatever
    // they are (a tester's login01 showed only the warning).
    ASSERT_EQ(ids(report), (std::vector<std::string>{"login-node-not-excluded", "node-without-power-control"}))
        << text(report);
    EXPECT_EQ(report.findings[0].severity(), Severity::warning);
    EXPECT_EQ(report.findings[0].nodes, (std::vector<std::string>{"login01", "login02", "admin-desk"}));
    EXPECT_EQ(report.findings[0].paste, "SuspendExcNodes=head,admin-desk,login[01-02]");
    EXPECT_EQ(report.findings[1].nodes, (std::vector<std::string>{"login01", "login02", "admin-desk"}));
    set("SuspendExcNodes", "head,login[01-02],admin-desk");
    EXPECT_TRUE(run().findings.empty()) << text(run());
}

TEST_F(Doctor, ANodeInExcludeThatSlurmMaySuspendIsAWarning) {
    slurm_section = "exclude = \"n1\"";
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"exclude-only-slumber"}) << text(report);
    EXPECT_EQ(report.findings[0].paste, "SuspendExcNodes=head,n1");
}

TEST_F(Doctor, ANodeSlurmKeepsOnThatSlumberMaySwitchOffIsAWarning) {
    set("SuspendExcNodes", "head,n2");
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"exclude-only-slurm"}) << text(report);
    EXPECT_EQ(report.findings[0].nodes, std::vector<std::string>{"n2"});
    EXPECT_EQ(report.findings[0].file, dir / "slumber.toml");
    EXPECT_EQ(report.findings[0].line, 0) << "no exclude = written: the file as a whole";
}

// The finding pointed at slumber.toml:0 while `exclude =` was written.
TEST_F(Doctor, ANodeSlurmKeepsOnIsAtTheExcludeLine) {
    set("SuspendExcNodes", "head,n1,n2");
    slurm_section = "exclude = \"n1\"";
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"exclude-only-slurm"}) << text(report);
    EXPECT_EQ(report.findings[0].nodes, std::vector<std::string>{"n2"});
    EXPECT_EQ(report.findings[0].line, 7) << "[daemon], state_dir, a blank, [slurm], bin_dir, conf, exclude";
}

TEST_F(Doctor, ResumeRateFasterThanSlumbersPacingIsAWarning) {
    daemon_extra = "boots_per_minute = 5";
    DoctorReport report = run();  // ResumeRate unset: 300 a minute
    ASSERT_EQ(ids(report), std::vector<std::string>{"resume-rate-pacing"}) << text(report);
    EXPECT_EQ(report.findings[0].paste, "ResumeRate=5");
    set("ResumeRate", "5");
    EXPECT_TRUE(run().findings.empty());
}

TEST_F(Doctor, ReturnToServiceZeroIsAdvice) {
    set("ReturnToService", "0");
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"return-to-service"}) << text(report);
    EXPECT_EQ(report.findings[0].paste, "ReturnToService=1");
}

TEST_F(Doctor, IdleOnNodeSuspendIsAWarningWithTheLineWithoutIt) {
    set("SlurmctldParameters", "enable_configless,idle_on_node_suspend");
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"idle-on-node-suspend"}) << text(report);
    EXPECT_EQ(report.findings[0].paste, "SlurmctldParameters=enable_configless");
    // Slurm finds it in any case; a tester's paste line kept it.
    set("SlurmctldParameters", "enable_configless,Idle_On_Node_Suspend");
    EXPECT_EQ(run().findings.at(0).paste, "SlurmctldParameters=enable_configless");
    set("SlurmctldParameters", "IDLE_ON_NODE_SUSPEND");
    EXPECT_EQ(run().findings.at(0).paste, "");
    EXPECT_EQ(run().findings.at(0).fix, "remove the SlurmctldParameters line");
}

TEST_F(Doctor, ANodeSlurmDoesNotKnowIsAnError) {
    nodes = "n[1-5]";
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"node-unknown-to-slurm"}) << text(report);
    EXPECT_EQ(report.findings[0].nodes, std::vector<std::string>{"n5"});
    EXPECT_EQ(report.findings[0].line, 8);
}

// Each finding's SuspendExcNodes line has every node to add: pasting one
// line per finding would keep only the last.
TEST_F(Doctor, EverySuspendExcNodesToPasteHasEveryNodeToAdd) {
    erase("SuspendExcNodes");
    slurm_nodes = "n[1-5]";
    slurm_section = "exclude = \"n1\"";
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), (std::vector<std::string>{"controller-not-excluded", "exclude-only-slumber",
                                                     "node-without-power-control"}))
        << text(report);
    for (const Finding& finding : report.findings) EXPECT_EQ(finding.paste, "SuspendExcNodes=head,n[1,5]");
}

TEST_F(Doctor, ASlurmNodeSlumberCannotSwitchMustBeExcluded) {
    slurm_nodes = "n[1-6]";
    DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"node-without-power-control"}) << text(report);
    EXPECT_EQ(report.findings[0].paste, "SuspendExcNodes=head,n[5-6]");
    // Doctor for other nodes leaves it out; what concerns no node stays.
    erase("SuspendTimeout");
    report = run({.nodes = {"n1"}, .daemon_user = {}});
    EXPECT_EQ(ids(report), std::vector<std::string>{"suspend-timeout-unset"}) << text(report);
    report = run({.nodes = {"n6"}, .daemon_user = {}});
    EXPECT_EQ(ids(report), (std::vector<std::string>{"suspend-timeout-unset", "node-without-power-control"}));
}

TEST_F(Doctor, AMissingCredentialsFileIsAnError) {
    credentials = dir / "absent.secret";
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"credentials-missing"}) << text(report);
    EXPECT_EQ(report.findings[0].nodes, std::vector<std::string>{"plug"});
}

TEST_F(Doctor, ACredentialsFileOthersMayReadIsAnError) {
    ::chmod(credentials.c_str(), 0640);
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"credentials-not-private"}) << text(report);
    EXPECT_NE(report.findings[0].fix.find("chmod 600"), std::string::npos);
    EXPECT_NE(report.findings[0].fix.find(fmt::format("chown {} ", me())), std::string::npos) << report.findings[0].fix;
}

// The fix said `chown slurm` whatever SlurmUser was (root, nobody): it is
// slurm.conf's SlurmUser who must own the file for the hooks.
TEST_F(Doctor, ACredentialsFileFixNamesTheRealSlurmUser) {
    ::chmod(credentials.c_str(), 0640);
    slurm_user = "nobody";
    const DoctorReport report = run();
    const Finding* finding = find(report, Check::credentials_not_private);
    ASSERT_TRUE(finding) << text(report);
    EXPECT_NE(finding->fix.find("chown nobody " + credentials.string()), std::string::npos) << finding->fix;
    EXPECT_EQ(finding->fix.find("chown slurm "), std::string::npos) << finding->fix;
}

// One file for several targets is one finding that names them all (it
// said "(of plug)" for a file vnode[001-004] shared), at the line that
// names the file rather than the table's header.
TEST_F(Doctor, ASharedCredentialsFileIsOneFindingAtItsCredentialsLine) {
    for (const char* name : {"pdu1", "pdu2"}) {
        toml_extra += fmt::format(
            "\n[[device]]\nname = \"{}\"\ndriver = \"tasmota\"\naddress = \"http://{}\"\ncredentials = \"{}\"\n", name,
            name, credentials.string());
    }
    ::chmod(credentials.c_str(), 0640);
    const DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"credentials-not-private"}) << text(report);
    const Finding& finding = report.findings[0];
    EXPECT_EQ(finding.line, 18) << "the plug's credentials = line, not its [[device]] at 14";
    EXPECT_NE(finding.what.find("(of plug,pdu[1-2])"), std::string::npos) << finding.what;
    EXPECT_EQ(finding.nodes, (std::vector<std::string>{"plug", "pdu1", "pdu2"}));
    // Asked about one of them, the finding is shown.
    EXPECT_EQ(ids(run({.nodes = {"pdu2"}, .daemon_user = {}})), std::vector<std::string>{"credentials-not-private"});
}

TEST_F(Doctor, WithoutADaemonSlurmUserMustReadTheCredentials) {
    release_daemon_lock();
    slurm_user = "nobody";
    const DoctorReport report = run();
    EXPECT_TRUE(find(report, Check::daemon_not_running)) << text(report);
    const Finding* finding = find(report, Check::credentials_slurm_user);
    ASSERT_TRUE(finding) << text(report);
    EXPECT_NE(finding->what.find(credentials.string()), std::string::npos);
}

// What this user may not read is said as not-checked, never left out: a
// tester's non-root run with a crossed pair in the journal printed only
// "0 error(s)" where root's printed crossed-suspected. Run as nobody here
// (a forked child, when the test runs as root), with the state directory
// closed to others as the daemon keeps it.
TEST_F(Doctor, WhatThisUserMayNotReadIsSaidNotLeftOut) {
    {
        auto journal = store::Journal::open(dir / "state/journal.db");
        ASSERT_TRUE(journal) << journal.error();
        const std::string words = "n1 switched on, n2 booted: crossed BMC addresses?";
        for (const char* node : {"n1", "n2"}) {
            store::Block block;
            block.target = node;
            block.kind = power::ErrorKind::crossed;
            block.words = words;
            ASSERT_TRUE(journal->add_block(block));
        }
    }
    // As root, the crossed pair.
    EXPECT_TRUE(find(run(), Check::crossed_suspected)) << text(run());
    ::chmod((dir / "state").c_str(), 0700);
    run();  // writes the files the child reads
    std::string seen;
    if (::geteuid() == 0) {
        const passwd* nobody = ::getpwnam("nobody");
        if (nobody == nullptr) GTEST_SKIP() << "no account nobody";
        int pipe_fds[2];
        ASSERT_EQ(::pipe(pipe_fds), 0);
        const pid_t child = ::fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            ::close(pipe_fds[0]);
            if (::setgid(nobody->pw_gid) != 0 || ::setuid(nobody->pw_uid) != 0) ::_exit(1);
            const DoctorReport report = run_doctor(dir / "slumber.toml", offline());
            std::string out;
            for (const Finding& finding : report.findings) {
                out += fmt::format("{} {}\n", to_string(finding.check), finding.what);
            }
            const ssize_t written = ::write(pipe_fds[1], out.data(), out.size());
            ::_exit(written == static_cast<ssize_t>(out.size()) ? 0 : 1);
        }
        ::close(pipe_fds[1]);
        char buffer[4096];
        for (ssize_t got; (got = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) seen.append(buffer, got);
        ::close(pipe_fds[0]);
        int status = 0;
        ::waitpid(child, &status, 0);
        ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << seen;
    } else {
        ::chmod((dir / "state").c_str(), 0);  // closed to its owner too
        const DoctorReport report = run_doctor(dir / "slumber.toml", offline());
        ::chmod((dir / "state").c_str(), 0700);
        for (const Finding& finding : report.findings) {
            seen += fmt::format("{} {}\n", to_string(finding.check), finding.what);
        }
    }
    EXPECT_EQ(seen.find("crossed-suspected "), std::string::npos) << seen;
    EXPECT_NE(seen.find("not-checked the journal " + (dir / "state/journal.db").string() + " cannot be read"),
              std::string::npos)
        << seen;
    EXPECT_NE(seen.find("(crossed-suspected)"), std::string::npos) << seen;
    EXPECT_NE(seen.find("not-checked the daemon's lock "), std::string::npos) << seen;
    EXPECT_NE(seen.find("not-checked this user may not look into the state directory"), std::string::npos) << seen;
}

TEST_F(Doctor, NoDaemonIsAWarning) {
    release_daemon_lock();
    const DoctorReport report = run();
    // The test's user owns the credentials file: the hooks could read it.
    ASSERT_EQ(ids(report), std::vector<std::string>{"daemon-not-running"}) << text(report);
    // A lock file this user may not open (here a symbolic link, never
    // followed) cannot tell: nothing is guessed, and that it could not be
    // told is said.
    fs::remove(dir / "state/slumberd.lock");
    fs::create_symlink("/dev/null", dir / "state/slumberd.lock");
    const DoctorReport blind = run();
    ASSERT_EQ(ids(blind), std::vector<std::string>{"not-checked"}) << text(blind);
    EXPECT_NE(blind.findings[0].what.find("daemon-not-running"), std::string::npos) << text(blind);
}

TEST_F(Doctor, ADaemonThatDoesNotListenIsAWarning) {
    ::close(m_socket);
    m_socket = -1;
    EXPECT_EQ(ids(run()), std::vector<std::string>{"daemon-not-answering"});
}

TEST_F(Doctor, ADaemonRunningAnotherFileIsAWarning) {
    write("state/slumberd.config", fmt::format("pid={}\nfile=/etc/other.toml\nfingerprint=0\n", ::getpid()));
    EXPECT_EQ(ids(run()), std::vector<std::string>{"daemon-config-differs"});
    // Named relative (`-c slumber.toml`), the file is said in full (it
    // said "not slumber.toml").
    const DoctorReport report = run_relative();
    ASSERT_EQ(ids(report), std::vector<std::string>{"daemon-config-differs"}) << text(report);
    EXPECT_NE(report.findings[0].what.find("not " + (dir / "slumber.toml").string()), std::string::npos)
        << report.findings[0].what;
}

TEST_F(Doctor, SlurmUserMustReadSlumberTomlAndSlurmConf) {
    slurm_user = "nobody";
    toml_mode = 0600;
    DoctorReport report = run();
    EXPECT_TRUE(find(report, Check::config_slurm_user)) << text(report);
    EXPECT_FALSE(find(report, Check::slurm_conf_unreadable)) << text(report);
    ::chmod((dir / "power.conf").c_str(), 0600);  // after run() wrote it
    report = run_doctor(dir / "slumber.toml", offline());
    const Finding* finding = find(report, Check::slurm_conf_unreadable);
    ASSERT_TRUE(finding) << text(report);
    EXPECT_EQ(finding->file, dir / "power.conf");
}

TEST_F(Doctor, SlurmUserAndTheDaemonMustWriteTheStateDirectoryAndTheJournal) {
    slurm_user = "nobody";
    ::chmod((dir / "state").c_str(), 0700);
    DoctorReport report = run();
    EXPECT_TRUE(find(report, Check::state_dir_slurm_user)) << text(report);
    EXPECT_FALSE(find(report, Check::state_dir_daemon)) << "the daemon runs as this test's user";

    ::chmod((dir / "state").c_str(), 0777);
    write("state/journal.db", "", 0644);
    report = run();
    EXPECT_FALSE(find(report, Check::state_dir_slurm_user)) << text(report);
    EXPECT_TRUE(find(report, Check::journal_slurm_user)) << text(report);

    // A daemon to come that runs as nobody.
    release_daemon_lock();
    slurm_user = me();
    ::chmod((dir / "state").c_str(), 0755);
    report = run({.nodes = {}, .daemon_user = slurm::SlurmUser{"nobody", 65534, 65534, "the test"}});
    EXPECT_TRUE(find(report, Check::state_dir_daemon)) << text(report);
}

// A state directory not made yet is made by the first hook as SlurmUser when
// no daemon runs; where SlurmUser may not write the directory it goes in,
// every hook failed ("cannot create DIR: Permission denied") while doctor
// said only daemon-not-running (seen by a tester).
TEST_F(Doctor, AStateDirectorySlurmUserCannotMakeIsAnError) {
    slurm_user = "nobody";
    release_daemon_lock();
    ::close(m_socket);
    m_socket = -1;
    fs::remove_all(dir / "state");
    DoctorReport report = run();
    const Finding* finding = find(report, Check::state_dir_slurm_user);
    ASSERT_TRUE(finding) << text(report);
    EXPECT_NE(finding->what.find("does not exist"), std::string::npos) << finding->what;
    EXPECT_NE(finding->fix.find("mkdir -p " + (dir / "state").string()), std::string::npos) << finding->fix;
    // nobody's group is nogroup on Debian: `chgrp nobody` failed a tester.
    EXPECT_NE(finding->fix.find(fmt::format("chgrp {} ", ::getgrgid(::getpwnam("nobody")->pw_gid)->gr_name)),
              std::string::npos)
        << finding->fix;
    EXPECT_FALSE(find(report, Check::state_dir_daemon)) << "the daemon runs as this test's user";
    EXPECT_EQ(finding->fix.find("chmod o+x"), std::string::npos) << "dir (0755) lets nobody through" << finding->fix;

    // Made by root under a directory nobody may not pass (0700), the state
    // directory would still be out of its reach: that fix comes first, in
    // the same finding (a tester needed two runs of doctor).
    ::chmod(dir.c_str(), 0700);
    report = run();
    ::chmod(dir.c_str(), 0755);
    finding = find(report, Check::state_dir_slurm_user);
    ASSERT_TRUE(finding) << text(report);
    EXPECT_TRUE(finding->fix.starts_with(fmt::format("chmod o+x {} ", dir.string()))) << finding->fix;
    EXPECT_NE(finding->fix.find("; then mkdir -p " + (dir / "state").string()), std::string::npos) << finding->fix;

    ::chmod(dir.c_str(), 0777);  // SlurmUser may make it now
    report = run();
    ::chmod(dir.c_str(), 0755);
    EXPECT_FALSE(find(report, Check::state_dir_slurm_user)) << text(report);
}

TEST_F(Doctor, AWebTokenFileMustExistAndBePrivate) {
    toml_extra = fmt::format("[web]\nenabled = true\ntoken_file = \"{}/token\"\n", dir.string());
    DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"token-file"}) << text(report);
    write("token", "secret\n", 0644);
    report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"token-file"}) << text(report);
    EXPECT_EQ(report.findings[0].what.find("secret"), std::string::npos) << "never the token itself";
    ::chmod((dir / "token").c_str(), 0600);
    EXPECT_TRUE(run().findings.empty());
}

// A tester's `config check` accepted [web] port 6817: a slumberd started
// before slurmctld keeps slurmctld from listening.
TEST_F(Doctor, AWebPortASlurmDaemonListensOnIsAnError) {
    toml_extra = "[web]\nenabled = true\nport = 6817\n";
    DoctorReport report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"web-port-slurm"}) << text(report);
    EXPECT_NE(report.findings[0].what.find("[web] port 6817 is slurmctld's (SlurmctldPort \"6817\", Slurm's default)"),
              std::string::npos)
        << report.findings[0].what;
    EXPECT_NE(report.findings[0].fix.find("8817 by default"), std::string::npos) << report.findings[0].fix;

    set("SlurmctldPort", "7000-7003");
    toml_extra = "[web]\nenabled = true\nport = 7002\n";
    report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"web-port-slurm"}) << text(report);
    EXPECT_NE(report.findings[0].what.find("(SlurmctldPort \"7000-7003\")"), std::string::npos)
        << report.findings[0].what;
    toml_extra = "[web]\nenabled = true\nport = 6817\n";
    EXPECT_TRUE(run().findings.empty()) << "slurmctld listens elsewhere: " << text(run());
    toml_extra = "[web]\nenabled = false\nport = 6818\n";
    EXPECT_TRUE(run().findings.empty()) << "no server, no port taken";
}

// A daemon beside none of slurm.conf's controllers refuses to start (a
// tester found out only then).
TEST_F(Doctor, ADaemonBesideNoneOfSeveralControllersIsAnError) {
    slurm_extra = "SlurmctldHost=head2(10.0.0.2)\n";
    DoctorReport report = run();  // this host, "admin-desk", is neither head nor head2
    ASSERT_EQ(ids(report), std::vector<std::string>{"daemon-controller-unknown"}) << text(report);
    EXPECT_NE(report.findings[0].what.find(
                  "names 2 controllers (head, head2) and this daemon's, \"admin-desk\" (this host's name up to its "
                  "first dot), is none of them"),
              std::string::npos)
        << report.findings[0].what;
    daemon_extra = "controller = \"head3\"\n";
    report = run();
    ASSERT_EQ(ids(report), std::vector<std::string>{"daemon-controller-unknown"}) << text(report);
    EXPECT_NE(report.findings[0].what.find("\"head3\" ([daemon] controller)"), std::string::npos)
        << report.findings[0].what;
    daemon_extra = "controller = \"head2\"\n";
    EXPECT_TRUE(run().findings.empty()) << text(run());
    slurm_extra.clear();
    daemon_extra = "controller = \"head3\"\n";
    EXPECT_TRUE(run().findings.empty()) << "one controller: nothing to share, " << text(run());
}

TEST_F(Doctor, ASuspendExcNodesSlurmCannotReadIsAnError) {
    set("SuspendExcNodes", "head,n[1-");
    EXPECT_EQ(ids(run()), std::vector<std::string>{"slurm-conf-value"});
    set("SuspendExcNodes", "head");
    set("ResumeTimeout", "soon");
    EXPECT_EQ(ids(run()), std::vector<std::string>{"slurm-conf-value"});
}

TEST_F(Doctor, TheJsonHasEveryField) {
    erase("SuspendExcNodes");
    const nlohmann::json json = to_json(run());
    EXPECT_EQ(json["errors"], 1);
    EXPECT_EQ(json["warnings"], 0);
    ASSERT_EQ(json["findings"].size(), 1U);
    const nlohmann::json& finding = json["findings"][0];
    EXPECT_EQ(finding["severity"], "error");
    EXPECT_EQ(finding["check"], "controller-not-excluded");
    EXPECT_EQ(finding["file"], (dir / "slurm.conf").string());
    EXPECT_EQ(finding["line"], 0);
    EXPECT_EQ(finding["paste"], "SuspendExcNodes=head");
    EXPECT_EQ(finding["nodes"], nlohmann::json::array({"head"}));
}

// docs/doctor.md lists every check by its id, and kChecks has each once.
TEST(DoctorChecks, EveryCheckIsInTheTableOnceAndInTheDocs) {
    std::ifstream in(SLUMBER_DOCTOR_DOC);
    std::stringstream doc;
    doc << in.rdbuf();
    ASSERT_FALSE(doc.str().empty()) << SLUMBER_DOCTOR_DOC;
    std::set<std::string_view> seen;
    for (const CheckInfo& check : kChecks) {
        EXPECT_TRUE(seen.insert(check.id).second) << check.id;
        EXPECT_EQ(&info(check.check), &check);
        EXPECT_NE(doc.str().find(fmt::format("`{}`", check.id)), std::string::npos) << check.id << " in docs/doctor.md";
    }
    EXPECT_EQ(seen.size(), static_cast<std::size_t>(Check::not_checked) + 1);
}

}  // namespace
}  // namespace slumber::service
