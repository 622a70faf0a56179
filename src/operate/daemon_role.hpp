// What the journal says of its daemon's role when Slurm has several
// controllers (docs/ha.md): the front ends that read a journal (status,
// a hook run by hand) say when its daemon only stands by.
#pragma once

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

}  // namespace slumber::operate
