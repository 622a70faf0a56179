#include "web/metrics.hpp"

#include <array>

namespace slumber::web {
namespace {

constexpr std::array kBmcStates{"on", "off", "powering_on", "powering_off", "paused", "error", "blocked", "unknown"};

// The state word of a controller's reading: its power state, or why there
// is none ("unknown": not asked, its credentials unreadable or refused).
std::string_view bmc_state(const service::PowerReading& reading) {
    switch (reading.kind) {
        case service::PowerReading::Kind::on:
        case service::PowerReading::Kind::off:
        case service::PowerReading::Kind::transitional:
            return reading.state ? power::to_string(*reading.state) : "unknown";
        case service::PowerReading::Kind::error:
            return "error";
        case service::PowerReading::Kind::blocked:
            return "blocked";
        case service::PowerReading::Kind::not_asked:
            return "unknown";
    }
    return "unknown";
}

void render_power_states(Exposition& page, std::string_view name, std::string_view label,
                         const service::ClusterView& view, std::string_view help) {
    page.family(name, MetricType::gauge, help);
    for (const service::NodeView& node : view.nodes) {
        const std::string_view now = bmc_state(node.power);
        for (const std::string_view state : kBmcStates) {
            page.sample({{label, node.name}, {"state", state}}, state == now ? 1 : 0);
        }
    }
}

void render_health(Exposition& page, const MetricsSnapshot& snapshot) {
    page.family("slumber_build_info", MetricType::gauge, "slumber's version; always 1");
    page.sample({{"version", snapshot.version}}, 1);
    page.family("slumber_slurm_up", MetricType::gauge,
                "Whether Slurm answered slumber's last look (scontrol show node): 1 yes, 0 no");
    page.sample({}, snapshot.slurm_up ? 1 : 0);
    page.family("slumber_journal_up", MetricType::gauge,
                "Whether slumber's journal could be opened and read for this page: 1 yes, 0 no");
    page.sample({}, snapshot.journal_up ? 1 : 0);
    page.family("slumber_thermal_hold", MetricType::gauge,
                "Whether the thermal guard holds power-ons because a temperature reading reached [thermal] limit: "
                "1 yes, 0 no");
    page.sample({}, snapshot.thermal_hold ? 1 : 0);
}

void render_nodes(Exposition& page, const MetricsSnapshot& snapshot) {
    page.family("slumber_node_info", MetricType::gauge,
                "A node slumber manages, its power controller's address (bmc) and driver; always 1");
    for (const NodeInfo& info : snapshot.info) {
        page.sample({{"node", info.node}, {"bmc", info.bmc}, {"driver", info.driver}}, 1);
    }
    render_power_states(page, "slumber_node_bmc_power_state", "node", snapshot.nodes,
                        "The node's power as its controller last said it, one series per state: 1 for the state it "
                        "is in, read every [energy] interval and while Slurm powers it up or down (error: it could not "
                        "be read; blocked: not asked after a failure that cannot heal; unknown: not read since "
                        "slumber last switched it)");
    page.family("slumber_node_slurm_power_state", MetricType::gauge,
                "The node's power-saving state in Slurm (sinfo's ~ # % ! suffixes), one series per state: 1 for "
                "the states it is in, none for a node Slurm did not list");
    for (const service::NodeView& node : snapshot.nodes.nodes) {
        if (!node.slurm) continue;
        for (const auto& [state, in] : slurm_power_states(*node.slurm)) {
            page.sample({{"node", node.name}, {"state", state}}, in ? 1 : 0);
        }
    }
    page.family("slumber_node_failed_resumes", MetricType::gauge,
                "Consecutive failed resumes of the node since it last registered with Slurm or was returned to "
                "service");
    for (const service::NodeView& node : snapshot.nodes.nodes) {
        const auto it = snapshot.failed_resumes.find(node.name);
        page.sample({{"node", node.name}}, it == snapshot.failed_resumes.end() ? 0 : it->second);
    }
    page.family("slumber_node_last_boot_duration_seconds", MetricType::gauge,
                "Power-on to slurmd's registration of the node's latest boot that registered, in seconds");
    for (const auto& [node, seconds] : snapshot.last_boot_seconds) page.sample({{"node", node}}, seconds);
    render_power_states(page, "slumber_device_power_state", "device", snapshot.devices,
                        "A device's power ([[device]]: a switch's plug …) as it last said it, one series per state");
}

void render_counts(Exposition& page, const MetricsSnapshot& snapshot) {
    const JournalCounts& counts = snapshot.counts;
    page.family("slumber_requests_pending", MetricType::gauge,
                "Nodes with a power request journaled and not finished (pending or running)");
    page.sample({}, snapshot.requests_open);
    page.family("slumber_nodes_booting", MetricType::gauge,
                "Nodes powered on by slumber whose slurmd has not registered yet");
    page.sample({}, snapshot.nodes_booting);
    page.family("slumber_power_actions_total", MetricType::counter,
                "Power actions slumber carried out, refused or could not make, by action, since the daemon started");
    for (const auto& [action, count] : counts.actions) page.sample({{"action", action}}, count);
    page.family("slumber_power_action_failures_total", MetricType::counter,
                "Power actions that failed, by action and error kind (refused: refused before any controller was "
                "called), since the daemon started");
    for (const auto& [key, count] : counts.action_failures) {
        page.sample({{"action", key.first}, {"kind", key.second}}, count);
    }
    page.family("slumber_recovery_steps_total", MetricType::counter,
                "Recovery steps slumber took, by step, since the daemon started");
    for (const auto& [step, count] : counts.steps) page.sample({{"step", step}}, count);
    page.family("slumber_recovery_step_failures_total", MetricType::counter,
                "Recovery steps that could not be taken, by step, since the daemon started");
    for (const auto& [step, count] : counts.step_failures) page.sample({{"step", step}}, count);
    page.family("slumber_boot_duration_seconds", MetricType::histogram,
                "Power-on to slurmd's registration of the boots registered since the daemon started, in seconds");
    page.histogram({}, boot_buckets(), counts.boot_seconds);
}

}  // namespace

std::string_view slumber_version() { return SLUMBER_VERSION; }

const std::vector<double>& boot_buckets() {
    static const std::vector<double> buckets{15, 30, 60, 90, 120, 180, 300, 600, 900, 1800};
    return buckets;
}

std::vector<std::pair<std::string_view, bool>> slurm_power_states(const slurm::NodeState& state) {
    const bool down = state.has("POWERED_DOWN");
    const bool up = state.has("POWERING_UP");
    const bool going = state.has("POWERING_DOWN");
    const bool requested = state.has("POWER_DOWN");
    // POWER_UP: a power-up asked and queued; Slurm runs ResumeProgram at its
    // power-saving thread's next pass, while the node still shows POWERED_DOWN.
    const bool up_requested = state.has("POWER_UP");
    return {{"powered_down", down},
            {"powering_up", up},
            {"powering_down", going},
            {"power_down_requested", requested},
            {"power_up_requested", up_requested},
            {"none", !down && !up && !going && !requested && !up_requested}};
}

void render_energy(Exposition& page, std::span<const EnergyReading> energy) {
    page.family("slumber_node_power_watts", MetricType::gauge, "The node's last power reading, in watts");
    for (const EnergyReading& reading : energy) {
        if (reading.watts) page.sample({{"node", reading.node}}, *reading.watts);
    }
    page.family("slumber_node_energy_joules_total", MetricType::counter,
                "Energy the node used since the daemon started, in joules, measured or modelled");
    for (const EnergyReading& reading : energy) page.sample({{"node", reading.node}}, reading.joules);
    page.family("slumber_node_energy_saved_joules_total", MetricType::counter,
                "Energy saved since the daemon started against the node never being off, in joules: its never-off "
                "draw less what it drew, over the time it drew less (off, powering on); boots and shutdowns are "
                "counted apart, in slumber_node_energy_switching_cost_joules_total");
    for (const EnergyReading& reading : energy) page.sample({{"node", reading.node}}, reading.saved_joules);
    page.family("slumber_node_energy_switching_cost_joules_total", MetricType::counter,
                "Energy the node's boots and shutdowns drew above its never-off draw since the daemon started, in "
                "joules: the net saving, as slumber report gives it, is the saved counter less this one");
    for (const EnergyReading& reading : energy) page.sample({{"node", reading.node}}, reading.switching_joules);
}

std::string render_metrics(const MetricsSnapshot& snapshot) {
    Exposition page;
    render_health(page, snapshot);
    render_nodes(page, snapshot);
    render_counts(page, snapshot);
    render_energy(page, snapshot.energy);
    return page.text();
}

}  // namespace slumber::web
