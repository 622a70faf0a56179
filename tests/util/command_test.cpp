// Commands run to completion, with extra environment and a timeout.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/resource.h>

#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "util/command.hpp"
#include "util/process_start.hpp"

namespace slumber::util {
namespace {

using std::chrono::milliseconds;

TEST(Command, OutputErrorAndExitCode) {
    const CommandResult result = run_command({"sh", "-c", "echo out; echo err >&2; exit 3"});
    EXPECT_EQ(result.exit_code, 3);
    EXPECT_EQ(result.out, "out\n");
    EXPECT_EQ(result.err, "err\n");
    EXPECT_EQ(capture({"sh", "-c", "echo fine"}).value_or("?"), "fine\n");
    EXPECT_EQ(capture({"sh", "-c", "echo broken >&2; exit 1"}).error(), "broken");
}

TEST(Command, ExtraEnvironmentOverridesOurs) {
    ::setenv("SLUMBER_COMMAND_TEST", "ours", 1);
    EXPECT_EQ(capture({"sh", "-c", "echo $SLUMBER_COMMAND_TEST"}, {{"SLUMBER_COMMAND_TEST", "theirs"}}).value_or("?"),
              "theirs\n");
    EXPECT_EQ(capture({"sh", "-c", "echo $SLUMBER_COMMAND_TEST"}).value_or("?"), "ours\n");
}

TEST(Command, AHungCommandIsStoppedAtItsTimeout) {
    const CommandResult result = run_command({"sleep", "30"}, {}, milliseconds{200});
    EXPECT_EQ(result.exit_code, -1);
    EXPECT_EQ(result.err, "sleep gave no answer within 200 ms and was stopped");
    EXPECT_EQ(run_command({"sh", "-c", "echo quick"}, {}, milliseconds{5000}).out, "quick\n");
}

// What a command started is stopped with it: a site's script that runs
// ssh, or anything in the background, left it running after its timeout.
TEST(Command, ATimeoutStopsWhatTheCommandStarted) {
    const CommandResult result = run_command({"sh", "-c", "sleep 37.25 & sleep 37.25; wait"}, {}, milliseconds{300});
    EXPECT_EQ(result.exit_code, -1);
    std::this_thread::sleep_for(milliseconds{200});
    EXPECT_NE(run_command({"pgrep", "-f", "sleep 37.25"}).exit_code, 0) << "a sleep was left running";
}

// A command that answered and exited, leaving a process behind that holds
// its output open (a helper in the background, an ssh master), has
// answered: a tester's node_uuid_command was taken for silent at its timeout.
TEST(Command, ACommandThatExitedHasAnsweredWhatItLeftBehindNotwithstanding) {
    const CommandResult result =
        run_command({"sh", "-c", "echo 4c4c4544-0031; sleep 3.75 & exit 0"}, {}, milliseconds{2000});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "4c4c4544-0031\n");
    (void)run_command({"pkill", "-f", "sleep 3.75"});
}

TEST(Command, AMissingProgramSaysSo) {
    const CommandResult result = run_command({"/nonexistent/program"});
    EXPECT_EQ(result.exit_code, 127);
    EXPECT_EQ(result.err, "cannot run /nonexistent/program: No such file or directory");
}

TEST(Command, ASecretGoesInOnStandardInput) {
    EXPECT_EQ(run_command({"sh", "-c", "read -r pw; echo \"got $pw\""}, {}, milliseconds{5000}, "s3cret\n").out,
              "got s3cret\n");
    // A child that never reads its input: slumber is not killed by SIGPIPE.
    const std::string large(1 << 20, 'x');
    EXPECT_EQ(run_command({"true"}, {}, milliseconds{5000}, large).exit_code, 0);
    EXPECT_EQ(run_command({"cat"}, {}, milliseconds{5000}).out, "") << "without input: /dev/null";
}

// A status line of /proc/self/status as the child saw it ("SigBlk").
std::string status_line(const std::string& status, const std::string& field) {
    std::istringstream lines(status);
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with(field + ":")) return line;
    }
    return "";
}

void caught(int /*signal*/) {}

// Slurm starts the hooks with signals blocked and SIGPIPE ignored
// (process_start.hpp), and the daemon handles SIGTERM and SIGHUP: what it
// runs gets none of that.
TEST(Command, AChildStartsWithNoSignalBlockedIgnoredOrCaught) {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    struct sigaction handle {};
    handle.sa_handler = caught;
    struct sigaction ignored_before {};
    struct sigaction handled_before {};
    ASSERT_EQ(::sigaction(SIGPIPE, &ignore, &ignored_before), 0);
    ASSERT_EQ(::sigaction(SIGHUP, &handle, &handled_before), 0);
    sigset_t blocked;
    sigset_t before;
    ::sigemptyset(&blocked);
    ::sigaddset(&blocked, SIGCHLD);
    ::sigaddset(&blocked, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &blocked, &before);
    const CommandResult result = run_command({"cat", "/proc/self/status"});
    ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
    ::sigaction(SIGPIPE, &ignored_before, nullptr);
    ::sigaction(SIGHUP, &handled_before, nullptr);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(status_line(result.out, "SigBlk"), "SigBlk:\t0000000000000000");
    EXPECT_EQ(status_line(result.out, "SigIgn"), "SigIgn:\t0000000000000000");
    EXPECT_EQ(status_line(result.out, "SigCgt"), "SigCgt:\t0000000000000000");
}

// Power calls run commands from hundreds of threads at once ([daemon]
// fanout): each gets its own output, input and exit code.
TEST(Command, ManyThreadsRunCommandsAtOnce) {
    constexpr int kThreads = 64;
    std::vector<CommandResult> results(kThreads);
    {
        std::vector<std::jthread> threads;
        for (int i = 0; i < kThreads; ++i) {
            threads.emplace_back([&results, i] {
                results[static_cast<std::size_t>(i)] =
                    run_command({"sh", "-c", "read -r n; echo \"out $n\"; echo \"err $n\" >&2; exit $((n % 7))"}, {},
                                milliseconds{30000}, std::to_string(i) + "\n");
            });
        }
    }
    for (int i = 0; i < kThreads; ++i) {
        const CommandResult& result = results[static_cast<std::size_t>(i)];
        EXPECT_EQ(result.out, "out " + std::to_string(i) + "\n");
        EXPECT_EQ(result.err, "err " + std::to_string(i) + "\n");
        EXPECT_EQ(result.exit_code, i % 7);
    }
}

// slumber raises its own soft open-files limit (many power calls at once)
// and hands the one it started with to what it runs: scontrol or a site's
// script may use select(), whose fd_set holds descriptors below 1024 only.
TEST(Command, AChildGetsTheOpenFilesLimitTheProcessStartedWith) {
    struct rlimit limit {};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 512);
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &limit), 0);
    const long raised = raise_open_files_limit();
    EXPECT_EQ(raised, static_cast<long>(std::min<rlim_t>(limit.rlim_max, rlim_t{1} << 20)));
    EXPECT_EQ(open_files_limit(), raised);
    EXPECT_EQ(capture({"sh", "-c", "ulimit -n"}).value_or("?"), std::to_string(limit.rlim_cur) + "\n");
}

}  // namespace
}  // namespace slumber::util
