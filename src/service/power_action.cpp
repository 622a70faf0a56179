#include "service/power_action.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <map>
#include <optional>

#include "operate/blocks.hpp"
#include "operate/clock.hpp"
#include "operate/crossed_watch.hpp"
#include "operate/reconciler.hpp"
#include "operate/switching.hpp"
#include "power/factory.hpp"
#include "slurm/scontrol.hpp"

namespace slumber::service {
namespace {

// The drivers for `names`: those power_targets() built for the named
// targets (one that could not be built fails its target with its own
// error, switch_power()), and the devices they depend on from the
// configuration.
operate::DriverSet drivers_of(const PowerTargets& resolved, const std::vector<std::string>& names) {
    operate::DriverSet set;
    std::vector<std::string> others;
    for (const std::string& name : names) {
        const auto named = std::find_if(resolved.targets.begin(), resolved.targets.end(),
                                        [&](const config::PowerTarget* target) { return target->name == name; });
        if (named == resolved.targets.end()) {
            others.push_back(name);
            continue;
        }
        const auto& driver = resolved.drivers[static_cast<std::size_t>(named - resolved.targets.begin())];
        if (driver) {
            set.tasks.push_back(power::Task{name, driver->get(), (*named)->policy});
        } else {
            set.failed[name] = power::describe(driver.error());
        }
    }
    if (others.empty()) return set;
    operate::DriverSet built = operate::build_drivers(resolved.config, others);
    std::move(built.tasks.begin(), built.tasks.end(), std::back_inserter(set.tasks));
    std::move(built.drivers.begin(), built.drivers.end(), std::back_inserter(set.drivers));
    set.failed.merge(built.failed);
    return set;
}

// The requests an admin's action journals for its nodes, as they go: ids
// by node, empty when there is no journal or it refused.
std::map<std::string, std::int64_t> start_node_requests(store::Journal* journal, const PowerTargets& targets,
                                                        const PowerRequest& request, store::TimeMs now) {
    if (journal == nullptr || request.action == power::Action::status) return {};
    std::vector<std::string> nodes;
    for (const config::PowerTarget* target : targets.targets) {
        if (target->kind == config::TargetKind::node) nodes.push_back(target->name);
    }
    if (nodes.empty()) return {};
    const auto ids = journal->start_requests(nodes, request.action, request.journal_as, now);
    if (!ids || ids->size() != nodes.size()) return {};
    std::map<std::string, std::int64_t> by_node;
    for (std::size_t i = 0; i < nodes.size(); ++i) by_node.emplace(nodes[i], (*ids)[i]);
    return by_node;
}

// The event of one switch: "ACTION by SOURCE: what came of it after N
// attempt(s), M ms", with its outcome and action (the journal's power
// changes), under `request_id` when it has a request. A target that was not
// called is a `failed` event, as the carrier journals one (no driver, a
// device it needs that did not come on), or, stopped by a block (crossed
// addresses), a `refused` one: nothing was switched, and the node's power
// phase stays where it was (engine/power_phase.hpp); a refusal is no failed
// power-off for recovery to retry (a tester's refused `slumber power off`
// was retried after `slumber unblock`, through the still-crossed address).
std::string said(const power::Outcome& outcome) {
    return outcome.result ? std::string(power::to_string(*outcome.result))
                          : "error: " + power::describe(outcome.result.error());
}

store::Event switch_event(const PowerRequest& request, const power::Outcome& outcome, operate::NotCalled not_called,
                          std::optional<std::int64_t> request_id) {
    if (not_called == operate::NotCalled::blocked) {
        return store::refused_event(operate::wall_clock_ms(), outcome.target, request_id, request.action,
                                    request.source, power::describe(outcome.result.error()));
    }
    return {0,
            operate::wall_clock_ms(),
            outcome.target,
            request_id,
            not_called == operate::NotCalled::no ? store::event_kind(request.action) : store::EventKind::failed,
            fmt::format("{} by {}: {} after {} attempt(s), {} ms", power::to_string(request.action), request.source,
                        said(outcome), outcome.attempts, outcome.elapsed.count()),
            outcome.result ? store::OutcomeKind::ok : store::OutcomeKind::error,
            request.action};
}

void finish_node_requests(store::Journal* journal, const std::map<std::string, std::int64_t>& requests,
                          const PowerRequest& request, const std::vector<power::Outcome>& outcomes,
                          const std::vector<operate::NotCalled>& not_called) {
    if (journal == nullptr || requests.empty()) return;
    std::vector<store::Finished> finished;
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        const power::Outcome& outcome = outcomes[i];
        const auto id = requests.find(outcome.target);
        if (id == requests.end()) continue;
        const store::Event event = switch_event(request, outcome, not_called[i], id->second);
        const bool ok = outcome.result.has_value();
        const bool refused = not_called[i] == operate::NotCalled::blocked;
        finished.push_back({id->second, ok,
                            ok        ? "ok"
                            : refused ? "refused: " + power::describe(outcome.result.error())
                                      : said(outcome),
                            event, std::nullopt, refused});
    }
    (void)journal->finish_all(finished);
}

// Each switch of a target without a request of its own (a device; a node
// when its request could not be journaled), as the daemon's are: who did
// what shows in `slumber journal`, /metrics counts it, and the daemon's
// crossed-address watch counts a carried-out change as slumber's own (a
// node an admin switched on is not "woken by nobody").
void journal_switches(store::Journal& journal, const PowerRequest& request, const std::vector<power::Outcome>& outcomes,
                      const std::vector<operate::NotCalled>& not_called,
                      const std::map<std::string, std::int64_t>& requests) {
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        if (requests.contains(outcomes[i].target)) continue;  // its request's event says it
        (void)journal.record(switch_event(request, outcomes[i], not_called[i], std::nullopt));
    }
}

}  // namespace

bool powers_off(power::Action action) {
    return action == power::Action::off || action == power::Action::soft || action == power::Action::cycle;
}

namespace {

// Takes out of `targets` the nodes `why_not` has a reason for, journaling
// each refusal when the journal exists; in the order of `targets`.
template <typename WhyNot>
std::vector<Refused> refuse_nodes(PowerTargets& targets, power::Action action, std::string_view who, WhyNot why_not) {
    std::vector<Refused> refused;
    const auto journal = existing_journal(targets.config);
    for (std::size_t i = 0; i < targets.targets.size();) {
        const config::PowerTarget* target = targets.targets[i];
        std::optional<std::string> why;
        if (target->kind == config::TargetKind::node) why = why_not(*target);
        if (!why) {
            ++i;
            continue;
        }
        if (journal) {
            (void)journal->record(
                store::refused_event(operate::wall_clock_ms(), target->name, std::nullopt, action, who, *why));
        }
        refused.push_back({target->name, std::move(*why)});
        targets.targets.erase(targets.targets.begin() + static_cast<std::ptrdiff_t>(i));
        targets.drivers.erase(targets.drivers.begin() + static_cast<std::ptrdiff_t>(i));
    }
    return refused;
}

}  // namespace

std::vector<Refused> refuse_busy_nodes(PowerTargets& targets, power::Action action,
                                       const std::vector<slurm::NodeState>& view, std::string_view who) {
    if (!powers_off(action)) return {};
    return refuse_nodes(targets, action, who, [&](const config::PowerTarget& target) -> std::optional<std::string> {
        const auto busy = std::find_if(view.begin(), view.end(), [&](const slurm::NodeState& state) {
            return state.name == target.name && state.running_jobs();
        });
        if (busy == view.end()) return std::nullopt;
        return fmt::format("Slurm shows it running a job ({}): slumber powers off no node that does",
                           busy->state_text());
    });
}

std::vector<Refused> refuse_unchecked_nodes(PowerTargets& targets, power::Action action, std::string_view slurm_error,
                                            std::string_view who) {
    if (!powers_off(action)) return {};
    return refuse_nodes(targets, action, who, [&](const config::PowerTarget&) -> std::optional<std::string> {
        return fmt::format("Slurm cannot say whether it runs a job ({}); --without-slurm switches it anyway",
                           slurm_error);
    });
}

std::expected<PowerTargets, std::vector<std::string>> power_targets(config::Config config,
                                                                    const std::vector<std::string>& names) {
    PowerTargets resolved{std::move(config), {}, {}};
    std::vector<std::string> unknown;
    for (const std::string& name : names) {
        const config::PowerTarget* target = resolved.config.find(name);
        if (target == nullptr) {
            unknown.push_back(name);
        } else if (std::find(resolved.targets.begin(), resolved.targets.end(), target) == resolved.targets.end()) {
            resolved.targets.push_back(target);
        }
    }
    if (!unknown.empty()) return std::unexpected(std::move(unknown));
    for (const config::PowerTarget* target : resolved.targets) {
        resolved.drivers.push_back(power::make_driver(target->driver, resolved.config.settings_for(*target)));
    }
    return resolved;
}

std::unique_ptr<store::Journal> existing_journal(const config::Config& config) {
    std::error_code error;
    if (!std::filesystem::exists(config.daemon.journal(), error)) return nullptr;
    auto journal = store::Journal::open(config.daemon.journal());
    return journal ? std::make_unique<store::Journal>(std::move(*journal)) : nullptr;
}

std::vector<power::Outcome> switch_power(const PowerTargets& targets, const PowerRequest& request) {
    // An admin's command is one deliberate attempt, on a blocked target too.
    // Without the journal (not readable by this user) it only switches; a
    // journal that does not exist is not made here.
    const auto journal = existing_journal(targets.config);
    operate::Blocks blocks(targets.config, journal.get(), operate::Caller::deliberate, operate::wall_clock_ms);
    operate::SwitchPlan plan{.action = request.action, .fanout = request.fanout, .wait = request.wait};
    for (const config::PowerTarget* target : targets.targets) plan.targets.push_back(target->name);
    // A cycle ends with the node on too: its devices go on first.
    if (request.action == power::Action::on || request.action == power::Action::cycle) {
        plan.dependencies = [&request](const store::Event& event) {
            if (request.devices) request.devices(event);
        };
    }
    plan.source = [&request](std::size_t) { return request.source; };
    const operate::Switcher switcher{
        .drivers = [&targets](const config::Config&, const std::vector<std::string>& names) {
            return drivers_of(targets, names);
        }};
    std::vector<power::Outcome> outcomes;
    std::vector<operate::NotCalled> not_called;
    const auto requests = start_node_requests(journal.get(), targets, request, operate::wall_clock_ms());
    const auto switched = switcher.run(targets.config, blocks, plan);
    for (std::size_t i = 0; i < switched.size(); ++i) {
        not_called.push_back(switched[i].not_called);
        if (switched[i].not_called == operate::NotCalled::no_driver) {
            outcomes.push_back({plan.targets[i], std::unexpected(targets.drivers[i].error()), false, 0, {}});
        } else {
            outcomes.push_back(switched[i].outcome);
        }
    }
    finish_node_requests(journal.get(), requests, request, outcomes, not_called);
    if (journal != nullptr && request.action != power::Action::status) {
        journal_switches(*journal, request, outcomes, not_called, requests);
    }
    if (journal != nullptr && request.crossed_look && !requests.empty()) {
        const slurm::Scontrol scontrol(targets.config.slurm.bin_dir, targets.config.slurm.conf);
        const operate::CrossedLook look(targets.config, *journal, scontrol,
                                        operate::crossed_windows(targets.config, *journal));
        if (auto looked = look(); !looked && request.warn) {
            request.warn("could not note what Slurm shows for the crossed-address watch: " + looked.error());
        }
    }
    return outcomes;
}

}  // namespace slumber::service
