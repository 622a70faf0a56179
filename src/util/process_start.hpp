// What a process inherits that it must not trust: closed standard
// descriptors and a parent's signal mask and dispositions. Slurm 22.05 runs
// its hooks with descriptors 0, 1 and 2 closed and with the signal mask of
// slurmctld's power-save thread (SIGCHLD, SIGTERM, SIGALRM … blocked) and
// SIGPIPE ignored (seen in /proc/PID/status of a hook: SigBlk 0x897a27,
// SigIgn 0x1000); every process the hook starts inherits the same.
#pragma once

namespace slumber::util {

/// Opens /dev/null on each of descriptors 0, 1 and 2 that is closed, so that
/// no file opened later (the journal) takes its place and a write to stderr
/// neither fails nor lands in that file. Returns which were closed: bit N
/// for descriptor N.
int open_closed_standard_fds();

/// Unblocks every signal and gives every signal its default disposition.
/// Async-signal-safe (sigprocmask and sigaction only): for the start of a
/// process, and for a child between fork and exec, which would otherwise
/// inherit its thread's mask and any ignored signal.
void reset_signals();

}  // namespace slumber::util
