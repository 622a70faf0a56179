// The CPU a piece of work costs, wherever it ran: on the calling thread, on
// the threads parallel_for() ran for it, and in the commands they waited
// for. The daemon paces work whose cost grows with the cluster by it
// (engine::LookCosts): its looks at Slurm and the BMC reads they start.
#pragma once

#include <chrono>

namespace slumber::util {

/// The CPU time (user + system) of the calling thread's work so far, in µs:
/// the thread's own (getrusage(2) RUSAGE_THREAD, Linux 2.6.26 and later),
/// plus that of every command it waited for through run_command() (wait4(2)'s
/// account of the child and the children it waited for), plus that of the
/// threads parallel_for() ran for it, with their commands, counted when
/// they are joined. The difference across a piece of work is its cost; what
/// other threads do meanwhile (the web server, the sampling) is not in it.
/// Never fails: getrusage cannot fail with these arguments.
std::chrono::microseconds work_cpu();

/// Adds to the calling thread's work_cpu() time spent for it elsewhere: a
/// command it waited for, a helper thread it joined.
void add_work_cpu(std::chrono::microseconds elsewhere);

}  // namespace slumber::util
