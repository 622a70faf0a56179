// A person's power action on a node Slurm knows, from the web API (the
// dashboard's buttons): asked of Slurm (`scontrol update NodeName=…
// State=POWER_DOWN|POWER_UP`, or `scontrol power down|up` from 24.05)
// rather than switched behind its back, so that Slurm counts the node as
// powered down or waking, and runs slumber's hooks, which journal the
// request and carry it out as for any of Slurm's (refusals, pacing, the
// thermal guard). docs/web.md, "Actions".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "power/driver.hpp"
#include "slurm/slurm_view.hpp"
#include "store/journal.hpp"

namespace slumber::service {

/// What to do about `on` or `off` on a node, from Slurm's view of it.
struct SlurmPowerStep {
    enum class Kind {
        ask,      ///< ask Slurm for `request`
        nothing,  ///< Slurm's view is already what was asked for: said in words
        refuse,   ///< not done: a job runs there, it is excluded, Slurm is busy with it the other way
    };
    Kind kind = Kind::nothing;
    std::optional<slurm::PowerRequest> request;
    std::string words;  ///< for nothing and refuse: why, naming the node and Slurm's state
};

/// Decides, without asking anything. `excluded`: the node is in [slurm]
/// exclude (never powered off by slumber). `action` is on or off.
SlurmPowerStep slurm_power_step(const slurm::NodeState& node, power::Action action, bool excluded);

/// How it ended, for the API's answer.
struct SlurmPowerDone {
    int status = 200;  ///< 202 asked of Slurm, 200 nothing to do, 409 refused, 502 Slurm refused the call
    bool ok = true;
    std::string words;       ///< "vnode001: asked Slurm to power it down (scontrol …); …"
    std::string slurm_call;  ///< the scontrol call made, empty when none
};

/// A person's action refused before Slurm is asked (a job on the node, an
/// excluded node, a block: docs/web.md, "Actions"): journaled in `journal`,
/// when it is not null, as a "refused" event naming `who` (so counted in
/// slumber_power_action_failures_total{kind="refused"}), and answered 409
/// with `words`.
SlurmPowerDone refuse_power(store::Journal* journal, const std::string& node, power::Action action,
                            std::string_view who, std::string words, store::TimeMs now);

/// slurm_power_step(), then the call it says, journaled (a "slurm-view"
/// event naming `who` and the call, or a "refused" one) in `journal` when
/// it is not null. `thermal_hold`: why the thermal guard holds power-ons,
/// said with a power-on asked for.
SlurmPowerDone power_through_slurm(const slurm::SlurmView& slurm, store::Journal* journal, const slurm::NodeState& node,
                                   power::Action action, bool excluded, std::string_view who,
                                   const std::optional<std::string>& thermal_hold, store::TimeMs now);

}  // namespace slumber::service
