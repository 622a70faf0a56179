// The daemon's energy sampling ([energy] interval, docs/energy.md): each
// round reads the power state, and the meter and sensors where the
// controller has them (power::read_sample(): DCMI and the SDR over IPMI in
// one session, Redfish Power/EnvironmentMetrics, a Tasmota or Shelly
// meter), of every node and device, on workers off the daemon's loop, and
// journals the readings (store::Reading): the energy counters, `slumber
// report` and the thermal guard read them there. The power states go to the
// web server: the reconciler reads a node's only while it is in flux, and
// nothing reads a device's between the switches the devices' keeper makes.
//
// A sample never competes with a power action: a target that another call
// is talking to (power::TargetLocks) is skipped for the round, not waited
// for, and a blocked target (a refused password) is never asked; a refusal
// met here blocks the target like any other automatic caller's.
#pragma once

#include <atomic>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "operate/blocks.hpp"
#include "operate/bmc_reads.hpp"
#include "operate/clock.hpp"
#include "operate/targets.hpp"
#include "power/driver.hpp"
#include "store/journal.hpp"

namespace slumber::operate {

/// The sensor recorded as a target's temperature: the one `wanted` names
/// exactly ([energy] temperature_sensor); with none named, the first in
/// degrees Celsius whose name says inlet, else the first that says ambient
/// (case aside: "Inlet Temp", "Ambient"). Only readings in degrees Celsius
/// count, a named one too. nullopt when none fits.
std::optional<power::SensorReading> pick_temperature(std::span<const power::SensorReading> sensors,
                                                     std::string_view wanted);

/// Why `wanted` ([energy] temperature_sensor) picks nothing from a target
/// that has sensors in degrees Celsius: a misspelt name, which would leave
/// the thermal guard without a reading and never holding. nullopt when it
/// picks one, when none is named, or when the target has no temperature
/// sensor at all (a plug). The words name the target's temperature sensors.
std::optional<std::string> unknown_temperature_sensor(std::span<const power::SensorReading> sensors,
                                                      std::string_view wanted);

/// What one round found.
struct SampleRound {
    store::TimeMs time = 0;                           ///< when it started (Unix ms); every reading's time
    std::vector<store::Reading> readings;             ///< targets that gave a power or temperature reading
    std::vector<std::string> busy;                    ///< skipped: another call was talking to them
    std::map<std::string, power::PowerError> failed;  ///< target -> why it gave nothing
    /// Each target's power state, or why it could not be read, with when
    /// it was asked and answered; busy and blocked targets have none.
    std::map<std::string, BmcReading> power;
};

/// The targets that give no reading, remembered from round to round, so
/// that one failing the same way every round (a BMC without a meter, one
/// that stays silent) is said once, and again only when its cause changes
/// or it reads again (docs/energy.md). The cause is the error's kind and
/// slumber's words, not the device's: curl's "timed out after 5002
/// milliseconds" differs every round.
class FailingTargets {
  public:
    struct News {
        /// Targets that started failing, or fail for another cause: their
        /// failure in words (power::describe(), made safe to print).
        std::vector<std::pair<std::string, std::string>> failing;
        /// The same for a setting that fits the target no more (kind
        /// config: [energy] temperature_sensor naming none of its sensors),
        /// which no round heals: journaled, not only logged.
        std::vector<std::pair<std::string, std::string>> misconfigured;
        /// Failing before; a reading now, and no failure beside it (a
        /// misspelt sensor leaves the power reading: not "reads again").
        std::vector<std::string> reading_again;
    };
    /// What `round` changed; remembers its failures.
    News update(const SampleRound& round);

  private:
    std::map<std::string, power::PowerError> m_failing;
};

/// Who reads: the targets' drivers, from `drivers` (build_drivers() in the
/// daemon, a test's own).
struct MeterSampler {
    DriverSource drivers = build_drivers;
    int fanout = 16;            ///< targets read at once
    Now clock = wall_clock_ms;  ///< when a device's state came; called on the workers, so thread-safe

    /// One round over `targets` (nodes and devices) at `now`; `blocks`
    /// holds back the blocked ones and records the blocks the failures call
    /// for (on the calling thread, after the reads).
    SampleRound run(const config::Config& config, const std::vector<std::string>& targets, Blocks& blocks,
                    store::TimeMs now) const;
};

/// The daemon's sampling: a round every [energy] interval on a worker of
/// its own, at most one round at a time, each journaled on a connection of
/// its own.
class SamplingRounds {
  public:
    /// Called on the round's worker once its readings are journaled, with
    /// its journal connection (the energy counters integrate up to the
    /// round's time there, off the daemon's loop). Errors in words.
    using AfterRound =
        std::function<std::expected<void, std::string>(store::Journal&, const config::Config&, const SampleRound&)>;

    SamplingRounds(MeterSampler sampler, Now now, AfterRound after = {});
    /// Waits for the round under way (bounded by the targets' timeouts).
    ~SamplingRounds();
    SamplingRounds(const SamplingRounds&) = delete;
    SamplingRounds& operator=(const SamplingRounds&) = delete;

    /// Starts a round when the interval has passed since the last one
    /// started and none is under way; the first at once. Does nothing when
    /// [energy] interval is 0. Returns whether it started one.
    bool start_if_due(config::SharedConfig config);

    /// The last round that finished since the last call, taken out: its
    /// readings are journaled already, or `journal_error` says why not
    /// (or why `after` failed).
    struct Finished {
        SampleRound round;
        std::optional<std::string> journal_error;
    };
    std::optional<Finished> collect();

    /// Waits for the round under way.
    void wait();

  private:
    struct Shared;
    MeterSampler m_sampler;
    Now m_now;
    AfterRound m_after;
    std::shared_ptr<Shared> m_shared;
    std::optional<store::TimeMs> m_last_start;
    std::jthread m_worker;
};

}  // namespace slumber::operate
