#include "vcluster/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace slumber::vcluster {
namespace {

// Writes all of `text` to fd; in a forked child, so no allocation.
void write_all(int fd, const char* text, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, text, size);
        if (n <= 0) return;
        text += n;
        size -= static_cast<std::size_t>(n);
    }
}

// Reads a pipe to its end.
std::string drain(int fd) {
    std::string out;
    std::array<char, 4096> buffer{};
    ssize_t n = 0;
    while ((n = ::read(fd, buffer.data(), buffer.size())) > 0 || (n < 0 && errno == EINTR)) {
        if (n > 0) out.append(buffer.data(), static_cast<std::size_t>(n));
    }
    return out;
}

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
    std::vector<char*> out;
    out.reserve(argv.size() + 1);
    for (const std::string& arg : argv) out.push_back(const_cast<char*>(arg.c_str()));
    out.push_back(nullptr);
    return out;
}

}  // namespace

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
        const int null = ::open("/dev/null", O_RDONLY);
        const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0640);
        if (null < 0 || out < 0) fail("cannot open the log file");
        ::dup2(null, STDIN_FILENO);
        ::dup2(out, STDOUT_FILENO);
        ::dup2(out, STDERR_FILENO);
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

CommandResult run_command(const std::vector<std::string>& argv) {
    CommandResult result;
    std::array<int, 2> out{};
    std::array<int, 2> err{};
    if (::pipe2(out.data(), O_CLOEXEC) != 0 || ::pipe2(err.data(), O_CLOEXEC) != 0) {
        result.err = fmt::format("pipe: {}", std::strerror(errno));
        return result;
    }
    const std::vector<char*> args = c_argv(argv);
    const pid_t pid = ::fork();
    if (pid < 0) {
        result.err = fmt::format("fork: {}", std::strerror(errno));
        return result;
    }
    if (pid == 0) {
        const int null = ::open("/dev/null", O_RDONLY);
        ::dup2(null, STDIN_FILENO);
        ::dup2(out[1], STDOUT_FILENO);
        ::dup2(err[1], STDERR_FILENO);
        ::execvp(args[0], args.data());
        const std::string message = fmt::format("cannot run {}: {}", argv[0], std::strerror(errno));
        write_all(STDERR_FILENO, message.data(), message.size());
        ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    // Standard error is small (a message); read it after standard output.
    result.out = drain(out[0]);
    result.err = drain(err[0]);
    ::close(out[0]);
    ::close(err[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    return result;
}

std::expected<std::string, std::string> capture(const std::vector<std::string>& argv) {
    CommandResult result = run_command(argv);
    if (result.exit_code == 0) return std::move(result.out);
    // Some tools (ipmipower) report failures on standard output.
    std::string message = result.err.empty() ? std::move(result.out) : std::move(result.err);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return std::unexpected(message.empty() ? fmt::format("{} failed", argv[0]) : message);
}

}  // namespace slumber::vcluster
