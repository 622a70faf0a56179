// Starting a hook the way Slurm 22.05's slurmctld does (power_save.c
// _run_prog): from a process named slurmctld, with every descriptor closed
// (0, 1 and 2 included), the signal mask of slurmctld's power-save thread
// (seen in /proc of a real one: SigBlk 0x897a27, SIGCHLD among it), SIGPIPE
// ignored, and an environment of SLURM_CONF alone. Optionally inside a mount
// namespace whose /dev has a syslog socket of the test's own, so that what
// the hook sends to syslog can be read.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace cli_tests {

struct SlurmRun {
    int exit_code = -1;  // -1: killed by a signal
    int signal = 0;
    std::string syslog;  // the datagrams /dev/log received, one per line
};

namespace detail {

// slurmctld's power-save thread's mask, bit N-1 for signal N.
constexpr unsigned long long kSlurmctldMask = 0x897a27ULL;

inline void block_like_slurmctld() {
    sigset_t mask;
    sigemptyset(&mask);
    for (int number = 1; number <= 64; ++number) {
        if ((kSlurmctldMask >> (number - 1)) & 1ULL) sigaddset(&mask, number);
    }
    sigprocmask(SIG_SETMASK, &mask, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
}

// /dev as a tmpfs of this namespace: the devices a hook needs, and a
// datagram socket on /dev/log. Returns the socket, or -1.
inline int private_dev_with_syslog() {
    if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount("tmpfs", "/dev", "tmpfs", 0, "mode=755") != 0) {
        return -1;
    }
    for (const auto& [name, minor] :
         {std::pair{"/dev/null", 3}, {"/dev/zero", 5}, {"/dev/random", 8}, {"/dev/urandom", 9}}) {
        ::mknod(name, S_IFCHR | 0666, makedev(1, minor));
    }
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strcpy(address.sun_path, "/dev/log");
    if (fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) return -1;
    ::chmod("/dev/log", 0666);
    return fd;
}

}  // namespace detail

/// Runs argv as Slurm 22.05 runs a hook, with `env` as its whole
/// environment; with `capture_syslog`, inside a namespace whose /dev/log is
/// the test's (needs root). The test process itself is left as it was.
inline SlurmRun run_like_slurmctld(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                                   bool capture_syslog = false) {
    SlurmRun run;
    const auto result_file = std::filesystem::temp_directory_path() / ("slurmctld-like-" + std::to_string(::getpid()));
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    std::vector<char*> envp;
    for (const std::string& entry : env) envp.push_back(const_cast<char*>(entry.c_str()));
    envp.push_back(nullptr);
    const pid_t slurmctld = ::fork();
    if (slurmctld < 0) return run;
    if (slurmctld == 0) {
        ::prctl(PR_SET_NAME, "slurmctld");
        const int log = capture_syslog ? detail::private_dev_with_syslog() : -1;
        if (capture_syslog && log < 0) ::_exit(120);
        detail::block_like_slurmctld();
        const pid_t hook = ::fork();
        if (hook == 0) {
            ::close_range(0, ~0U, 0);
            ::setpgid(0, 0);
            ::execve(args[0], args.data(), envp.data());
            ::_exit(127);
        }
        int status = 0;
        ::waitpid(hook, &status, 0);
        std::ofstream out(result_file);
        out << (WIFEXITED(status) ? WEXITSTATUS(status) : -1) << ' ' << (WIFSIGNALED(status) ? WTERMSIG(status) : 0)
            << '\n';
        std::array<char, 2048> datagram{};
        ssize_t got = 0;
        while (log >= 0 && (got = ::recv(log, datagram.data(), datagram.size(), MSG_DONTWAIT)) > 0) {
            out << std::string(datagram.data(), static_cast<std::size_t>(got)) << '\n';
        }
        out.close();
        ::_exit(0);
    }
    int status = 0;
    ::waitpid(slurmctld, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        run.syslog = "the slurmctld-like launcher failed (a private /dev needs root)";
        return run;
    }
    std::ifstream in(result_file);
    in >> run.exit_code >> run.signal;
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) run.syslog += line + "\n";
    std::filesystem::remove(result_file);
    return run;
}

}  // namespace cli_tests
