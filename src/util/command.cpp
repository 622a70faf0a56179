#include "util/command.hpp"

#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace slumber::util {

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

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, const Environment& extra) {
    CommandResult result;
    std::array<int, 2> out{};
    std::array<int, 2> err{};
    if (::pipe2(out.data(), O_CLOEXEC) != 0 || ::pipe2(err.data(), O_CLOEXEC) != 0) {
        result.err = fmt::format("pipe: {}", std::strerror(errno));
        return result;
    }
    const std::vector<char*> args = c_argv(argv);
    // Built before fork: a child of a threaded process must not allocate.
    const std::vector<std::string> environment = merged_environment(extra);
    const std::vector<char*> envp = c_argv(environment);
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
        ::execvpe(args[0], args.data(), envp.data());
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

std::expected<std::string, std::string> capture(const std::vector<std::string>& argv, const Environment& extra) {
    CommandResult result = run_command(argv, extra);
    if (result.exit_code == 0) return std::move(result.out);
    // Some tools (ipmipower) report failures on standard output.
    std::string message = result.err.empty() ? std::move(result.out) : std::move(result.err);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return std::unexpected(message.empty() ? fmt::format("{} failed", argv[0]) : message);
}

}  // namespace slumber::util
