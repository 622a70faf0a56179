#include "operate/bmc_reads.hpp"

#include <fmt/format.h>

#include <mutex>
#include <set>
#include <utility>

#include "operate/blocks.hpp"
#include "util/cpu_time.hpp"

namespace slumber::operate {

struct BmcReads::Shared {
    mutable std::mutex guard;
    std::set<std::string> in_flight;
    std::map<std::string, BmcReading> answered;
    std::chrono::microseconds cpu{0};  ///< of the reads finished since take_cpu()

    // On a worker: the answers, kept until collected, and the nodes free to
    // be asked again.
    void read(const PowerReader& reader, const Now& now, const config::Config& config,
              const std::vector<std::string>& ask, store::TimeMs asked_at) {
        const std::chrono::microseconds started = util::work_cpu();
        auto states = reader(config, ask);
        const store::TimeMs taken_at = now();
        const std::chrono::microseconds used = util::work_cpu() - started;
        const std::lock_guard lock(guard);
        cpu += used;
        for (const std::string& node : ask) {
            auto it = states.find(node);
            PowerReading state =
                it == states.end() ? PowerReading(std::unexpected("no answer")) : std::move(it->second);
            answered.insert_or_assign(node, BmcReading{std::move(state), asked_at, taken_at});
            in_flight.erase(node);
        }
    }
};

PowerReader bmc_power_reader() {
    return [](const config::Config& config, const std::vector<std::string>& nodes) {
        // Its own connection: the loop's is not shared across threads. Without
        // one, nothing is blocked or recorded (Blocks), and the read still runs.
        auto journal = store::Journal::open(config.daemon.journal());
        Blocks blocks(config, journal ? &*journal : nullptr, Caller::automatic, wall_clock_ms);
        return read_power(config, nodes, blocks, "the daemon's recovery");
    };
}

BmcReads::BmcReads(PowerReader reader, Now now)
    : m_reader(std::move(reader)), m_now(std::move(now)), m_shared(std::make_shared<Shared>()) {}

BmcReads::~BmcReads() = default;  // the jthreads join

void BmcReads::start(config::SharedConfig config, const std::vector<std::string>& nodes) {
    std::erase_if(m_workers, [](const Worker& worker) { return worker.done->load(); });
    std::vector<std::string> ask;
    {
        const std::lock_guard lock(m_shared->guard);
        for (const std::string& node : nodes) {
            if (m_shared->in_flight.contains(node) || m_shared->answered.contains(node)) continue;
            m_shared->in_flight.insert(node);
            ask.push_back(node);
        }
    }
    if (ask.empty()) return;
    const store::TimeMs asked_at = m_now();
    auto done = std::make_shared<std::atomic<bool>>(false);
    m_workers.push_back({std::jthread([reader = m_reader, now = m_now, shared = m_shared, config = std::move(config),
                                       ask = std::move(ask), asked_at, done] {
                             shared->read(reader, now, *config, ask, asked_at);
                             *done = true;
                         }),
                         done});
}

std::map<std::string, BmcReading> BmcReads::collect() {
    const std::lock_guard lock(m_shared->guard);
    return std::exchange(m_shared->answered, {});
}

void BmcReads::wait() { m_workers.clear(); }

bool BmcReads::in_flight(const std::string& node) const {
    const std::lock_guard lock(m_shared->guard);
    return m_shared->in_flight.contains(node);
}

std::chrono::microseconds BmcReads::take_cpu() {
    const std::lock_guard lock(m_shared->guard);
    return std::exchange(m_shared->cpu, std::chrono::microseconds{0});
}

bool BmcReads::busy() const {
    const std::lock_guard lock(m_shared->guard);
    return !m_shared->in_flight.empty() || !m_shared->answered.empty();
}

}  // namespace slumber::operate
