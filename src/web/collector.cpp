#include "web/collector.hpp"

#include <algorithm>

#include "service/node_view.hpp"
#include "util/shown_url.hpp"

namespace slumber::web {
namespace {

// Events are written with their writer's clock and committed in id order;
// a hook's event may commit a little after a later-stamped one. Reading
// from this far before the newest seen, and counting each id once, misses none.
constexpr store::TimeMs kLateCommitMs = 60'000;

bool counts_as_action(store::EventKind kind) {
    using store::EventKind;
    return kind == EventKind::power_on || kind == EventKind::power_off || kind == EventKind::shutdown ||
           kind == EventKind::power_cycle || kind == EventKind::failed || kind == EventKind::refused;
}

}  // namespace

std::string error_kind_in(std::string_view detail) {
    for (int i = 0; i <= static_cast<int>(power::ErrorKind::internal); ++i) {
        const power::ErrorKindInfo& kind = power::info(static_cast<power::ErrorKind>(i));
        if (detail.find(kind.summary) != std::string_view::npos) return std::string(kind.name);
    }
    return "unknown";
}

void JournalCounter::count(const store::Event& event) {
    if (event.action && counts_as_action(event.kind)) {
        const std::string action(power::to_string(*event.action));
        m_counts.actions[action] += 1;
        if (event.outcome && *event.outcome != store::OutcomeKind::ok) {
            const std::string kind =
                *event.outcome == store::OutcomeKind::refused || event.kind == store::EventKind::refused
                    ? "refused"
                    : error_kind_in(event.detail);
            m_counts.action_failures[{action, kind}] += 1;
        }
    }
    if (event.step) {
        const std::string step(store::to_string(*event.step));
        if (event.outcome == store::OutcomeKind::ok) {
            m_counts.steps[step] += 1;
        } else {
            m_counts.step_failures[step] += 1;
        }
    }
}

store::DbResult<void> JournalCounter::update(const store::Journal& journal) {
    const store::TimeMs from = std::max(m_start, m_cursor - kLateCommitMs);
    auto events = journal.events({}, from);
    if (!events) return std::unexpected(events.error());
    auto boots = journal.boots({});
    if (!boots) return std::unexpected(boots.error());
    for (const store::Event& event : *events) {
        if (event.id <= m_last_id || event.time < m_start) continue;
        count(event);
        m_last_id = event.id;
        m_cursor = std::max(m_cursor, event.time);
    }
    m_counts.boot_seconds.clear();
    m_last_boots.clear();
    for (const store::Boot& boot : *boots) {  // oldest first: the latest stays
        if (!boot.registered) continue;
        const double seconds = static_cast<double>(*boot.registered - boot.powered_on) / 1000.0;
        m_last_boots[boot.node] = seconds;
        if (*boot.registered >= m_start) m_counts.boot_seconds.push_back(seconds);
    }
    return {};
}

Collector::Collector(config::SharedConfig config, std::string version, EnergySource energy,
                     std::chrono::milliseconds max_age, const operate::Now& now)
    : m_config(std::move(config)),
      m_version(std::move(version)),
      m_energy(std::move(energy)),
      m_max_age(max_age),
      m_now(now),
      m_counter(now()) {}

void Collector::reconfigure(config::SharedConfig config) {
    const std::lock_guard lock(m_config_mutex);
    m_config = std::move(config);
}

void Collector::publish_bmc_reads(std::shared_ptr<const service::PublishedReads> reads) {
    const std::lock_guard lock(m_config_mutex);
    m_reads = std::move(reads);
}

void Collector::publish_thermal_hold(std::optional<std::string> hold) {
    const std::lock_guard lock(m_config_mutex);
    m_thermal_hold = std::move(hold);
}

std::optional<std::string> Collector::thermal_hold() const {
    const std::lock_guard lock(m_config_mutex);
    return m_thermal_hold;
}

config::SharedConfig Collector::config() const {
    const std::lock_guard lock(m_config_mutex);
    return m_config;
}

std::shared_ptr<const MetricsSnapshot> Collector::snapshot() {
    const std::lock_guard lock(m_take_mutex);
    const auto now = std::chrono::steady_clock::now();
    if (m_latest && now - m_taken < m_max_age) return m_latest;
    const config::SharedConfig current = config();
    m_latest = std::make_shared<const MetricsSnapshot>(take(*current));
    m_taken = std::chrono::steady_clock::now();
    return m_latest;
}

MetricsSnapshot Collector::take(const config::Config& config) {
    MetricsSnapshot snapshot;
    snapshot.version = m_version;
    for (const config::PowerTarget& target : config.nodes) {
        snapshot.info.push_back({target.name, util::shown_url(target.address), target.driver});
    }
    // Nodes and devices in one view: Slurm is asked once.
    std::vector<std::string> names;
    for (const config::PowerTarget& target : config.nodes) names.push_back(target.name);
    for (const config::PowerTarget& target : config.devices) names.push_back(target.name);
    std::shared_ptr<const service::PublishedReads> reads;
    {
        const std::lock_guard lock(m_config_mutex);
        reads = m_reads;
        snapshot.thermal_hold = m_thermal_hold;
    }
    const service::PublishedReads none;
    if (auto view = service::view_nodes(config, names, m_now, reads ? reads.get() : &none)) {
        snapshot.slurm_up = view->slurm_answered;
        snapshot.nodes = *view;
        snapshot.devices = *view;
        snapshot.nodes.nodes.resize(config.nodes.size());
        snapshot.devices.nodes.erase(snapshot.devices.nodes.begin(),
                                     snapshot.devices.nodes.begin() + static_cast<std::ptrdiff_t>(config.nodes.size()));
    }
    if (auto reader = store::JournalReader::open(config.daemon.journal())) {
        const store::Journal& journal = **reader;
        const auto streaks = journal.failure_streaks();
        const auto open = journal.open_requests();
        const auto booting = journal.open_boots({});
        const auto counted = m_counter.update(journal);
        snapshot.journal_up = streaks && open && booting && counted;
        if (streaks) {
            for (const auto& [node, streak] : *streaks) snapshot.failed_resumes[node] = streak.failed_resumes;
        }
        if (open) snapshot.requests_open = static_cast<int>(open->size());
        if (booting) snapshot.nodes_booting = static_cast<int>(booting->size());
    }
    snapshot.counts = m_counter.counts();
    snapshot.last_boot_seconds = m_counter.last_boots();
    if (m_energy) snapshot.energy = m_energy();
    return snapshot;
}

}  // namespace slumber::web
