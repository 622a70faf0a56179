#include "test_cluster.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "util/time_text.hpp"
#include "vcluster/bmc.hpp"
#include "vcluster/process.hpp"

namespace slumber::testing {
namespace {

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

}  // namespace

int test_node_count() {
    if (const char* text = std::getenv("SLUMBER_TEST_NODES"); text != nullptr && std::atoi(text) > 0) {
        return std::atoi(text);
    }
    return 4;
}

AsSlurmctld::AsSlurmctld() {
    ::prctl(PR_GET_NAME, m_name.data());
    ::prctl(PR_SET_NAME, "slurmctld");
}

AsSlurmctld::~AsSlurmctld() { ::prctl(PR_SET_NAME, m_name.data()); }

std::string test_deployment() {
    const char* text = std::getenv("SLUMBER_TEST_DEPLOYMENT");
    return text != nullptr && std::string_view(text) == "site" ? "site" : "root";
}

CredentialsGivenToSlurmUser::CredentialsGivenToSlurmUser(std::string file) : m_file(std::move(file)) {
    struct stat before {};
    const passwd* slurm = ::getpwnam("slurm");
    if (test_deployment() != "site" || slurm == nullptr || ::stat(m_file.c_str(), &before) != 0) return;
    m_owner = std::pair{before.st_uid, before.st_gid};
    (void)::chown(m_file.c_str(), slurm->pw_uid, slurm->pw_gid);
}

CredentialsGivenToSlurmUser::~CredentialsGivenToSlurmUser() {
    if (m_owner) (void)::chown(m_file.c_str(), m_owner->first, m_owner->second);
}

std::string test_installed_prefix() {
    const char* text = std::getenv("SLUMBER_TEST_INSTALLED");
    return text != nullptr ? text : "";
}

std::string slumber_program() {
    const std::string prefix = test_installed_prefix();
    return prefix.empty() ? SLUMBER_BINARY : prefix + "/bin/slumber";
}

std::vector<std::string> slumberd_command(const std::vector<std::string>& options) {
    const std::string prefix = test_installed_prefix();
    std::vector<std::string> argv = prefix.empty() ? std::vector<std::string>{SLUMBER_BINARY, "daemon"}
                                                   : std::vector<std::string>{prefix + "/sbin/slumberd"};
    argv.insert(argv.end(), options.begin(), options.end());
    return argv;
}

TestCluster::TestCluster(ClusterOptions options)
    : m_dir("/tmp/slumber-test-" + options.name),
      m_nodes(options.nodes > 0 ? options.nodes : test_node_count()),
      m_subnet(options.bmc_subnet) {
    if (::geteuid() != 0) {
        m_failure = "the virtual cluster needs root";
        return;
    }
    ::setenv("SLURM_CONF", (m_dir + "/slurm.conf").c_str(), 1);
    (void)rig({"down", "--dir", m_dir});  // a previous run that crashed
    std::vector<std::string> up{"up",
                                "--dir",
                                m_dir,
                                "--nodes",
                                std::to_string(m_nodes),
                                "--bmc-subnet",
                                std::to_string(m_subnet),
                                "--port",
                                std::to_string(options.port)};
    up.insert(up.end(), options.up_options.begin(), options.up_options.end());
    if (test_deployment() == "site") up.insert(up.end(), {"--deployment", "site"});
    const auto& given = options.up_options;
    const auto hooks = std::find(given.begin(), given.end(), "--hooks");
    if (const std::string prefix = test_installed_prefix();
        !prefix.empty() && hooks != given.end() && std::next(hooks) != given.end() && *std::next(hooks) == "slumber") {
        up.insert(up.end(), {"--installed", prefix});
    }
    if (auto started = rig(up); !started) m_failure = "slumber-vcluster up failed: " + started.error();
}

TestCluster::~TestCluster() {
    if (::geteuid() == 0) (void)rig({"down", "--dir", m_dir});
}

std::string TestCluster::node(int index) const { return fmt::format("vnode{:03}", index + 1); }

std::string TestCluster::bmc(int index) const { return fmt::format("127.{}.0.{}", m_subnet, index + 1); }

std::expected<std::string, std::string> TestCluster::slumber(std::vector<std::string> args) const {
    args.insert(args.begin(), slumber_program());
    return vcluster::capture(args);
}

std::expected<std::string, std::string> TestCluster::rig(std::vector<std::string> args) const {
    args.insert(args.begin(), SLUMBER_VCLUSTER_BINARY);
    return vcluster::capture(args);
}

std::expected<std::string, std::string> TestCluster::ipmitool(int index, std::vector<std::string> args,
                                                              const std::string& user) const {
    // Two-second timeout and two retries: a silent BMC fails within seconds,
    // and a busy one (sanitizer builds, suites in parallel) still answers.
    std::vector<std::string> argv{"ipmitool", "-I", "lanplus", "-C", "3",
                                  "-N",       "2",  "-R",      "2",  "-H",
                                  bmc(index), "-U", user,      "-f", m_dir + "/ipmi.password"};
    if (user == "operator") {
        argv.emplace_back("-L");
        argv.emplace_back("OPERATOR");
    }
    argv.insert(argv.end(), args.begin(), args.end());
    return vcluster::capture(argv);
}

std::expected<std::string, std::string> TestCluster::ipmipower(int index, std::vector<std::string> args) const {
    std::vector<std::string> argv{"ipmipower", "--config-file", m_dir + "/freeipmi.conf", "--session-timeout=3000",
                                  "-h",        bmc(index)};
    argv.insert(argv.end(), args.begin(), args.end());
    return vcluster::capture(argv);
}

std::expected<std::string, std::string> TestCluster::run(std::vector<std::string> argv) const {
    return vcluster::capture(argv);
}

std::string TestCluster::state(int index) const {
    auto out = run({"sinfo", "--noheader", "--Node", "--nodes", node(index), "--format=%t"});
    return out ? trimmed(*out) : "error: " + out.error();
}

std::string TestCluster::states() const {
    std::string out;
    for (int i = 0; i < m_nodes; ++i) out += node(i) + "=" + state(i) + " ";
    return out;
}

bool TestCluster::bmc_says(int index, std::string_view power) const {
    auto out = ipmitool(index, {"chassis", "power", "status"});
    return out && *out == fmt::format("Chassis Power is {}\n", power);
}

std::string TestCluster::job_state(const std::string& job) const {
    auto out = run({"squeue", "--noheader", "--jobs", job, "--states", "all", "--format=%T"});
    std::string state = out ? trimmed(*out) : "";
    if (state.empty()) {  // left squeue: ask for the record slurmctld keeps for MinJobAge
        if (auto show = run({"scontrol", "show", "job", job})) {
            const auto at = show->find("JobState=");
            if (at != std::string::npos) state = show->substr(at + 9, show->find(' ', at) - at - 9);
        }
    }
    if (state.empty()) {  // older than MinJobAge: Slurm's job completion log has its last run
        std::ifstream log(m_dir + "/log/jobcomp.log");
        const std::string wanted = "JobId=" + job + " ";
        std::string line;
        while (std::getline(log, line)) {
            const auto at = line.find("JobState=");
            if (line.starts_with(wanted) && at != std::string::npos) {
                state = line.substr(at + 9, line.find(' ', at) - at - 9);
            }
        }
    }
    return state;
}

std::string TestCluster::field(int index, std::string_view key) const {
    auto out = run({"scontrol", "show", "node", node(index)});
    if (!out) return "error: " + out.error();
    const std::string wanted = std::string(key) + "=";
    std::istringstream lines(*out);
    std::string line;
    while (std::getline(lines, line)) {
        const auto at = line.find(wanted);
        if (at == std::string::npos || (at > 0 && line[at - 1] != ' ')) continue;
        std::string value = line.substr(at + wanted.size());
        // Reason runs to the end of its line; other fields end at a space.
        if (key != "Reason") value = value.substr(0, value.find(' '));
        return trimmed(value);
    }
    return "";
}

std::optional<std::int64_t> TestCluster::boot_time(int index) const {
    auto seconds = util::parse_slurm_time(field(index, "BootTime"));
    return seconds ? std::optional{*seconds} : std::nullopt;
}

bool TestCluster::booted_since(int index, std::int64_t boot) const {
    const auto now = boot_time(index);
    return now && *now > boot + 1;
}

namespace {

// Every process as /proc shows it: PID, parent, state and argv.
struct ProcessEntry {
    int pid = 0;
    int parent = 0;
    char state = '?';
    std::string name;  // the command name, all a zombie keeps
    std::vector<std::string> argv;
};

// A file under /proc/PID, or "" once the process is gone: read(2) of a
// process's file fails with ESRCH when it exits mid-read, and libstdc++'s
// filebuf throws for that whatever the stream's exception mask (a watch
// that looks every 20 ms meets it).
std::string proc_text(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {};
    std::string text;
    std::array<char, 4096> buffer{};
    for (;;) {
        const ssize_t got = ::read(fd, buffer.data(), buffer.size());
        if (got <= 0) break;
        text.append(buffer.data(), static_cast<std::size_t>(got));
    }
    ::close(fd);
    return text;
}

std::vector<ProcessEntry> processes() {
    std::vector<ProcessEntry> out;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const std::string pid = entry.path().filename().string();
        if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
        ProcessEntry process;
        process.pid = std::stoi(pid);
        const std::string text = proc_text(entry.path() / "stat");
        const auto close = text.rfind(')');
        if (close == std::string::npos || close + 4 >= text.size()) continue;
        process.state = text[close + 2];
        const auto open = text.find('(');
        if (open != std::string::npos) process.name = text.substr(open + 1, close - open - 1);
        process.parent = std::atoi(text.c_str() + close + 4);
        std::istringstream in(proc_text(entry.path() / "cmdline"));
        std::string arg;
        while (std::getline(in, arg, '\0')) process.argv.push_back(arg);
        out.push_back(std::move(process));
    }
    return out;
}

}  // namespace

SecretWatch::SecretWatch(std::string secret)
    : m_secret(std::move(secret)), m_thread([this](const std::stop_token& stop) {
          std::set<std::string> seen;
          while (!stop.stop_requested()) {
              // /proc changes under the look: a round that fails is skipped,
              // never the test's end (an exception here would abort it).
              std::vector<ProcessEntry> all;
              try {
                  all = processes();
              } catch (const std::exception&) {
                  std::this_thread::sleep_for(std::chrono::milliseconds(20));
                  continue;
              }
              for (const ProcessEntry& process : all) {
                  const std::string environ = proc_text(fmt::format("/proc/{}/environ", process.pid));
                  const std::string cmdline = fmt::format("{}", fmt::join(process.argv, " "));
                  for (const auto& [where, text] : {std::pair{"command line", &cmdline}, {"environment", &environ}}) {
                      if (text->find(m_secret) != std::string::npos) {
                          seen.insert(fmt::format("{} ({}) {}: {}", process.pid, process.name, where, cmdline));
                      }
                  }
              }
              std::this_thread::sleep_for(std::chrono::milliseconds(20));
          }
          m_seen.assign(seen.begin(), seen.end());
      }) {}

SecretWatch::~SecretWatch() { (void)stop(); }

std::vector<std::string> SecretWatch::stop() {
    if (m_thread.joinable()) {
        m_thread.request_stop();
        m_thread.join();
    }
    return m_seen;
}

std::string TestCluster::password() const {
    std::ifstream in(m_dir + "/ipmi.password");
    std::string password;
    std::getline(in, password);
    return trimmed(password);
}

std::vector<std::string> TestCluster::password_outside_secrets() const {
    const std::string secret = password();
    std::vector<std::string> found;
    if (secret.empty()) return {"no password in ipmi.password"};
    for (const char* dir : {"/log", "/slumber-state"}) {
        std::error_code error;
        for (const auto& entry : std::filesystem::recursive_directory_iterator(m_dir + dir, error)) {
            if (!entry.is_regular_file(error)) continue;
            std::ifstream in(entry.path(), std::ios::binary);
            const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            if (text.find(secret) != std::string::npos) found.push_back(entry.path().string());
        }
    }
    for (const char* command : {"journal", "status"}) {
        auto out = slumber({command, "--json", "-c", m_dir + "/slumber.toml"});
        const std::string text = out ? *out : out.error();
        if (text.find(secret) != std::string::npos) found.push_back(fmt::format("slumber {} --json", command));
    }
    return found;
}

std::vector<std::string> TestCluster::running_hooks() const {
    const auto all = processes();
    const std::string hooks = m_dir + "/hooks/";
    const std::string config = m_dir + "/slumber.toml";
    auto is_hook = [&](const ProcessEntry& p) {
        if (p.state == 'Z') return false;
        const bool script =
            std::any_of(p.argv.begin(), p.argv.end(), [&](const std::string& arg) { return arg.starts_with(hooks); });
        const bool slumber = p.argv.size() > 1 &&
                             (p.argv[1] == "suspend" || p.argv[1] == "resume" || p.argv[1] == "resume-fail") &&
                             std::find(p.argv.begin(), p.argv.end(), config) != p.argv.end();
        return script || slumber;
    };
    auto text = [](const ProcessEntry& p) {
        return fmt::format("{} {} ({})", p.pid,
                           p.argv.empty() ? "[" + p.name + "]" : fmt::format("{}", fmt::join(p.argv, " ")), p.state);
    };
    std::vector<std::string> out;
    for (const ProcessEntry& hook : all) {
        if (!is_hook(hook)) continue;
        out.push_back(text(hook));
        for (const ProcessEntry& child : all) {
            if (child.parent == hook.pid) out.push_back("  child " + text(child));
        }
    }
    return out;
}

bool TestCluster::slurmd_running(int index) const {
    // Its own cluster's slurmd only: other suites' clusters have a vnode001 too.
    const std::string wanted = fmt::format("-N{}{}{}-f{}{}/slurm.conf", '\0', node(index), '\0', '\0', m_dir);
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const std::string pid = entry.path().filename().string();
        if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
        const std::string cmdline = proc_text(entry.path() / "cmdline");
        if (cmdline.find("slurmd") != std::string::npos && cmdline.find(wanted + '\0') != std::string::npos) {
            const auto state = vcluster::state_of(std::stoi(pid));
            if (state && *state != 'Z') return true;
        }
    }
    return false;
}

long TestCluster::bmc_unread_bytes(int index) const { return vcluster::udp_unread_bytes(bmc(index), 623).value_or(-1); }

}  // namespace slumber::testing
