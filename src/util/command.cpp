#include "util/command.hpp"

#include "util/cpu_time.hpp"
#include "util/process_start.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>

namespace slumber::util {

void write_all(int fd, const char* text, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, text, size);
        if (n <= 0) return;
        text += n;
        size -= static_cast<std::size_t>(n);
    }
}

namespace {

// A child that exits without reading its input must not kill slumber with
// SIGPIPE: the signal, raised for this thread, is blocked while writing and
// taken off again; the write just fails.
void write_without_sigpipe(int fd, std::string_view text) {
    sigset_t pipe_signal;
    sigset_t before;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &pipe_signal, &before);
    write_all(fd, text.data(), text.size());
    const timespec now{0, 0};
    while (::sigtimedwait(&pipe_signal, nullptr, &now) == SIGPIPE) {
    }
    ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
}

}  // namespace

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

namespace {

// This process's environment with `extra` set over it.
std::vector<std::string> merged_environment(const Environment& extra) {
    std::vector<std::string> out;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        const std::string_view name = text.substr(0, text.find('='));
        const bool replaced = std::any_of(extra.begin(), extra.end(), [&](const auto& e) { return e.first == name; });
        if (!replaced) out.emplace_back(text);
    }
    for (const auto& [name, value] : extra) out.push_back(name + "=" + value);
    return out;
}

// Whether `pid` has exited, left unreaped (WNOWAIT): its wait4 later
// still gives its status and CPU.
bool has_exited(pid_t pid) {
    siginfo_t info{};
    return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
}

// Reads both pipes to their end, or until `timeout` (0: none) passes; false
// on timeout. Once `pid` has exited, what it wrote is read for kExitGraceMs
// more and no longer: a process it left behind (a site's command that
// starts a helper in the background, an ssh master) may hold the pipes
// open for good, and a command that printed its answer and exited must not
// be taken for one that gave none (a tester's node_uuid_command timed out so).
bool read_both(pid_t pid, int out_fd, int err_fd, std::chrono::milliseconds timeout, std::string& out,
               std::string& err) {
    constexpr int kSliceMs = 100;
    constexpr auto kExitGraceMs = std::chrono::milliseconds(250);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::optional<std::chrono::steady_clock::time_point> exited;
    std::array<pollfd, 2> fds{pollfd{out_fd, POLLIN, 0}, pollfd{err_fd, POLLIN, 0}};
    std::array<std::string*, 2> into{&out, &err};
    std::array<char, 4096> buffer{};
    int open_fds = 2;
    while (open_fds > 0) {
        const auto now = std::chrono::steady_clock::now();
        if (!exited && has_exited(pid)) exited = now;
        if (exited && now - *exited >= kExitGraceMs) return true;
        int wait_ms = kSliceMs;
        if (timeout.count() > 0) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
            if (left.count() <= 0) return false;
            wait_ms = static_cast<int>(std::min<std::int64_t>(left.count(), kSliceMs));
        }
        const int ready = ::poll(fds.data(), fds.size(), wait_ms);
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) return true;  // cannot wait: take what came
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            const ssize_t n = ::read(fds[i].fd, buffer.data(), buffer.size());
            if (n > 0) {
                into[i]->append(buffer.data(), static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                fds[i].fd = -1;  // poll ignores negative descriptors
                --open_fds;
            }
        }
    }
    return true;
}

}  // namespace

namespace {

// What a child does between its start and exec, all of it prepared by the
// parent: the child shares the parent's memory (spawn()), so it must not
// allocate, nor write anything of the parent's but its own stack.
struct ChildPlan {
    char* const* argv = nullptr;
    char* const* envp = nullptr;
    int input = -1;  ///< its standard input; -1: /dev/null
    int out = -1;
    int err = -1;
    std::string_view cannot_run;  ///< "cannot run PROGRAM: ", for a failed exec
};

// Not instrumented by AddressSanitizer: it runs on a stack ASan does not
// know, where its handling of _exit() would warn into the child's stderr.
__attribute__((no_sanitize("address"))) int run_child(void* argument) {
    const ChildPlan& plan = *static_cast<const ChildPlan*>(argument);
    // Not this thread's mask, nor a signal this process was told to
    // ignore (process_start.hpp): a site's script that waits for its
    // own children would hang with SIGCHLD blocked.
    reset_signals();
    restore_open_files_limit();
    // A process group of its own, which a timeout stops whole: a site's
    // script stopped alone left what it had started running (a tester's
    // node_uuid_command left two `sleep 30` behind).
    ::setpgid(0, 0);
    ::dup2(plan.input < 0 ? ::open("/dev/null", O_RDONLY) : plan.input, STDIN_FILENO);
    ::dup2(plan.out, STDOUT_FILENO);
    ::dup2(plan.err, STDERR_FILENO);
    ::execvpe(plan.argv[0], plan.argv, plan.envp);
    // strerrordesc_np, not strerror: no locale, no allocation.
    const char* reason = ::strerrordesc_np(errno);
    write_all(STDERR_FILENO, plan.cannot_run.data(), plan.cannot_run.size());
    if (reason != nullptr) write_all(STDERR_FILENO, reason, std::strlen(reason));
    ::_exit(127);
}

// Starts a child as glibc's posix_spawn does, which cannot restore the
// open-files limit: clone(CLONE_VM | CLONE_VFORK) on a stack of its own, so
// that nothing of this process's address space is copied (fork copies the
// page tables of a daemon with hundreds of threads, and its power calls
// would wait on each other for it: issue 21), and this thread waits until
// the child has called exec or exited. Every signal is blocked around it:
// a handler of this process must never run in the child, which shares its
// memory; the child gives every signal its default action before it
// unblocks them (reset_signals()).
pid_t spawn(const ChildPlan& plan, std::size_t argc) {
    // execvpe's own needs (a path buffer; a script's argv when it falls
    // back to /bin/sh) with room to spare, as glibc sizes posix_spawn's.
    const std::size_t stack_size = (64 * 1024 + (argc + 2) * sizeof(char*) + 4095) & ~std::size_t{4095};
    void* stack = ::mmap(nullptr, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) return -1;
    sigset_t all;
    sigset_t before;
    ::sigfillset(&all);
    ::pthread_sigmask(SIG_BLOCK, &all, &before);
    // The stack grows down on every architecture Debian builds slumber for.
    const pid_t pid = ::clone(run_child, static_cast<char*>(stack) + stack_size, CLONE_VM | CLONE_VFORK | SIGCHLD,
                              const_cast<ChildPlan*>(&plan));
    const int error = errno;
    ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
    ::munmap(stack, stack_size);
    errno = error;
    return pid;
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, const Environment& extra,
                          std::chrono::milliseconds timeout, std::string_view input) {
    CommandResult result;
    std::array<int, 2> out{};
    std::array<int, 2> err{};
    std::array<int, 2> in{-1, -1};
    if (::pipe2(out.data(), O_CLOEXEC) != 0 || ::pipe2(err.data(), O_CLOEXEC) != 0 ||
        (!input.empty() && ::pipe2(in.data(), O_CLOEXEC) != 0)) {
        result.err = fmt::format("pipe: {}", std::strerror(errno));
        return result;
    }
    const std::vector<char*> args = c_argv(argv);
    // Built before the child starts: it must not allocate.
    const std::vector<std::string> environment = merged_environment(extra);
    const std::vector<char*> envp = c_argv(environment);
    const std::string cannot_run = fmt::format("cannot run {}: ", argv[0]);
    const ChildPlan plan{.argv = args.data(),
                         .envp = envp.data(),
                         .input = input.empty() ? -1 : in[0],
                         .out = out[1],
                         .err = err[1],
                         .cannot_run = cannot_run};
    const pid_t pid = spawn(plan, argv.size());
    if (pid < 0) {
        result.err = fmt::format("cannot start {}: {}", argv[0], std::strerror(errno));
        for (const int fd : {out[0], out[1], err[0], err[1], in[0], in[1]}) {
            if (fd >= 0) ::close(fd);
        }
        return result;
    }
    ::close(out[1]);
    ::close(err[1]);
    if (!input.empty()) {
        // Small (a password): it fits the pipe, so writing first cannot block
        // on a child that is itself blocked writing its output.
        ::close(in[0]);
        write_without_sigpipe(in[1], input);
        ::close(in[1]);
    }
    const bool finished = read_both(pid, out[0], err[0], timeout, result.out, result.err);
    ::close(out[0]);
    ::close(err[0]);
    if (!finished) {
        ::kill(-pid, SIGKILL);  // the child and what it started (run_child's group)
        ::kill(pid, SIGKILL);
    }
    int status = 0;
    struct rusage usage {};
    // wait4: the child's CPU (and its own reaped children's) is this
    // thread's work (util::work_cpu()).
    while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    add_work_cpu(std::chrono::seconds(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                 std::chrono::microseconds(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec));
    if (!finished) {
        result.err = fmt::format("{} gave no answer within {} ms and was stopped", argv[0], timeout.count());
    } else if (WIFEXITED(status)) {
        result.exit_code = WEXITSTATUS(status);
    }
    return result;
}

std::expected<std::string, std::string> capture(const std::vector<std::string>& argv, const Environment& extra,
                                                std::chrono::milliseconds timeout) {
    CommandResult result = run_command(argv, extra, timeout);
    if (result.exit_code == 0) return std::move(result.out);
    // Some tools (ipmipower) report failures on standard output.
    std::string message = result.err.empty() ? std::move(result.out) : std::move(result.err);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return std::unexpected(message.empty() ? fmt::format("{} failed", argv[0]) : message);
}

}  // namespace slumber::util
