// The one interface every power driver implements. Drivers know nothing of
// Slurm; a driver object stands for one target (a BMC, a plug) and is used by
// one thread at a time (the executor serializes calls per target).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "power/result.hpp"

namespace slumber::power {

/// How long a cycle made of off and on leaves the load without power (plugs,
/// and BMCs that offer no cycle of their own): long enough for a power
/// supply to drain, short enough not to matter to anyone waiting.
inline constexpr std::chrono::seconds kCycleOff{2};

/// What `slumber power` and the daemon ask of a target.
enum class Action { on, off, soft, cycle, status };
/// "on", "off", "soft", "cycle", "status": the words of the command line,
/// the journal and an exec driver's verbs (one table, executor.cpp).
std::string_view to_string(Action action);
/// The action a word stands for, as to_string() writes it; nullopt otherwise.
std::optional<Action> action_from(std::string_view word);
/// Every action, in the order of the enum.
inline constexpr std::array kActions{Action::on, Action::off, Action::soft, Action::cycle, Action::status};

/// Optional abilities, declared so that callers need not try and fail.
enum Capability : std::uint32_t {
    kGuid = 1U << 0,          ///< guid(): the system's GUID, to catch crossed BMC addresses
    kPowerReading = 1U << 1,  ///< power_reading(): Watts drawn now
    kSensors = 1U << 2,       ///< sensors(): named readings (inlet temperature …)
    kIdentity = 1U << 3,      ///< identity(): who made the BMC and what firmware it runs
};

/// What the management controller says it is, for inventories and `doctor`.
struct Identity {
    std::string manufacturer;  ///< a name, or an IANA enterprise number ("IANA 343")
    std::string model;
    std::string firmware;
};

struct SensorReading {
    std::string name;
    double value = 0;
    std::string unit;  ///< "W", "C", …
};

/// A target's power state and meter at one moment: what the daemon's energy
/// sampling reads each round. A meter part is absent where capabilities()
/// has none.
struct Sample {
    Result<PowerState> state;
    std::optional<Result<double>> watts;  ///< W
    std::optional<Result<std::vector<SensorReading>>> sensors;
};

class Driver {
  public:
    virtual ~Driver() = default;

    /// Switch on; on a target that is already on, succeed without a second
    /// command (Slurm may ask twice).
    virtual Result<void> on() = 0;
    /// Hard off, idempotent like on().
    virtual Result<void> off() = 0;
    /// Graceful shutdown request (ACPI); returns before the power is off.
    virtual Result<void> soft() = 0;
    virtual Result<void> cycle() = 0;
    virtual Result<PowerState> status() = 0;

    [[nodiscard]] virtual std::uint32_t capabilities() const { return 0; }
    virtual Result<std::string> guid() { return fail(ErrorKind::unsupported, "no GUID from this driver"); }
    virtual Result<double> power_reading() { return fail(ErrorKind::unsupported, "no power reading from this driver"); }
    virtual Result<std::vector<SensorReading>> sensors() {
        return fail(ErrorKind::unsupported, "no sensors from this driver");
    }
    virtual Result<Identity> identity() { return fail(ErrorKind::unsupported, "no identity from this driver"); }
    /// status(), then power_reading() and sensors() as capabilities()
    /// offers them, in as few conversations as the protocol allows (IPMI:
    /// one session where the three calls open one each). After a failure
    /// that stops the conversation (stops_conversation()) nothing more is
    /// asked. Device text is left as the device sent it (read_sample()
    /// makes it safe).
    virtual Sample sample();
};

}  // namespace slumber::power
