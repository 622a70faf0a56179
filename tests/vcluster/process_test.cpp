#include <gtest/gtest.h>

#include <filesystem>

#include "vcluster/process.hpp"

namespace slumber::vcluster {
namespace {

namespace fs = std::filesystem;

TEST(VclusterProcess, SpawnedProcessIsAliveUntilTerminated) {
    const fs::path log = fs::temp_directory_path() / "slumber-process-test.log";
    auto sleeper = spawn_detached({.argv = {"sleep", "30"}, .log = log, .cgroup = std::nullopt});
    ASSERT_TRUE(sleeper) << sleeper.error();
    EXPECT_TRUE(alive(*sleeper));
    EXPECT_EQ(::getsid(sleeper->pid), sleeper->pid) << "runs in a session of its own";

    // A recycled PID has another start time: not the recorded process.
    EXPECT_FALSE(alive(Process{sleeper->pid, sleeper->start_time + 1}));

    const fs::path record = fs::temp_directory_path() / "slumber-process-test.pid";
    ASSERT_TRUE(write_record(record, *sleeper));
    auto read = read_record(record);
    ASSERT_TRUE(read);
    EXPECT_EQ(read->pid, sleeper->pid);
    EXPECT_EQ(read->start_time, sleeper->start_time);

    terminate(*sleeper, std::chrono::seconds{2});
    EXPECT_FALSE(alive(*sleeper));
    fs::remove(record);
    fs::remove(log);
}

TEST(VclusterProcess, ProgramThatCannotRunIsAnError) {
    auto missing = spawn_detached(
        {.argv = {"/nonexistent/program"}, .log = fs::temp_directory_path() / "slumber-x.log", .cgroup = std::nullopt});
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().find("/nonexistent/program"), std::string::npos) << missing.error();
    EXPECT_FALSE(read_record("/nonexistent/record"));
}

TEST(VclusterProcess, CaptureReturnsOutputOrTheError) {
    EXPECT_EQ(capture({"sh", "-c", "echo out; echo err >&2"}).value_or("failed"), "out\n");
    auto failed = capture({"sh", "-c", "echo out; echo 'it broke' >&2; exit 3"});
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error(), "it broke");
    auto quiet = capture({"sh", "-c", "echo only-out; exit 1"});
    ASSERT_FALSE(quiet);
    EXPECT_EQ(quiet.error(), "only-out");
    EXPECT_FALSE(capture({"/nonexistent/tool"}));
}

TEST(VclusterProcess, WaitUntilStopsAtTheLimit) {
    int calls = 0;
    EXPECT_TRUE(wait_until([&] { return ++calls == 3; }, std::chrono::seconds{5}, std::chrono::milliseconds{1}));
    EXPECT_EQ(calls, 3);
    EXPECT_FALSE(wait_until([] { return false; }, std::chrono::milliseconds{20}, std::chrono::milliseconds{5}));
}

}  // namespace
}  // namespace slumber::vcluster
