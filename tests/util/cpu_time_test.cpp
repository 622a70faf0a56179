// util::work_cpu(): the CPU of a thread's work, with the commands it waited
// for and the helper threads parallel_for() ran for it, and nothing else.
#include "util/cpu_time.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "util/command.hpp"
#include "util/parallel.hpp"

namespace slumber::util {
namespace {

using std::chrono::microseconds;

microseconds used(int who) {
    struct rusage usage {};
    ::getrusage(who, &usage);
    return std::chrono::seconds(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           microseconds(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

// Some CPU on the calling thread: a loop the compiler cannot drop.
void spin() {
    volatile std::uint64_t sum = 0;
    for (std::uint64_t i = 0; i < 20'000'000; ++i) sum = sum + i;
}

TEST(WorkCpu, CountsTheCommandsItWaitedFor) {
    const microseconds children = used(RUSAGE_CHILDREN);
    const microseconds before = work_cpu();
    const CommandResult result =
        run_command({"sh", "-c", "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; echo done"});
    ASSERT_EQ(result.out, "done\n");
    const microseconds child = used(RUSAGE_CHILDREN) - children;
    ASSERT_GT(child.count(), 0) << "the shell's loop used CPU";
    EXPECT_GE((work_cpu() - before).count(), child.count());
}

TEST(WorkCpu, CountsTheHelperThreadsOfParallelForOnceJoined) {
    std::atomic<std::int64_t> items_us{0};
    const microseconds before = work_cpu();
    parallel_for(4, 4, [&](std::size_t) {
        const microseconds started = used(RUSAGE_THREAD);
        spin();
        items_us += (used(RUSAGE_THREAD) - started).count();
    });
    ASSERT_GT(items_us.load(), 0);
    EXPECT_GE((work_cpu() - before).count(), items_us.load()) << "every item's CPU, on whichever thread";
}

TEST(WorkCpu, LeavesOutOtherThreads) {
    const microseconds before = work_cpu();
    microseconds theirs{0};
    std::thread([&] {
        spin();
        theirs = used(RUSAGE_THREAD);
    }).join();
    ASSERT_GT(theirs.count(), 0);
    EXPECT_LT((work_cpu() - before).count(), theirs.count()) << "another thread's work is not this one's";
}

}  // namespace
}  // namespace slumber::util
