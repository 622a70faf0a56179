// The exit codes of every `slumber` command, documented in docs/exit-codes.md.
#pragma once

namespace slumber::cli {

enum class ExitCode : int {
    ok = 0,               ///< everything asked for was done
    partial = 1,          ///< some targets failed (the others succeeded), or the action could not be done
    usage = 2,            ///< bad command line or bad input (e.g. a malformed hostlist)
    config = 3,           ///< the configuration file is invalid or unreadable
    internal = 4,         ///< slumber itself failed (I/O error, bug)
    doctor_errors = 5,    ///< `slumber doctor` found at least one error
    doctor_warnings = 6,  ///< `slumber doctor` found warnings and no error
};

constexpr int to_int(ExitCode code) { return static_cast<int>(code); }

}  // namespace slumber::cli
