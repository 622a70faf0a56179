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

/// Gives every signal its default disposition, then unblocks every signal.
/// Async-signal-safe (sigaction and sigprocmask only): for the start of a
/// process, and for a child between its start and exec, which would
/// otherwise inherit its thread's mask and any ignored signal; a child that
/// shares its parent's memory starts with every signal blocked, and no
/// handler of the parent's can run in it.
void reset_signals();

/// Raises the soft limit on open files (RLIMIT_NOFILE) to the hard one, so
/// that power calls in flight at once ([daemon] fanout: a socket or two
/// pipes each) do not run out of descriptors: systemd gives a service a
/// soft limit of 1024 and a hard one of 524288 (systemd.exec(5), LimitNOFILE=)
/// and asks programs that need more to raise it themselves, which is safe
/// for those that never use select(), whose fd_set holds descriptors below
/// 1024 only. slumber waits with poll(), as cpp-httplib, libcurl and
/// FreeIPMI's LAN sessions do (libfreeipmi calls select() in its in-band
/// KCS and SunBMC drivers only, which slumber does not use). At most
/// 1,048,576 (the kernel's fs.nr_open by default) when the hard limit is
/// unlimited. Call once at the start, before any thread. Returns the soft
/// limit now.
long raise_open_files_limit();

/// The soft limit on open files now (getrlimit).
long open_files_limit();

/// In a child between its start and exec: the soft limit on open files the
/// process started with, so that a program slumber runs (scontrol, a
/// site's script) is not handed descriptors past select()'s reach.
/// Async-signal-safe (setrlimit only).
void restore_open_files_limit();

}  // namespace slumber::util
