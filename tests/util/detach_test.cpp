// A process started detached, as a hook starts its carrier: it outlives a
// SIGKILL to the starter's whole process group (slurmscriptd, Slurm 23.02 and
// later), does not hold the starter's standard output (which Slurm reads to
// its end), and starts clean of the signal state Slurm 22.05 gives its hooks.
#include "util/detach.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "util/command.hpp"

namespace slumber::util {
namespace {

std::string status_field(pid_t pid, const std::string& key) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with(key + ":")) return line.substr(line.find_first_not_of(" \t", key.size() + 1));
    }
    return "";
}

// Runs `start` in a child made as Slurm makes a hook: a process group of its
// own, standard output a pipe, SIGCHLD and SIGTERM blocked, SIGINT ignored.
// Returns what the child wrote, read to the pipe's end, and its PID.
std::pair<std::string, pid_t> run_as_a_hook(const std::string& program, const std::vector<std::string>& argv) {
    int out[2];
    if (::pipe(out) != 0) return {"pipe failed", 0};
    const pid_t hook = ::fork();
    if (hook == 0) {
        ::setpgid(0, 0);
        ::dup2(out[1], STDOUT_FILENO);
        ::close(out[0]);
        ::close(out[1]);
        sigset_t blocked;
        ::sigemptyset(&blocked);
        ::sigaddset(&blocked, SIGCHLD);
        ::sigaddset(&blocked, SIGTERM);
        ::sigprocmask(SIG_BLOCK, &blocked, nullptr);
        ::signal(SIGINT, SIG_IGN);
        const auto started = start_detached(program, argv);
        const std::string said = started ? std::to_string(*started) + "\n" : "error: " + started.error();
        write_all(STDOUT_FILENO, said.data(), said.size());
        ::_exit(started ? 0 : 1);
    }
    ::close(out[1]);
    std::string said = drain(out[0]);  // to its end: every holder closed it
    ::close(out[0]);
    ::waitpid(hook, nullptr, 0);
    return {said, hook};
}

TEST(Detach, AProcessStartedDetachedOutlivesTheHooksGroupAndHoldsNothingOfIt) {
    const auto [said, hook] = run_as_a_hook("/bin/sleep", {"sleep", "60"});
    pid_t pid = 0;
    ASSERT_EQ(std::from_chars(said.data(), said.data() + said.size(), pid).ec, std::errc{}) << said;
    ASSERT_GT(pid, 0);
    ::kill(-hook, SIGKILL);  // slurmscriptd at its timeout; the group is gone or holds nothing of it
    EXPECT_EQ(::kill(pid, 0), 0) << "it still runs";
    EXPECT_NE(::getpgid(pid), hook);
    EXPECT_NE(::getsid(pid), ::getsid(0));
    EXPECT_EQ(status_field(pid, "SigBlk"), "0000000000000000");
    EXPECT_EQ(status_field(pid, "SigIgn"), "0000000000000000");
    const std::string proc = "/proc/" + std::to_string(pid);
    // Its descriptors and what they are; sleep opens files of its own for a
    // moment as it starts (locales): looked at until that has passed.
    std::map<std::string, std::string> fds;
    for (int look = 0; look < 40; ++look) {
        fds.clear();
        std::error_code error;
        for (const auto& entry : std::filesystem::directory_iterator(proc + "/fd", error)) {
            fds[entry.path().filename().string()] = std::filesystem::read_symlink(entry.path(), error).string();
        }
        if (fds.size() <= 3) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const std::map<std::string, std::string> null{{"0", "/dev/null"}, {"1", "/dev/null"}, {"2", "/dev/null"}};
    EXPECT_EQ(fds, null) << "nothing of the hook's: not its pipe to Slurm, not the journal";
    EXPECT_EQ(std::filesystem::read_symlink(proc + "/cwd"), "/");
    ::kill(pid, SIGKILL);
}

TEST(Detach, AProgramThatCannotRunIsAnErrorInTheSystemsWords) {
    // The middle child's PID line and the grandchild's failure race on one
    // pipe (CI once saw them interleaved): repeat so that either order shows.
    for (int round = 0; round < 40; ++round) {
        const auto started = start_detached("/nonexistent/slumber", {"slumber"});
        ASSERT_FALSE(started);
        EXPECT_EQ(started.error(), "/nonexistent/slumber: No such file or directory") << "round " << round;
    }
}

// Slurm 22.05 runs its hooks with descriptors 0, 1 and 2 closed: the pipe
// that reports a failed start must not land on them.
TEST(Detach, AFailedStartIsReportedEvenWithTheStandardDescriptorsClosed) {
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    const pid_t hook = ::fork();
    if (hook == 0) {
        const int report = ::fcntl(out[1], F_DUPFD, 10);
        for (const int fd : {0, 1, 2, out[0], out[1]}) ::close(fd);
        const auto started = start_detached("/nonexistent/slumber", {"slumber"});
        const std::string said = started ? "started" : started.error();
        write_all(report, said.data(), said.size());
        ::_exit(0);
    }
    ::close(out[1]);
    const std::string said = drain(out[0]);
    ::close(out[0]);
    ::waitpid(hook, nullptr, 0);
    EXPECT_NE(said.find("/nonexistent/slumber: No such file or directory"), std::string::npos) << said;
}

}  // namespace
}  // namespace slumber::util
