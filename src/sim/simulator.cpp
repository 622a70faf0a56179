#include "sim/simulator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <queue>
#include <set>
#include <tuple>

namespace slumber::sim {
namespace {

// Events at the same second are handled in this order: nodes finishing a
// transition before the jobs that wait for them, jobs ending before new ones
// arrive, so that each second's scheduling pass sees everything it brought.
enum class EventKind { node_ready, job_starts, job_ends, submit, policy };

struct Event {
    Seconds time = 0;
    EventKind kind = EventKind::submit;
    std::int64_t sequence = 0;
    int subject = 0;  ///< a node or a job
    bool operator>(const Event& other) const {
        return std::tie(time, kind, sequence) > std::tie(other.time, other.kind, other.sequence);
    }
};

struct Node {
    NodePower state = NodePower::idle;
    Seconds since = 0;       ///< in this state
    Seconds idle_since = 0;  ///< for the idle policy
    int cycles = 0;
};

struct Running {
    int job = 0;
    Seconds start = 0;
    Seconds planned_end = 0;  ///< start + requested: what the scheduler plans with
    std::vector<int> nodes;
};

class Simulation {
  public:
    Simulation(const Trace& trace, const Settings& settings, int nodes)
        : m_trace(trace), m_settings(settings), m_nodes(static_cast<std::size_t>(nodes)) {
        m_outcome.nodes = nodes;
        m_outcome.jobs.resize(trace.jobs.size());
        m_outcome.power_cycles.assign(m_nodes.size(), 0);
        m_needed.reserve(trace.jobs.size());
        for (const Job& job : trace.jobs) m_needed.push_back(nodes_for(job, settings));
    }

    Outcome run() {
        const Seconds begin = m_trace.jobs.empty() ? 0 : m_trace.jobs.front().submit;
        m_outcome.begin = begin;
        for (Node& node : m_nodes) node = {NodePower::idle, begin, begin, 0};
        for (std::size_t i = 0; i < m_trace.jobs.size(); ++i) {
            push(m_trace.jobs[i].submit, EventKind::submit, static_cast<int>(i));
        }
        m_now = begin;
        decide_idle();
        Seconds last_job_end = begin;
        while (!m_events.empty()) {
            const Seconds now = m_events.top().time;
            if (m_settings.horizon > 0 && now > m_settings.horizon && m_pending.empty() && m_running.empty()) break;
            m_now = now;
            while (!m_events.empty() && m_events.top().time == now) {
                const Event event = m_events.top();
                m_events.pop();
                ++m_outcome.events;
                handle(event);
                if (event.kind == EventKind::job_ends) last_job_end = now;
            }
            schedule();
            decide_idle();
            // Nothing left but idle-policy checks past the last job: stop
            // unless the horizon asks to account for more.
            if (m_pending.empty() && m_running.empty() && m_submitted == m_trace.jobs.size() &&
                (m_settings.horizon == 0 || only_policy_events_after(m_settings.horizon))) {
                break;
            }
        }
        m_outcome.end = std::max(m_settings.horizon, last_job_end);
        for (std::size_t i = 0; i < m_nodes.size(); ++i) {
            account(static_cast<int>(i), m_outcome.end);
            if (m_nodes[i].state == NodePower::idle)
                m_outcome.idle_gaps.push_back(m_outcome.end - m_nodes[i].idle_since);
        }
        return std::move(m_outcome);
    }

  private:
    void push(Seconds time, EventKind kind, int subject) { m_events.push({time, kind, m_sequence++, subject}); }

    bool only_policy_events_after(Seconds horizon) const { return m_events.empty() || m_events.top().time > horizon; }

    // Energy and time of the node's current state up to `until`.
    void account(int index, Seconds until) {
        Node& node = m_nodes[static_cast<std::size_t>(index)];
        if (until <= node.since) return;
        const auto state = static_cast<std::size_t>(node.state);
        const auto seconds = static_cast<double>(until - node.since);
        m_outcome.node_seconds[state] += seconds;
        m_outcome.joules[state] += seconds * m_settings.model.watts(node.state);
        node.since = until;
    }

    void set_state(int index, NodePower state) {
        account(index, m_now);
        Node& node = m_nodes[static_cast<std::size_t>(index)];
        if (node.state == NodePower::idle && state != NodePower::idle) {
            m_outcome.idle_gaps.push_back(m_now - node.idle_since);
        }
        node.state = state;
        if (state == NodePower::idle) node.idle_since = m_now;
    }

    void handle(const Event& event) {
        switch (event.kind) {
            case EventKind::submit:
                m_pending.push_back(event.subject);
                ++m_submitted;
                break;
            case EventKind::node_ready: {
                Node& node = m_nodes[static_cast<std::size_t>(event.subject)];
                if (node.state == NodePower::shutting_down) set_state(event.subject, NodePower::off);
                // A booted node waits, allocated, for its job's start.
                if (node.state == NodePower::booting) set_state(event.subject, NodePower::allocated);
                break;
            }
            case EventKind::job_starts:
                for (const int node : running(event.subject).nodes) set_state(node, NodePower::busy);
                break;
            case EventKind::job_ends: {
                const auto it = std::find_if(m_running.begin(), m_running.end(),
                                             [&](const Running& r) { return r.job == event.subject; });
                for (const int node : it->nodes) set_state(node, NodePower::idle);
                m_running.erase(it);
                break;
            }
            case EventKind::policy:
                if (m_policy_check == event.time) m_policy_check = -1;
                break;
        }
    }

    const Running& running(int job) const {
        return *std::find_if(m_running.begin(), m_running.end(), [&](const Running& r) { return r.job == job; });
    }

    [[nodiscard]] int free_nodes(int* off = nullptr) const {
        int count = 0;
        int asleep = 0;
        for (const Node& node : m_nodes) {
            count += node.state == NodePower::idle || node.state == NodePower::off ? 1 : 0;
            asleep += node.state == NodePower::off ? 1 : 0;
        }
        if (off != nullptr) *off = asleep;
        return count;
    }

    // Starts the job on `needed` free nodes, awake ones first; the nodes
    // that are off boot, and the job runs once they are up.
    void start(int job) {
        const int needed = m_needed[static_cast<std::size_t>(job)];
        Running run{job, m_now, 0, {}};
        bool boots = false;
        for (const NodePower wanted : {NodePower::idle, NodePower::off}) {
            for (std::size_t i = 0; i < m_nodes.size() && static_cast<int>(run.nodes.size()) < needed; ++i) {
                if (m_nodes[i].state != wanted) continue;
                const int index = static_cast<int>(i);
                run.nodes.push_back(index);
                if (wanted == NodePower::off) {
                    boots = true;
                    ++m_outcome.power_cycles[i];
                    set_state(index, NodePower::booting);
                    push(m_now + m_settings.model.boot_seconds, EventKind::node_ready, index);
                } else {
                    set_state(index, NodePower::allocated);
                }
            }
        }
        const Job& traced = m_trace.jobs[static_cast<std::size_t>(job)];
        run.start = m_now + (boots ? m_settings.model.boot_seconds : 0);
        run.planned_end = run.start + traced.requested;
        m_outcome.jobs[static_cast<std::size_t>(job)] = {traced.submit, run.start, traced.run, needed};
        push(run.start, EventKind::job_starts, job);
        push(run.start + traced.run, EventKind::job_ends, job);
        m_running.push_back(std::move(run));
    }

    // FCFS with EASY backfill: jobs start in order while they fit; the first
    // that does not gets a reservation at the earliest time enough nodes
    // are planned to be free (the shadow time), and later jobs may start now
    // only if they are planned to end by then or use nodes the reservation
    // leaves over.
    void schedule() {
        int off = 0;
        int free = free_nodes(&off);
        std::size_t next = 0;
        while (next < m_pending.size() && m_needed[static_cast<std::size_t>(m_pending[next])] <= free) {
            const int job = m_pending[next++];
            free -= m_needed[static_cast<std::size_t>(job)];
            start(job);
        }
        m_pending.erase(m_pending.begin(), m_pending.begin() + static_cast<std::ptrdiff_t>(next));
        if (m_pending.empty() || free == 0) return;

        const int head_needs = m_needed[static_cast<std::size_t>(m_pending.front())];
        std::vector<std::pair<Seconds, int>> ends;
        for (const Running& run : m_running) ends.emplace_back(run.planned_end, static_cast<int>(run.nodes.size()));
        std::sort(ends.begin(), ends.end());
        Seconds shadow = 0;
        int extra = 0;
        int available = free;
        for (const auto& [end, nodes] : ends) {
            available += nodes;
            if (available >= head_needs) {
                shadow = end;
                extra = available - head_needs;
                break;
            }
        }
        std::vector<int> started;
        for (std::size_t i = 1; i < m_pending.size() && free > 0; ++i) {
            const int job = m_pending[i];
            const int needs = m_needed[static_cast<std::size_t>(job)];
            if (needs > free) continue;
            const int awake = free_nodes(&off) - off;
            const Seconds boot = needs > awake ? m_settings.model.boot_seconds : 0;
            const Seconds planned_end = m_now + boot + m_trace.jobs[static_cast<std::size_t>(job)].requested;
            if (planned_end > shadow && needs > extra) continue;
            if (planned_end > shadow) extra -= needs;
            free -= needs;
            start(job);
            started.push_back(job);
        }
        std::erase_if(m_pending,
                      [&](int job) { return std::find(started.begin(), started.end(), job) != started.end(); });
    }

    // Asks the engine which idle nodes to switch off, and when to ask again.
    void decide_idle() {
        std::vector<engine::IdleNode> idle;
        for (std::size_t i = 0; i < m_nodes.size(); ++i) {
            if (m_nodes[i].state == NodePower::idle) idle.push_back({static_cast<int>(i), m_nodes[i].idle_since});
        }
        const engine::IdleDecision decision = engine::decide_idle(m_settings.policy, idle, m_now);
        for (const int node : decision.power_off) {
            set_state(node, NodePower::shutting_down);
            push(m_now + m_settings.model.shutdown_seconds, EventKind::node_ready, node);
        }
        if (decision.next_check >= 0 && (m_policy_check < 0 || decision.next_check < m_policy_check)) {
            m_policy_check = decision.next_check;
            push(decision.next_check, EventKind::policy, 0);
        }
    }

    const Trace& m_trace;
    const Settings& m_settings;
    std::vector<Node> m_nodes;
    std::vector<int> m_needed;  ///< nodes per job
    std::priority_queue<Event, std::vector<Event>, std::greater<>> m_events;
    std::int64_t m_sequence = 0;
    Seconds m_now = 0;
    std::vector<int> m_pending;  ///< in submit order
    std::vector<Running> m_running;
    std::size_t m_submitted = 0;
    Seconds m_policy_check = -1;
    Outcome m_outcome;
};

}  // namespace

int nodes_for(const Job& job, const Settings& settings) {
    if (job.nodes > 0) return job.nodes;
    return (job.processors + settings.cores_per_node - 1) / settings.cores_per_node;
}

double Outcome::total_joules() const { return std::accumulate(joules.begin(), joules.end(), 0.0); }

std::expected<Outcome, std::string> simulate(const Trace& trace, const Settings& settings) {
    if (settings.cores_per_node < 1) return std::unexpected("cores per node must be at least 1");
    int nodes = settings.nodes;
    if (nodes == 0) {
        // SWF's MaxNodes counts processors on some logs (HPC2N: 240 for 120
        // dual-processor nodes); with cores per node given, MaxProcs decides.
        nodes = trace.max_nodes > 0 && settings.cores_per_node == 1
                    ? trace.max_nodes
                    : (trace.max_processors + settings.cores_per_node - 1) / settings.cores_per_node;
    }
    if (settings.nodes == 0 && !trace.size_known) {
        return std::unexpected(
            fmt::format("{}: the log does not say how many nodes the cluster has: give --nodes", trace.source));
    }
    if (nodes < 1) return std::unexpected(fmt::format("{}: how many nodes? (the trace does not say)", trace.source));
    for (const Job& job : trace.jobs) {
        const int needs = nodes_for(job, settings);
        if (needs > nodes) {
            return std::unexpected(fmt::format("{}:{}: job {} needs {} nodes; the cluster has {}", trace.source,
                                               job.line, job.id, needs, nodes));
        }
    }
    return Simulation(trace, settings, nodes).run();
}

}  // namespace slumber::sim
