// Drives the slumber binary as a user would and checks output and exit codes.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <thread>

#include <array>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "shell.hpp"

namespace {

using cli_tests::CommandResult;
using cli_tests::shell;

CommandResult slumber(const std::string& arguments, const std::string& input = "") {
    std::string command = fmt::format("'{}' {}", SLUMBER_BINARY, arguments);
    if (!input.empty()) command = fmt::format("printf '%b' '{}' | {}", input, command);
    return shell(command);
}

// The test rig's own binary, slumber-vcluster.
CommandResult rig(const std::string& arguments) {
    return shell(fmt::format("'{}' {}", SLUMBER_VCLUSTER_BINARY, arguments));
}

TEST(Cli, HostlistExpandPrintsOneNamePerLine) {
    const CommandResult run = slumber("hostlist expand 'n[1-3]' m01");
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_EQ(run.out, "n1\nn2\nn3\nm01\n");
}

TEST(Cli, HostlistCompressFromArgumentsAndStdin) {
    EXPECT_EQ(slumber("hostlist compress n3 n1 n2").out, "n[3,1-2]\n");
    EXPECT_EQ(slumber("hostlist compress --sorted n3 n1 n2").out, "n[1-3]\n");
    EXPECT_EQ(slumber("hostlist compress", "n1\\nn2\\nn4\\n").out, "n[1-2,4]\n");
}

TEST(Cli, BadHostlistExitsTwoAndNamesTheCharacter) {
    const CommandResult run = slumber("hostlist expand 'n[1-3],x[5-2]'");
    EXPECT_EQ(run.exit_code, 2);
    EXPECT_EQ(run.out,
              "slumber: invalid hostlist \"n[1-3],x[5-2]\": range 5-2 runs backwards: write the lower "
              "number first (at character 10)\n");
}

TEST(Cli, UsageErrorsExitTwo) {
    EXPECT_EQ(slumber("").exit_code, 2);
    EXPECT_EQ(slumber("hostlist").exit_code, 2);
    EXPECT_EQ(slumber("frobnicate").exit_code, 2);
    EXPECT_EQ(slumber("--help").exit_code, 0);
}

class ConfigCheck : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = (std::filesystem::temp_directory_path() / "slumber-cli-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        m_dir = pattern;
        std::ofstream(m_dir / "ipmi.secret") << "username = \"admin\"\npassword = \"hunter2\"\n";
        ::chmod((m_dir / "ipmi.secret").c_str(), 0600);
        std::ofstream(m_dir / "slumber.toml")
            << "[defaults]\ndriver = \"ipmi\"\ncredentials = \"" << (m_dir / "ipmi.secret").string() << "\"\n"
            << "[[node]]\nnames = \"node[1-2]\"\nbmc_pattern = \"127.1.0.{number}:623\"\n";
    }
    void TearDown() override { std::filesystem::remove_all(m_dir); }
    std::filesystem::path m_dir;
};

TEST_F(ConfigCheck, ValidFilePrintsTheInventory) {
    const CommandResult run = slumber("config check " + (m_dir / "slumber.toml").string());
    EXPECT_EQ(run.exit_code, 0) << run.out;
    EXPECT_NE(run.out.find("valid — 2 nodes, 0 devices, 0 dependencies"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("node2  node  ipmi    127.1.0.2:623"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("(user admin)"), std::string::npos);
    EXPECT_EQ(run.out.find("hunter2"), std::string::npos) << "the password was printed";
}

TEST_F(ConfigCheck, JsonHasNoSecrets) {
    const CommandResult run = slumber("config check --json " + (m_dir / "slumber.toml").string());
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_NE(run.out.find("\"address\": \"127.1.0.1:623\""), std::string::npos) << run.out;
    EXPECT_EQ(run.out.find("hunter2"), std::string::npos) << "the password was printed";
}

TEST_F(ConfigCheck, InvalidFileExitsThreeWithEveryProblem) {
    const CommandResult run = slumber(fmt::format("config check {}/examples/mistakes.toml", SLUMBER_SOURCE_DIR));
    EXPECT_EQ(run.exit_code, 3);
    EXPECT_NE(run.out.find("mistakes.toml:10: [[node]] #1, cipher_suit: unknown key\n"
                           "    fix: did you mean \"cipher_suite\"?"),
              std::string::npos)
        << run.out;
    EXPECT_NE(run.out.find("invalid (5 problems)"), std::string::npos) << run.out;
}

TEST_F(ConfigCheck, InvalidFileAsJson) {
    const CommandResult run = slumber(fmt::format("config check --json {}/examples/mistakes.toml", SLUMBER_SOURCE_DIR));
    EXPECT_EQ(run.exit_code, 3);
    EXPECT_NE(run.out.find("\"valid\": false"), std::string::npos);
    EXPECT_NE(run.out.find("\"line\": 14"), std::string::npos) << run.out;
}

TEST_F(ConfigCheck, ExampleConfigurationIsValidApartFromItsSecretFile) {
    const CommandResult run = slumber(fmt::format("config check {}/examples/slumber.toml", SLUMBER_SOURCE_DIR));
    EXPECT_EQ(run.exit_code, 3);
    EXPECT_NE(run.out.find("/etc/slumber/ipmi.secret: credentials of node001"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("invalid (1 problem)"), std::string::npos) << run.out;
}

// `slumber doctor`'s exit codes (docs/doctor.md): 5 with an error, 6 with
// warnings only, 2 for a malformed hostlist; no secret in what it prints.
// Nothing answers at the BMCs' addresses: `--no-contact` leaves them alone.
TEST_F(ConfigCheck, DoctorExitsFiveOnErrorsSixOnWarningsOnly) {
    const std::string dir = m_dir.string();
    std::ofstream(m_dir / "slumber.toml", std::ios::app)
        << fmt::format("[slurm]\nconf = \"{0}/slurm.conf\"\n[daemon]\nstate_dir = \"{0}/state\"\n", dir);
    const std::string file = (m_dir / "slumber.toml").string();
    CommandResult run = slumber("doctor --no-contact -c " + file);
    EXPECT_EQ(run.exit_code, 5) << run.out;
    EXPECT_NE(run.out.find("error   slurm-conf-missing  " + file), std::string::npos) << run.out;
    EXPECT_EQ(run.out.find("hunter2"), std::string::npos) << "the password was printed";

    // Links named as the package's, to a program named slumber (its own
    // mode, not the build tree's, which a umask may make group-writable).
    std::filesystem::create_directory(m_dir / "bin");
    std::ofstream(m_dir / "bin/slumber") << "#!/bin/sh\n";
    ::chmod((m_dir / "bin/slumber").c_str(), 0755);
    for (const char* verb : {"suspend", "resume", "resume-fail"}) {
        std::filesystem::create_symlink(m_dir / "bin/slumber", m_dir / fmt::format("slumber-{}", verb));
    }
    std::ofstream(m_dir / "slurm.conf") << fmt::format(
        "SlurmctldHost=head\nSuspendProgram={0}/slumber-suspend\nResumeProgram={0}/slumber-resume\n"
        "ResumeFailProgram={0}/slumber-resume-fail\nSuspendTime=600\nSuspendTimeout=60\nResumeTimeout=300\n"
        "ReturnToService=1\nNodeName=node[1-2] CPUs=2\n",
        dir);
    run = slumber("doctor --no-contact --json -c " + file);
    EXPECT_EQ(run.exit_code, 6) << run.out;
    EXPECT_EQ(run.out.find("\"check\": \"target-"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("\"check\": \"daemon-not-running\""), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("\"errors\": 0"), std::string::npos) << run.out;

    EXPECT_EQ(slumber("doctor 'node[1-' -c " + file).exit_code, 2);
    run = slumber("doctor '' --no-contact -c " + file);
    EXPECT_EQ(run.exit_code, 2) << "an empty hostlist, not every node";
    EXPECT_NE(run.out.find("an empty HOSTLIST names no node"), std::string::npos) << run.out;
    // No line ends in blanks (a finding at no file printed two).
    run = slumber("doctor --no-contact -c " + file);
    EXPECT_EQ(run.out.find(" \n"), std::string::npos) << run.out;

    // A name neither slumber.toml nor slurm.conf has is refused, as
    // `slumber unblock` refuses one; a known one narrows the findings.
    run = slumber("doctor --no-contact node9 -c " + file);
    EXPECT_EQ(run.exit_code, 2) << run.out;
    EXPECT_NE(run.out.find("node9"), std::string::npos) << run.out;
    EXPECT_EQ(slumber("doctor --no-contact node1 -c " + file).exit_code, 6);
    // --verify-mapping needs nodes: an empty hostlist is not "every node",
    // and an option in its place is no node.
    run = slumber("doctor --verify-mapping '' -c " + file);
    EXPECT_EQ(run.exit_code, 2) << run.out;
    run = slumber("doctor --verify-mapping -c " + file);
    EXPECT_EQ(run.exit_code, 2) << run.out;
    EXPECT_NE(run.out.find("--verify-mapping needs the nodes to check"), std::string::npos) << run.out;
    // A name neither file has is refused as the plain form refuses it
    // (docs/exit-codes.md), not a mapping-skipped warning with exit 6.
    run = slumber("doctor --verify-mapping node9 -c " + file);
    EXPECT_EQ(run.exit_code, 2) << run.out;
    EXPECT_NE(run.out.find("nor its slurm.conf has node9"), std::string::npos) << run.out;
    // Commas alone are Slurm's empty hostlist: no node, as '' is no node.
    for (const char* form : {"--verify-mapping ','", "--no-contact ','", "--no-contact ' , '"}) {
        run = slumber(fmt::format("doctor {} -c {}", form, file));
        EXPECT_EQ(run.exit_code, 2) << form << ": " << run.out;
        EXPECT_NE(run.out.find("names no node"), std::string::npos) << form << ": " << run.out;
    }
}

// slumber's package carries no test rig: the virtual cluster (its emulated
// BMCs' and plugs' HTTPS servers, OpenSSL's server side, the chassis and
// machine helpers) is slumber-vcluster's alone. The daemon's own web server
// ([web], docs/web.md) uses cpp-httplib too, as a package dependency, but
// without TLS. Debian 13's cpp-httplib is built with OpenSSL support, and
// its thread pool calls OpenSSL, so libcrypto (and libssl) may be linked
// there; what must not come along is the rig's certificate making (key
// generation, X.509 signing). binutils' nm and readelf read both binaries;
// the rig's own symbols show that nm finds what it looks for.
TEST(Cli, TheProductBinaryCarriesNoVirtualCluster) {
    const std::string rig_code = "slumber::vcluster::";
    const auto symbols = [&](const char* binary) {
        return shell(fmt::format("nm -C --defined-only '{}' | grep -cE '{}'", binary, rig_code)).out;
    };
    EXPECT_EQ(symbols(SLUMBER_BINARY), "0\n") << "slumber defines the rig's code";
    EXPECT_NE(symbols(SLUMBER_VCLUSTER_BINARY), "0\n") << "the control: nm finds the rig's code in the rig";
    const CommandResult needed = shell(fmt::format("readelf -d '{}' | grep NEEDED", SLUMBER_BINARY));
    ASSERT_EQ(needed.exit_code, 0) << needed.out;
    EXPECT_NE(needed.out.find("libcurl"), std::string::npos) << "the control: readelf lists the libraries";
    const auto uses = [](const char* binary, const char* symbol) {
        return shell(fmt::format("nm -D --undefined-only '{}' | grep -c ' {}'", binary, symbol)).out != "0\n";
    };
    for (const char* symbol : {"EVP_PKEY_Q_keygen", "X509_sign"}) {
        EXPECT_FALSE(uses(SLUMBER_BINARY, symbol)) << "slumber makes certificates: " << symbol;
        EXPECT_TRUE(uses(SLUMBER_VCLUSTER_BINARY, symbol)) << "the control: the rig does (" << symbol << ")";
    }
    EXPECT_EQ(slumber("--help").out.find("vcluster"), std::string::npos);
    EXPECT_EQ(slumber("vcluster up --dir /tmp/slumber-cli-never").exit_code, 2) << "no such command";
}

TEST(CliVcluster, BadOptionsAreUsageErrorsThatNameTheOption) {
    const CommandResult nodes = rig("up --dir /tmp/slumber-cli-never --nodes 0");
    EXPECT_EQ(nodes.exit_code, 2);
    EXPECT_NE(nodes.out.find("--nodes 0: give 1 to 4000"), std::string::npos) << nodes.out;
    const CommandResult duration = rig("up --dir /tmp/slumber-cli-never --resume-timeout 5x");
    EXPECT_EQ(duration.exit_code, 2);
    EXPECT_NE(duration.out.find("--resume-timeout 5x"), std::string::npos) << duration.out;
    EXPECT_FALSE(std::filesystem::exists("/tmp/slumber-cli-never")) << "nothing half-done";
}

// The rig runs the slumber in its own directory for slumber's hooks and
// daemon: a rig alone says so before it starts anything.
TEST(CliVcluster, UpWithSlumbersHooksNeedsSlumberBesideTheRig) {
    if (::geteuid() != 0) GTEST_SKIP() << "up checks for root first";
    const auto alone = std::filesystem::temp_directory_path() / fmt::format("slumber-cli-rig-{}", ::getpid());
    std::filesystem::remove_all(alone);
    std::filesystem::create_directories(alone);
    std::filesystem::copy_file(SLUMBER_VCLUSTER_BINARY, alone / "slumber-vcluster");
    const CommandResult run = shell(
        fmt::format("'{}' up --dir /tmp/slumber-cli-never --hooks slumber", (alone / "slumber-vcluster").string()));
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_NE(run.out.find(fmt::format("--hooks slumber runs {}, which is not there", (alone / "slumber").string())),
              std::string::npos)
        << run.out;
    EXPECT_FALSE(std::filesystem::exists("/tmp/slumber-cli-never")) << "nothing started";
    std::filesystem::remove_all(alone);
}

TEST(CliVcluster, UnknownFaultListsTheKnownOnes) {
    const CommandResult run = rig("fault --dir /tmp/slumber-cli-never vnode001 explode");
    EXPECT_EQ(run.exit_code, 2);
    EXPECT_NE(run.out.find("unknown fault \"explode\"; one of: slow-boot, never-registers, reboot"), std::string::npos)
        << run.out;
}

TEST(CliVcluster, CommandsOnNoClusterSaySoPlainly) {
    for (const char* command : {"status", "down", "fault vnode001 reboot"}) {
        const CommandResult run = rig(fmt::format("{} --dir /tmp/slumber-cli-never", command));
        EXPECT_EQ(run.exit_code, 1) << command;
        EXPECT_NE(run.out.find("no virtual cluster in /tmp/slumber-cli-never"), std::string::npos) << run.out;
    }
}

}  // namespace

// Slurm runs its hooks by path with the hostlist as the only argument: the
// slumber-<hook> links name the subcommand. Without a daemon the hook hands
// the request to a carrier of its own, which carries it out (here against
// BMCs that do not answer), and the journal says so.
TEST(Cli, HookLinksJournalTheRequestAndCarryItOut) {
    const auto dir = std::filesystem::temp_directory_path() / fmt::format("slumber-cli-hooks-{}", ::getpid());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "ipmi.secret") << "username = \"admin\"\npassword = \"x\"\n";
    ::chmod((dir / "ipmi.secret").c_str(), 0600);
    std::ofstream(dir / "slumber.toml") << fmt::format(
        "[daemon]\nstate_dir = \"{0}/state\"\n[slurm]\nconf = \"{0}/none.conf\"\n[[node]]\nnames = \"n[1-2]\"\n"
        "driver = \"ipmi\"\nbmc = \"127.252.0.[1-2]\"\ncredentials = \"{0}/ipmi.secret\"\ntimeout = \"200ms\"\n"
        "retries = 0\n",
        dir.string());
    std::filesystem::create_symlink(SLUMBER_BINARY, dir / "slumber-resume");
    const std::string resume = (dir / "slumber-resume").string();
    const std::string config = (dir / "slumber.toml").string();
    FILE* pipe = ::popen(fmt::format("'{}' 'n[1-2]' -c '{}' 2>&1", resume, config).c_str(), "r");
    std::array<char, 4096> buffer{};
    std::string out;
    std::size_t got = 0;
    while ((got = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), got);
    EXPECT_EQ(WEXITSTATUS(::pclose(pipe)), 0) << out;
    const std::string outcome = "n2        power-on      on by the hook for hand-resume: error: no answer";
    CommandResult journal;
    for (int poll = 0; poll < 100; ++poll) {  // the carrier outlives the hook
        journal = slumber(fmt::format("journal -c '{}'", config));
        if (journal.out.find(outcome) != std::string::npos) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(journal.exit_code, 0);
    // Run from a shell, not by slurmctld: an admin's, and journaled as such.
    EXPECT_NE(journal.out.find("n1        requested     on asked by hand-resume: run by hand by "), std::string::npos)
        << journal.out;
    EXPECT_EQ(journal.out.find("slurm-resume"), std::string::npos) << journal.out;
    EXPECT_NE(journal.out.find("the resume hook hands n[1-2] to a carrier of its own (pid "), std::string::npos)
        << journal.out;
    EXPECT_NE(journal.out.find(outcome), std::string::npos) << journal.out;
    EXPECT_EQ(slumber(fmt::format("resume 'n[1-' -c '{}'", config)).exit_code, 2) << "a malformed hostlist";
    std::filesystem::remove_all(dir);
}

// A `slumber-vcluster` emulator in the background, and the first line it
// printed (where it listens); stopped with SIGTERM, which it must survive
// cleanly.
class Emulator {
  public:
    explicit Emulator(std::vector<std::string> args) {
        int out[2];
        if (::pipe(out) != 0) return;
        m_pid = ::fork();
        if (m_pid == 0) {
            ::dup2(out[1], STDOUT_FILENO);
            ::close(out[0]);
            std::vector<char*> argv{const_cast<char*>(SLUMBER_VCLUSTER_BINARY)};
            for (std::string& arg : args) argv.push_back(arg.data());
            argv.push_back(nullptr);
            ::execv(SLUMBER_VCLUSTER_BINARY, argv.data());
            ::_exit(127);
        }
        ::close(out[1]);
        m_out = ::fdopen(out[0], "r");
        std::array<char, 512> line{};
        if (std::fgets(line.data(), line.size(), m_out) != nullptr) m_said = line.data();
    }
    ~Emulator() {
        if (m_out != nullptr) std::fclose(m_out);
    }
    Emulator(const Emulator&) = delete;
    Emulator& operator=(const Emulator&) = delete;

    /// The text of the first line from `marker` on, without the line end.
    [[nodiscard]] std::string said_from(std::string_view marker) const {
        const auto at = m_said.find(marker);
        return at == std::string::npos ? std::string() : m_said.substr(at, m_said.find_first_of("\r\n ", at) - at);
    }
    /// Stops it; whether it exited with 0.
    bool stop() {
        ::kill(m_pid, SIGTERM);
        int status = 0;
        ::waitpid(m_pid, &status, 0);
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }

  private:
    pid_t m_pid = -1;
    FILE* m_out = nullptr;
    std::string m_said;
};

// `slumber power` on a device behind an emulated Tasmota plug, through the
// configuration, as an admin would switch an Infiniband switch.
TEST(Cli, PowerSwitchesADeviceOnATasmotaPlug) {
    const auto dir = std::filesystem::temp_directory_path() / fmt::format("slumber-cli-plug-{}", ::getpid());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "plug.password") << "s3cret&more\n";
    std::ofstream(dir / "plug.secret") << "password = \"s3cret&more\"\n";
    ::chmod((dir / "plug.secret").c_str(), 0600);
    Emulator plug(
        {"plug", "--listen", "127.0.0.1:0", "--watts", "120", "--password-file", (dir / "plug.password").string()});
    const std::string url = plug.said_from("http://");
    ASSERT_FALSE(url.empty());
    std::ofstream(dir / "slumber.toml") << fmt::format(
        "[[device]]\nname = \"ibswitch\"\ndriver = \"tasmota\"\naddress = \"{}\"\ncredentials = \"{}\"\n"
        "timeout = \"1s\"\n",
        url, (dir / "plug.secret").string());
    const std::string config = (dir / "slumber.toml").string();

    EXPECT_EQ(slumber(fmt::format("power status ibswitch -c '{}'", config)).out, "ibswitch: off\n");
    const CommandResult on = slumber(fmt::format("power on ibswitch -c '{}'", config));
    EXPECT_EQ(on.exit_code, 0) << on.out;
    EXPECT_EQ(slumber(fmt::format("power status ibswitch -c '{}'", config)).out, "ibswitch: on\n");
    const CommandResult info = slumber(fmt::format("power info ibswitch -c '{}'", config));
    EXPECT_NE(info.out.find("120"), std::string::npos) << info.out;
    EXPECT_EQ(info.out.find("s3cret"), std::string::npos) << "never the password";

    EXPECT_TRUE(plug.stop()) << "the plug stops cleanly";
    std::filesystem::remove_all(dir);
}

// `slumber power on` (and cycle) a node behind an emulated Redfish BMC
// (HTTPS, its self-signed certificate trusted through ca_file) that depends
// on a switch on a plug: the switch goes on first.
TEST(Cli, PowerOnANodeOnRedfishSwitchesItsDependencyFirst) {
    const auto dir = std::filesystem::temp_directory_path() / fmt::format("slumber-cli-redfish-{}", ::getpid());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "bmc.password") << "calvin\n";
    std::ofstream(dir / "bmc.secret") << "username = \"root\"\npassword = \"calvin\"\n";
    ::chmod((dir / "bmc.secret").c_str(), 0600);
    const std::string certificate = (dir / "bmc.pem").string();
    Emulator bmc({"redfish", "--listen", "127.0.0.1:0", "--certificate", certificate, "--system-id", "Self",
                  "--password-file", (dir / "bmc.password").string()});
    const std::string address = bmc.said_from("127.0.0.1:");
    ASSERT_FALSE(address.empty());
    Emulator plug({"plug", "--listen", "127.0.0.1:0"});
    const std::string url = plug.said_from("http://");
    std::ofstream(dir / "slumber.toml") << fmt::format(
        "[[node]]\nnames = \"node001\"\ndriver = \"redfish\"\nbmc = \"{}\"\ncredentials = \"{}\"\n"
        "ca_file = \"{}\"\ntimeout = \"2s\"\n"
        "[[device]]\nname = \"ibswitch\"\ndriver = \"tasmota\"\naddress = \"{}\"\n"
        "[[dependency]]\ndevice = \"ibswitch\"\nnodes = \"node001\"\n",
        address, (dir / "bmc.secret").string(), certificate, url);
    const std::string config = (dir / "slumber.toml").string();

    EXPECT_EQ(slumber(fmt::format("power status node001,ibswitch -c '{}'", config)).out, "ibswitch,node001: off\n");
    const CommandResult on = slumber(fmt::format("power on node001 -c '{}'", config));
    EXPECT_EQ(on.exit_code, 0) << on.out;
    EXPECT_NE(on.out.find("ibswitch: switched on for node001"), std::string::npos) << on.out;
    EXPECT_EQ(slumber(fmt::format("power status node001,ibswitch -c '{}'", config)).out, "ibswitch,node001: on\n");
    const CommandResult info = slumber(fmt::format("power info node001 -c '{}'", config));
    EXPECT_NE(info.out.find("180"), std::string::npos) << info.out;
    EXPECT_EQ(info.out.find("calvin"), std::string::npos) << "never the password";

    // A cycle leaves the node on, so it needs the switch as much as a power
    // on does: with both off, the switch goes on first again.
    // No Slurm here: whether node001 runs a job cannot be known, so it is
    // not powered off unless the admin says so (a device is never checked).
    const CommandResult unchecked = slumber(fmt::format("power off node001,ibswitch -c '{}'", config));
    EXPECT_EQ(unchecked.exit_code, 1) << unchecked.out;
    EXPECT_NE(unchecked.out.find("node001: refused: Slurm cannot say whether it runs a job ("), std::string::npos)
        << unchecked.out;
    EXPECT_EQ(slumber(fmt::format("power status node001 -c '{}'", config)).out, "node001: on\n");
    const CommandResult off = slumber(fmt::format("power off node001,ibswitch --without-slurm -c '{}'", config));
    ASSERT_EQ(off.exit_code, 0) << off.out;
    EXPECT_NE(off.out.find("switching as asked (--without-slurm)"), std::string::npos) << off.out;
    const CommandResult cycle = slumber(fmt::format("power cycle node001 --without-slurm -c '{}'", config));
    EXPECT_EQ(cycle.exit_code, 0) << cycle.out;
    EXPECT_NE(cycle.out.find("ibswitch: switched on for node001"), std::string::npos) << cycle.out;
    EXPECT_EQ(slumber(fmt::format("power status node001,ibswitch -c '{}'", config)).out, "ibswitch,node001: on\n");

    EXPECT_TRUE(bmc.stop());
    EXPECT_TRUE(plug.stop());
    std::filesystem::remove_all(dir);
}

// `slumber unblock` with a name that is neither configured nor blocked is a
// typo: exit 2, named, and nothing changed (before, it said "was not
// blocked" and exited 0, so a script never noticed).
TEST(Cli, UnblockRefusesNamesThatAreNeitherConfiguredNorBlocked) {
    const auto dir = std::filesystem::temp_directory_path() / fmt::format("slumber-cli-unblock-{}", ::getpid());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "slumber.toml") << fmt::format(
        "[daemon]\nstate_dir = \"{0}/state\"\n[slurm]\nconf = \"{0}/none.conf\"\n[[node]]\nnames = \"n[1-2]\"\n"
        "driver = \"exec\"\non = \"true\"\n",
        dir.string());
    const std::string config = (dir / "slumber.toml").string();
    const CommandResult typo = slumber(fmt::format("unblock 'n1,nosuch[1-2]' -c '{}'", config));
    EXPECT_EQ(typo.exit_code, 2);
    EXPECT_EQ(typo.out, "slumber: not in " + config + " and not blocked: nosuch[1-2]\n");
    const CommandResult known = slumber(fmt::format("unblock n1 -c '{}'", config));
    EXPECT_EQ(known.exit_code, 0) << known.out;
    EXPECT_EQ(known.out, "n1: was not blocked\n");
    std::filesystem::remove_all(dir);
}

// status and journal take an optional hostlist of nodes, parsed alike: a
// malformed one is a usage error, said before anything is read; so is a
// node the configuration does not have (for journal: nor its journal).
TEST(Cli, StatusAndJournalRefuseAMalformedHostlistOfNodes) {
    const auto config = std::filesystem::temp_directory_path() / fmt::format("slumber-cli-nodes-{}.toml", ::getpid());
    std::ofstream(config) << "[[node]]\nnames = \"n1\"\ndriver = \"exec\"\non = \"true\"\n";
    for (const std::string verb : {"status", "journal"}) {
        const CommandResult run = slumber(fmt::format("{} 'n[3-1]' -c '{}'", verb, config.string()));
        EXPECT_EQ(run.exit_code, 2) << verb << ": " << run.out;
        EXPECT_TRUE(run.out.starts_with("slumber: invalid hostlist \"n[3-1]\": range 3-1 runs backwards"))
            << verb << ": " << run.out;
    }
    const CommandResult typo = slumber(fmt::format("status 'n1,n9,n[10-11]' -c '{}'", config.string()));
    EXPECT_EQ(typo.exit_code, 2) << typo.out;
    EXPECT_EQ(typo.out, fmt::format("slumber: not in {}: n[9-11]\n", config.string()));
    // journal: a name neither the file nor its journal knows, not the
    // cluster's own events as if they were its.
    const CommandResult unknown = slumber(fmt::format("journal 'n1,nosuch' -c '{}'", config.string()));
    EXPECT_EQ(unknown.exit_code, 2) << unknown.out;
    EXPECT_NE(unknown.out.find("nosuch: not in"), std::string::npos) << unknown.out;
    std::filesystem::remove(config);
}

// A hostlist of separators only ("," is Slurm's empty list) names no node:
// every verb that takes targets refuses it as a usage error, before it reads
// or switches anything. It checked nothing and said "nothing wrong found"
// (doctor --verify-mapping), or stood for every node (report, status).
TEST(Cli, AHostlistThatNamesNoNodeIsRefusedByEveryVerb) {
    const auto config = std::filesystem::temp_directory_path() / fmt::format("slumber-cli-empty-{}.toml", ::getpid());
    const auto state = std::filesystem::temp_directory_path() / fmt::format("slumber-cli-empty-{}", ::getpid());
    // Its own state directory: a verb that took ',' for every node would
    // otherwise write the machine's journal.
    std::ofstream(config) << fmt::format(
        "[daemon]\nstate_dir = \"{}\"\n[[node]]\nnames = \"n1\"\ndriver = \"exec\"\non = \"true\"\n", state.string());
    for (const std::string verb : {"power on", "power off", "power status", "status", "journal", "report", "unblock",
                                   "doctor --no-contact", "doctor --verify-mapping"}) {
        const CommandResult run = slumber(fmt::format("{} ',' -c '{}'", verb, config.string()));
        EXPECT_EQ(run.exit_code, 2) << verb << ": " << run.out;
        EXPECT_NE(run.out.find("\",\" names no node"), std::string::npos) << verb << ": " << run.out;
    }
    EXPECT_FALSE(std::filesystem::exists(state)) << "refused before anything was read or written";
    std::filesystem::remove(config);
    std::filesystem::remove_all(state);
}

// Node names longer than the NODE column ran into the SLURM column (and a
// state with many flags into POWER): the columns now widen to their longest
// entry, the rows stay aligned with the header.
TEST(Cli, StatusColumnsWidenForALongNodeName) {
    const auto dir = std::filesystem::temp_directory_path() / fmt::format("slumber-cli-status-{}", ::getpid());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "none.conf") << "ClusterName=test\n";  // scontrol fails at once: no controller
    std::ofstream(dir / "slumber.toml") << fmt::format(
        "[daemon]\nstate_dir = \"{0}/state\"\n[slurm]\nconf = \"{0}/none.conf\"\n"
        "[[node]]\nnames = \"gpu-node-a100-rack07-[01-02]\"\ndriver = \"exec\"\non = \"true\"\n"
        "status = \"/bin/echo on\"\n",
        dir.string());
    const CommandResult status = slumber(fmt::format("status -c '{}'", (dir / "slumber.toml").string()));
    EXPECT_EQ(status.exit_code, 0) << status.out;
    std::istringstream lines(status.out);
    std::string header;
    std::string row;
    while (std::getline(lines, header) && !header.starts_with("NODE")) {
    }
    ASSERT_TRUE(std::getline(lines, row)) << status.out;
    EXPECT_TRUE(row.starts_with("gpu-node-a100-rack07-01 ?")) << status.out;
    EXPECT_EQ(header.find("SLURM"), row.find('?')) << status.out;
    EXPECT_EQ(header.find("POWER"), row.find(" on ") + 1) << status.out;
    std::filesystem::remove_all(dir);
}
