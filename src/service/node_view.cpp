#include "service/node_view.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "engine/recovery.hpp"
#include "operate/blocks.hpp"
#include "operate/daemon_role.hpp"
#include "operate/reconciler.hpp"
#include "operate/running_config.hpp"
#include "operate/shared_journal.hpp"
#include "operate/targets.hpp"
#include "service/power_phases.hpp"
#include "slurm/controllers.hpp"
#include "slurm/scontrol.hpp"
#include "slurm/slurm_conf.hpp"

namespace slumber::service {
namespace {

PowerReading reading_of(const operate::PowerReading& read) {
    PowerReading reading;
    if (!read) {
        reading.kind = PowerReading::Kind::error;
        reading.words = read.error();
        return reading;
    }
    const power::PowerState state = *read;
    reading.kind = state == power::PowerState::on    ? PowerReading::Kind::on
                   : state == power::PowerState::off ? PowerReading::Kind::off
                                                     : PowerReading::Kind::transitional;
    reading.state = state;
    return reading;
}

// A block on every action, or on reading the power state, means the node's
// controller was not asked.
bool blocks_reading(const std::vector<store::Block>& blocks) {
    return std::any_of(blocks.begin(), blocks.end(), [](const store::Block& block) {
        return !block.action || *block.action == power::Action::status;
    });
}

}  // namespace

std::string PowerReading::text() const {
    switch (kind) {
        case Kind::on:
        case Kind::off:
        case Kind::transitional:
            return state ? std::string(power::to_string(*state)) : "?";
        case Kind::error:
            return "error: " + words;
        case Kind::blocked:
            return "blocked";
        case Kind::not_asked:
            return "-";
    }
    return "?";
}

std::expected<ClusterView, std::string> view_nodes(const config::Config& config, const std::vector<std::string>& nodes,
                                                   const operate::Now& now, const PublishedReads* published) {
    std::vector<std::string> names = nodes;
    if (names.empty()) {
        for (const auto& target : config.nodes) names.push_back(target.name);
    }
    auto reader = store::JournalReader::open(config.daemon.journal());
    if (!reader) return std::unexpected(reader.error());
    const store::Journal& journal = **reader;

    ClusterView view;
    if (reader->missing()) view.warnings.push_back(*reader->missing());
    // The daemon decides with the configuration it loaded, not with the file.
    if (auto warning = operate::running_config_warning(config)) view.warnings.push_back(*warning);
    // With several controllers (docs/ha.md) this journal's daemon may stand
    // by: the other controller's daemon acts, and its journal says what is
    // being done.
    if (auto role = operate::daemon_standing_by(journal)) {
        view.warnings.push_back(
            fmt::format("this controller's daemon stands by ({}): the daemon beside the slurmctld in control acts, "
                        "and its journal says what is being done (docs/ha.md)",
                        *role));
    }
    // A controller whose daemon is down (its host killed, a crash): with
    // several controllers another daemon may act, and this journal stops
    // where this one's daemon stopped (a tester read it as current).
    if (const auto holder = operate::daemon_holding(config.daemon.lock()); holder && !*holder) {
        const auto conf = slurm::read_slurm_conf(config.slurm.conf);
        if (const auto hosts = conf ? slurm::controller_hosts(*conf) : std::vector<std::string>{}; hosts.size() > 1) {
            view.warnings.push_back(
                fmt::format("no daemon runs beside this controller: with {} controllers ({}), the daemon beside the "
                            "slurmctld in control acts, and this journal says only what was done here until this "
                            "daemon stopped (docs/ha.md)",
                            hosts.size(), fmt::join(hosts, ", ")));
        }
    }
    std::map<std::string, slurm::NodeState> slurm_view;
    slurm::Scontrol scontrol(config.slurm.bin_dir, config.slurm.conf);
    scontrol.use_client_conf(config.daemon.slurm_client_conf(), /*writes=*/false);  // the daemon's, if up to date
    if (auto states = scontrol.nodes()) {
        view.slurm_answered = true;
        for (auto& state : *states) slurm_view.emplace(state.name, std::move(state));
    } else {
        view.warnings.push_back(states.error());
    }

    std::vector<std::string> asked;
    for (const std::string& node : names) {
        const config::PowerTarget* target = config.find(node);
        if (target != nullptr && target->credentials && config.unreadable_credentials.contains(*target->credentials)) {
            view.unread_credentials.insert(*target->credentials);
        } else if (target != nullptr && target->credentials &&
                   config.refused_credentials.contains(*target->credentials)) {
            view.refused_credentials.emplace(*target->credentials, config.refused_credentials.at(*target->credentials));
        } else {
            asked.push_back(node);
        }
    }
    const auto latest = journal.latest_requests().value_or(std::map<std::string, store::Request>{});
    std::map<std::string, operate::PowerReading> power;
    if (published != nullptr) {
        // What the daemon read, unless slumber has asked for power since.
        for (const std::string& node : asked) {
            const auto read = published->find(node);
            if (read == published->end()) continue;
            const auto request = latest.find(node);
            if (request != latest.end() && read->second.asked_at < request->second.time) continue;
            power.emplace(node, read->second.state);
        }
    } else {
        // Blocked targets, those whose password this user may not read and
        // those whose credentials file slumber refuses are not asked.
        // A failure that cannot heal still blocks its target, so that a polled
        // view never hammers a BMC: the one write a view makes, when it must.
        operate::Blocks gate(config, &journal, operate::writer_when_needed(config.daemon.journal()),
                             operate::Caller::automatic, now);
        power = operate::read_power(config, asked, gate, "slumber status");
    }
    view.blocks = journal.blocks(nodes).value_or(std::vector<store::Block>{});
    std::map<std::string, engine::BootStats> boots;
    for (auto& stats : operate::measured_boots(journal, names)) {
        if (!stats.node.empty()) boots[stats.node] = stats;
    }
    const auto phases = current_phases(journal, names);

    view.time = now();
    for (const std::string& name : names) {
        NodeView node;
        node.name = name;
        if (auto it = slurm_view.find(name); it != slurm_view.end()) node.slurm = it->second;
        for (const store::Block& block : view.blocks) {
            if (block.target == name) node.blocks.push_back(block);
        }
        if (blocks_reading(node.blocks)) {
            node.power.kind = PowerReading::Kind::blocked;
        } else if (auto it = power.find(name); it != power.end()) {
            node.power = reading_of(it->second);
        }
        if (node.slurm && (node.power.kind == PowerReading::Kind::on || node.power.kind == PowerReading::Kind::off)) {
            node.disagreement = engine::power_disagreement(*node.slurm, *node.power.state);
        }
        if (auto it = latest.find(name); it != latest.end()) node.last_request = it->second;
        if (auto it = boots.find(name); it != boots.end()) node.boots = it->second;
        if (auto it = phases.find(name); it != phases.end()) node.phase = it->second;
        view.nodes.push_back(std::move(node));
    }
    return view;
}

}  // namespace slumber::service
