// slumber's hooks and daemon in charge of Slurm's power saving on the virtual
// cluster: real slurmctld and slurmd, real ipmi_sim BMCs, real SQLite. What
// slumber did is asserted from Slurm's own state, the BMCs and the journal.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "service/doctor.hpp"
#include "store/journal.hpp"
#include "test_cluster.hpp"
#include "util/command.hpp"
#include "vcluster/process.hpp"

namespace slumber::testing {
namespace {

using std::chrono::seconds;

// One cluster per fixture, so that ctest runs them in parallel. `Daemon`:
// slumber's daemon runs and Slurm suspends idle nodes after 10 s; without,
// Slurm suspends none and the tests call the hooks themselves.
template <int Subnet, int Port, bool Daemon = true>
class HooksCluster : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        std::vector<std::string> options{"--hooks",           "slumber", "--suspend-time",   Daemon ? "10s" : "1h",
                                         "--suspend-timeout", "5s",      "--resume-timeout", "90s"};
        if (Daemon) options.emplace_back("--daemon");
        cluster = std::make_unique<TestCluster>(
            ClusterOptions{fmt::format("slurm-hooks-{}", Subnet), Subnet, Port, std::move(options)});
    }
    static void TearDownTestSuite() { cluster.reset(); }
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "the virtual cluster needs root";
        ASSERT_TRUE(cluster->ready()) << cluster->failure();
    }

    // Under scripts/package-test (SLUMBER_TEST_INSTALLED) only the cases
    // that prove the installation run: the package's hooks and daemon under
    // Slurm, a wake and a sleep through them, doctor's verdict on their paths,
    // a killed daemon replaced. A case that proves the engine's rules (what is
    // refused, what is done twice) proves the same code in the package; the
    // build's run has proven it, and skipping it there halves the proof (90 s
    // of 180, on each Debian release in CI).
    static bool proving_installation() { return !test_installed_prefix().empty(); }
    static constexpr const char* kEngineOnly = "the engine's rule, proven on the build's programs";

    static std::string config() { return cluster->dir() + "/slumber.toml"; }
    static std::string daemon_record() { return cluster->dir() + "/pids/slumberd"; }

    static nlohmann::json journal() {
        auto out = cluster->run({slumber_program(), "journal", "--json", "--since", "1h", "-c", config()});
        if (!out) return nlohmann::json::array();
        auto parsed = nlohmann::json::parse(*out, nullptr, false);
        return parsed.is_discarded() ? nlohmann::json::array() : parsed;
    }
    // Events of `kind` for `node` (any node when empty) whose detail has `text`.
    static int events(const std::string& node, const std::string& kind, const std::string& text = {}) {
        int count = 0;
        for (const auto& event : journal()) {
            const bool match = (node.empty() || event["node"] == node) && event["kind"] == kind &&
                               event["detail"].get<std::string>().find(text) != std::string::npos;
            count += match ? 1 : 0;
        }
        return count;
    }
    static bool all_asleep() {
        return cluster->wait_for([] { return cluster->every_node([](int i) { return cluster->state(i) == "idle~"; }); },
                                 seconds{90});
    }
    static std::string submit(const std::string& nodes, const std::string& command) {
        auto job =
            cluster->run({"sbatch", "--parsable", "--nodelist", nodes, "--output", "/dev/null", "--wrap", command});
        return job ? job->substr(0, job->find_first_of(";\n")) : "error: " + job.error();
    }
    static bool daemon_running() {
        auto daemon = vcluster::read_record(daemon_record());
        return daemon && vcluster::alive(*daemon);
    }
    // A daemon recorded where `vcluster down` finds and stops it.
    static void start_daemon(const std::string& file = config()) {
        auto daemon = vcluster::spawn_detached({.argv = slumberd_command({"--config", file}),
                                                .log = cluster->dir() + "/log/slumberd.log",
                                                .cgroup = std::nullopt});
        ASSERT_TRUE(daemon) << daemon.error();
        ASSERT_TRUE(vcluster::write_record(daemon_record(), *daemon));
        ASSERT_TRUE(cluster->wait_for(
            [] { return std::filesystem::exists(cluster->dir() + "/slumber-state/slumberd.sock"); }, seconds{10}));
    }
    static void stop_daemon() {
        if (auto daemon = vcluster::read_record(daemon_record())) vcluster::terminate(*daemon, seconds{10});
    }

    static inline std::unique_ptr<TestCluster> cluster;
};

// The watch the tests below rely on sees what they look for: a secret in the
// command line of a shell that lives 0.2 s, and in the environment of a
// sleep whose command line does not hold it.
TEST(SecretWatchControl, SeesASecretInAShortLivedProcesssCommandLineOrEnvironment) {
    const std::string secret = fmt::format("slumber-watch-{}", ::getpid());
    SecretWatch watch(secret);
    ASSERT_EQ(std::system(fmt::format("sleep 0.2; : {}", secret).c_str()), 0);
    ASSERT_EQ(std::system(fmt::format("env SLUMBER_WATCH={} sleep 0.2", secret).c_str()), 0);
    const auto seen = watch.stop();
    const auto any = [&](std::string_view what) {
        return std::ranges::any_of(seen, [&](const std::string& line) { return line.find(what) != std::string::npos; });
    };
    EXPECT_TRUE(any("(sh) command line")) << fmt::format("{}", fmt::join(seen, "\n"));
    EXPECT_TRUE(any("(sleep) environment")) << fmt::format("{}", fmt::join(seen, "\n"));
}

using SlurmHooks = HooksCluster<16, 27700>;
using SlurmHooksModes = HooksCluster<17, 27800>;

// What Slurm runs is the slumber under test: the build's by verb, or under
// scripts/package-test (SLUMBER_TEST_INSTALLED=/usr) the package's links, the
// hooks in /usr/sbin and the daemon slumberd.
TEST_F(SlurmHooks, SlurmRunsTheSlumberUnderTest) {
    const std::string prefix = test_installed_prefix();
    std::ifstream file(cluster->dir() + "/hooks/suspend");
    const std::string hook{std::istreambuf_iterator<char>(file), {}};
    EXPECT_NE(hook.find(prefix.empty() ? slumber_program() + " suspend --config "
                                       : prefix + "/sbin/slumber-suspend --config "),
              std::string::npos)
        << hook;
    const auto daemon = vcluster::read_record(daemon_record());
    ASSERT_TRUE(daemon);
    std::ifstream cmdline(fmt::format("/proc/{}/cmdline", daemon->pid));
    std::string program;
    std::getline(cmdline, program, '\0');
    EXPECT_EQ(program, prefix.empty() ? slumber_program() : prefix + "/sbin/slumberd");
}

TEST_F(SlurmHooks, TheDaemonPutsIdleNodesToSleepAndWakesThemForAJob) {
    // And no BMC password shows in a command line or environment of anything
    // that runs meanwhile (the hooks Slurm runs and all they start), a log,
    // the journal or slumber's output; SLUMBER_TEST_DEPLOYMENT=site: as sites run it.
    SecretWatch watch(cluster->password());
    ASSERT_TRUE(daemon_running());
    ASSERT_TRUE(all_asleep()) << cluster->states();
    for (int i = 0; i < cluster->nodes(); ++i) {
        EXPECT_TRUE(cluster->bmc_says(i, "off")) << cluster->node(i);
        EXPECT_GE(events(cluster->node(i), "requested", "off asked by slurm-suspend"), 1) << cluster->node(i);
        EXPECT_GE(events(cluster->node(i), "power-off", "off by the daemon for slurm-suspend: off"), 1);
    }
    const std::string job = submit("vnode[001-002]", "srun /bin/true");
    ASSERT_TRUE(cluster->wait_for([&] { return cluster->job_state(job) == "COMPLETED"; }, seconds{120}))
        << "job " << job << " is " << cluster->job_state(job) << "; " << cluster->states();
    for (int i = 0; i < 2; ++i) {
        EXPECT_GE(events(cluster->node(i), "power-on", "on by the daemon for slurm-resume: on"), 1);
        // The daemon saw slurmd register after the power-on: a boot time.
        EXPECT_TRUE(cluster->wait_for([&] { return events(cluster->node(i), "registered") >= 1; }, seconds{10}))
            << cluster->node(i);
    }
    EXPECT_EQ(events("vnode003", "power-on"), 0) << "only the job's nodes were woken";
    EXPECT_TRUE(all_asleep()) << "and they sleep again: " << cluster->states();
    const auto seen = watch.stop();
    EXPECT_TRUE(seen.empty()) << fmt::format("{}", fmt::join(seen, "\n"));
    const auto files = cluster->password_outside_secrets();
    EXPECT_TRUE(files.empty()) << fmt::format("{}", fmt::join(files, "\n"));
}

// `slumber doctor` on the README's demo cluster (`--hooks slumber --daemon`),
// once the daemon has measured boots: nothing wrong, no error and no warning
// (exit 0), as its JSON says too; and doctor for one node says the same.
// doctor logs in to every ipmi_sim BMC (and the switch's plug): each
// answers, with a GUID of its own. The machine that runs the test may have
// no time service (a container): then doctor says so, and nothing else.
TEST_F(SlurmHooks, DoctorFindsNothingWrongOnTheDemoCluster) {
    const auto clock = service::kernel_clock_sync();
    const bool synchronised = !clock || clock->synchronised;
    const auto text = util::run_command({slumber_program(), "doctor", "-c", config()});
    EXPECT_EQ(text.exit_code, synchronised ? 0 : 6) << text.out << text.err;
    EXPECT_NE(text.out.find(synchronised ? "nothing wrong found" : "0 error(s), 1 warning(s), 0 advice"),
              std::string::npos)
        << text.out;
    const auto json = util::run_command({slumber_program(), "doctor", "--json", "-c", config(), "vnode001"});
    EXPECT_EQ(json.exit_code, synchronised ? 0 : 6) << json.out << json.err;
    const auto report = nlohmann::json::parse(json.out, nullptr, false);
    ASSERT_FALSE(report.is_discarded()) << json.out;
    EXPECT_EQ(report["errors"], 0) << json.out;
    EXPECT_EQ(report["warnings"], synchronised ? 0 : 1) << json.out;
    for (const auto& finding : report["findings"]) EXPECT_EQ(finding["check"], "clock-unsynchronised") << json.out;
    EXPECT_EQ(report["slurm_conf"], cluster->dir() + "/slurm.conf");

    // The same setup with vnode002's BMC at an address where none answers:
    // doctor asked the real BMCs, and says which one is missing, and where.
    const std::string moved = cluster->dir() + "/doctor-moved.toml";
    {
        std::ifstream in(config());
        std::stringstream file;
        file << in.rdbuf();
        const std::string original = file.str();
        const std::regex range(R"re(bmc = "127\.(\d+)\.0\.\[1-(\d+)\]"\n)re");
        std::smatch match;
        ASSERT_TRUE(std::regex_search(original, match, range)) << original;
        const std::string subnet = match[1].str();
        std::string list = fmt::format(R"(bmc = ["127.{0}.0.1", "127.{0}.0.250")", subnet);
        for (int i = 3; i <= std::stoi(match[2].str()); ++i) list += fmt::format(R"(, "127.{}.0.{}")", subnet, i);
        // Short, so that the silent address costs seconds, not minutes.
        std::ofstream(moved) << match.prefix() << list << "]\ntimeout = \"2s\"\nretries = 0\n" << match.suffix();
    }
    const auto unreachable = util::run_command({slumber_program(), "doctor", "--json", "-c", moved});
    std::filesystem::remove(moved);
    EXPECT_EQ(unreachable.exit_code, 5) << unreachable.out << unreachable.err;
    const auto silent = nlohmann::json::parse(unreachable.out, nullptr, false);
    ASSERT_FALSE(silent.is_discarded()) << unreachable.out;
    EXPECT_EQ(silent["errors"], 1) << unreachable.out;
    EXPECT_TRUE(std::ranges::any_of(silent["findings"], [](const nlohmann::json& finding) {
        return finding["check"] == "target-unreachable" && finding["nodes"] == nlohmann::json::array({"vnode002"}) &&
               finding["what"].get<std::string>().find(".0.250") != std::string::npos;
    })) << unreachable.out;

    // The same setup with a node Slurm does not know: doctor read the
    // cluster's own slurm.conf, and says so with exit 5.
    const std::string wrong = cluster->dir() + "/doctor-wrong.toml";
    {
        std::ifstream in(config());
        std::ofstream out(wrong);
        out << in.rdbuf() << "\n[[node]]\nnames = \"vnode099\"\ndriver = \"exec\"\non = \"true\"\noff = \"true\"\n";
    }
    const auto faulty = util::run_command({slumber_program(), "doctor", "--json", "-c", wrong});
    std::filesystem::remove(wrong);
    EXPECT_EQ(faulty.exit_code, 5) << faulty.out << faulty.err;
    const auto found = nlohmann::json::parse(faulty.out, nullptr, false);
    ASSERT_FALSE(found.is_discarded()) << faulty.out;
    EXPECT_TRUE(std::ranges::any_of(found["findings"], [](const nlohmann::json& finding) {
        return finding["check"] == "node-unknown-to-slurm" && finding["nodes"] == nlohmann::json::array({"vnode099"});
    })) << faulty.out;
}

TEST_F(SlurmHooks, ANodeRunningAJobIsNeverPoweredOffWhoeverAsks) {
    if (proving_installation()) GTEST_SKIP() << kEngineOnly;
    const std::string job = submit("vnode003", "sleep 120");
    ASSERT_TRUE(cluster->wait_for([&] { return cluster->job_state(job) == "RUNNING"; }, seconds{120}))
        << cluster->job_state(job) << "; " << cluster->states();
    // An admin (or a confused script) calls the suspend hook by hand.
    auto asked = cluster->run({slumber_program(), "suspend", "vnode003", "-c", config()});
    ASSERT_TRUE(asked) << asked.error();
    EXPECT_TRUE(cluster->wait_for([] { return events("vnode003", "refused", "running a job") == 1; }, seconds{10}));
    EXPECT_TRUE(cluster->bmc_says(2, "on"));
    EXPECT_EQ(cluster->job_state(job), "RUNNING");
    ASSERT_TRUE(cluster->run({"scancel", job}));
}

TEST_F(SlurmHooks, ResumeTwiceForTheSameNodeIsHarmless) {
    if (proving_installation()) GTEST_SKIP() << kEngineOnly;
    ASSERT_TRUE(cluster->wait_for([] { return cluster->bmc_says(2, "on"); }, seconds{5}));
    const int before = events("vnode003", "power-on");
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(cluster->run({slumber_program(), "resume", "vnode003", "-c", config()}));
    EXPECT_TRUE(
        cluster->wait_for([&] { return events("vnode003", "power-on", ": on after") == before + 2; }, seconds{20}));
    EXPECT_TRUE(cluster->bmc_says(2, "on"));
    EXPECT_TRUE(cluster->wait_for([] { return cluster->state(2).find("idle") != std::string::npos; }, seconds{30}))
        << "the cancelled job's node is idle again: " << cluster->state(2);
}

TEST_F(SlurmHooks, AJobForANodeThatIsPoweringDownRunsOnceItIsBackUp) {
    if (proving_installation()) GTEST_SKIP() << kEngineOnly;
    // vnode004 runs a job, goes idle, Slurm suspends it; the next job arrives
    // while Slurm still shows it powering down (%), during SuspendTimeout.
    const std::string first = submit("vnode004", "srun /bin/true");
    ASSERT_TRUE(cluster->wait_for([&] { return cluster->job_state(first) == "COMPLETED"; }, seconds{120}))
        << "job " << first << " is " << cluster->job_state(first) << "; " << cluster->states();
    ASSERT_TRUE(cluster->wait_for([] { return cluster->state(3).find('%') != std::string::npos; }, seconds{90}))
        << cluster->state(3);
    const std::string job = submit("vnode004", "srun /bin/true");
    ASSERT_TRUE(cluster->wait_for([&] { return cluster->job_state(job) == "COMPLETED"; }, seconds{120}))
        << "job " << job << " is " << cluster->job_state(job) << "; " << cluster->states();
    const nlohmann::json all = journal();
    int off_then_on = 0;
    bool off_seen = false;
    for (const auto& event : all) {
        if (event["node"] != "vnode004") continue;
        off_seen = off_seen || event["kind"] == "power-off";
        off_then_on += off_seen && event["kind"] == "power-on" ? 1 : 0;
    }
    EXPECT_GE(off_then_on, 1) << "powered off, then on again for the job";
}

TEST_F(SlurmHooks, ADaemonKilledMidResumeIsReplacedAndFinishesTheResume) {
    ASSERT_TRUE(all_asleep()) << cluster->states();
    // vnode001's BMC stops answering, so its power-on is in flight for a while.
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode001", "bmc-silent"}));
    const std::string job = submit("vnode[001-002]", "srun /bin/true");
    const int ons = events("vnode002", "power-on", "slurm-resume: on");
    ASSERT_TRUE(
        cluster->wait_for([&] { return events("vnode002", "power-on", "slurm-resume: on") > ons; }, seconds{60}))
        << "vnode002 was powered on while vnode001's BMC is silent";
    ASSERT_EQ(events("vnode001", "power-on", "slurm-resume"), 1) << "only the first job's power-on so far";
    // A job that arrives meanwhile is not held up by the silent BMC.
    const int third_ons = events("vnode003", "power-on", "slurm-resume: on");
    const std::string second = submit("vnode003", "srun /bin/true");
    EXPECT_TRUE(
        cluster->wait_for([&] { return events("vnode003", "power-on", "slurm-resume: on") > third_ons; }, seconds{60}));
    EXPECT_EQ(events("vnode001", "power-on", "slurm-resume"), 1) << "vnode003 waited for vnode001's silent BMC";
    auto daemon = vcluster::read_record(daemon_record());
    ASSERT_TRUE(daemon && vcluster::alive(*daemon));
    ASSERT_EQ(::kill(daemon->pid, SIGKILL), 0);
    ASSERT_TRUE(cluster->wait_for([&] { return !vcluster::alive(*daemon); }, seconds{5}));
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode001", "clear"}));
    start_daemon();
    EXPECT_TRUE(cluster->wait_for([] { return events("", "restart", "carried out again") >= 1; }, seconds{10}));
    ASSERT_TRUE(cluster->wait_for([&] { return cluster->job_state(job) == "COMPLETED"; }, seconds{120}))
        << "job " << job << " is " << cluster->job_state(job) << "; " << cluster->states();
    EXPECT_TRUE(cluster->bmc_says(0, "on") || cluster->state(0) == "idle~");
    EXPECT_TRUE(cluster->wait_for([&] { return cluster->job_state(second) == "COMPLETED"; }, seconds{60}))
        << "job " << second << " is " << cluster->job_state(second);
}

TEST_F(SlurmHooksModes, PacingBootsOneNodeAtATime) {
    // The same inventory with [daemon] max_booting = 1.
    const std::string paced = cluster->dir() + "/paced.toml";
    {
        std::ifstream in(config());
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const auto at = text.find("[daemon]\n");
        ASSERT_NE(at, std::string::npos) << text;
        text.insert(at + 9, "max_booting = 1\n");
        std::ofstream(paced) << text;
    }
    stop_daemon();
    start_daemon(paced);
    ASSERT_TRUE(cluster->wait_for(
        [] { return cluster->every_node([](int i) { return i == 3 || cluster->state(i) == "idle~"; }); }, seconds{90}))
        << cluster->states();
    const std::size_t before = journal().size();
    const std::string job = submit("vnode[001-003]", "srun /bin/true");
    ASSERT_TRUE(cluster->wait_for([&] { return cluster->job_state(job) == "COMPLETED"; }, seconds{120}))
        << "job " << job << " is " << cluster->job_state(job) << "; " << cluster->states();
    // Never two nodes between power-on and registration at once.
    std::set<std::string> booting;
    std::size_t most = 0;
    int held = 0;
    const nlohmann::json all_events = journal();
    for (std::size_t i = before; i < all_events.size(); ++i) {
        const auto& event = all_events[i];
        const std::string node = event["node"];
        if (event["kind"] == "power-on" && event["detail"].get<std::string>().find(": on after") != std::string::npos) {
            booting.insert(node);
        }
        if (event["kind"] == "registered") booting.erase(node);
        held += event["kind"] == "paced" ? 1 : 0;
        most = std::max(most, booting.size());
    }
    EXPECT_EQ(most, 1U);
    EXPECT_GE(held, 2) << "two of the three power-ons waited their turn";
    stop_daemon();
    start_daemon();
}

TEST_F(SlurmHooksModes, APowerOffThatFailedIsTriedAgain) {
    ASSERT_TRUE(cluster->wait_for([] { return cluster->state(1) == "idle~"; }, seconds{90})) << cluster->states();
    ASSERT_TRUE(cluster->run({"scontrol", "update", "NodeName=vnode002", "State=POWER_UP"}));
    ASSERT_TRUE(cluster->wait_for([] { return cluster->state(1) == "idle"; }, seconds{60})) << cluster->states();
    // Slurm suspends it while its BMC refuses the password: the node stays on,
    // but Slurm counts it as powered down.
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode002", "bmc-password"}));
    const int failed = events("vnode002", "power-off", "error: ");
    ASSERT_TRUE(cluster->wait_for([&] { return events("vnode002", "power-off", "error: ") > failed; }, seconds{60}))
        << cluster->states();
    EXPECT_TRUE(cluster->slurmd_running(1));
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode002", "clear"}));
    EXPECT_TRUE(cluster->wait_for([] { return events("vnode002", "recovery", "power-off(s) in a row failed") >= 1; },
                                  seconds{60}));
    // A refused password blocks the BMC until the credentials file changes
    // or an admin lifts the block: the admin who fixed the account does.
    auto unblocked = cluster->run({slumber_program(), "unblock", "vnode002", "-c", cluster->dir() + "/slumber.toml"});
    ASSERT_TRUE(unblocked) << unblocked.error();
    // The power-offs refused while it was blocked count as failures in a
    // row: the next try comes after the doubled back-off (30 s, 60 s, …).
    EXPECT_TRUE(cluster->wait_for([] { return !cluster->slurmd_running(1); }, seconds{150}))
        << "switched off once its BMC answered again";
    EXPECT_TRUE(cluster->bmc_says(1, "off"));
    // Slurm shows it powering down (idle%) until its own SuspendTimeout from
    // the suspend it asked for has passed: seen with 24.11 under ASan.
    EXPECT_TRUE(cluster->wait_for([] { return cluster->state(1) == "idle~"; }, seconds{60})) << cluster->states();
}

// One of Slurm's hooks replaced, for one test, by one that fails to run.
class BrokenHook {
  public:
    explicit BrokenHook(std::string path) : m_path(std::move(path)) {
        std::ifstream in(m_path);
        m_original.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        std::ofstream(m_path, std::ios::trunc) << "#!/bin/sh\nexit 127\n";
    }
    ~BrokenHook() { std::ofstream(m_path, std::ios::trunc) << m_original; }
    BrokenHook(const BrokenHook&) = delete;
    BrokenHook& operator=(const BrokenHook&) = delete;

  private:
    std::string m_path;
    std::string m_original;
};

TEST_F(SlurmHooksModes, AWakeWhoseHookFailedToRunIsCarriedOutByTheDaemon) {
    ASSERT_TRUE(cluster->wait_for([] { return cluster->state(2) == "idle~"; }, seconds{90})) << cluster->states();
    std::string job;
    {
        const BrokenHook broken(cluster->dir() + "/hooks/resume");
        job = submit("vnode003", "srun /bin/true");
        EXPECT_TRUE(cluster->wait_for(
            [] { return events("vnode003", "recovery", "no resume request of slumber's is under way") >= 1; },
            seconds{60}))
            << cluster->states();
    }
    EXPECT_TRUE(cluster->wait_for([&] { return cluster->job_state(job) == "COMPLETED"; }, seconds{120}))
        << "job " << job << " is " << cluster->job_state(job) << "; " << cluster->states();
}

// Slurm suspends a node but its suspend hook fails to run: Slurm counts the
// node as powered down (idle~) while it is on. The daemon compares Slurm's
// view with the BMC's, switches it off after late_off_grace (10 s in the
// virtual cluster) and journals why, once; a later job wakes it as usual.
TEST_F(SlurmHooksModes, ASuspendThatNeverReachedSlumberIsNoticedAndTheNodeSwitchedOff) {
    ASSERT_TRUE(cluster->wait_for([] { return cluster->state(0) == "idle~"; }, seconds{90})) << cluster->states();
    const std::string lost = "its suspend was lost";
    const int failed_before = events("vnode001", "resume-failed");
    {
        const BrokenHook broken(cluster->dir() + "/hooks/suspend");
        ASSERT_TRUE(cluster->run({"scontrol", "update", "NodeName=vnode001", "State=POWER_UP"}));
        ASSERT_TRUE(cluster->wait_for([] { return cluster->state(0) == "idle"; }, seconds{60})) << cluster->states();
        const int offs = events("vnode001", "requested", "off asked by slurm-suspend");
        ASSERT_TRUE(cluster->wait_for([] { return cluster->state(0) == "idle~"; }, seconds{60})) << cluster->states();
        EXPECT_EQ(events("vnode001", "requested", "off asked by slurm-suspend"), offs) << "the hook never ran";
        EXPECT_TRUE(cluster->slurmd_running(0)) << "Slurm counts it as powered down; it is on";
        EXPECT_TRUE(cluster->wait_for([&] { return events("vnode001", "recovery", lost) == 1; }, seconds{60}))
            << cluster->states();
    }
    // The off waits for the BMC read that follows the decision (a pass or
    // two; reads run on workers). 30 s ran out once under CI load, with the
    // BMC off and the power-off journaled right after: the bound ends a
    // failing test, it times nothing.
    EXPECT_TRUE(cluster->wait_for([] { return !cluster->slurmd_running(0); }, seconds{90})) << cluster->states();
    EXPECT_TRUE(cluster->bmc_says(0, "off"));
    EXPECT_GE(events("vnode001", "power-off", "off by the daemon for recovery: off"), 1);
    EXPECT_EQ(cluster->state(0), "idle~");

    const std::string job = submit("vnode001", "srun /bin/true");
    ASSERT_TRUE(cluster->wait_for([&] { return cluster->job_state(job) == "COMPLETED"; }, seconds{120}))
        << "job " << job << " is " << cluster->job_state(job) << "; " << cluster->states();
    EXPECT_EQ(events("vnode001", "resume-failed"), failed_before) << "the wake worked the first time";
    EXPECT_EQ(events("vnode001", "recovery", lost), 1) << "journaled once";
}

// A silent BMC of a node asleep in Slurm's view is read on a worker: a wake
// that comes meanwhile is carried out at once, not after the read's timeouts
// (24.11.5: each pass held about 15 s while such reads ran on the loop).
TEST_F(SlurmHooksModes, ASilentBmcOfASleepingNodeHoldsUpNoWake) {
    // Every BMC call of this daemon's gets 10 minutes and no retry: a read
    // of a silent BMC outlasts the whole test, until the BMC answers again.
    const std::string patient = cluster->dir() + "/patient.toml";
    {
        std::ifstream in(config());
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const std::string ipmi = "driver = \"ipmi\"\n";
        const auto at = text.find(ipmi);
        ASSERT_NE(at, std::string::npos) << text;
        text.insert(at + ipmi.size(), "timeout = \"600s\"\nretries = 0\n");
        std::ofstream(patient) << text;
    }
    stop_daemon();
    start_daemon(patient);
    ASSERT_TRUE(
        cluster->wait_for([] { return cluster->state(1) == "idle~" && cluster->state(2) == "idle~"; }, seconds{90}))
        << cluster->states();
    {
        // vnode002 wakes, its BMC goes silent, and Slurm suspends it without
        // its hook: asleep in Slurm's view with no power-off of slumber's
        // since it booted, so the daemon reads its BMC as soon as it sees it.
        const BrokenHook broken(cluster->dir() + "/hooks/suspend");
        ASSERT_TRUE(cluster->run({"scontrol", "update", "NodeName=vnode002", "State=POWER_UP"}));
        ASSERT_TRUE(cluster->wait_for([] { return cluster->state(1) == "idle"; }, seconds{60})) << cluster->states();
        ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode002", "bmc-silent"}));
        ASSERT_TRUE(cluster->wait_for([] { return cluster->state(1) == "idle~"; }, seconds{60})) << cluster->states();
    }
    // The daemon's read of the silent BMC is under way: its datagrams wait,
    // unread, at the stopped BMC's socket.
    ASSERT_TRUE(cluster->wait_for([] { return cluster->bmc_unread_bytes(1) > 0; }, seconds{30}))
        << "no read of vnode002's BMC; " << cluster->states();
    const int ons = events("vnode003", "power-on", "slurm-resume: on");
    const std::string job = submit("vnode003", "srun /bin/true");
    ASSERT_TRUE(
        cluster->wait_for([&] { return events("vnode003", "power-on", "slurm-resume: on") > ons; }, seconds{120}))
        << cluster->states();
    ASSERT_TRUE(cluster->wait_for([&] { return cluster->job_state(job) == "COMPLETED"; }, seconds{120}))
        << "job " << job << " is " << cluster->job_state(job) << "; " << cluster->states();
    // All while that read was under way: the BMC is still stopped and the
    // read has not ended (an ended one is journaled: "BMC unreadable"). A
    // loop that waited for the read would still be waiting.
    EXPECT_GT(cluster->bmc_unread_bytes(1), 0);
    EXPECT_EQ(events("vnode002", "diagnosis", "BMC unreadable"), 0);
    // Its BMC answers again, that read with it: found on while asleep, it is
    // switched off.
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode002", "clear"}));
    EXPECT_TRUE(cluster->wait_for([] { return !cluster->slurmd_running(1); }, seconds{90})) << cluster->states();
    stop_daemon();
    start_daemon();
}

TEST_F(SlurmHooksModes, WithoutADaemonTheHooksDoTheWorkThemselves) {
    const CredentialsGivenToSlurmUser credentials(cluster->dir() + "/ipmi.secret");
    // The hooks' carriers read the credentials themselves: still no password
    // in a command line, an environment or a log.
    SecretWatch watch(cluster->password());
    ASSERT_TRUE(cluster->wait_for([] { return cluster->state(3) == "idle~"; }, seconds{90})) << cluster->states();
    stop_daemon();
    ASSERT_FALSE(daemon_running());
    const std::string job = submit("vnode004", "srun /bin/true");
    ASSERT_TRUE(cluster->wait_for([&] { return cluster->job_state(job) == "COMPLETED"; }, seconds{120}))
        << "job " << job << " is " << cluster->job_state(job) << "; " << cluster->states();
    EXPECT_GE(events("", "no-daemon", "the resume hook hands vnode004 to a carrier of its own"), 1);
    EXPECT_GE(events("vnode004", "power-on", "on by the hook for slurm-resume: on"), 1);
    EXPECT_TRUE(cluster->wait_for([] { return cluster->state(3) == "idle~"; }, seconds{90})) << cluster->states();
    EXPECT_GE(events("vnode004", "power-off", "off by the hook for slurm-suspend: off"), 1);
    EXPECT_TRUE(cluster->bmc_says(3, "off"));
    const auto seen = watch.stop();
    EXPECT_TRUE(seen.empty()) << fmt::format("{}", fmt::join(seen, "\n"));
    const auto files = cluster->password_outside_secrets();
    EXPECT_TRUE(files.empty()) << fmt::format("{}", fmt::join(files, "\n"));
    start_daemon();
}

// No daemon: the hooks carry requests out through carriers of their own.
class SlurmHooksAlone : public HooksCluster<47, 29740, false> {
  protected:
    // The test stands in for slurmscriptd: the hooks it starts are Slurm's.
    const AsSlurmctld m_slurmctld;
    // Runs one of the cluster's hooks as slurmscriptd runs it (Slurm 23.02
    // and later): in a process group of its own, which Slurm kills whole
    // (SIGKILL) once the largest Resume/SuspendTimeout has passed.
    static pid_t run_hook_as_slurm(const std::string& hook, const std::string& nodes) {
        const std::string path = cluster->dir() + "/hooks/" + hook;
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::setpgid(0, 0);
            const int null = ::open("/dev/null", O_RDWR);
            for (int fd = 0; fd < 3; ++fd) ::dup2(null, fd);
            ::execl(path.c_str(), path.c_str(), nodes.c_str(), nullptr);
            ::_exit(127);
        }
        (void)::setpgid(pid, pid);  // here too: no race with the kill
        return pid;
    }
    // slurmscriptd at the timeout: the whole group, whatever is left of it.
    static void kill_as_slurm(pid_t hook) {
        (void)::kill(-hook, SIGKILL);
        (void)::waitpid(hook, nullptr, 0);
    }
    // slurmscriptd's wait: until the hook exits, at most `timeout`, then the kill.
    static bool wait_as_slurm(pid_t hook, std::chrono::seconds timeout) {
        const bool exited = cluster->wait_for([&] { return ::waitpid(hook, nullptr, WNOHANG) == hook; }, timeout);
        if (!exited) kill_as_slurm(hook);
        return exited;
    }
    // The requests for these nodes since `since`, from the journal itself.
    static std::vector<store::Request> requests(const std::vector<std::string>& nodes, store::TimeMs since) {
        auto journal = store::Journal::open(cluster->dir() + "/slumber-state/journal.db");
        if (!journal) return {};
        return journal->requests(nodes, since).value_or(std::vector<store::Request>{});
    }
    static store::RequestState state_of(std::int64_t id) {
        auto journal = store::Journal::open(cluster->dir() + "/slumber-state/journal.db");
        auto all = journal ? journal->requests({}, 0) : store::DbResult<std::vector<store::Request>>{};
        for (const store::Request& request : all.value_or(std::vector<store::Request>{})) {
            if (request.id == id) return request.state;
        }
        return store::RequestState::superseded;
    }
    // The PID the hook's latest "no-daemon" event gives its carrier.
    static pid_t carrier_pid() {
        pid_t pid = 0;
        for (const auto& event : journal()) {
            const std::string detail = event["detail"];
            const auto at = detail.find("to a carrier of its own (pid ");
            if (event["kind"] != "no-daemon" || at == std::string::npos) continue;
            pid = std::atoi(detail.c_str() + at + 29);
        }
        return pid;
    }
    static std::string daemon_log() {
        std::ifstream in(cluster->dir() + "/log/slumberd.log");
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }
    static store::TimeMs now_ms() {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
};

// A hook that switched nodes itself, behind a silent BMC (18 s a node), was
// killed half-way by Slurm's timeout: its requests stayed "running" for ever
// and the node stayed on. Now the hook hands them to a carrier outside its
// process group and returns; the carrier finishes once the BMC answers.
TEST_F(SlurmHooksAlone, AHookKilledBySlurmsTimeoutLeavesNothingHalfDone) {
    const std::vector<std::string> nodes{"vnode001", "vnode002", "vnode003"};
    ASSERT_TRUE(cluster->wait_for([] { return cluster->state(0) == "idle"; }, seconds{60})) << cluster->states();
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode001", "bmc-silent"}));
    const store::TimeMs since = now_ms();
    const pid_t hook = run_hook_as_slurm("suspend", "vnode[001-003]");
    // The batch is under way: two nodes are off, the first waits for its BMC.
    ASSERT_TRUE(cluster->wait_for(
        [] {
            return events("vnode002", "power-off", "for slurm-suspend: off") == 1 &&
                   events("vnode003", "power-off", "for slurm-suspend: off") == 1;
        },
        seconds{60}));
    ASSERT_EQ(events("vnode001", "power-off"), 0);
    kill_as_slurm(hook);
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode001", "clear"}));
    EXPECT_TRUE(cluster->wait_for([] { return events("vnode001", "power-off") == 1; }, seconds{60}))
        << "vnode001's power-off was never finished";
    EXPECT_EQ(events("vnode001", "power-off", "off by the hook for slurm-suspend: off"), 1);
    EXPECT_TRUE(cluster->bmc_says(0, "off"));
    const auto asked = requests(nodes, since);
    ASSERT_EQ(asked.size(), 3U) << "one request per node, none added";
    for (const store::Request& request : asked) {
        EXPECT_EQ(request.state, store::RequestState::done) << request.node << " " << request.outcome;
    }
    EXPECT_EQ(events("", "restart"), 0) << "nothing was left running";
}

// A daemon started while a hook's carrier is at work waits for it: the
// carrier's running requests are not taken back and done twice at once.
TEST_F(SlurmHooksAlone, ADaemonStartedWhileAHooksCarrierWorksWaitsForIt) {
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode004", "bmc-silent"}));
    const store::TimeMs since = now_ms();
    EXPECT_TRUE(wait_as_slurm(run_hook_as_slurm("suspend", "vnode004"), seconds{10}))
        << "the hook returns at once, whatever its BMC does";
    ASSERT_TRUE(cluster->wait_for(
        [&] {
            const auto asked = requests({"vnode004"}, since);
            return asked.size() == 1 && asked[0].state == store::RequestState::running;
        },
        seconds{20}))
        << "the carrier took the request";
    auto daemon = vcluster::spawn_detached({.argv = slumberd_command({"--config", config()}),
                                            .log = cluster->dir() + "/log/slumberd.log",
                                            .cgroup = std::nullopt});
    ASSERT_TRUE(daemon) << daemon.error();
    ASSERT_TRUE(vcluster::write_record(daemon_record(), *daemon));
    EXPECT_TRUE(cluster->wait_for(
        [] { return daemon_log().find("a carrier that a hook started holds") != std::string::npos; }, seconds{10}))
        << daemon_log();
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode004", "clear"}));
    EXPECT_TRUE(cluster->wait_for(
        [] { return std::filesystem::exists(cluster->dir() + "/slumber-state/slumberd.sock"); }, seconds{90}))
        << "the daemon starts once the carrier is done";
    EXPECT_EQ(events("vnode004", "power-off"), 1) << "carried out once";
    EXPECT_EQ(events("vnode004", "power-off", "off by the hook for slurm-suspend: off"), 1);
    EXPECT_EQ(events("", "restart"), 0) << "the daemon took back nothing it must not";
    const auto asked = requests({"vnode004"}, since);
    ASSERT_EQ(asked.size(), 1U);
    EXPECT_EQ(asked[0].state, store::RequestState::done);
    stop_daemon();
}

// A carrier killed itself half-way (kill -9, a restart of slurmctld's
// service, which stops everything in its cgroup): the next hook's carrier
// finds itself alone and carries out what the dead one left running.
TEST_F(SlurmHooksAlone, WhatAKilledCarrierLeftRunningIsCarriedOutByTheNextHook) {
    ASSERT_FALSE(daemon_running());
    ASSERT_TRUE(
        cluster->wait_for([] { return cluster->bmc_says(1, "off") && cluster->bmc_says(2, "off"); }, seconds{10}));
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode003", "bmc-silent"}));
    const store::TimeMs since = now_ms();
    const pid_t hook = run_hook_as_slurm("resume", "vnode[002-003]");
    ASSERT_TRUE(
        cluster->wait_for([] { return events("vnode002", "power-on", "for slurm-resume: on") == 1; }, seconds{60}));
    kill_as_slurm(hook);
    const pid_t carrier = carrier_pid();
    ASSERT_GT(carrier, 0);
    ASSERT_EQ(::kill(carrier, SIGKILL), 0);
    const auto left = requests({"vnode003"}, since);
    ASSERT_EQ(left.size(), 1U);
    ASSERT_EQ(left[0].state, store::RequestState::running) << "left running by the dead carrier";
    ASSERT_TRUE(cluster->rig({"fault", "--dir", cluster->dir(), "vnode003", "clear"}));

    EXPECT_TRUE(wait_as_slurm(run_hook_as_slurm("resume", "vnode001"), seconds{10}));
    EXPECT_TRUE(cluster->wait_for(
        [] {
            return events("", "restart", "1 request(s) left running are carried out again by a hook's carrier") == 1;
        },
        seconds{20}));
    EXPECT_TRUE(cluster->wait_for([&] { return state_of(left[0].id) == store::RequestState::done; }, seconds{60}))
        << "vnode003's request, taken back";
    EXPECT_EQ(events("vnode003", "power-on", "on by the hook for slurm-resume: on"), 1);
    EXPECT_TRUE(
        cluster->wait_for([] { return events("vnode001", "power-on", "for slurm-resume: on") == 1; }, seconds{30}));
    EXPECT_TRUE(cluster->bmc_says(2, "on"));
    EXPECT_TRUE(cluster->bmc_says(0, "on"));
}

}  // namespace
}  // namespace slumber::testing
