// Commands run to completion, with extra environment and a timeout.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <string>

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
