// slurm.conf's power-saving times and rates, and the settings that change
// what slumber's recovery can do. Defaults and meanings from slurm.conf(5),
// 22.05.8 and 24.11.3 alike: SuspendTime INFINITE (power saving off; -1
// too), SuspendTimeout 30 s, ResumeTimeout 60 s, ResumeRate 300 nodes per
// minute (0: no limit), ReturnToService 0.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cctype>
#include <charconv>
#include <map>

#include "service/doctor_checks.hpp"
#include "service/slurm_setup.hpp"
#include "slurm/dialect.hpp"
#include "slurm/power_save.hpp"
#include "util/safe_text.hpp"

namespace slumber::service::doctor {
namespace {

std::optional<long> number(std::string_view value) {
    long out = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), out);
    if (error != std::errc() || end != value.data() + value.size()) return std::nullopt;
    return out;
}

Finding at(const Setup& setup, Check check, const slurm::ConfSetting* setting, std::string what, std::string fix,
           std::string paste = {}) {
    Finding finding{check, std::move(what), {}, 0, std::move(fix), std::move(paste), {}};
    place_at(finding, *setup.slurm_conf, setting);
    return finding;
}

void check_suspend_time(const Setup& setup, Findings& out) {
    const slurm::SlurmConf& conf = *setup.slurm_conf;
    const slurm::ConfSetting* setting = conf.find("SuspendTime");
    if (setting) {
        const auto parsed = slurm::parse_suspend_time(setting->value);
        if (!parsed) {
            out.push_back(at(setup, Check::slurm_conf_value, setting,
                             util::safe_text(parsed.error()) +
                                 ": slurmctld reads only its leading digits (\"abc\" as 0 s, \"10min\" as 10 s)",
                             "write how long a node idles before Slurm suspends it, in seconds", "SuspendTime=600"));
            return;
        }
        if (*parsed) return;
    }
    // A partition's own SuspendTime turns power saving on for its nodes.
    for (const slurm::ConfRecord& partition : conf.partitions) {
        const auto value = partition.get("SuspendTime");
        if (value && !slurm::suspend_time_infinite(*value)) return;
    }
    out.push_back(
        at(setup, Check::suspend_time_unset, setting,
           setting ? fmt::format("SuspendTime={}: power saving is off, Slurm suspends no node", shown(setting->value))
                   : "SuspendTime is not set (INFINITE): power saving is off, Slurm suspends no node",
           "set how long a node idles before Slurm suspends it", "SuspendTime=600"));
}

// A PartitionName line as written, with `key` set to `value`.
std::string with_value(const slurm::ConfRecord& line, std::string_view key, std::string_view value) {
    std::string out;
    for (const auto& [name, each] : line.pairs) {
        const std::string_view shown_value = slurm::same_key(name, key) ? value : std::string_view(each);
        out += fmt::format("{}{}={}", out.empty() ? "" : " ", name,
                           shown_value.find(' ') == std::string_view::npos ? std::string(shown_value)
                                                                           : fmt::format("\"{}\"", shown_value));
    }
    return util::safe_text(out);
}

// What ResumeTimeout gives a node: seconds, or nothing for INFINITE.
using Timeout = std::optional<std::chrono::seconds>;

bool shorter(const Timeout& a, const Timeout& b) { return a && (!b || *a < *b); }

// The shortest ResumeTimeout Slurm gives a node of slumber's, and the
// partition line it comes from (null: the global value). A node takes the
// highest of its partitions that set one, else the global value
// (slurm.conf(5) 22.05.8 and 24.11.3, PARTITION CONFIGURATION);
// PartitionName=DEFAULT's applies to the partition lines after it.
std::pair<Timeout, const slurm::ConfRecord*> effective_limit(const Setup& setup, const Timeout& global) {
    std::map<std::string, std::pair<Timeout, const slurm::ConfRecord*>, std::less<>> per_node;
    std::optional<std::string> default_value;
    const slurm::ConfRecord* default_line = nullptr;
    for (const slurm::ConfRecord& partition : setup.slurm_conf->partitions) {
        const auto own = partition.get("ResumeTimeout");
        if (slurm::same_key(partition.name(), "DEFAULT")) {
            if (own) {
                default_value = own;
                default_line = &partition;
            }
            continue;
        }
        const auto value = own ? own : default_value;
        const slurm::ConfRecord* line = own ? &partition : default_line;
        if (!value) continue;
        const auto parsed = slurm::parse_resume_timeout(*value);
        if (!parsed) continue;
        for (const std::string& node : setup.slurm_conf->partition_nodes(partition.name())) {
            auto [it, added] = per_node.try_emplace(node, parsed->limit, line);
            if (!added && shorter(it->second.first, parsed->limit)) it->second = {parsed->limit, line};
        }
    }
    // Each node's own, else the global one; the shortest of them.
    std::pair<Timeout, const slurm::ConfRecord*> tightest{global, nullptr};
    bool first = true;
    for (const config::PowerTarget& target : setup.config.nodes) {
        const auto it = per_node.find(target.name);
        const std::pair<Timeout, const slurm::ConfRecord*> mine =
            it == per_node.end() ? std::pair<Timeout, const slurm::ConfRecord*>{global, nullptr} : it->second;
        if (first || shorter(mine.first, tightest.first)) tightest = mine;
        first = false;
    }
    return tightest;
}

void check_resume_timeout(const Setup& setup, Findings& out) {
    const slurm::ConfSetting* setting = setup.slurm_conf->find("ResumeTimeout");
    Timeout limit = std::chrono::seconds(60);
    if (setting) {
        auto parsed = slurm::parse_resume_timeout(setting->value);
        if (!parsed) {
            out.push_back(at(setup, Check::slurm_conf_value, setting, util::safe_text(parsed.error()),
                             "write a number of seconds"));
            return;
        }
        limit = parsed->limit;
    }
    const auto [effective, partition] = effective_limit(setup, limit);
    const auto advice = resume_timeout_advice(setup.config);
    if (!advice) {
        if (!setting && partition == nullptr) {
            out.push_back(at(setup, Check::resume_timeout_default, nullptr,
                             "ResumeTimeout is not set: Slurm gives a node 60 s to boot and register, less than most "
                             "servers need; no boot was measured yet to say more",
                             "set it above the slowest boot you have timed; once the daemon has measured boots, "
                             "doctor and `slumber slurm-config` give the value",
                             "ResumeTimeout=300"));
        }
        return;
    }
    limit = effective;
    const auto place = [&](Finding finding) {
        if (partition != nullptr) {
            const slurm::ConfRecord& line = *partition;
            finding.file = line.place.file;
            finding.line = line.place.line;
            finding.what = fmt::format("partition {}'s {}", shown(line.name()), finding.what);
            finding.fix += " on this PartitionName line (a partition's value wins over the global one)";
            finding.paste = with_value(line, "ResumeTimeout", finding.paste.substr(finding.paste.find('=') + 1));
        }
        return finding;
    };
    if (!limit) return;  // INFINITE (25.05 and later): Slurm never gives up
    const auto slowest_s = static_cast<double>(advice->all.max_ms) / 1000.0;
    const std::string paste = fmt::format("ResumeTimeout={}", advice->seconds);
    if (static_cast<double>(limit->count()) < slowest_s) {
        out.push_back(
            place(at(setup, Check::resume_timeout_short, setting,
                     fmt::format("ResumeTimeout is {} s, and the slowest of {} measured boots took {:.1f} s: Slurm "
                                 "gives up on such a node (down~) and requeues its job",
                                 limit->count(), advice->all.count, slowest_s),
                     "raise it to half again the slowest boot, in whole minutes", paste)));
    } else if (static_cast<double>(limit->count()) < 1.5 * slowest_s) {
        // Tight as docs/doctor.md says: less than half again the slowest
        // boot. The advised value is rounded up to whole minutes, at least
        // 60 s, so comparing with it would call every ResumeTimeout under a
        // minute tight, however fast the nodes boot.
        out.push_back(
            place(at(setup, Check::resume_timeout_tight, setting,
                     fmt::format("ResumeTimeout is {} s, less than half again the slowest of {} measured boots "
                                 "({:.1f} s): a boot a little slower ends down~",
                                 limit->count(), advice->all.count, slowest_s),
                     "raise it to half again the slowest boot, in whole minutes", paste)));
    }
}

void check_suspend_timeout(const Setup& setup, Findings& out) {
    const slurm::ConfSetting* setting = setup.slurm_conf->find("SuspendTimeout");
    const auto advice = suspend_timeout_advice(setup.config);
    if (setting == nullptr && !advice) {
        out.push_back(at(setup, Check::suspend_timeout_unset, nullptr,
                         "SuspendTimeout is not set: Slurm counts a node as off 30 s after asking, whether or not it "
                         "is; no power-off was measured yet to say more",
                         "set it to how long your nodes take to power off, with room to spare; once the daemon has "
                         "carried out Slurm's suspends, doctor gives the value"));
        return;
    }
    if (!advice) return;
    const long limit = setting ? number(setting->value).value_or(-1) : 30;
    if (limit < 0) {
        out.push_back(at(setup, Check::slurm_conf_value, setting,
                         fmt::format("SuspendTimeout={} is no number of seconds", shown(setting->value)),
                         "write a number of seconds"));
        return;
    }
    const auto slowest_s = static_cast<double>(advice->slowest_ms) / 1000.0;
    if (static_cast<double>(limit) >= slowest_s) return;
    out.push_back(at(setup, Check::suspend_timeout_short, setting,
                     fmt::format("SuspendTimeout is {} s{}, and the slowest of {} measured power-offs (Slurm's suspend "
                                 "to the BMC's confirmed off) took {:.1f} s: Slurm counts such a node off, and may ask "
                                 "to resume it, while it is still powering off",
                                 limit, setting ? "" : " (not set: Slurm's default)", advice->count, slowest_s),
                     "raise it to half again the slowest power-off",
                     fmt::format("SuspendTimeout={}", advice->seconds)));
}

// Slurm 23.02 added SuspendExcStates: node states power saving leaves
// alone. Without DRAIN in it, Slurm suspends an idle drained node like any
// other (slurm.conf(5) 23.02 to 24.11: "By default, any of these states, if
// idle for SuspendTime, would be powered off"), so a node an admin drained
// for repair goes dark under them, and a pair slumber drained for crossed
// addresses is asked to suspend again after every SuspendTime. DOWN is not
// advised: slumber's recovery of nodes that went silent is tested with
// Slurm suspending DOWN nodes, its default (docs/slurm.md). 22.05 has no
// such setting, and refuses a slurm.conf that has it.
void check_suspend_exc_states(const Setup& setup, Findings& out) {
    if (!setup.slurm_version || *setup.slurm_version < slurm::Version{23, 2, 0}) return;
    const slurm::ConfSetting* setting = setup.slurm_conf->find("SuspendExcStates");
    std::vector<std::string> states;
    for (std::string_view value = setting ? std::string_view(setting->value) : std::string_view(); !value.empty();) {
        const auto comma = value.find(',');
        std::string state;
        for (const char c : value.substr(0, comma)) {
            state += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        if (state == "drain") return;
        if (!state.empty()) states.push_back(util::safe_text(state));
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    states.emplace_back("drain");
    out.push_back(at(setup, Check::suspend_exc_states, setting,
                     fmt::format("Slurm {}.{:02} powers down idle drained nodes (SuspendExcStates {}): a node drained "
                                 "for repair goes dark under the admin, and a pair slumber drained for crossed BMC "
                                 "addresses is asked to suspend again after every SuspendTime",
                                 setup.slurm_version->major, setup.slurm_version->minor,
                                 setting ? fmt::format("is {}, without drain", shown(setting->value)) : "is not set"),
                     "let power saving leave drained nodes alone",
                     fmt::format("SuspendExcStates={}", fmt::join(states, ","))));
}

void check_resume_rate(const Setup& setup, Findings& out) {
    const int pace = setup.config.daemon.boots_per_minute;
    if (pace <= 0) return;
    const slurm::ConfSetting* setting = setup.slurm_conf->find("ResumeRate");
    const long rate = setting ? number(setting->value).value_or(300) : 300;
    if (rate > 0 && rate <= pace) return;
    out.push_back(at(
        setup, Check::resume_rate_pacing, setting,
        fmt::format("ResumeRate is {}, and [daemon] boots_per_minute is {}: Slurm may ask for more boots a minute than "
                    "slumber starts, and the last of a burst start late against ResumeTimeout",
                    rate == 0 ? std::string("0 (no limit)") : fmt::format("{} nodes a minute", rate), pace),
        "let Slurm ask no faster than slumber boots (ResumeTimeout then counts from the ask slumber can serve)",
        fmt::format("ResumeRate={}", pace)));
}

void check_return_to_service(const Setup& setup, Findings& out) {
    const slurm::ConfSetting* setting = setup.slurm_conf->find("ReturnToService");
    if (setting && setting->value != "0") return;
    out.push_back(at(setup, Check::return_to_service, setting,
                     "ReturnToService is 0: a node Slurm set DOWN for not responding stays DOWN when it answers "
                     "again, until an admin resumes it; slumber returns to service only the nodes of its own "
                     "recovery (late and unasked boots)",
                     "let Slurm return nodes that answer again (docs/slurm.md: slumber's recovery works with 1 and 2)",
                     "ReturnToService=1"));
}

void check_idle_on_node_suspend(const Setup& setup, Findings& out) {
    const slurm::ConfSetting* setting = setup.slurm_conf->find("SlurmctldParameters");
    if (setting == nullptr) return;
    const slurm::PowerSaveRules rules =
        slurm::rules_from_slurm_conf(fmt::format("SlurmctldParameters={}", setting->value));
    if (!rules.idle_on_node_suspend) return;
    std::string rest;
    for (std::string_view value = setting->value; !value.empty();) {
        const auto comma = value.find(',');
        const std::string_view part = value.substr(0, comma);
        // Slurm finds the option in any case (xstrcasestr): so is it removed.
        if (!slurm::same_key(part.substr(0, part.find('=')), "idle_on_node_suspend") && !part.empty()) {
            rest += rest.empty() ? "" : ",";
            rest += part;
        }
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    out.push_back(at(setup, Check::idle_on_node_suspend, setting,
                     "SlurmctldParameters has idle_on_node_suspend: Slurm lifts every drain when it suspends a node, "
                     "slumber's too (a node drained after failed resumes comes back into use)",
                     rest.empty() ? "remove the SlurmctldParameters line" : "remove idle_on_node_suspend from it",
                     rest.empty() ? std::string() : fmt::format("SlurmctldParameters={}", rest)));
}

}  // namespace

void check_timing(const Setup& setup, Findings& out) {
    check_suspend_time(setup, out);
    check_resume_timeout(setup, out);
    check_suspend_timeout(setup, out);
    check_suspend_exc_states(setup, out);
    check_resume_rate(setup, out);
    check_return_to_service(setup, out);
    check_idle_on_node_suspend(setup, out);
}

}  // namespace slumber::service::doctor
