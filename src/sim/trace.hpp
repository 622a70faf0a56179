// A job history to replay: what each job asked for and how long it ran, as
// the simulator needs it, whatever log it came from (SWF, sacct).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace slumber::sim {

using Seconds = std::int64_t;

struct Job {
    std::int64_t id = 0;
    Seconds submit = 0;     ///< from the trace's start
    Seconds run = 0;        ///< how long it ran
    Seconds requested = 0;  ///< the time limit it asked for; its run time where the log has none
    int processors = 1;     ///< allocated, else requested
    int nodes = 0;          ///< where the log says (sacct); 0: from processors
    Seconds wait = -1;      ///< what it waited in reality; -1 unknown
    int user = -1;
    int line = 0;  ///< where it is in the log
};

/// A line the reader could not use, and why.
struct TraceProblem {
    int line = 0;
    std::string message;
};

struct Trace {
    std::string source;           ///< file name, for messages
    std::vector<Job> jobs;        ///< in submit order
    int max_processors = 0;       ///< from the header (MaxProcs), else the largest job
    int max_nodes = 0;            ///< from the header (MaxNodes), 0 if it has none
    std::int64_t unix_start = 0;  ///< UnixStartTime, 0 if the header has none
    /// Whether the log says how large the machine was (SWF's header does,
    /// sacct does not: the simulation then needs a node count).
    bool size_known = true;
    /// Jobs left out that the format allows (no run time, no size): counted,
    /// not problems.
    int without_run_time = 0;
    int without_size = 0;
    std::vector<TraceProblem> problems;  ///< lines skipped as wrong
};

/// What to do with a line that is wrong (too few fields, not numbers,
/// negative times, a job larger than the machine).
enum class BadLines { skip, refuse };

}  // namespace slumber::sim
