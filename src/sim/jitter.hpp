// A trace perturbed a little, to tell a policy's effect from chance. Backfill
// schedules of a busy cluster are chaotic: moving submissions by a few
// seconds changes SDSC-SP2's never-off mean bounded slowdown by ±5 %, as much
// as the effect of the policies being compared. Running replicas with
// different jitter and comparing each policy to never-off within each
// replica separates the two.
#pragma once

#include <cstdint>

#include "sim/trace.hpp"

namespace slumber::sim {

/// The trace with every job submitted 0 to `most` seconds later, drawn from
/// a generator seeded with `seed` (the same on every platform), then in
/// submit order again.
Trace jittered(const Trace& trace, std::uint64_t seed, Seconds most);

}  // namespace slumber::sim
