#include "engine/recovery.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace slumber::engine {
namespace {

enum class Situation {
    healthy,      // nothing to do
    booted,       // down after a failed or unasked boot, slurmd answering
    failed_boot,  // down~ after a failed or unasked boot
    too_many,     // failed too often: drain
    off_failed,   // powered down in Slurm's view, but its power-off failed
    lost_wake,    // Slurm is waking it, slumber was never asked
};

TimeMs off_retry_after(const NodeFacts& node, const RecoveryPolicy& policy) {
    return policy.off_retry_ms << std::min(node.failed_offs - 1, 6);
}

Situation situation(const NodeFacts& node, const RecoveryPolicy& policy, TimeMs now) {
    const slurm::NodeState& state = node.slurm;
    if (node.excluded || node.request_open || state.has("DRAIN")) return Situation::healthy;
    if (node.last_recovery && now - *node.last_recovery < policy.settle_ms) return Situation::healthy;
    if (state.powering_up() && !node.latest_request_on && node.powering_up_since &&
        now - *node.powering_up_since >= policy.lost_wake_ms) {
        return Situation::lost_wake;
    }
    if (node.failed_offs > 0 && state.powered_down() && !state.powering_up() && state.base != "DOWN") {
        const bool due = !node.last_failed_off || now - *node.last_failed_off >= off_retry_after(node, policy);
        return due ? Situation::off_failed : Situation::healthy;
    }
    if (state.base != "DOWN" || !is_failed_boot_reason(state.reason)) return Situation::healthy;
    if (node.failed_resumes >= policy.max_failures) return Situation::too_many;
    if (!state.powered_down() && state.responding()) return Situation::booted;
    if (state.powered_down()) return Situation::failed_boot;
    return Situation::healthy;  // down, silent, not powered down: Slurm will suspend it
}

}  // namespace

std::string_view to_string(StepKind kind) {
    switch (kind) {
        case StepKind::slurm_resume:
            return "resume";
        case StepKind::slurm_drain:
            return "drain";
        case StepKind::power_off:
            return "power-off";
        case StepKind::power_on:
            return "power-on";
    }
    return "?";
}

bool is_failed_boot_reason(std::string_view reason) {
    return reason.starts_with("ResumeTimeout reached") || reason.starts_with("Node unexpectedly rebooted");
}

std::vector<std::string> needs_bmc(const std::vector<NodeFacts>& nodes, const RecoveryPolicy& policy, TimeMs now) {
    std::vector<std::string> names;
    for (const NodeFacts& node : nodes) {
        if (situation(node, policy, now) == Situation::failed_boot) names.push_back(node.slurm.name);
    }
    return names;
}

std::vector<Step> reconcile(const std::vector<NodeFacts>& nodes, const RecoveryPolicy& policy, TimeMs now) {
    std::vector<Step> steps;
    for (const NodeFacts& node : nodes) {
        const std::string& name = node.slurm.name;
        switch (situation(node, policy, now)) {
            case Situation::healthy:
                break;
            case Situation::booted:
                steps.push_back({name, StepKind::slurm_resume,
                                 fmt::format("slurmd answers after \"{}\": back into service", node.slurm.reason)});
                break;
            case Situation::lost_wake:
                steps.push_back({name, StepKind::power_on,
                                 fmt::format("Slurm has been waking it for {} s ({}) but no resume request reached "
                                             "slumber: powering it on",
                                             (now - *node.powering_up_since) / 1000, node.slurm.state_text())});
                break;
            case Situation::off_failed:
                steps.push_back({name, StepKind::power_off,
                                 fmt::format("{} power-off(s) in a row failed (last: {}); Slurm counts it as "
                                             "powered down: trying again",
                                             node.failed_offs, node.failed_off_error)});
                break;
            case Situation::too_many:
                steps.push_back({name, StepKind::slurm_drain,
                                 fmt::format("slumber: {} failed resumes in a row, last: {}", node.failed_resumes,
                                             node.last_failure.empty() ? node.slurm.reason : node.last_failure)});
                break;
            case Situation::failed_boot:
                if (!node.bmc) break;  // unreadable BMC: the failure count decides
                if (*node.bmc == power::PowerState::on && node.failed_at &&
                    now - *node.failed_at < policy.late_boot_grace_ms) {
                    break;  // perhaps only slow: let it register
                }
                if (*node.bmc == power::PowerState::on) {
                    steps.push_back({name, StepKind::power_off,
                                     "powered on but slurmd never registered: off first, then Slurm powers it up "
                                     "again"});
                } else {
                    steps.push_back({name, StepKind::slurm_resume,
                                     fmt::format("powered off after \"{}\": available again, Slurm powers it up "
                                                 "when a job needs it",
                                                 node.slurm.reason)});
                }
                break;
        }
    }
    return steps;
}

}  // namespace slumber::engine
