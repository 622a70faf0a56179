// Carrying out requests when no daemon runs. A hook that finds no daemon
// hands what it journaled to a carrier of its own, `slumber carry`, started
// detached (util::start_detached): Slurm from 23.02 kills a hook's whole
// process group after the largest Resume/SuspendTimeout, which a hook
// switching nodes itself behind a silent BMC (18 s a node with the default
// retries) can reach half-way through a batch. The carrier is not in that
// group, and Slurm does not wait for it.
//
// Carriers take part in the carrier lock (carrier_lock.hpp): several run side
// by side, each taking pending requests from the journal (never the same
// one twice); one that finds itself alone, at its start or its end, takes
// back the requests a carrier that died left running. A daemon, which holds
// the lock alone, leaves no work to them.
#pragma once

#include <sys/types.h>

#include <expected>
#include <filesystem>
#include <string>

#include "config/config.hpp"
#include "store/journal.hpp"

namespace slumber::operate {

/// Starts `slumber carry --config FILE` (this very program) detached; its
/// PID, or why it could not be started.
std::expected<pid_t, std::string> start_hook_carrier(const std::filesystem::path& config_file);

/// Carries out the journal's pending requests as a hook would, beside any
/// other carrier a hook started, until none are left; leaves them to a
/// daemon that holds the lock. A power-off its crossed-address watch holds
/// back (a node of a pattern still open, decided at most ResumeTimeout after
/// the power-on that opened it: operate/crossed_watch.hpp) is waited for,
/// looking at Slurm every 2 s, by the last carrier out. `config` must be loaded with its credentials.
/// Returns 0, or 1 when the journal could not be read or written.
int carry_without_daemon(const config::Config& config, store::Journal& journal);

/// A carrier that cannot load `config_file` (`why`: the first error) says so
/// in the journal of the state directory that file names, when that journal
/// exists (a guessed place never gets a new one): the requests wait there
/// for a daemon or the next hook, and the admin reading the journal learns
/// why nothing happened.
void journal_unloadable_config(const std::string& config_file, const std::string& why);

}  // namespace slumber::operate
