// What the journal says of its daemon's role when Slurm has several
// controllers (docs/ha.md): the front ends that read a journal (status,
// a hook run by hand) say when its daemon only stands by.
#pragma once

#include <sys/types.h>

#include <expected>
#include <filesystem>
#include <optional>
#include <string>

#include "store/journal.hpp"

namespace slumber::operate {

/// Whether the daemon of `journal` stands by: its latest controller-role
/// event (daemon/controller_watch.hpp) begins "standing by: " and neither
/// a took-control nor a daemon-stop came after it. Returns the rest of its
/// words ("the slurmctld on ctl1 (primary) is in control"), safe to show;
/// nothing when it acts, no daemon runs, or the journal cannot be read.
std::optional<std::string> daemon_standing_by(const store::Journal& journal);

/// The PID written in the daemon's lock file (daemon.cpp's DaemonLock) when
/// a daemon holds the lock, 0 when it holds it without one; nothing when no
/// daemon holds it or there is no lock file. flock(2) on a read-only
/// descriptor tells. The errno when the file exists and this user may not
/// open it (the daemon makes it 0640 for SlurmUser's group).
std::expected<std::optional<pid_t>, int> daemon_holding(const std::filesystem::path& lock);

}  // namespace slumber::operate
