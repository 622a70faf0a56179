#include "operate/crossed_follow.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "operate/blocks.hpp"

namespace slumber::operate {
namespace {

using Pair = std::pair<std::string, std::string>;

Pair ordered(std::string a, std::string b) {
    if (b < a) std::swap(a, b);
    return {std::move(a), std::move(b)};
}

}  // namespace

std::optional<Pair> crossed_pair_in_reason(std::string_view reason) {
    constexpr std::string_view kUnblock = "slumber unblock ";
    if (!reason.starts_with("slumber: ") || reason.find("crossed") == std::string_view::npos) return std::nullopt;
    const std::size_t at = reason.find(kUnblock);
    if (at == std::string_view::npos) return std::nullopt;
    std::string_view names = reason.substr(at + kUnblock.size());
    names = names.substr(0, names.find_first_of(" ;[\t"));
    const std::size_t comma = names.find(',');
    if (comma == std::string_view::npos) return std::nullopt;
    const std::string_view first = names.substr(0, comma);
    const std::string_view second = names.substr(comma + 1);
    if (first.empty() || second.empty() || first == second || second.find(',') != std::string_view::npos) {
        return std::nullopt;
    }
    return Pair{std::string(first), std::string(second)};
}

store::DbResult<std::vector<std::string>> follow_crossed_drains(store::Journal& journal, const config::Config& config,
                                                                const std::vector<slurm::NodeState>& nodes,
                                                                std::string_view acting, store::TimeMs now) {
    std::set<std::string, std::less<>> configured;
    for (const config::PowerTarget& node : config.nodes) configured.insert(node.name);
    std::map<std::string, const slurm::NodeState*, std::less<>> shown;
    std::set<Pair> drained_pairs;
    for (const slurm::NodeState& node : nodes) {
        shown.emplace(node.name, &node);
        if (!node.has("DRAIN")) continue;
        auto pair = crossed_pair_in_reason(node.reason);
        if (pair && configured.contains(pair->first) && configured.contains(pair->second)) {
            drained_pairs.insert(ordered(std::move(pair->first), std::move(pair->second)));
        }
    }
    auto blocks = journal.blocks();
    if (!blocks) return std::unexpected(blocks.error());
    // Each node's crossed partner, as this journal's blocks name it.
    std::map<std::string, std::optional<std::string>> blocked;
    for (const store::Block& block : *blocks) {
        if (block.kind == power::ErrorKind::crossed) blocked.insert_or_assign(block.target, crossed_partner(block));
    }
    std::vector<std::string> done;
    for (const auto& [first, second] : drained_pairs) {
        // The words the acting daemon's block has (crossed_partner() reads
        // the pair back from them), and where they came from.
        const std::string words = fmt::format(
            "BMC addresses of {} and {} look crossed: Slurm shows them drained for it while {} is in control", first,
            second, acting);
        for (const std::string& node : {first, second}) {
            if (blocked.contains(node)) continue;
            auto added = journal.add_block(
                {node, std::nullopt, power::ErrorKind::crossed, words, now, {}, "the daemon standing by"});
            if (!added) return std::unexpected(added.error());
            if (*added) done.push_back(fmt::format("{}: blocked: {}", node, words));
        }
    }
    const auto undrained = [&](const std::string& node) {
        const auto it = shown.find(node);
        return it != shown.end() && !it->second->has("DRAIN");
    };
    for (const auto& [node, partner] : blocked) {
        if (!partner || !undrained(node) || !undrained(*partner)) continue;
        const std::string why = fmt::format(
            "crossed block of {} and {} lifted: Slurm shows neither drained while {} is in control "
            "(unblocked there)",
            std::min(node, *partner), std::max(node, *partner), acting);
        auto lifted = journal.remove_crossed_block(node, why, now);
        if (!lifted) return std::unexpected(lifted.error());
        if (*lifted > 0) done.push_back(fmt::format("{}: {}", node, why));
    }
    return done;
}

store::DbResult<std::vector<std::string>> follow_lifted_drains(store::Journal& journal,
                                                               const std::vector<slurm::NodeState>& nodes,
                                                               std::string_view acting, store::TimeMs now) {
    auto blocks = journal.blocks();
    if (!blocks) return std::unexpected(blocks.error());
    // Each node's earliest block other than a crossed one.
    std::map<std::string, store::TimeMs> blocked;
    for (const store::Block& block : *blocks) {
        if (block.kind == power::ErrorKind::crossed) continue;
        const auto [it, added] = blocked.try_emplace(block.target, block.since);
        if (!added) it->second = std::min(it->second, block.since);
    }
    std::vector<std::string> done;
    for (const slurm::NodeState& node : nodes) {
        const auto it = blocked.find(node.name);
        if (it == blocked.end() || node.has("DRAIN")) continue;
        const std::vector<std::string> names{node.name};
        auto events = journal.events(names, it->second);
        if (!events) return std::unexpected(events.error());
        const bool drained_here = std::ranges::any_of(*events, [&](const store::Event& event) {
            return event.node == node.name && event.step == store::StepKind::slurm_drain &&
                   event.outcome == store::OutcomeKind::ok;
        });
        if (!drained_here) continue;
        const std::string why = fmt::format(
            "lifted: this daemon drained it for its block, and Slurm shows it undrained while {} is in control "
            "(unblocked there, or returned to service by an admin); a refusal of its BMC blocks it again",
            acting);
        auto lifted = journal.remove_blocks(node.name, power::Action::on, why, now);
        if (!lifted) return std::unexpected(lifted.error());
        if (*lifted > 0) done.push_back(fmt::format("{}: block {}", node.name, why));
    }
    return done;
}

}  // namespace slumber::operate
