#include "sim/jitter.hpp"

#include <algorithm>

namespace slumber::sim {
namespace {

// SplitMix64 (Steele, Lea, Flood 2014): fully specified, so a replica is
// the same everywhere, unlike std::uniform_int_distribution.
std::uint64_t next(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31U);
}

}  // namespace

Trace jittered(const Trace& trace, std::uint64_t seed, Seconds most) {
    Trace out = trace;
    if (most <= 0) return out;
    std::uint64_t state = seed;
    const auto range = static_cast<std::uint64_t>(most) + 1;
    for (Job& job : out.jobs) job.submit += static_cast<Seconds>(next(state) % range);
    std::stable_sort(out.jobs.begin(), out.jobs.end(), [](const Job& a, const Job& b) { return a.submit < b.submit; });
    return out;
}

}  // namespace slumber::sim
