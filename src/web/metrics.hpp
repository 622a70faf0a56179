// What /metrics serves: the node view, the journal's counts and the daemon's
// own health, rendered in Prometheus' text format (exposition.hpp) under
// names that follow Prometheus' naming rules (prometheus.io/docs/practices/
// naming): the slumber_ prefix, base units (seconds, watts, joules), _total
// counters with a failures counter beside each, and one series per state
// (a label) with the value 1 for the state a node is in and 0 for the others.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "service/node_view.hpp"
#include "web/exposition.hpp"

namespace slumber::web {

/// The journal's counts since the web server started (counters restart
/// with the daemon, which Prometheus' rate() takes as a reset).
struct JournalCounts {
    std::map<std::string, double> actions;                                  ///< action -> attempts
    std::map<std::pair<std::string, std::string>, double> action_failures;  ///< (action, error kind) -> failures
    std::map<std::string, double> steps;                                    ///< recovery step -> taken
    std::map<std::string, double> step_failures;                            ///< recovery step -> not taken
    std::vector<double> boot_seconds;  ///< power-on to registration of each boot registered since, seconds
};

/// One node's energy, for the series of the energy sampling:
/// what the meter or the model said last, and the counters since the
/// daemon started.
struct EnergyReading {
    std::string node;
    std::optional<double> watts;  ///< the last power reading, W; nothing when there is none
    double joules = 0;            ///< energy used, J (counter)
    /// Energy the stretches it drew less than the never-off node spared, J
    /// (a counter: it never goes down).
    double saved_joules = 0;
    /// Energy the stretches it drew more cost (boots, shutdowns), J (a
    /// counter). The net saving, `slumber report`'s, is saved - switching.
    double switching_joules = 0;
};

/// A node's static facts for slumber_node_info.
struct NodeInfo {
    std::string node;
    std::string bmc;     ///< the controller's address, never its credentials; "" when it has none
    std::string driver;  ///< "ipmi", "redfish" …
};

struct MetricsSnapshot {
    std::string version;      ///< slumber's version, for slumber_build_info
    bool slurm_up = false;    ///< scontrol show node answered
    bool journal_up = false;  ///< the journal could be opened and read
    std::vector<NodeInfo> info;
    service::ClusterView nodes;
    service::ClusterView devices;                     ///< the [[device]]s, as nodes without Slurm
    std::map<std::string, int> failed_resumes;        ///< store::FailureStreak per node
    std::map<std::string, double> last_boot_seconds;  ///< the latest registered boot per node
    int requests_open = 0;                            ///< nodes with a pending or running request
    int nodes_booting = 0;                            ///< open boots: powered on, not registered yet
    JournalCounts counts;
    std::vector<EnergyReading> energy;  ///< empty until the daemon's first sampling round
    /// Why the thermal guard holds power-ons (operate::ThermalGuard::hold()),
    /// or nullopt while it does not.
    std::optional<std::string> thermal_hold;
};

/// The upper bounds of slumber_boot_duration_seconds' buckets: a node's
/// boot takes from half a minute (a VM) to a quarter of an hour (a large
/// server's memory check); Slurm's ResumeTimeout defaults to 60 s.
const std::vector<double>& boot_buckets();

/// slumber's version ("0.1.0"), for slumber_build_info.
std::string_view slumber_version();

/// The whole /metrics page.
std::string render_metrics(const MetricsSnapshot& snapshot);

/// The energy series (slumber_node_power_watts, slumber_node_energy_joules_total,
/// slumber_node_energy_saved_joules_total,
/// slumber_node_energy_switching_cost_joules_total), each family written even when
/// `energy` is empty.
void render_energy(Exposition& page, std::span<const EnergyReading> energy);

/// The word for each Slurm power state a node can show, as one series per
/// state: powered_down (~), powering_up (#), powering_down (%),
/// power_down_requested (!), power_up_requested (POWER_UP, queued, no
/// suffix of its own), none.
std::vector<std::pair<std::string_view, bool>> slurm_power_states(const slurm::NodeState& state);

}  // namespace slumber::web
