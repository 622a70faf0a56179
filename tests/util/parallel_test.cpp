// util::parallel_for(): every item once, on up to `width` threads at once.
#include "util/parallel.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <vector>

namespace slumber::util {
namespace {

TEST(ParallelFor, EveryItemOnce) {
    for (const int width : {1, 3, 64}) {
        std::vector<std::atomic<int>> runs(50);
        parallel_for(runs.size(), width, [&](std::size_t i) { ++runs[i]; });
        for (const auto& each : runs) EXPECT_EQ(each.load(), 1) << "width " << width;
    }
    parallel_for(0, 8, [](std::size_t) { FAIL() << "no item"; });
}

TEST(ParallelFor, WidthItemsRunAtOnce) {
    // Each item waits for all the others: only threads that run together
    // get past the barrier.
    constexpr std::size_t kWidth = 16;
    std::barrier together(static_cast<std::ptrdiff_t>(kWidth));
    std::atomic<int> past{0};
    parallel_for(kWidth, kWidth, [&](std::size_t) {
        together.arrive_and_wait();
        ++past;
    });
    EXPECT_EQ(past.load(), static_cast<int>(kWidth));
}

}  // namespace
}  // namespace slumber::util
