#include "sim/simulator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <deque>
#include <memory>
#include <numeric>
#include <queue>
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
    Seconds ready_at = 0;    ///< while booting: when it will be up
    int busy_cores = 0;      ///< held by jobs that run
    int reserved_cores = 0;  ///< held by jobs waiting for other nodes to boot
};

struct Share {
    int node = 0;
    int cores = 0;
};

struct Running {
    int job = 0;
    Seconds allocated = 0;    ///< when it got its nodes
    Seconds planned_end = 0;  ///< start + requested: what the scheduler plans with
    int waiting = 0;          ///< of its nodes, those not up yet
    std::vector<Share> shares;
};

// Free processors by how soon a job could use them.
struct Capacity {
    int awake = 0;    ///< on nodes that are up
    int booting = 0;  ///< on nodes still booting for other jobs
    int asleep = 0;   ///< on nodes that are off
    [[nodiscard]] int total() const { return awake + booting + asleep; }
};

// The processors a job holds: its own, or its whole nodes'.
int cores_for(const Job& job, const Settings& settings) {
    if (settings.allocation == Allocation::processors) return std::max(1, job.processors);
    return nodes_for(job, settings) * settings.cores_per_node;
}

class Simulation {
  public:
    Simulation(const Trace& trace, Settings settings, int nodes)
        : m_trace(trace), m_settings(std::move(settings)), m_nodes(static_cast<std::size_t>(nodes)) {
        m_outcome.nodes = nodes;
        m_outcome.jobs.resize(trace.jobs.size());
        m_outcome.power_cycles.assign(m_nodes.size(), 0);
        m_demand.reserve(trace.jobs.size());
        for (const Job& job : trace.jobs) m_demand.push_back(cores_for(job, m_settings));
        m_begin = m_trace.jobs.empty() ? 0 : m_trace.jobs.front().submit;
        m_outcome.begin = m_begin;
        m_last_job_end = m_begin;
        m_next_sample = m_begin;
        for (Node& node : m_nodes) node = {NodePower::idle, m_begin, m_begin, m_begin, 0, 0};
        m_count[static_cast<std::size_t>(NodePower::idle)] = nodes;
        m_watts = nodes * m_settings.model.watts(NodePower::idle);
        m_energy_time = m_begin;
        for (std::size_t i = 0; i < m_trace.jobs.size(); ++i) {
            push(m_trace.jobs[i].submit, EventKind::submit, static_cast<int>(i));
        }
    }

    // Runs until every job has ended; returns when the last one did.
    Seconds run_jobs() {
        m_now = m_begin;
        decide_idle();
        while (!m_events.empty() && !(m_pending.empty() && m_running.empty() && m_submitted == m_trace.jobs.size())) {
            step();
        }
        return m_last_job_end;
    }

    // Goes on until `end` (no earlier than the last job's end), the policy
    // still at work, and accounts everything up to it.
    Outcome finish(Seconds end) {
        while (!m_events.empty() && m_events.top().time <= end) step();
        m_outcome.end = end;
        sample_before(end + 1);
        for (std::size_t i = 0; i < m_nodes.size(); ++i) {
            account(static_cast<int>(i), end);
            if (m_nodes[i].state == NodePower::idle) m_outcome.idle_gaps.push_back(end - m_nodes[i].idle_since);
        }
        return std::move(m_outcome);
    }

  private:
    // Handles every event of the next second, then schedules and asks the
    // idle policy.
    void step() {
        const Seconds now = m_events.top().time;
        sample_before(now);
        m_now = now;
        while (!m_events.empty() && m_events.top().time == now) {
            const Event event = m_events.top();
            m_events.pop();
            ++m_outcome.events;
            handle(event);
        }
        start_boots();
        schedule();
        decide_idle();
    }

    void push(Seconds time, EventKind kind, int subject) {
        assert(time >= m_now && "an event in the past would turn the clock back");
        m_events.push({time, kind, m_sequence++, subject});
    }

    Node& node(int index) { return m_nodes[static_cast<std::size_t>(index)]; }

    // Energy and time of the node's current state up to `until`.
    void account(int index, Seconds until) {
        Node& n = node(index);
        if (until <= n.since) return;
        const auto state = static_cast<std::size_t>(n.state);
        const auto seconds = static_cast<double>(until - n.since);
        m_outcome.node_seconds[state] += seconds;
        m_outcome.joules[state] += seconds * m_settings.model.watts(n.state);
        n.since = until;
    }

    void set_state(int index, NodePower state) {
        account(index, m_now);
        Node& n = node(index);
        if (n.state == state) return;
        if (n.state == NodePower::idle) m_outcome.idle_gaps.push_back(m_now - n.idle_since);
        // The whole cluster's draw, for the time series.
        m_energy += m_watts * static_cast<double>(m_now - m_energy_time);
        m_energy_time = m_now;
        m_watts += m_settings.model.watts(state) - m_settings.model.watts(n.state);
        --m_count[static_cast<std::size_t>(n.state)];
        ++m_count[static_cast<std::size_t>(state)];
        n.state = state;
        if (state == NodePower::idle) n.idle_since = m_now;
    }

    // An up node's state follows the cores its jobs hold.
    void settle(int index) {
        const Node& n = node(index);
        if (n.state == NodePower::booting || n.state == NodePower::shutting_down || n.state == NodePower::off) return;
        set_state(index, n.busy_cores > 0       ? NodePower::busy
                         : n.reserved_cores > 0 ? NodePower::allocated
                                                : NodePower::idle);
    }

    // The samples due before `time`: nothing changed since the last event.
    void sample_before(Seconds time) {
        if (m_settings.sample_every <= 0) return;
        for (; m_next_sample < time; m_next_sample += m_settings.sample_every) {
            Sample sample{m_next_sample, m_count, 0, m_watts};
            sample.joules = m_energy + m_watts * static_cast<double>(m_next_sample - m_energy_time);
            m_outcome.series.push_back(sample);
        }
    }

    void handle(const Event& event) {
        switch (event.kind) {
            case EventKind::submit:
                m_pending.push_back(event.subject);
                ++m_submitted;
                break;
            case EventKind::node_ready:
                if (node(event.subject).state == NodePower::shutting_down) {
                    set_state(event.subject, NodePower::off);
                } else {
                    // Booted: it waits, allocated, for its jobs' other nodes.
                    --m_booting;
                    set_state(event.subject, NodePower::allocated);
                    settle(event.subject);
                    node_up(event.subject);
                }
                break;
            case EventKind::job_starts: {
                Running& run = running(event.subject);
                for (const Share& share : run.shares) {
                    node(share.node).reserved_cores -= share.cores;
                    node(share.node).busy_cores += share.cores;
                    settle(share.node);
                }
                const Job& traced = m_trace.jobs[static_cast<std::size_t>(event.subject)];
                run.planned_end = m_now + traced.requested;
                JobOutcome& outcome = m_outcome.jobs[static_cast<std::size_t>(event.subject)];
                outcome.start = m_now;
                outcome.boot_wait = m_now - run.allocated;
                push(m_now + traced.run, EventKind::job_ends, event.subject);
                break;
            }
            case EventKind::job_ends: {
                const auto it = std::find_if(m_running.begin(), m_running.end(),
                                             [&](const Running& r) { return r.job == event.subject; });
                for (const Share& share : it->shares) {
                    node(share.node).busy_cores -= share.cores;
                    settle(share.node);
                }
                m_running.erase(it);
                m_last_job_end = m_now;
                break;
            }
            case EventKind::policy:
                if (m_policy_check == event.time) m_policy_check = -1;
                break;
        }
    }

    Running& running(int job) {
        return *std::find_if(m_running.begin(), m_running.end(), [&](Running& r) { return r.job == job; });
    }

    // A node came up: the jobs that were waiting only for it start now.
    void node_up(int index) {
        for (Running& run : m_running) {
            if (run.waiting == 0) continue;
            const bool mine = std::any_of(run.shares.begin(), run.shares.end(),
                                          [&](const Share& share) { return share.node == index; });
            if (mine && --run.waiting == 0) push(m_now, EventKind::job_starts, run.job);
        }
    }

    // Powers on the nodes waiting to boot, as many as the daemon's pacing
    // (engine/pacing, the same code) allows now; asks again when the
    // minute's count will allow more.
    void start_boots() {
        while (!m_recent_boots.empty() && m_recent_boots.front() <= m_now - 60) m_recent_boots.pop_front();
        int allowed = engine::boots_allowed(m_settings.pacing, m_booting, static_cast<int>(m_recent_boots.size()));
        for (; allowed > 0 && !m_boot_queue.empty(); --allowed) {
            const int index = m_boot_queue.front();
            m_boot_queue.pop_front();
            ++m_outcome.power_cycles[static_cast<std::size_t>(index)];
            ++m_booting;
            m_recent_boots.push_back(m_now);
            set_state(index, NodePower::booting);
            node(index).ready_at = m_now + m_settings.model.boot_seconds;
            push(node(index).ready_at, EventKind::node_ready, index);
        }
        // Held back by the minute's count: ask again when its oldest boot
        // leaves the minute. (Held back by max_booting, a boot's end asks.)
        if (m_boot_queue.empty() || m_recent_boots.empty() || m_settings.pacing.boots_per_minute <= 0) return;
        const Seconds retry = m_recent_boots.front() + 60;
        if (retry != m_boot_retry) {
            m_boot_retry = retry;
            push(retry, EventKind::policy, 0);
        }
    }

    [[nodiscard]] int free_cores(const Node& n) const {
        if (n.state == NodePower::shutting_down) return 0;
        return m_settings.cores_per_node - n.busy_cores - n.reserved_cores;
    }

    [[nodiscard]] Capacity capacity() const {
        Capacity capacity;
        for (const Node& n : m_nodes) {
            const int free = free_cores(n);
            if (n.state == NodePower::booting || (n.state == NodePower::off && n.reserved_cores > 0)) {
                capacity.booting += free;
            } else if (n.state == NodePower::off) {
                capacity.asleep += free;
            } else {
                capacity.awake += free;
            }
        }
        return capacity;
    }

    // Gives the job free processors: nodes in use first (to pack), then idle
    // ones, then nodes already booting or waiting to, then nodes that are
    // off, which are queued to boot; the job runs once all its nodes are up.
    void start(int job) {
        int remaining = m_demand[static_cast<std::size_t>(job)];
        Running run{job, m_now, 0, 0, {}};
        auto up = [](const Node& n) {
            return n.state == NodePower::idle || n.state == NodePower::allocated || n.state == NodePower::busy;
        };
        auto in_use = [](const Node& n) {
            return (n.state == NodePower::allocated || n.state == NodePower::busy) &&
                   n.busy_cores + n.reserved_cores > 0;
        };
        auto idle = [](const Node& n) { return n.state == NodePower::idle; };
        auto coming = [](const Node& n) {
            return n.state == NodePower::booting || (n.state == NodePower::off && n.reserved_cores > 0);
        };
        auto off = [](const Node& n) { return n.state == NodePower::off && n.reserved_cores == 0; };
        for (const auto& wanted : {+in_use, +idle, +coming, +off}) {
            for (std::size_t i = 0; i < m_nodes.size() && remaining > 0; ++i) {
                Node& n = m_nodes[i];
                const int free = free_cores(n);
                if (free <= 0 || !wanted(n)) continue;
                const int index = static_cast<int>(i);
                const int take = std::min(free, remaining);
                remaining -= take;
                run.shares.push_back({index, take});
                if (off(n)) m_boot_queue.push_back(index);
                if (!up(n)) ++run.waiting;
                n.reserved_cores += take;
                settle(index);
            }
        }
        const Job& traced = m_trace.jobs[static_cast<std::size_t>(job)];
        // Planned with one boot until it starts and the plan is exact.
        run.planned_end = m_now + (run.waiting > 0 ? m_settings.model.boot_seconds : 0) + traced.requested;
        m_outcome.jobs[static_cast<std::size_t>(job)] = {traced.submit,
                                                         m_now,
                                                         traced.run,
                                                         static_cast<int>(run.shares.size()),
                                                         m_demand[static_cast<std::size_t>(job)],
                                                         0};
        if (run.waiting == 0) push(m_now, EventKind::job_starts, job);
        m_running.push_back(std::move(run));
        start_boots();
    }

    // FCFS with EASY backfill: jobs start in order while they fit; the first
    // that does not gets a reservation at the earliest time enough
    // processors are planned to be free (the shadow time), and later jobs
    // may start now only if they are planned to end by then or use
    // processors the reservation leaves over.
    void schedule() {
        int free = capacity().total();
        std::size_t next = 0;
        while (next < m_pending.size() && demand(m_pending[next]) <= free) {
            const int job = m_pending[next++];
            free -= demand(job);
            start(job);
        }
        m_pending.erase(m_pending.begin(), m_pending.begin() + static_cast<std::ptrdiff_t>(next));
        if (m_pending.empty() || free == 0) return;

        const int head_needs = demand(m_pending.front());
        std::vector<std::pair<Seconds, int>> ends;
        for (const Running& run : m_running) {
            int cores = 0;
            for (const Share& share : run.shares) cores += share.cores;
            ends.emplace_back(run.planned_end, cores);
        }
        std::sort(ends.begin(), ends.end());
        Seconds shadow = 0;
        int extra = 0;
        int available = free;
        for (const auto& [end, cores] : ends) {
            available += cores;
            if (available >= head_needs) {
                shadow = end;
                extra = available - head_needs;
                break;
            }
        }
        std::vector<int> started;
        Capacity now = capacity();
        for (std::size_t i = 1; i < m_pending.size() && free > 0; ++i) {
            const int job = m_pending[i];
            const int needs = demand(job);
            if (needs > free) continue;
            const Seconds boot = needs > now.awake ? m_settings.model.boot_seconds : 0;
            const Seconds planned_end = m_now + boot + m_trace.jobs[static_cast<std::size_t>(job)].requested;
            if (planned_end > shadow && needs > extra) continue;
            if (planned_end > shadow) extra -= needs;
            free -= needs;
            start(job);
            started.push_back(job);
            now = capacity();
        }
        std::erase_if(m_pending,
                      [&](int job) { return std::find(started.begin(), started.end(), job) != started.end(); });
    }

    [[nodiscard]] int demand(int job) const { return m_demand[static_cast<std::size_t>(job)]; }

    // Asks the engine which idle nodes to switch off, and when to ask again.
    void decide_idle() {
        std::vector<engine::IdleNode> idle;
        for (std::size_t i = 0; i < m_nodes.size(); ++i) {
            if (m_nodes[i].state == NodePower::idle) idle.push_back({static_cast<int>(i), m_nodes[i].idle_since});
        }
        const engine::IdleDecision decision = engine::decide_idle(m_settings.policy, idle, m_now);
        for (const int index : decision.power_off) {
            set_state(index, NodePower::shutting_down);
            push(m_now + m_settings.model.shutdown_seconds, EventKind::node_ready, index);
        }
        if (decision.next_check >= 0 && (m_policy_check < 0 || decision.next_check < m_policy_check)) {
            m_policy_check = decision.next_check;
            push(decision.next_check, EventKind::policy, 0);
        }
    }

    const Trace& m_trace;
    const Settings m_settings;
    std::vector<Node> m_nodes;
    std::vector<int> m_demand;  ///< processors per job
    std::priority_queue<Event, std::vector<Event>, std::greater<>> m_events;
    std::int64_t m_sequence = 0;
    Seconds m_begin = 0;
    Seconds m_now = 0;
    std::vector<int> m_pending;  ///< in submit order
    std::vector<Running> m_running;
    std::size_t m_submitted = 0;
    Seconds m_last_job_end = 0;
    Seconds m_policy_check = -1;
    // The whole cluster, for the time series.
    std::array<int, kNodePowers> m_count{};
    double m_watts = 0;
    double m_energy = 0;  ///< up to m_energy_time
    Seconds m_energy_time = 0;
    Seconds m_next_sample = 0;
    // Power-ons the pacing holds back, and what it counts.
    std::deque<int> m_boot_queue;
    std::deque<Seconds> m_recent_boots;  ///< power-ons in the last minute
    int m_booting = 0;
    Seconds m_boot_retry = -1;  ///< when the minute's count allows more
    Outcome m_outcome;
};

}  // namespace

int nodes_for(const Job& job, const Settings& settings) {
    if (job.nodes > 0) return job.nodes;
    return (job.processors + settings.cores_per_node - 1) / settings.cores_per_node;
}

int Sample::powered_on() const {
    return std::accumulate(nodes.begin(), nodes.end(), 0) - nodes[static_cast<std::size_t>(NodePower::off)];
}

std::expected<int, std::string> cluster_size(const Trace& trace, const Settings& settings) {
    if (settings.cores_per_node < 1) return std::unexpected("cores per node must be at least 1");
    if (settings.nodes > 0) return settings.nodes;
    if (!trace.size_known) {
        return std::unexpected(
            fmt::format("{}: the log does not say how many nodes the cluster has: give --nodes", trace.source));
    }
    // SWF's MaxNodes counts processors on some logs (HPC2N: 240 for 120
    // dual-processor nodes); with cores per node given, MaxProcs decides.
    const int nodes = trace.max_nodes > 0 && settings.cores_per_node == 1
                          ? trace.max_nodes
                          : (trace.max_processors + settings.cores_per_node - 1) / settings.cores_per_node;
    if (nodes < 1) return std::unexpected(fmt::format("{}: how many nodes? (the trace does not say)", trace.source));
    return nodes;
}

std::vector<TraceProblem> jobs_too_large(const Trace& trace, const Settings& settings, int nodes) {
    std::vector<TraceProblem> problems;
    const std::int64_t cores = static_cast<std::int64_t>(nodes) * settings.cores_per_node;
    for (const Job& job : trace.jobs) {
        if (settings.allocation == Allocation::whole_nodes && nodes_for(job, settings) > nodes) {
            problems.push_back({job.line, fmt::format("job {} needs {} nodes; the cluster has {}", job.id,
                                                      nodes_for(job, settings), nodes)});
        } else if (cores_for(job, settings) > cores) {
            problems.push_back({job.line, fmt::format("job {} needs {} processors; the cluster has {}", job.id,
                                                      cores_for(job, settings), cores)});
        }
    }
    return problems;
}

double Outcome::total_joules() const { return std::accumulate(joules.begin(), joules.end(), 0.0); }

std::expected<Outcome, std::string> simulate(const Trace& trace, const Settings& settings) {
    auto outcomes = simulate_each(trace, settings, {settings.policy});
    if (!outcomes) return std::unexpected(outcomes.error());
    return std::move(outcomes->front());
}

std::expected<std::vector<Outcome>, std::string> simulate_each(const Trace& trace, const Settings& settings,
                                                               const std::vector<engine::IdlePolicy>& policies) {
    const auto nodes = cluster_size(trace, settings);
    if (!nodes) return std::unexpected(nodes.error());
    if (const auto large = jobs_too_large(trace, settings, *nodes); !large.empty()) {
        return std::unexpected(fmt::format("{}:{}: {}", trace.source, large.front().line, large.front().message));
    }
    std::vector<std::unique_ptr<Simulation>> runs;
    Seconds end = settings.horizon;
    for (const engine::IdlePolicy& policy : policies) {
        Settings each = settings;
        each.policy = policy;
        runs.push_back(std::make_unique<Simulation>(trace, each, *nodes));
        end = std::max(end, runs.back()->run_jobs());
    }
    std::vector<Outcome> outcomes;
    for (auto& run : runs) outcomes.push_back(run->finish(end));
    return outcomes;
}

}  // namespace slumber::sim
