#include "util/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace slumber::util {

void parallel_for(std::size_t count, int width, const std::function<void(std::size_t)>& work) {
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
        for (std::size_t i = next++; i < count; i = next++) work(i);
    };
    const auto workers = std::min<std::size_t>(count, static_cast<std::size_t>(std::max(1, width)));
    std::vector<std::jthread> threads;
    threads.reserve(workers > 0 ? workers - 1 : 0);
    for (std::size_t i = 1; i < workers; ++i) threads.emplace_back(worker);
    worker();
}

}  // namespace slumber::util
