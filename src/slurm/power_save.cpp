#include "slurm/power_save.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include "hostlist/hostlist.hpp"
#include "slurm/conf_file.hpp"
#include "slurm/slurm_conf.hpp"

namespace slumber::slurm {
namespace {

std::string upper(std::string_view text) {
    std::string out;
    for (const char c : text) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

// "(null)" and "NONE" are how show config prints an unset value.
bool unset(std::string_view value) { return value.empty() || value == "(null)" || upper(value) == "NONE"; }

std::vector<std::string> split_commas(std::string_view value) {
    std::vector<std::string> parts;
    while (!value.empty()) {
        const auto comma = value.find(',');
        const std::string_view part = trim(value.substr(0, comma));
        if (!part.empty()) parts.emplace_back(part);
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return parts;
}

// "n[1-4]:2,head": groups split at commas outside brackets; a count applies
// to its own group, a group without one is kept whole (see the header).
void read_exc_nodes(std::string_view value, PowerSaveRules& rules) {
    int depth = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= value.size(); ++i) {
        const char c = i < value.size() ? value[i] : ',';
        depth += c == '[' ? 1 : c == ']' ? -1 : 0;
        if (c != ',' || (depth > 0 && i < value.size())) continue;
        std::string_view part = trim(value.substr(start, i - start));
        start = i + 1;
        if (part.empty()) continue;
        std::optional<int> keep;
        const auto colon = part.rfind(':');
        if (colon != std::string_view::npos && part.find(']', colon) == std::string_view::npos) {
            int count = 0;
            const std::string_view digits = part.substr(colon + 1);
            const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
            if (error != std::errc() || end != digits.data() + digits.size() || count < 0) {
                rules.error = fmt::format("SuspendExcNodes={}: \"{}\" has no count after ':'", value.substr(0, 200),
                                          part.substr(0, 60));
                return;
            }
            keep = count;
            part = part.substr(0, colon);
        }
        auto names = hostlist::Hostlist::parse(part);
        if (!names) {
            rules.error =
                fmt::format("SuspendExcNodes={}: {}", value.substr(0, 200), hostlist::describe(names.error(), part));
            return;
        }
        std::vector<std::string> nodes;
        names->for_each([&](std::string_view name) { nodes.emplace_back(name); });
        rules.exc_nodes.push_back({std::move(nodes), keep});
    }
}

void read_ctld_parameters(std::string_view value, PowerSaveRules& rules) {
    for (const std::string& part : split_commas(value)) {
        const auto equals = part.find('=');
        const std::string key = upper(part.substr(0, equals));
        if (key == "IDLE_ON_NODE_SUSPEND") rules.idle_on_node_suspend = true;
        if (key == "MAX_POWERED_NODES" && equals != std::string::npos) {
            int count = 0;
            const std::string_view digits = std::string_view(part).substr(equals + 1);
            const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
            if (error == std::errc() && end == digits.data() + digits.size() && count >= 0) {
                rules.max_powered_nodes = count;
            } else {
                rules.error = fmt::format("SlurmctldParameters: \"{}\" is no count", part.substr(0, 60));
            }
        }
    }
}

template <typename Lookup>
PowerSaveRules read_rules(Lookup&& lookup) {
    PowerSaveRules rules;
    if (const auto value = lookup("SuspendExcNodes"); value && !unset(*value)) read_exc_nodes(*value, rules);
    if (const auto value = lookup("SuspendExcParts"); value && !unset(*value)) rules.exc_parts = split_commas(*value);
    if (const auto value = lookup("SuspendExcStates"); value && !unset(*value)) {
        for (const std::string& state : split_commas(*value)) rules.exc_states.push_back(upper(state));
    }
    if (const auto value = lookup("SlurmctldParameters"); value && !unset(*value)) read_ctld_parameters(*value, rules);
    return rules;
}

bool usable(const NodeState& node) {
    return node.base != "DOWN" && !node.has("DRAIN") && !node.has("FAIL") && !node.powered_down() &&
           !node.has("POWERING_DOWN");
}

bool counts_as_powered(const NodeState& node) { return !node.powered_down() && !node.has("POWERING_DOWN"); }

bool in_state(const NodeState& node, std::string_view state) {
    if (state == "DOWN") return node.base == "DOWN";
    return node.base == state || node.has(state);
}

}  // namespace

std::map<std::string, std::string, std::less<>> parse_show_config(std::string_view text) {
    std::map<std::string, std::string, std::less<>> values;
    while (!text.empty()) {
        const auto end = text.find('\n');
        const std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        const auto equals = line.find(" = ");
        if (equals == std::string_view::npos) continue;
        const std::string_view key = trim(line.substr(0, equals));
        if (key.empty() || key.find(' ') != std::string_view::npos) continue;
        values.emplace(std::string(key), std::string(trim(line.substr(equals + 3))));
    }
    return values;
}

PowerSaveRules rules_from_show_config(std::string_view text) {
    const auto values = parse_show_config(text);
    PowerSaveRules rules = read_rules([&](std::string_view key) -> std::optional<std::string> {
        const auto it = values.find(key);
        return it == values.end() ? std::nullopt : std::optional(it->second);
    });
    if (const auto it = values.find("SLURM_VERSION"); it != values.end()) {
        rules.version = parse_version("slurm " + it->second);
    }
    return rules;
}

PowerSaveRules rules_from_slurm_conf(std::string_view text) {
    return read_rules([&](std::string_view key) { return conf_option(text, key); });
}

std::string keep_on_reason(const PowerSaveRules& rules, const NodeState& node, const std::vector<NodeState>& cluster) {
    for (const ExcludedGroup& group : rules.exc_nodes) {
        if (std::find(group.nodes.begin(), group.nodes.end(), node.name) == group.nodes.end()) continue;
        if (!group.keep) return "in slurm.conf's SuspendExcNodes: Slurm keeps it on";
        if (!usable(node)) continue;
        const std::set<std::string, std::less<>> members(group.nodes.begin(), group.nodes.end());
        const auto others = std::count_if(cluster.begin(), cluster.end(), [&](const NodeState& other) {
            return other.name != node.name && members.contains(other.name) && usable(other);
        });
        if (others < *group.keep) {
            return fmt::format("SuspendExcNodes keeps {} node(s) of its group up and only {} other(s) are", *group.keep,
                               others);
        }
    }
    for (const std::string& partition : node.partitions) {
        if (std::find(rules.exc_parts.begin(), rules.exc_parts.end(), partition) != rules.exc_parts.end()) {
            return fmt::format("its partition {} is in SuspendExcParts: Slurm keeps it on", partition);
        }
    }
    for (const std::string& state : rules.exc_states) {
        if (in_state(node, state)) {
            return fmt::format("SuspendExcStates={} keeps {} nodes on", fmt::join(rules.exc_states, ","), state);
        }
    }
    return {};
}

std::string power_on_refusal(const PowerSaveRules& rules, const NodeState& node,
                             const std::vector<NodeState>& cluster) {
    if (!rules.max_powered_nodes || counts_as_powered(node)) return {};
    const auto powered = std::count_if(cluster.begin(), cluster.end(), counts_as_powered);
    if (powered < *rules.max_powered_nodes) return {};
    return fmt::format("SlurmctldParameters=max_powered_nodes={} is reached ({} powered)", *rules.max_powered_nodes,
                       powered);
}

std::vector<std::string> describe_conflicts(const PowerSaveRules& rules) {
    std::vector<std::string> lines;
    if (!rules.error.empty()) lines.push_back(rules.error);
    if (rules.idle_on_node_suspend) {
        lines.push_back(
            "SlurmctldParameters=idle_on_node_suspend makes Slurm lift every drain when it suspends a node, "
            "slumber's too (a node drained for failed resumes or lost power); slumber drains such a node again "
            "with its reason. Remove idle_on_node_suspend to keep drains as they were set");
    }
    return lines;
}

}  // namespace slumber::slurm
