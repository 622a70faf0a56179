#include "vcluster/process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "util/command.hpp"
#include "util/process_start.hpp"

namespace slumber::vcluster {

using util::c_argv;
using util::drain;
using util::write_all;

std::optional<Process> describe(pid_t pid) {
    std::ifstream in(fmt::format("/proc/{}/stat", pid));
    std::string stat;
    if (!std::getline(in, stat)) return std::nullopt;
    // The command name may hold spaces and parentheses; fields resume after the last ')'.
    const auto close = stat.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    unsigned long long start_time = 0;
    for (int index = 3; fields >> field; ++index) {
        if (index == 22) {
            start_time = std::stoull(field);
            return Process{pid, start_time};
        }
    }
    return std::nullopt;
}

std::optional<char> state_of(pid_t pid) {
    std::ifstream in(fmt::format("/proc/{}/stat", pid));
    std::string stat;
    if (!std::getline(in, stat)) return std::nullopt;
    const auto close = stat.rfind(')');
    if (close == std::string::npos || close + 2 >= stat.size()) return std::nullopt;
    return stat[close + 2];
}

bool alive(const Process& process) {
    if (process.pid <= 0) return false;
    const auto now = describe(process.pid);
    if (!now || now->start_time != process.start_time) return false;
    return state_of(process.pid).value_or('Z') != 'Z';
}

void terminate(const Process& process, std::chrono::milliseconds grace) {
    if (!alive(process)) return;
    ::kill(process.pid, SIGCONT);  // a stopped process cannot act on SIGTERM
    ::kill(process.pid, SIGTERM);
    if (wait_until([&] { return !alive(process); }, grace, std::chrono::milliseconds{20})) return;
    ::kill(process.pid, SIGKILL);
    wait_until([&] { return !alive(process); }, std::chrono::seconds{5}, std::chrono::milliseconds{20});
}

std::expected<Process, std::string> spawn_detached(const Launch& launch) {
    if (launch.argv.empty()) return std::unexpected("nothing to run");
    // Prepared before fork: the child only makes system calls.
    const std::vector<char*> argv = c_argv(launch.argv);
    const std::string log = launch.log.string();
    const std::string cgroup_procs = launch.cgroup ? (*launch.cgroup / "cgroup.procs").string() : std::string();
    const std::string host_name = launch.host ? launch.host->name : std::string();
    const std::string local_dir = launch.host ? launch.host->local_dir.string() : std::string();
    const std::string local_mount = launch.host ? launch.host->local_mount.string() : std::string();
    const std::string hosts_file = launch.host ? launch.host->hosts_file.string() : std::string();

    // The child reports a failed exec through a close-on-exec pipe.
    std::array<int, 2> report{};
    if (::pipe2(report.data(), O_CLOEXEC) != 0) return std::unexpected(fmt::format("pipe: {}", std::strerror(errno)));
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(report[0]);
        ::close(report[1]);
        return std::unexpected(fmt::format("fork: {}", std::strerror(errno)));
    }
    if (pid == 0) {
        ::close(report[0]);
        util::reset_signals();  // a clean mask and default dispositions, whatever this thread had
        auto fail = [&](const char* what) {
            const int error = errno;
            write_all(report[1], what, std::strlen(what));
            write_all(report[1], ": ", 2);
            const char* reason = std::strerror(error);
            write_all(report[1], reason, std::strlen(reason));
            ::_exit(127);
        };
        ::setsid();
        if (!cgroup_procs.empty()) {
            const int fd = ::open(cgroup_procs.c_str(), O_WRONLY | O_CLOEXEC);
            if (fd < 0 || ::write(fd, "0", 1) != 1) fail("cannot join the node's cgroup");
            ::close(fd);
        }
        if (launch.host) {
            // Private first: a bind mount must not reach the machine's namespace.
            if (::unshare(CLONE_NEWUTS | CLONE_NEWNS) != 0) fail("cannot make the host's namespaces");
            if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) fail("cannot make mounts private");
            if (::mount(local_dir.c_str(), local_mount.c_str(), nullptr, MS_BIND, nullptr) != 0) {
                fail("cannot mount the host's own directory");
            }
            if (::mount(hosts_file.c_str(), "/etc/hosts", nullptr, MS_BIND, nullptr) != 0) {
                fail("cannot mount the host's /etc/hosts");
            }
            if (::sethostname(host_name.data(), host_name.size()) != 0) fail("cannot set the host name");
        }
        const int null = ::open("/dev/null", O_RDONLY);
        const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0640);
        if (null < 0 || out < 0) fail("cannot open the log file");
        ::dup2(null, STDIN_FILENO);
        ::dup2(out, STDOUT_FILENO);
        ::dup2(out, STDERR_FILENO);
        if (launch.as && (::setgroups(launch.as->groups.size(), launch.as->groups.data()) != 0 ||
                          ::setgid(launch.as->gid) != 0 || ::setuid(launch.as->uid) != 0)) {
            fail("cannot become its user");
        }
        // Nothing else inherited: a node must not hold its BMC's socket.
        const int keep = report[1];
        if (keep > 3) ::close_range(3, static_cast<unsigned>(keep - 1), 0);
        ::close_range(static_cast<unsigned>(keep + 1), ~0U, 0);
        ::execvp(argv[0], argv.data());
        fail(argv[0]);
    }
    ::close(report[1]);
    const std::string failure = drain(report[0]);
    ::close(report[0]);
    if (!failure.empty()) {
        ::waitpid(pid, nullptr, 0);
        return std::unexpected(failure);
    }
    if (auto process = describe(pid)) return *process;
    return std::unexpected(fmt::format("{} exited at once", launch.argv[0]));
}

std::expected<void, std::string> write_record(const std::filesystem::path& file, const Process& process) {
    const auto temporary = std::filesystem::path(file).concat(".new");
    {
        std::ofstream out(temporary);
        out << process.pid << ' ' << process.start_time << '\n';
        if (!out.flush()) return std::unexpected(fmt::format("cannot write {}", temporary.string()));
    }
    std::error_code error;
    std::filesystem::rename(temporary, file, error);
    if (error) return std::unexpected(fmt::format("cannot write {}: {}", file.string(), error.message()));
    return {};
}

std::optional<Process> read_record(const std::filesystem::path& file) {
    std::ifstream in(file);
    Process process;
    if (!(in >> process.pid >> process.start_time)) return std::nullopt;
    return process;
}

}  // namespace slumber::vcluster
