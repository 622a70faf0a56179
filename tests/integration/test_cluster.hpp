// A virtual cluster for one test suite: brought up with `slumber-vcluster up`
// in its own run directory, BMC subnet and ports, and taken down at the end.
// The clients are the real ones: ipmitool, sinfo, scontrol, sbatch.
#pragma once

#include <sys/types.h>
#include <array>
#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace slumber::testing {

struct ClusterOptions {
    std::string name;                     // run directory /tmp/slumber-test-<name>
    int bmc_subnet = 10;                  // BMCs on 127.<subnet>.0.x
    int port = 27000;                     // slurmctld; nodes on the ports after it
    std::vector<std::string> up_options;  // e.g. {"--suspend-time", "10s"}
    int nodes = 0;                        // 0: test_node_count()
};

/// Node count for integration tests: $SLUMBER_TEST_NODES, default 4.
int test_node_count();

/// How the suites' clusters run Slurm: "site" when $SLUMBER_TEST_DEPLOYMENT
/// is site (slurmctld as SlurmUser slurm with munge, the hooks as slurm:
/// `slumber-vcluster up --deployment site`), else "root" (root, auth/none).
std::string test_deployment();

/// Without a daemon, whoever carries requests out reads the BMCs'
/// credentials: in a site deployment the hooks run as SlurmUser, so a site
/// that runs no daemon gives SlurmUser the credentials file (mode 600 stays:
/// slumber refuses a file others can read; docs/slurm.md, "Who needs the BMC
/// passwords"). This does so for its lifetime, in a site deployment only.
class CredentialsGivenToSlurmUser {
  public:
    explicit CredentialsGivenToSlurmUser(std::string file);
    ~CredentialsGivenToSlurmUser();
    CredentialsGivenToSlurmUser(const CredentialsGivenToSlurmUser&) = delete;
    CredentialsGivenToSlurmUser& operator=(const CredentialsGivenToSlurmUser&) = delete;

  private:
    std::string m_file;
    std::optional<std::pair<uid_t, gid_t>> m_owner;
};

/// Which slumber the suites run: empty for the build's, or the prefix of an
/// installed one from $SLUMBER_TEST_INSTALLED (/usr: scripts/package-test,
/// which runs a suite against the package's files). Clusters with slumber's
/// hooks then run it through its links (`slumber-vcluster up --installed`).
std::string test_installed_prefix();

/// The slumber program a test runs: PREFIX/bin/slumber when installed, else
/// the build's.
std::string slumber_program();

/// The daemon's command line with OPTIONS: PREFIX/sbin/slumberd when
/// installed (the package's link, as systemd starts it), else the build's
/// `slumber daemon`.
std::vector<std::string> slumberd_command(const std::vector<std::string>& options);

/// While it lives, this test process is named slurmctld (its main thread's
/// name, which /proc/PID/stat shows; make it on the main thread): hooks the
/// test starts itself, standing in for Slurm, then look run by Slurm to
/// slumber (src/slurm/caller.hpp), which journals a hook run by anyone else
/// as a person's.
class AsSlurmctld {
  public:
    AsSlurmctld();
    ~AsSlurmctld();
    AsSlurmctld(const AsSlurmctld&) = delete;
    AsSlurmctld& operator=(const AsSlurmctld&) = delete;

  private:
    std::array<char, 17> m_name{};
};

/// Looks for `secret` in every process's command line and environment, on a
/// thread of its own, every 20 ms until stop(): a hook lives for a fraction
/// of a second, its children less. stop() says where it was seen ("PID
/// (name) command line: …").
class SecretWatch {
  public:
    explicit SecretWatch(std::string secret);
    ~SecretWatch();
    SecretWatch(const SecretWatch&) = delete;
    SecretWatch& operator=(const SecretWatch&) = delete;
    std::vector<std::string> stop();

  private:
    std::string m_secret;
    std::vector<std::string> m_seen;
    std::jthread m_thread;
};

class TestCluster {
  public:
    explicit TestCluster(ClusterOptions options);
    ~TestCluster();
    TestCluster(const TestCluster&) = delete;
    TestCluster& operator=(const TestCluster&) = delete;

    /// Whether `up` worked; if not, why.
    [[nodiscard]] const std::string& failure() const { return m_failure; }
    [[nodiscard]] bool ready() const { return m_failure.empty(); }

    [[nodiscard]] int nodes() const { return m_nodes; }
    [[nodiscard]] std::string node(int index) const;  // vnode001 for 0
    [[nodiscard]] std::string bmc(int index) const;   // 127.<subnet>.0.<index+1>
    [[nodiscard]] const std::string& dir() const { return m_dir; }

    /// `slumber ARGS`; output or error text.
    std::expected<std::string, std::string> slumber(std::vector<std::string> args) const;
    /// `slumber-vcluster ARGS` (the rig: up, down, status, fault …); output or error text.
    std::expected<std::string, std::string> rig(std::vector<std::string> args) const;
    /// ipmitool -I lanplus against a node's BMC with the cluster's password file.
    std::expected<std::string, std::string> ipmitool(int index, std::vector<std::string> args,
                                                     const std::string& user = "admin") const;
    /// FreeIPMI's ipmipower against a node's BMC, with the cluster's settings file.
    std::expected<std::string, std::string> ipmipower(int index, std::vector<std::string> args) const;
    /// Any command with SLURM_CONF pointing at this cluster.
    std::expected<std::string, std::string> run(std::vector<std::string> argv) const;

    /// The compact state sinfo prints (idle, idle~, mix#, down~, idle* …).
    [[nodiscard]] std::string state(int index) const;
    /// A field of `scontrol show node` (State, BootTime, Reason …).
    [[nodiscard]] std::string field(int index, std::string_view key) const;
    /// Slurm's BootTime of a node, in Unix seconds; nothing when it shows none.
    [[nodiscard]] std::optional<std::int64_t> boot_time(int index) const;
    /// Whether the node registered a boot after the one whose BootTime was
    /// `boot`. slurmd reckons BootTime from its uptime, so one boot's moves
    /// by a second between registrations (Slurm 22.05 and 24.11; CI saw it
    /// in 2026-12); a later boot is later by more than that.
    [[nodiscard]] bool booted_since(int index, std::int64_t boot) const;
    /// Every node's compact state: "vnode001=idle~ vnode002=mix# …", for messages.
    [[nodiscard]] std::string states() const;
    /// Whether `holds(index)` is true for every node.
    template <typename Holds>
    [[nodiscard]] bool every_node(Holds&& holds) const {
        for (int i = 0; i < m_nodes; ++i) {
            if (!holds(i)) return false;
        }
        return true;
    }
    /// What the node's BMC says, through ipmitool: "on" or "off".
    [[nodiscard]] bool bmc_says(int index, std::string_view power) const;
    /// A job's state (PENDING, RUNNING, COMPLETED …), also after it left squeue
    /// and slurmctld's memory (from the job completion log).
    [[nodiscard]] std::string job_state(const std::string& job) const;
    /// Whether the node's slurmd process runs (checked in /proc).
    [[nodiscard]] bool slurmd_running(int index) const;
    /// Bytes sent to the node's IPMI BMC (UDP 623) that it has not read
    /// (vcluster::udp_unread_bytes), -1 when nothing listens there.
    [[nodiscard]] long bmc_unread_bytes(int index) const;
    /// This cluster's hooks still running (the scripts in hooks/, and
    /// slumber's suspend/resume/resume-fail with its slumber.toml), each as
    /// "PID command line" followed by its children: a hook that hangs shows
    /// here (zombies are not running).
    [[nodiscard]] std::vector<std::string> running_hooks() const;
    /// The BMC password `up` generated (ipmi.password).
    [[nodiscard]] std::string password() const;
    /// Where the password shows that is no credentials file: the files in
    /// log/ and slumber-state/ (the journal's database included), and what
    /// `slumber journal --json` and `slumber status --json` print.
    [[nodiscard]] std::vector<std::string> password_outside_secrets() const;

    /// Polls `ready` every 250 ms until it holds or `limit` passes.
    template <typename Ready>
    bool wait_for(Ready&& ready, std::chrono::seconds limit) const;

  private:
    std::string m_dir;
    int m_nodes = 0;
    int m_subnet = 0;
    std::string m_failure;
};

}  // namespace slumber::testing

#include <thread>

template <typename Ready>
bool slumber::testing::TestCluster::wait_for(Ready&& ready, std::chrono::seconds limit) const {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (ready()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds{250});
    }
    return ready();
}
