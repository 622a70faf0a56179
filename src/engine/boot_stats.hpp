// Boot times, from power-on to slurmd registering, summarized per node and
// turned into the ResumeTimeout they suggest. Pure: the journal's boots in,
// numbers out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace slumber::engine {

struct BootSample {
    std::string node;
    std::int64_t seconds_ms = 0;  ///< power-on to registration, in milliseconds
};

struct BootStats {
    std::string node;  ///< empty for all nodes together
    int count = 0;
    std::int64_t median_ms = 0;
    std::int64_t p95_ms = 0;  ///< nearest-rank
    std::int64_t max_ms = 0;
    /// The slowest of the latest kRecentBoots: what the dashboard's "needs
    /// a look" goes by, so that one slow boot long ago stops being news.
    std::int64_t recent_max_ms = 0;
};

inline constexpr std::size_t kRecentBoots = 3;

/// One entry per node with at least one boot, in name order, then the whole
/// cluster (node empty) when there is any boot at all.
std::vector<BootStats> boot_stats(std::vector<BootSample> samples);

/// ResumeTimeout in seconds for the boots seen: half again the slowest, so a
/// boot a little slower than any seen still fits, rounded up to a whole
/// minute and never below Slurm's default of 60 s. Nothing without boots.
std::optional<int> suggested_resume_timeout(const std::vector<BootStats>& stats);

}  // namespace slumber::engine
