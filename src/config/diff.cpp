#include "config/diff.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <unordered_map>

#include "hostlist/hostlist.hpp"

namespace slumber::config {
namespace {

const Credentials* credentials_of(const Config& config, const PowerTarget& target) {
    if (!target.credentials) return nullptr;
    const auto it = config.credentials.find(*target.credentials);
    return it == config.credentials.end() ? nullptr : &it->second;
}

bool same_credentials(const Credentials* a, const Credentials* b) {
    if (a == nullptr || b == nullptr) return a == b;
    return a->username == b->username && a->password.reveal() == b->password.reveal() &&
           a->k_g.reveal() == b->k_g.reveal();
}

// Whether slumber would switch the target differently; where it is written
// in the file (line) does not count.
bool same_target(const Config& before, const PowerTarget& a, const Config& after, const PowerTarget& b) {
    return a.kind == b.kind && a.driver == b.driver && a.address == b.address && a.credentials == b.credentials &&
           a.options == b.options && a.policy.timeout == b.policy.timeout && a.policy.retries == b.policy.retries &&
           a.policy.backoff == b.policy.backoff && a.settle == b.settle &&
           same_credentials(credentials_of(before, a), credentials_of(after, b));
}

void diff_targets(const Config& before, const std::vector<PowerTarget>& old_targets, const Config& after,
                  const std::vector<PowerTarget>& new_targets, std::vector<std::string>& added,
                  std::vector<std::string>& removed, std::vector<std::string>& changed) {
    std::unordered_map<std::string_view, const PowerTarget*> old_by_name;
    for (const PowerTarget& target : old_targets) old_by_name.emplace(target.name, &target);
    std::set<std::string_view> kept;
    for (const PowerTarget& target : new_targets) {
        const auto it = old_by_name.find(target.name);
        if (it == old_by_name.end()) {
            added.push_back(target.name);
            continue;
        }
        kept.insert(target.name);
        if (!same_target(before, *it->second, after, target)) changed.push_back(target.name);
    }
    for (const PowerTarget& target : old_targets) {
        if (!kept.contains(target.name)) removed.push_back(target.name);
    }
}

bool same_dependencies(const std::vector<Dependency>& a, const std::vector<Dependency>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Dependency& x, const Dependency& y) {
        return x.device == y.device && x.nodes == y.nodes && x.off_after == y.off_after;
    });
}

template <typename T>
void setting(std::vector<std::string>& out, std::string_view name, const T& before, const T& after) {
    if (before != after) out.push_back(fmt::format("{} {} -> {}", name, before, after));
}

void diff_daemon(const DaemonSettings& a, const DaemonSettings& b, ConfigChanges& changes) {
    if (a.state_dir != b.state_dir) {
        changes.need_restart.push_back(
            fmt::format("[daemon] state_dir {} -> {}", a.state_dir.string(), b.state_dir.string()));
    }
    setting(changes.settings, "[daemon] max_booting", a.max_booting, b.max_booting);
    setting(changes.settings, "[daemon] boots_per_minute", a.boots_per_minute, b.boots_per_minute);
    setting(changes.settings, "[daemon] max_failures", a.max_failures, b.max_failures);
    setting(changes.settings, "[daemon] fanout", a.fanout, b.fanout);
    setting(changes.settings, "[daemon] late_boot_grace", util::format_duration(a.late_boot_grace),
            util::format_duration(b.late_boot_grace));
    setting(changes.settings, "[daemon] late_off_grace", util::format_duration(a.late_off_grace),
            util::format_duration(b.late_off_grace));
    setting(changes.settings, "[daemon] keep_drained_on", a.keep_drained_on, b.keep_drained_on);
    setting(changes.settings, "[daemon] power_loss_window", util::format_duration(a.power_loss_window),
            util::format_duration(b.power_loss_window));
    const auto deadline = [](const std::optional<util::Duration>& d) {
        return d ? util::format_duration(*d) : std::string("unset");
    };
    setting(changes.settings, "[daemon] boot_deadline", deadline(a.boot_deadline), deadline(b.boot_deadline));
    setting(changes.settings, "[daemon] journal_keep", util::format_duration(a.journal_keep),
            util::format_duration(b.journal_keep));
    setting(changes.settings, "[daemon] idle_poll", util::format_duration(a.idle_poll),
            util::format_duration(b.idle_poll));
    setting(changes.settings, "[daemon] controller", a.controller.empty() ? "this host's name" : a.controller,
            b.controller.empty() ? "this host's name" : b.controller);
    // A setting added to [daemon] later is still noticed, if not by name,
    // also when named ones changed with it.
    DaemonSettings rest = b;
    rest.state_dir = a.state_dir;
    rest.max_booting = a.max_booting;
    rest.boots_per_minute = a.boots_per_minute;
    rest.max_failures = a.max_failures;
    rest.fanout = a.fanout;
    rest.late_boot_grace = a.late_boot_grace;
    rest.late_off_grace = a.late_off_grace;
    rest.keep_drained_on = a.keep_drained_on;
    rest.power_loss_window = a.power_loss_window;
    rest.boot_deadline = a.boot_deadline;
    rest.journal_keep = a.journal_keep;
    rest.idle_poll = a.idle_poll;
    rest.controller = a.controller;
    if (rest != a) changes.settings.emplace_back("[daemon] another setting");
}

std::string hostlist_of(const std::vector<std::string>& names) {
    auto compressed = hostlist::compress(names, false);
    return compressed ? *compressed : fmt::format("{}", fmt::join(names, ","));
}

}  // namespace

bool ConfigChanges::empty() const {
    return nodes_added.empty() && nodes_removed.empty() && nodes_changed.empty() && devices_added.empty() &&
           devices_removed.empty() && devices_changed.empty() && !exclude_changed && settings.empty() &&
           need_restart.empty();
}

ConfigChanges diff(const Config& before, const Config& after) {
    ConfigChanges changes;
    diff_targets(before, before.nodes, after, after.nodes, changes.nodes_added, changes.nodes_removed,
                 changes.nodes_changed);
    diff_targets(before, before.devices, after, after.devices, changes.devices_added, changes.devices_removed,
                 changes.devices_changed);
    // The same nodes excluded, however the expression is written.
    std::vector<std::string> old_exclude = before.slurm.exclude;
    std::vector<std::string> new_exclude = after.slurm.exclude;
    std::ranges::sort(old_exclude);
    std::ranges::sort(new_exclude);
    if (old_exclude != new_exclude) {
        changes.exclude_changed = true;
        changes.exclude_before = before.slurm.exclude_expression;
        changes.exclude_after = after.slurm.exclude_expression;
    }
    if (before.slurm.conf != after.slurm.conf) {
        changes.need_restart.push_back(
            fmt::format("[slurm] conf {} -> {}", before.slurm.conf.string(), after.slurm.conf.string()));
    }
    if (before.slurm.bin_dir != after.slurm.bin_dir) {
        changes.need_restart.push_back(
            fmt::format("[slurm] bin_dir {} -> {}", before.slurm.bin_dir.string(), after.slurm.bin_dir.string()));
    }
    diff_daemon(before.daemon, after.daemon, changes);
    if (!same_dependencies(before.dependencies, after.dependencies)) changes.settings.emplace_back("[[dependency]]");
    if (before.simulate != after.simulate) changes.settings.emplace_back("[simulate]");
    if (before.thermal != after.thermal) changes.settings.emplace_back("[thermal]");
    // The server binds once, and reads its token once, at the daemon's start.
    if (before.web != after.web) changes.need_restart.emplace_back("[web]");
    if (before.energy != after.energy) changes.settings.emplace_back("[energy]");
    return changes;
}

std::string describe(const ConfigChanges& changes) {
    std::vector<std::string> parts;
    const auto names = [&](std::string_view what, const std::vector<std::string>& list) {
        if (!list.empty()) parts.push_back(fmt::format("{} {}", what, hostlist_of(list)));
    };
    names("nodes added", changes.nodes_added);
    names("nodes removed", changes.nodes_removed);
    names("nodes changed", changes.nodes_changed);
    names("devices added", changes.devices_added);
    names("devices removed", changes.devices_removed);
    names("devices changed", changes.devices_changed);
    if (changes.exclude_changed) {
        parts.push_back(fmt::format("exclude {} (was {})",
                                    changes.exclude_after.empty() ? "none" : changes.exclude_after,
                                    changes.exclude_before.empty() ? "none" : changes.exclude_before));
    }
    for (const std::string& setting : changes.settings) parts.push_back(setting);
    for (const std::string& setting : changes.need_restart) parts.push_back(setting);
    return parts.empty() ? "no change" : fmt::format("{}", fmt::join(parts, "; "));
}

}  // namespace slumber::config
