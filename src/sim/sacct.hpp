// A site's own job history from Slurm's accounting, as `sacct --allusers
// --parsable2 --starttime 2026-01-01
// --format=JobIDRaw,Submit,Start,End,NNodes,NCPUS,Timelimit,State` prints it: '|'-separated, a header line naming the
// columns (in any order; JobID for JobIDRaw and AllocCPUS for NCPUS do too). Job steps (123.batch, 123.0) are left out;
// jobs that never ran are counted, not replayed. Times and time limits are read by util/time_text.hpp, with its
// ranges: a Submit time before 1970 or a sign in a field is a wrong line.
#pragma once

#include <expected>
#include <string_view>

#include "sim/trace.hpp"

namespace slumber::sim {

std::expected<Trace, TraceProblem> parse_sacct(std::string_view text, std::string_view source, BadLines bad);

}  // namespace slumber::sim
