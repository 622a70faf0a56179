#include "util/detach.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <string_view>

#include "util/command.hpp"
#include "util/process_start.hpp"

namespace slumber::util {
namespace {

// Failures are reported as one line that starts with this, written in a
// single write(2): the grandchild's report and the middle child's PID line
// share the pipe and arrive in either order, each whole (under PIPE_BUF).
constexpr char kFailure = '!';

// In a forked child: only system calls, no allocation.
[[noreturn]] void fail(int report, const char* what) {
    const int error = errno;
    std::array<char, 512> line{};
    std::size_t used = 0;
    const auto put = [&](const char* text) {
        for (; *text != '\0' && used + 1 < line.size(); ++text) line[used++] = *text;
    };
    line[used++] = kFailure;
    put(what);
    put(": ");
    put(std::strerror(error));
    line[used++] = '\n';
    write_all(report, line.data(), used);
    ::_exit(127);
}

[[noreturn]] void run_grandchild(int report, const char* program, char* const* argv) {
    reset_signals();  // a clean start, whatever its parent had
    const int null = ::open("/dev/null", O_RDWR);
    if (null < 0) fail(report, "/dev/null");
    for (const int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
        if (null != fd && ::dup2(null, fd) < 0) fail(report, "dup2");
    }
    // Nothing else: not Slurm's pipe, not the journal, not a lock.
    if (report > 3) ::close_range(3, static_cast<unsigned>(report - 1), 0);
    ::close_range(static_cast<unsigned>(report + 1), ~0U, 0);
    if (::chdir("/") != 0) fail(report, "chdir /");
    ::execv(program, argv);
    fail(report, program);
}

// Slurm 22.05 starts its hooks with descriptors 0, 1 and 2 closed: a pipe
// made then could take one of them, and the grandchild's /dev/null would
// replace it. Moved above them (close-on-exec), or -1.
int above_stdio(int fd) {
    if (fd > STDERR_FILENO) return fd;
    const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    ::close(fd);
    return moved;
}

}  // namespace

std::expected<pid_t, std::string> start_detached(const std::string& program, const std::vector<std::string>& argv) {
    if (argv.empty()) return std::unexpected("nothing to run");
    const std::vector<char*> args = c_argv(argv);  // before fork: the children only make system calls
    // The middle child writes the grandchild's PID; the grandchild writes why
    // it could not run, if it could not. Close-on-exec: the pipe ends when
    // the middle child has exited and the grandchild runs `program`.
    std::array<int, 2> report{};
    if (::pipe2(report.data(), O_CLOEXEC) != 0) return std::unexpected(fmt::format("pipe: {}", std::strerror(errno)));
    report = {above_stdio(report[0]), above_stdio(report[1])};
    if (report[0] < 0 || report[1] < 0) {
        const std::string why = fmt::format("pipe: {}", std::strerror(errno));
        for (const int fd : report) {
            if (fd >= 0) ::close(fd);
        }
        return std::unexpected(why);
    }
    const pid_t middle = ::fork();
    if (middle < 0) {
        ::close(report[0]);
        ::close(report[1]);
        return std::unexpected(fmt::format("fork: {}", std::strerror(errno)));
    }
    if (middle == 0) {
        ::close(report[0]);
        if (::setsid() < 0) fail(report[1], "setsid");
        const pid_t grandchild = ::fork();
        if (grandchild < 0) fail(report[1], "fork");
        if (grandchild == 0) run_grandchild(report[1], program.c_str(), args.data());
        std::array<char, 24> text{};
        const auto [end, error] = std::to_chars(text.data(), text.data() + text.size() - 1, grandchild);
        *end = '\n';
        write_all(report[1], text.data(), static_cast<std::size_t>(end + 1 - text.data()));
        ::_exit(0);
    }
    ::close(report[1]);
    const std::string said = drain(report[0]);
    ::close(report[0]);
    int status = 0;
    while (::waitpid(middle, &status, 0) < 0 && errno == EINTR) {
    }
    pid_t pid = 0;
    std::string failure;
    for (std::size_t start = 0; start < said.size();) {
        const auto newline = std::min(said.find('\n', start), said.size());
        const std::string_view line(said.data() + start, newline - start);
        if (!line.empty() && line.front() == kFailure) {
            failure = line.substr(1);
        } else if (std::from_chars(line.data(), line.data() + line.size(), pid).ec != std::errc{}) {
            pid = 0;
        }
        start = newline + 1;
    }
    if (!failure.empty()) return std::unexpected(failure);
    if (pid <= 0) return std::unexpected("the detached process did not start");
    return pid;
}

}  // namespace slumber::util
