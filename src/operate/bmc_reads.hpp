// The reconciler's reads of BMCs, off the daemon's loop: a silent BMC holds
// only its own read for its timeouts (about 15 s for IPMI), never a pass,
// a hook's request or the timing of a boot (24.11.5: a silent BMC of an
// idle~ node, read on the loop, held every pass that long).
//
// A node has at most one read in flight, and none is started while its
// last answer waits to be collected: a BMC is never asked twice at once.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "operate/carrier.hpp"
#include "operate/targets.hpp"

namespace slumber::operate {

/// Reads the power of `nodes` with `config` (each node's state, or why it
/// could not be read); it may take each BMC's timeouts. Called on a worker
/// thread, so it must be safe to call from several threads at once.
using PowerReader =
    std::function<std::map<std::string, PowerReading>(const config::Config& config, const std::vector<std::string>&)>;

/// The daemon's reader: read_power(), gated by Blocks (a BMC that refused
/// a login is not asked again) on a journal connection of its own.
PowerReader bmc_power_reader();

/// One node's answer, with when it was asked and when it came (the clock's
/// Unix milliseconds).
struct BmcReading {
    PowerReading state;
    store::TimeMs asked_at = 0;
    store::TimeMs taken_at = 0;
};

class BmcReads {
  public:
    /// `now` is called on the workers too: it must be thread-safe.
    BmcReads(PowerReader reader, Now now);
    /// Waits for the reads in flight (each bounded by its BMC's timeouts).
    ~BmcReads();
    BmcReads(const BmcReads&) = delete;
    BmcReads& operator=(const BmcReads&) = delete;

    /// Starts, on a worker, a read of those of `nodes` that have none in
    /// flight and no answer waiting; returns at once. The worker keeps
    /// `config` for as long as it reads.
    void start(config::SharedConfig config, const std::vector<std::string>& nodes);

    /// The answers that came since the last call, taken out.
    std::map<std::string, BmcReading> collect();

    /// Waits for the reads under way to finish (their answers are kept).
    void wait();

    /// Whether a read of `node` is under way.
    [[nodiscard]] bool in_flight(const std::string& node) const;
    /// The CPU the reads finished since the last call took (util::work_cpu():
    /// their threads' and their commands'), taken out.
    std::chrono::microseconds take_cpu();
    /// Whether a read is under way or an answer waits to be collected.
    [[nodiscard]] bool busy() const;

  private:
    struct Shared;
    struct Worker {
        std::jthread thread;
        std::shared_ptr<std::atomic<bool>> done;
    };
    PowerReader m_reader;
    Now m_now;
    std::shared_ptr<Shared> m_shared;
    std::list<Worker> m_workers;
};

}  // namespace slumber::operate
