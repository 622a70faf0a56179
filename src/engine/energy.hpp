// A node's energy over a span of time, from its power phases (the journal's
// rows, engine::phase_timeline) and its meter's readings: measured where two
// readings close together cover the time, modelled from the phase where
// none do. Pure: no I/O, no clock; the span's ends are the caller's.
//
// Units: watts (W), joules (J), milliseconds since the Unix epoch (ms).
//
// Saved energy is counted against a node that is never switched off: over
// the time it spent off, powering on or off and booting, that node would
// have drawn idle power, and the node that slept drew what the model or its
// meter says for those phases, boot and shutdown included. Time spent up,
// failed, or before its first known phase, is the same in both worlds and
// saves nothing; before its first known phase only readings count (the
// model knows nothing of that time). docs/energy.md says it for the user.
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string_view>

#include "engine/power_phase.hpp"

namespace slumber::engine {

/// One reading of a target's meter: the power drawn at that moment.
struct PowerSample {
    TimeMs time = 0;   ///< ms since the epoch
    double watts = 0;  ///< W, >= 0
};

/// What a node draws in each phase when no reading says (W). The figures
/// are [simulate]'s (off_watts, idle_watts, boot_energy / boot_time,
/// shutdown_energy / shutdown_time), or the node's measured means.
struct EnergyModel {
    double off_watts = 9.75;
    double idle_watts = 95;
    double boot_watts = 19'030.0 / 152;  ///< booting: powered on, slurmd not registered yet
    double shutdown_watts = 620.0 / 6;   ///< powering off
    /// The draw of a phase: off and powering-on (not switched on yet) draw
    /// off_watts, booting boot_watts, powering-off shutdown_watts; up,
    /// failed and an unknown phase (nullopt) idle_watts.
    [[nodiscard]] double watts(std::optional<PowerPhase> phase) const;
};

/// The mean reading in each phase (indexed by PowerPhase), for the phases
/// with at least kMeasuredMeanSamples readings; nullopt for the others.
/// One: the figure a mean replaces is [simulate]'s, not this node's, and
/// even one reading of the node is nearer its draw (a tester's 180 W node
/// was saved against 95 W until its third reading up, which a node
/// suspended 10 s after boot never had). Later readings refine the mean;
/// the daemon's counters never revise what they charged before it.
inline constexpr int kMeasuredMeanSamples = 1;
/// How long after a node is switched off its readings teach its off draw
/// nothing (ms): a BMC's power reading is an average over its statistics
/// period (DCMI Get Power Reading: often one to a few seconds), and the
/// switch-off is journaled when the call returned. A tester found such a
/// reading, under a second after the power-off, in a node's off mean. The
/// readings still measure the energy.
inline constexpr TimeMs kOffSettleMs = 5000;
using PhaseMeans = std::array<std::optional<double>, kPowerPhases>;
PhaseMeans measured_means(std::span<const PhaseChange> timeline, std::span<const PowerSample> samples);

/// A node's readings summed per phase: what its measured means are made
/// of. Summed over the journal's whole history rather than a span's, so
/// that a report and the daemon's counters, which add the energy of a few
/// seconds at a time, charge a node the same draws.
struct PhaseReadings {
    std::array<double, kPowerPhases> watts{};  ///< sum of the readings (W)
    std::array<long long, kPowerPhases> count{};
    /// Adds the readings timed in [from, until), each to the phase the
    /// timeline puts it in; those before the first phase count nowhere.
    void add(std::span<const PhaseChange> timeline, std::span<const PowerSample> samples, TimeMs from, TimeMs until);
    [[nodiscard]] PhaseMeans means() const;
};

/// `model` with a phase's measured mean in place of its figure where there
/// is one (off, up, booting and powering-off; powering-on and failed keep
/// what their figure comes from).
EnergyModel with_means(EnergyModel model, const PhaseMeans& means);

/// A node's or device's energy over a span.
struct EnergyAccount {
    double joules = 0;                            ///< used: measured plus modelled
    double measured_joules = 0;                   ///< the part readings cover
    double never_off_joules = 0;                  ///< what it would have used had it never been switched off
    TimeMs measured_ms = 0;                       ///< time covered by readings
    std::array<TimeMs, kPowerPhases> phase_ms{};  ///< time in each phase (indexed by PowerPhase)
    TimeMs unknown_ms = 0;                        ///< time before the first known phase: only readings count in it
    /// The stretches of one phase where the node drew less than the
    /// never-off node (off, powering on): what they spared, J. Never
    /// negative, and it only grows as time is added.
    double saved_gross_joules = 0;
    /// The stretches where it drew more (booting, powering off): the cost
    /// of switching, J. Never negative either.
    double switching_joules = 0;
    /// never_off_joules - joules (= saved_gross_joules - switching_joules):
    /// negative when the boots and shutdowns cost more than the sleep saved.
    [[nodiscard]] double saved_joules() const { return never_off_joules - joules; }
    EnergyAccount& operator+=(const EnergyAccount& other);
};

/// How far apart two readings may be and still measure the time between
/// them; farther apart, the model fills the gap. The daemon's [energy]
/// interval times three. Between two readings in one phase the power is
/// linear; where the timeline changes phase between them, each reading
/// holds up to the change on its side, and a phase between the two changes
/// that neither reading was taken in draws the model's figure for it.
struct Integration {
    TimeMs from = 0;   ///< the span's start (ms); earlier rows and readings count nowhere
    TimeMs until = 0;  ///< its end (ms), > from
    TimeMs max_gap = 180'000;
};

/// The energy of one node from `from` to `until`. `timeline` is its
/// phases oldest first (phase_timeline()); `samples` its readings sorted by
/// time (those outside the span, up to max_gap away, still measure the
/// span's ends). Additive: the accounts of [a, b) and [b, c) sum to [a, c).
EnergyAccount integrate(std::span<const PhaseChange> timeline, std::span<const PowerSample> samples,
                        const EnergyModel& model, const Integration& span);

/// integrate() with the draws a node's readings teach as they come in:
/// each phase at `model`'s figure until the node has kMeasuredMeanSamples
/// readings in it (`readings` holds those before span.from), at its
/// measured mean from the reading that makes it one. The span is cut where
/// a mean first appears, and each part is charged at the means known at its
/// end, so that a report over a span agrees with the daemon's counters,
/// which charged each round at the means known then. Adds the span's
/// readings to `readings`; `charged` (if given) gets the model in force at
/// the span's end.
EnergyAccount integrate_learning(std::span<const PhaseChange> timeline, std::span<const PowerSample> samples,
                                 const EnergyModel& model, const Integration& span, PhaseReadings& readings,
                                 EnergyModel* charged = nullptr);

/// Joules to kWh.
constexpr double kwh(double joules) { return joules / 3.6e6; }

}  // namespace slumber::engine
