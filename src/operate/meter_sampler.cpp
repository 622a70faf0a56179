#include "operate/meter_sampler.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <utility>

#include "power/details.hpp"
#include "power/target_locks.hpp"
#include "util/parallel.hpp"
#include "util/safe_text.hpp"

namespace slumber::operate {
namespace {

bool contains_word(std::string_view text, std::string_view word) {
    const auto it = std::search(text.begin(), text.end(), word.begin(), word.end(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
    });
    return it != text.end();
}

// FreeIPMI abbreviates degrees Celsius "C"; Redfish's and the plugs'
// drivers say "C" too.
bool celsius(const power::SensorReading& sensor) { return sensor.unit == "C" || sensor.unit == "°C"; }

// One target's round: its power state, power and temperature, or why none.
struct TargetSample {
    std::optional<store::Reading> reading;
    std::optional<PowerReading> power;  ///< its state, or why it could not be read
    store::TimeMs power_taken = 0;
    bool busy = false;
    std::optional<power::PowerError> error;
};

TargetSample sample(const power::Task& task, store::TimeMs now, const Now& clock, std::string_view wanted) {
    TargetSample result;
    const auto talking = power::TargetLocks::process().try_lock(task.target);
    if (!talking.owns_lock()) {
        result.busy = true;
        return result;
    }
    power::Sample sampled = power::read_sample(*task.driver);
    result.power_taken = clock();
    if (sampled.state) {
        result.power = *sampled.state;
    } else {
        result.power = std::unexpected(util::safe_text(power::describe(sampled.state.error())));
        if (power::stops_conversation(sampled.state.error().kind)) {
            result.error = sampled.state.error();
            return result;
        }
    }
    store::Reading reading{task.target, now, std::nullopt, std::nullopt, ""};
    if (sampled.watts) {
        if (*sampled.watts && **sampled.watts >= 0) {
            reading.watts = **sampled.watts;
        } else if (!*sampled.watts) {
            result.error = sampled.watts->error();
        }
    }
    // [energy] temperature_sensor that names none of this target's
    // temperature sensors (a misspelling): said, or the thermal guard,
    // which reads nothing, would silently never hold.
    std::optional<power::PowerError> unknown_sensor;
    if (sampled.sensors) {
        if (*sampled.sensors) {
            if (auto found = pick_temperature(**sampled.sensors, wanted)) {
                reading.temperature = found->value;
                reading.sensor = found->name;
            } else if (auto words = unknown_temperature_sensor(**sampled.sensors, wanted)) {
                unknown_sensor = power::PowerError{power::ErrorKind::config, std::move(*words), ""};
            }
        } else if (!result.error) {
            result.error = sampled.sensors->error();
        }
    }
    // Either reading is worth keeping; a failure of the other (a BMC
    // without DCMI that has an inlet sensor) is not news. A target without
    // a meter gives its power state alone.
    constexpr std::uint32_t kMeters = power::kPowerReading | power::kSensors;
    if (reading.watts || reading.temperature) {
        result.reading = std::move(reading);
        result.error.reset();
    } else if ((task.driver->capabilities() & kMeters) == 0) {
        result.error.reset();
    }
    // Only beside a power state read: a failure there may block the target
    // (below), and a misspelt setting must never do that.
    if (!result.error && unknown_sensor && result.power && result.power->has_value()) {
        result.error = std::move(unknown_sensor);
    }
    return result;
}

}  // namespace

std::optional<power::SensorReading> pick_temperature(std::span<const power::SensorReading> sensors,
                                                     std::string_view wanted) {
    const auto first = [&](auto&& fits) -> std::optional<power::SensorReading> {
        const auto it =
            std::ranges::find_if(sensors, [&](const power::SensorReading& s) { return celsius(s) && fits(s); });
        if (it == sensors.end()) return std::nullopt;
        return *it;
    };
    if (!wanted.empty()) return first([&](const power::SensorReading& s) { return s.name == wanted; });
    if (auto inlet = first([](const power::SensorReading& s) { return contains_word(s.name, "inlet"); })) return inlet;
    return first([](const power::SensorReading& s) { return contains_word(s.name, "ambient"); });
}

std::optional<std::string> unknown_temperature_sensor(std::span<const power::SensorReading> sensors,
                                                      std::string_view wanted) {
    if (wanted.empty() || pick_temperature(sensors, wanted)) return std::nullopt;
    std::vector<std::string> names;
    for (const power::SensorReading& sensor : sensors) {
        if (celsius(sensor)) names.push_back(util::safe_text(sensor.name));
    }
    if (names.empty()) return std::nullopt;
    return fmt::format(
        "[energy] temperature_sensor \"{}\" is none of its temperature sensors ({}): no temperature is recorded, "
        "and the thermal guard reads none from it",
        util::safe_text(wanted), fmt::join(names, ", "));
}

SampleRound MeterSampler::run(const config::Config& config, const std::vector<std::string>& targets, Blocks& blocks,
                              store::TimeMs now) const {
    SampleRound round;
    round.time = now;
    DriverSet set = drivers(config, targets);
    blocks.hold(set, power::Action::status);
    std::vector<TargetSample> samples(set.tasks.size());
    util::parallel_for(set.tasks.size(), std::max(1, fanout), [&](std::size_t i) {
        samples[i] = sample(set.tasks[i], now, clock, config.energy.temperature_sensor);
    });
    for (std::size_t i = 0; i < samples.size(); ++i) {
        const std::string& target = set.tasks[i].target;
        TargetSample& result = samples[i];
        if (result.busy) round.busy.push_back(target);
        if (result.reading) round.readings.push_back(std::move(*result.reading));
        if (result.power) round.power[target] = {std::move(*result.power), now, result.power_taken};
        if (!result.error) continue;
        round.failed[target] = *result.error;
        // A refused login blocks the target here too: the next round must
        // not ask again (accounts lock after a few failures). A meter that
        // gave nothing while the power state was read blocks nothing: the
        // status worked, and recovery's state reads must go on (24.11
        // under load: ipmi_sim's sensors unreadable in the first round,
        // "no sensor in Watts", and both nodes' status reads were blocked
        // for good).
        if (result.power && result.power->has_value()) continue;
        const power::Outcome outcome{target, std::unexpected(*result.error), false, 1, {}};
        (void)blocks.record(power::Action::status, outcome, "the daemon's energy sampling");
    }
    return round;
}

FailingTargets::News FailingTargets::update(const SampleRound& round) {
    News news;
    for (const auto& [target, error] : round.failed) {
        const auto it = m_failing.find(target);
        const bool same_cause =
            it != m_failing.end() && it->second.kind == error.kind && it->second.message == error.message;
        if (!same_cause) {
            auto& said = error.kind == power::ErrorKind::config ? news.misconfigured : news.failing;
            said.emplace_back(target, util::safe_text(power::describe(error)));
        }
        m_failing.insert_or_assign(target, error);
    }
    for (const store::Reading& reading : round.readings) {
        if (!round.failed.contains(reading.target) && m_failing.erase(reading.target) > 0)
            news.reading_again.push_back(reading.target);
    }
    return news;
}

struct SamplingRounds::Shared {
    std::mutex guard;
    std::optional<Finished> finished;
    std::atomic<bool> running = false;
};

SamplingRounds::SamplingRounds(MeterSampler sampler, Now now, AfterRound after)
    : m_sampler(std::move(sampler)),
      m_now(std::move(now)),
      m_after(std::move(after)),
      m_shared(std::make_shared<Shared>()) {}

SamplingRounds::~SamplingRounds() { wait(); }

void SamplingRounds::wait() {
    if (m_worker.joinable()) m_worker.join();
}

bool SamplingRounds::start_if_due(config::SharedConfig config) {
    const auto interval = std::chrono::duration_cast<std::chrono::milliseconds>(config->energy.interval).count();
    if (interval <= 0 || m_shared->running) return false;
    const store::TimeMs now = m_now();
    // A clock stepped back (NTP) makes the last start later than now: due,
    // rather than no reading until the clock is back where it was.
    if (m_last_start && now >= *m_last_start && now - *m_last_start < interval) return false;
    wait();  // the last round's thread, finished
    m_last_start = now;
    m_shared->running = true;
    m_worker = std::jthread([sampler = m_sampler, after = m_after, shared = m_shared, config = std::move(config), now] {
        std::vector<std::string> targets;
        for (const auto& node : config->nodes) targets.push_back(node.name);
        for (const auto& device : config->devices) targets.push_back(device.name);
        // Its own connection: the loop's is not shared across threads.
        // Without one nothing is blocked or recorded, and nothing journaled.
        auto journal = store::Journal::open(config->daemon.journal());
        Blocks blocks(*config, journal ? &*journal : nullptr, Caller::automatic, wall_clock_ms);
        Finished finished{sampler.run(*config, targets, blocks, now), std::nullopt};
        if (!journal) {
            finished.journal_error = journal.error();
        } else if (auto added = journal->add_readings(finished.round.readings); !added) {
            finished.journal_error = added.error();
        } else if (after) {
            if (auto done = after(*journal, *config, finished.round); !done) finished.journal_error = done.error();
        }
        const std::lock_guard lock(shared->guard);
        shared->finished = std::move(finished);
        shared->running = false;
    });
    return true;
}

std::optional<SamplingRounds::Finished> SamplingRounds::collect() {
    const std::lock_guard lock(m_shared->guard);
    return std::exchange(m_shared->finished, std::nullopt);
}

}  // namespace slumber::operate
