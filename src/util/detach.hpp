// Starting a process that outlives the one that starts it and whatever stops
// that one's process group. Slurm's hooks need it: from 23.02 slurmscriptd
// kills a hook's whole process group (SIGKILL) once the largest
// Resume/SuspendTimeout has passed, and reads the hook's standard output
// until every process holding it has closed it (run_command.c).
#pragma once

#include <sys/types.h>

#include <expected>
#include <string>
#include <vector>

namespace slumber::util {

/// Runs `program` with `argv` detached: in a session and process group of its
/// own (a double fork, so that it is not this process's child and can never
/// take a terminal), with standard input, output and error on /dev/null and no
/// other descriptor inherited, the signal mask empty and every signal's
/// disposition the default (Slurm 22.05 starts its hooks with signals such as
/// SIGCHLD blocked), in the working directory /. The environment is this
/// process's. Returns its PID once `program` runs, or why it could not be
/// started (fork, setsid, exec: the system's words).
std::expected<pid_t, std::string> start_detached(const std::string& program, const std::vector<std::string>& argv);

}  // namespace slumber::util
