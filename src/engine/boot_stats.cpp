#include "engine/boot_stats.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace slumber::engine {
namespace {

// `times` oldest first.
BootStats summarize(std::string node, std::vector<std::int64_t> times) {
    const std::size_t recent = std::min(times.size(), kRecentBoots);
    const std::int64_t recent_max = *std::max_element(times.end() - static_cast<std::ptrdiff_t>(recent), times.end());
    std::sort(times.begin(), times.end());
    const std::size_t n = times.size();
    // Nearest rank: the smallest value with at least 95 % of the samples at
    // or below it; the median is the lower middle for an even count.
    const auto rank = static_cast<std::size_t>(std::ceil(0.95 * static_cast<double>(n)));
    return BootStats{std::move(node),    static_cast<int>(n),
                     times[(n - 1) / 2], times[std::max<std::size_t>(rank, 1) - 1],
                     times.back(),       recent_max};
}

}  // namespace

std::vector<BootStats> boot_stats(std::vector<BootSample> samples) {
    std::map<std::string, std::vector<std::int64_t>> by_node;
    std::vector<std::int64_t> all;
    for (BootSample& sample : samples) {
        if (sample.seconds_ms < 0) continue;  // a clock that stepped back
        by_node[sample.node].push_back(sample.seconds_ms);
        all.push_back(sample.seconds_ms);
    }
    std::vector<BootStats> stats;
    for (auto& [node, times] : by_node) stats.push_back(summarize(node, std::move(times)));
    if (!all.empty()) stats.push_back(summarize("", std::move(all)));
    return stats;
}

std::optional<int> suggested_resume_timeout(const std::vector<BootStats>& stats) {
    if (stats.empty()) return std::nullopt;
    const std::int64_t slowest = stats.back().max_ms;  // the cluster-wide entry comes last
    const auto wanted = static_cast<std::int64_t>(std::ceil(static_cast<double>(slowest) * 1.5 / 1000.0));
    const std::int64_t minutes = (wanted + 59) / 60;
    return static_cast<int>(std::max<std::int64_t>(60, minutes * 60));
}

}  // namespace slumber::engine
