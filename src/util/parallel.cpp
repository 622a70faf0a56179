#include "util/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <latch>
#include <thread>
#include <vector>

#include "util/cpu_time.hpp"

namespace slumber::util {

void parallel_for(std::size_t count, int width, const std::function<void(std::size_t)>& work) {
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
        for (std::size_t i = next++; i < count; i = next++) work(i);
    };
    // The helpers' CPU is the caller's work (util::work_cpu()).
    std::atomic<std::int64_t> helpers_us{0};
    auto helper = [&] {
        const auto started = work_cpu();
        worker();
        helpers_us += (work_cpu() - started).count();
    };
    const auto workers = std::min<std::size_t>(count, static_cast<std::size_t>(std::max(1, width)));
    // Every helper starts once all are made: made one after another while
    // the first ones already worked, a resume of 1,000 nodes started its
    // power calls about 100 a second on 2 cores, the thread making them
    // waiting for the CPU behind the calls (bench/results/scale.md).
    std::latch made(1);
    std::vector<std::jthread> threads;
    threads.reserve(workers > 0 ? workers - 1 : 0);
    try {
        for (std::size_t i = 1; i < workers; ++i) {
            threads.emplace_back([&] {
                made.wait();
                helper();
            });
        }
    } catch (...) {
        made.count_down();  // those made do the work, and are joined
        throw;
    }
    made.count_down();
    worker();
    threads.clear();  // joins them
    add_work_cpu(std::chrono::microseconds(helpers_us.load()));
}

}  // namespace slumber::util
