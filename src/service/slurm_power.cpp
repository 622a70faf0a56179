#include "service/slurm_power.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace slumber::service {
namespace {

SlurmPowerStep refuse(std::string words) { return {SlurmPowerStep::Kind::refuse, std::nullopt, std::move(words)}; }
SlurmPowerStep nothing(std::string words) { return {SlurmPowerStep::Kind::nothing, std::nullopt, std::move(words)}; }
SlurmPowerStep ask(slurm::PowerRequest request) { return {SlurmPowerStep::Kind::ask, request, {}}; }

bool powering_down(const slurm::NodeState& node) { return node.has("POWERING_DOWN") || node.has("POWER_DOWN"); }
// POWER_UP: asked (scontrol, a job), queued for Slurm's power-saving
// thread, which runs ResumeProgram at its next pass; the node still shows
// POWERED_DOWN until then (Slurm 22.05, 24.11: slurm.conf(5) power_save).
bool powering_up(const slurm::NodeState& node) { return node.powering_up() || node.has("POWER_UP"); }

SlurmPowerStep off_step(const slurm::NodeState& node, bool excluded) {
    const std::string state = node.state_text();
    if (node.running_jobs()) {
        return refuse(fmt::format("{} runs a job ({}): slumber powers off no node that does", node.name, state));
    }
    if (excluded) return refuse(fmt::format("{} is in [slurm] exclude: slumber never powers it off", node.name));
    if (powering_up(node)) {
        return refuse(fmt::format("Slurm is powering {} up ({}): power it off once it is up", node.name, state));
    }
    if (powering_down(node)) return nothing(fmt::format("Slurm is powering {} down already ({})", node.name, state));
    if (node.powered_down()) return nothing(fmt::format("Slurm shows {} powered down already ({})", node.name, state));
    return ask(slurm::PowerRequest::down);
}

SlurmPowerStep on_step(const slurm::NodeState& node) {
    const std::string state = node.state_text();
    if (powering_up(node)) return nothing(fmt::format("Slurm is powering {} up already ({})", node.name, state));
    if (powering_down(node)) {
        return refuse(
            fmt::format("Slurm is powering {} down ({}): power it on once it shows powered down", node.name, state));
    }
    if (node.powered_down()) return ask(slurm::PowerRequest::up);
    return nothing(fmt::format("Slurm shows {} up ({}), not powered down: nothing to power on", node.name, state));
}

}  // namespace

SlurmPowerStep slurm_power_step(const slurm::NodeState& node, power::Action action, bool excluded) {
    return action == power::Action::off ? off_step(node, excluded) : on_step(node);
}

SlurmPowerDone refuse_power(store::Journal* journal, const std::string& node, power::Action action,
                            std::string_view who, std::string words, store::TimeMs now) {
    if (journal != nullptr) {
        (void)journal->record(store::refused_event(now, node, std::nullopt, action, who, words));
    }
    return {409, false, std::move(words), {}};
}

SlurmPowerDone power_through_slurm(const slurm::SlurmView& slurm, store::Journal* journal, const slurm::NodeState& node,
                                   power::Action action, bool excluded, std::string_view who,
                                   const std::optional<std::string>& thermal_hold, store::TimeMs now) {
    const SlurmPowerStep step = slurm_power_step(node, action, excluded);
    const auto note = [&](store::EventKind kind, const std::string& detail, store::OutcomeKind outcome) {
        if (journal != nullptr) (void)journal->record({0, now, node.name, std::nullopt, kind, detail, outcome, action});
    };
    if (step.kind == SlurmPowerStep::Kind::nothing) return {200, true, step.words, {}};
    if (step.kind == SlurmPowerStep::Kind::refuse)
        return refuse_power(journal, node.name, action, who, step.words, now);
    const slurm::ScontrolCall call =
        slurm::power_call(slurm.version().value_or(slurm::kOldestSupported), *step.request, node.name);
    const std::string text = fmt::format("scontrol {}", fmt::join(call, " "));
    const auto called = slurm.call(call);
    const bool up = *step.request == slurm::PowerRequest::up;
    if (!called) {
        note(store::EventKind::slurm_view,
             fmt::format("power-{} asked of Slurm by {} ({}): Slurm refused: {}", up ? "up" : "down", who, text,
                         called.error()),
             store::OutcomeKind::error);
        return {502, false, fmt::format("{}: Slurm refused {}: {}", node.name, text, called.error()), text};
    }
    std::string words =
        fmt::format("{}: asked Slurm to power it {} ({}); Slurm runs slumber's {} hook, and slumber switches it {}",
                    node.name, up ? "up" : "down", text, up ? "resume" : "suspend", up ? "on" : "off");
    if (up && thermal_hold) words += fmt::format(" once the thermal guard lets it ({})", *thermal_hold);
    note(store::EventKind::slurm_view, fmt::format("power-{} asked of Slurm by {}: {}", up ? "up" : "down", who, text),
         store::OutcomeKind::ok);
    return {202, true, words, text};
}

}  // namespace slumber::service
