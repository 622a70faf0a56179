// The CPU a piece of work costs, for the daemon to pace work whose cost
// grows with the cluster (engine::LookCosts).
#pragma once

#include <chrono>

namespace slumber::util {

/// CPU time (user + system) the calling thread has used, plus that of every
/// child this process has reaped, from getrusage(2) (RUSAGE_THREAD and
/// RUSAGE_CHILDREN; Linux 2.6.26 and later), in µs. The difference across a
/// piece of work is what it cost this thread and the commands it ran and
/// waited for (util::capture waits for each), and also what children other
/// threads reaped meanwhile: an overestimate when they did. Never fails:
/// getrusage cannot fail with these arguments.
std::chrono::microseconds thread_and_children_cpu();

}  // namespace slumber::util
