// Which nodes each side knows, and which each keeps on. Slurm suspends any
// node of a NodeName line that idles SuspendTime, except those in
// SuspendExcNodes (a group with ":N" keeps only N of its nodes up) and the
// nodes of SuspendExcParts' partitions (slurm.conf(5), 22.05.8 and 24.11.3).
// slumber switches only the nodes of slumber.toml, never those in
// [slurm] exclude.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "hostlist/hostlist.hpp"
#include "hostlist/natural_compare.hpp"
#include "service/doctor_checks.hpp"
#include "slurm/dialect.hpp"
#include "slurm/power_save.hpp"
#include "slurm/slurm_conf.hpp"
#include "util/safe_text.hpp"

namespace slumber::service::doctor {
namespace {

using Names = std::set<std::string, std::less<>>;

std::string compressed(const std::vector<std::string>& names) {
    const std::string joined = fmt::format("{}", fmt::join(names, ","));
    auto list = hostlist::Hostlist::parse(joined);
    return list ? list->ranged_string() : joined;
}

// The nodes Slurm never suspends, as slurm.conf says.
struct Kept {
    Names always;                 ///< SuspendExcNodes without a count, SuspendExcParts' nodes
    slurm::PowerSaveRules rules;  ///< with SuspendExcParts' nodes as groups of their own
};

// The nodes of a partition whose own SuspendTime (or PartitionName=DEFAULT's
// before it) is INFINITE: slurmctld gives a node the highest SuspendTime of
// its partitions that set one (read_config.c, 22.05 and 24.11), INFINITE
// above any number, so such a node is never suspended, whatever the global
// SuspendTime and its other partitions say. A tester's controller, kept on
// so, was reported as one Slurm suspends.
Names never_suspended(const slurm::SlurmConf& conf) {
    Names names;
    std::optional<std::string> by_default;
    for (const slurm::ConfRecord& partition : conf.partitions) {
        const auto own = partition.get("SuspendTime");
        if (slurm::same_key(partition.name(), "DEFAULT")) {
            if (own) by_default = own;
            continue;
        }
        const auto value = own ? own : by_default;
        if (!value || !slurm::suspend_time_infinite(*value)) continue;
        for (std::string& node : conf.partition_nodes(partition.name())) names.insert(std::move(node));
    }
    return names;
}

Kept kept_by_slurm(const slurm::SlurmConf& conf) {
    std::string text;
    for (const char* key : {"SuspendExcNodes", "SuspendExcParts"}) {
        if (const slurm::ConfSetting* setting = conf.find(key)) text += fmt::format("{}={}\n", key, setting->value);
    }
    Kept kept{{}, slurm::rules_from_slurm_conf(text)};
    for (const std::string& partition : kept.rules.exc_parts) {
        kept.rules.exc_nodes.push_back({conf.partition_nodes(partition), std::nullopt});
    }
    for (const slurm::ExcludedGroup& group : kept.rules.exc_nodes) {
        if (!group.keep) kept.always.insert(group.nodes.begin(), group.nodes.end());
    }
    const Names never = never_suspended(conf);
    if (!never.empty()) {
        kept.rules.exc_nodes.push_back({std::vector<std::string>(never.begin(), never.end()), std::nullopt});
        kept.always.insert(never.begin(), never.end());
    }
    return kept;
}

// SuspendExcNodes as it would read with `more` added.
std::string exc_nodes_line(const slurm::SlurmConf& conf, const std::vector<std::string>& more) {
    const slurm::ConfSetting* setting = conf.find("SuspendExcNodes");
    const std::string added = compressed(more);
    if (setting == nullptr || setting->value.empty()) return fmt::format("SuspendExcNodes={}", added);
    // A group without a count must follow every counted group (22.05's slurm.conf(5)): add at the end.
    return fmt::format("SuspendExcNodes={},{}", util::safe_text(setting->value), added);
}

Finding on_exc_nodes(const Setup& setup, Check check, std::string what, std::string fix,
                     const std::vector<std::string>& nodes, bool paste) {
    Finding finding{check, std::move(what), {}, 0, std::move(fix), {}, nodes};
    place_at(finding, *setup.slurm_conf, setup.slurm_conf->find("SuspendExcNodes"));
    if (paste) finding.paste = "SuspendExcNodes";  // the whole line once every node to add is known
    return finding;
}

// SlurmctldHost=name(address), every line of it; ControlMachine and
// BackupController are the names before 18.08, still read by 22.05.
std::vector<std::string> controllers(const slurm::SlurmConf& conf) {
    std::vector<std::string> names;
    for (const slurm::ConfSetting& setting : conf.settings) {
        for (const char* key : {"SlurmctldHost", "ControlMachine", "BackupController"}) {
            if (slurm::same_key(setting.key, key)) names.push_back(setting.value.substr(0, setting.value.find('(')));
        }
    }
    return names;
}

// "login01", "hpc-login2", "LOGIN": a name sites give their login nodes.
bool looks_like_login(std::string_view node) {
    std::string lower;
    for (const char c : node) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower.find("login") != std::string::npos;
}

}  // namespace

void check_nodes(const Setup& setup, Findings& out) {
    const std::size_t first = out.size();
    const slurm::SlurmConf& conf = *setup.slurm_conf;
    const std::vector<std::string> slurm_nodes = conf.node_names();
    const Names known(slurm_nodes.begin(), slurm_nodes.end());
    std::vector<std::string> managed;
    std::vector<std::string> unknown;
    int first_line = 0;
    for (const config::PowerTarget& target : setup.config.nodes) {
        managed.push_back(target.name);
        if (known.contains(target.name)) continue;
        if (unknown.empty()) first_line = target.line;
        unknown.push_back(target.name);
    }
    const Names ours(managed.begin(), managed.end());
    if (!unknown.empty()) {
        out.push_back({Check::node_unknown_to_slurm,
                       fmt::format("{} in slumber.toml but on no NodeName line of {}: Slurm never asks for them, and "
                                   "slumber's recovery looks for them in vain",
                                   compressed(unknown), conf.files.front().string()),
                       setup.config_file, first_line,
                       "correct the names (they must be Slurm's node names), or add the nodes to slurm.conf", "",
                       unknown});
    }

    Kept kept = kept_by_slurm(conf);
    if (!kept.rules.error.empty()) {
        out.push_back(on_exc_nodes(setup, Check::slurm_conf_value, util::safe_text(kept.rules.error),
                                   "write SuspendExcNodes as a hostlist, each group with an optional \":count\"", {},
                                   false));
        return;
    }

    std::vector<std::string> exposed_controllers;
    for (const std::string& controller : controllers(conf)) {
        // SlurmctldHost is "the short, or long, hostname" (slurm.conf(5)); a node name is usually the short one.
        const std::string name = known.contains(controller) ? controller : controller.substr(0, controller.find('.'));
        if (known.contains(name) && !kept.always.contains(name) &&
            std::find(exposed_controllers.begin(), exposed_controllers.end(), name) == exposed_controllers.end()) {
            exposed_controllers.push_back(name);
        }
    }
    if (!exposed_controllers.empty()) {
        out.push_back(
            on_exc_nodes(setup, Check::controller_not_excluded,
                         fmt::format("{} runs slurmctld (a controller in slurm.conf) and is a Slurm node that "
                                     "SuspendExcNodes does not keep on: "
                                     "idle, Slurm suspends its own controller",
                                     compressed(exposed_controllers)),
                         "add it to SuspendExcNodes (and to slumber.toml's [slurm] exclude if slumber manages it)",
                         exposed_controllers, true));
    }

    // Login nodes: Slurm has no word for them in slurm.conf (22.05 to
    // 24.11), so by the name sites give them, and the machine doctor runs
    // on, where an admin works. Idle, as a login node mostly is, Slurm
    // suspends them.
    std::vector<std::string> exposed_logins;
    for (const std::string& node : slurm_nodes) {
        if (kept.always.contains(node) || std::ranges::find(exposed_controllers, node) != exposed_controllers.end())
            continue;
        if (looks_like_login(node) || (!setup.this_host.empty() && node == setup.this_host)) {
            exposed_logins.push_back(node);
        }
    }
    if (!exposed_logins.empty()) {
        out.push_back(on_exc_nodes(
            setup, Check::login_node_not_excluded,
            fmt::format(
                "{} look{} like a login node (named login…) or the machine doctor runs on{}, and SuspendExcNodes "
                "does not keep {} on: idle, as a login node mostly is, Slurm suspends {} under the users "
                "logged in",
                compressed(exposed_logins), exposed_logins.size() == 1 ? "s" : "",
                setup.this_host.empty() ? "" : fmt::format(" ({})", util::safe_text(setup.this_host)),
                exposed_logins.size() == 1 ? "it" : "them", exposed_logins.size() == 1 ? "it" : "them"),
            "add it to SuspendExcNodes (and to slumber.toml's [slurm] exclude if slumber manages it); if it is a "
            "compute node after all, ignore this",
            exposed_logins, true));
    }

    std::vector<std::string> uncontrolled;
    for (const std::string& node : slurm_nodes) {
        if (ours.contains(node) || kept.always.contains(node)) continue;
        if (std::find(exposed_controllers.begin(), exposed_controllers.end(), node) != exposed_controllers.end())
            continue;
        // A node named like a login node is a guess (the warning above); that
        // slumber cannot switch it is a fact, and an error whatever it is.
        uncontrolled.push_back(node);
    }
    if (!uncontrolled.empty()) {
        out.push_back(on_exc_nodes(
            setup, Check::node_without_power_control,
            fmt::format("Slurm node(s) {} not in slumber.toml: Slurm may suspend them and calls slumber, which cannot "
                        "switch them; they stay on while Slurm counts them off, and fail to resume",
                        compressed(uncontrolled)),
            "keep them out of power saving in slurm.conf, or give each its power control in slumber.toml", uncontrolled,
            true));
    }

    const slurm::ExclusionCheck exclusions = slurm::compare_exclusions(managed, setup.config.slurm.exclude, kept.rules);
    if (!exclusions.only_in_slumber.empty()) {
        out.push_back(on_exc_nodes(
            setup, Check::exclude_only_slumber,
            fmt::format("{} in slumber.toml's [slurm] exclude, but Slurm may suspend them{}: slumber refuses and tells "
                        "Slurm they are still up, again after each SuspendTime",
                        compressed(exclusions.only_in_slumber),
                        exclusions.counted.empty()
                            ? ""
                            : fmt::format(" ({} only counted in a \":N\" group)", compressed(exclusions.counted))),
            "add them to SuspendExcNodes", exclusions.only_in_slumber, true));
    }
    if (!exclusions.only_in_slurm.empty()) {
        Finding finding{Check::exclude_only_slurm,
                        fmt::format("{} kept on by slurm.conf (SuspendExcNodes, SuspendExcParts, or a partition's "
                                    "SuspendTime=INFINITE) but not in slumber.toml's [slurm] exclude: slumber's own "
                                    "recovery may switch them off",
                                    compressed(exclusions.only_in_slurm)),
                        setup.config_file,
                        setup.config.slurm.exclude_line,
                        fmt::format("add them to [slurm] exclude in {}", setup.config_file.string()),
                        {},
                        exclusions.only_in_slurm};
        out.push_back(std::move(finding));
    }
    // One SuspendExcNodes line with every node to add: pasting one line per
    // finding would leave only the last (the last setting wins).
    std::vector<std::string> to_add;
    for (std::size_t i = first; i < out.size(); ++i) {
        if (out[i].paste != "SuspendExcNodes") continue;
        for (const std::string& node : out[i].nodes) {
            if (std::find(to_add.begin(), to_add.end(), node) == to_add.end()) to_add.push_back(node);
        }
    }
    std::stable_sort(to_add.begin(), to_add.end(),
                     [](const std::string& a, const std::string& b) { return hostlist::natural_compare(a, b) < 0; });
    for (std::size_t i = first; i < out.size(); ++i) {
        if (out[i].paste == "SuspendExcNodes") out[i].paste = exc_nodes_line(conf, to_add);
    }
}

}  // namespace slumber::service::doctor
