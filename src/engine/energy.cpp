#include "engine/energy.hpp"

#include <algorithm>
#include <limits>

namespace slumber::engine {
namespace {

constexpr std::size_t index(PowerPhase phase) { return static_cast<std::size_t>(phase); }

double seconds(TimeMs ms) { return static_cast<double>(ms) / 1000.0; }

// Whether the node is on in the never-off world's sense: its draw there is
// what it drew here.
bool awake(std::optional<PowerPhase> phase) {
    return !phase || *phase == PowerPhase::up || *phase == PowerPhase::failed;
}

// The readings' linear interpolation between `a` and `b`, over [x, y]
// inside [a.time, b.time]: joules.
double between(const PowerSample& a, const PowerSample& b, TimeMs x, TimeMs y) {
    const auto at = [&](TimeMs t) {
        const double share = static_cast<double>(t - a.time) / static_cast<double>(b.time - a.time);
        return a.watts + (b.watts - a.watts) * share;
    };
    return (at(x) + at(y)) / 2 * seconds(y - x);
}

struct Measured {
    double joules = 0;
    TimeMs ms = 0;
};

// One stretch of one phase: [start, end) as the timeline has it (a reading
// timed in it was taken in that phase), and the part [x, y) of it being
// integrated (cut at the span's ends).
struct Stretch {
    TimeMs start = 0;
    TimeMs end = 0;
    TimeMs x = 0;
    TimeMs y = 0;
};

// The readings' energy over [x, y): pairs of consecutive readings at most
// max_gap apart measure the time between them. `first` is the first pair
// that may reach x; it moves on as the stretches do (both are sorted).
//
// A pair is interpolated only inside one phase. Where the journal changes
// the phase between its two readings, the draw changes at that moment, not
// along a line between them: a power-off drops 180 W to 8 W when the BMC
// switches the node off, and a line from a reading up to one off charged
// the time off a ramp from 180 W (a tester's demo: about 60 W off, and a
// third of the saving). So each reading holds from itself to the change on
// its side: the journal says the node was still in that reading's phase,
// and the reading is the only measure of that phase there is. A phase
// between two changes that neither reading was taken in (the shutdown
// between a reading up and one off) has no reading of its own; the model's
// figure for that phase (its measured mean, once there is one) says more
// of it than either neighbour's reading, so that time is left to the model
// and not counted as measured. Holding is chosen over a line for every
// change, a registration too: it keeps each phase's energy made of that
// phase's readings, as its measured mean and the saving's split by stretch
// are. Whether a reading is in the stretch goes by the stretch's own ends,
// not the span's, so the accounts of adjacent spans still add up.
Measured measure(std::span<const PowerSample> samples, std::size_t& first, const Stretch& stretch, TimeMs max_gap) {
    Measured out;
    while (first + 1 < samples.size() && samples[first + 1].time <= stretch.x) ++first;
    for (std::size_t i = first; i + 1 < samples.size() && samples[i].time < stretch.y; ++i) {
        const PowerSample& a = samples[i];
        const PowerSample& b = samples[i + 1];
        if (b.time <= a.time || b.time - a.time > max_gap) continue;
        const TimeMs lo = std::max(a.time, stretch.x);
        const TimeMs hi = std::min(b.time, stretch.y);
        if (hi <= lo) continue;
        const bool a_here = a.time >= stretch.start;  // a.time < y <= end
        const bool b_here = b.time < stretch.end;     // b.time > x >= start
        if (a_here && b_here) {
            out.joules += between(a, b, lo, hi);
        } else if (a_here || b_here) {
            out.joules += (a_here ? a.watts : b.watts) * seconds(hi - lo);
        } else {
            continue;  // neither reading was taken in this phase: the model's
        }
        out.ms += hi - lo;
    }
    return out;
}

// The phase whose mean `time`'s reading counts toward (timeline[current
// - 1] holds it), as an index; nullopt before the first known phase, and
// for a reading within kOffSettleMs of a switch-off.
std::optional<std::size_t> taught_phase(std::span<const PhaseChange> timeline, std::size_t current, TimeMs time) {
    if (current == 0) return std::nullopt;
    const PhaseChange& change = timeline[current - 1];
    if (change.phase == PowerPhase::off && time - change.since < kOffSettleMs) return std::nullopt;
    return index(change.phase);
}

}  // namespace

double EnergyModel::watts(std::optional<PowerPhase> phase) const {
    if (!phase) return idle_watts;
    switch (*phase) {
        case PowerPhase::off:
        case PowerPhase::powering_on:
            return off_watts;
        case PowerPhase::booting:
            return boot_watts;
        case PowerPhase::powering_off:
            return shutdown_watts;
        case PowerPhase::up:
        case PowerPhase::failed:
            return idle_watts;
    }
    return idle_watts;
}

PhaseMeans measured_means(std::span<const PhaseChange> timeline, std::span<const PowerSample> samples) {
    PhaseReadings readings;
    if (!samples.empty()) readings.add(timeline, samples, samples.front().time, samples.back().time + 1);
    return readings.means();
}

void PhaseReadings::add(std::span<const PhaseChange> timeline, std::span<const PowerSample> samples, TimeMs from,
                        TimeMs until) {
    std::size_t current = 0;
    for (const PowerSample& sample : samples) {
        if (sample.time < from || sample.time >= until) continue;
        while (current < timeline.size() && timeline[current].since <= sample.time) ++current;
        const auto phase = taught_phase(timeline, current, sample.time);
        if (!phase) continue;
        watts[*phase] += sample.watts;
        ++count[*phase];
    }
}

PhaseMeans PhaseReadings::means() const {
    PhaseMeans means;
    for (std::size_t i = 0; i < kPowerPhases; ++i) {
        if (count[i] >= kMeasuredMeanSamples) means[i] = watts[i] / static_cast<double>(count[i]);
    }
    return means;
}

EnergyModel with_means(EnergyModel model, const PhaseMeans& means) {
    model.off_watts = means[index(PowerPhase::off)].value_or(model.off_watts);
    model.idle_watts = means[index(PowerPhase::up)].value_or(model.idle_watts);
    model.boot_watts = means[index(PowerPhase::booting)].value_or(model.boot_watts);
    model.shutdown_watts = means[index(PowerPhase::powering_off)].value_or(model.shutdown_watts);
    return model;
}

EnergyAccount& EnergyAccount::operator+=(const EnergyAccount& other) {
    joules += other.joules;
    measured_joules += other.measured_joules;
    never_off_joules += other.never_off_joules;
    saved_gross_joules += other.saved_gross_joules;
    switching_joules += other.switching_joules;
    measured_ms += other.measured_ms;
    unknown_ms += other.unknown_ms;
    for (std::size_t i = 0; i < kPowerPhases; ++i) phase_ms[i] += other.phase_ms[i];
    return *this;
}

EnergyAccount integrate(std::span<const PhaseChange> timeline, std::span<const PowerSample> samples,
                        const EnergyModel& model, const Integration& span) {
    EnergyAccount account;
    std::size_t first_pair = 0;
    // Each stretch of one phase, [start, end), where it lies in the span.
    auto add = [&](std::optional<PowerPhase> phase, TimeMs phase_start, TimeMs phase_end) {
        const TimeMs start = std::max(phase_start, span.from);
        const TimeMs end = std::min(phase_end, span.until);
        if (end <= start) return;
        const Measured measured = measure(samples, first_pair, {phase_start, phase_end, start, end}, span.max_gap);
        // Before the node's first known phase only readings count: a node
        // slumber has no row of yet (a journal started a minute ago, a
        // report over a day) must not be charged a day at idle power.
        const double modelled = phase ? model.watts(phase) * seconds(end - start - measured.ms) : 0.0;
        const double used = measured.joules + modelled;
        account.joules += used;
        account.measured_joules += measured.joules;
        account.measured_ms += measured.ms;
        const double never_off = awake(phase) ? used : model.idle_watts * seconds(end - start);
        account.never_off_joules += never_off;
        // Split by sign per stretch, so that each part only grows: a
        // Prometheus counter each (docs/energy.md, "Saved energy").
        account.saved_gross_joules += std::max(0.0, never_off - used);
        account.switching_joules += std::max(0.0, used - never_off);
        if (phase) {
            account.phase_ms[index(*phase)] += end - start;
        } else {
            account.unknown_ms += end - start;
        }
    };
    // The first and last stretches are open-ended: the span's ends are not
    // phase changes.
    constexpr TimeMs kEver = std::numeric_limits<TimeMs>::max();
    add(std::nullopt, std::numeric_limits<TimeMs>::min(), timeline.empty() ? kEver : timeline.front().since);
    for (std::size_t i = 0; i < timeline.size(); ++i) {
        add(timeline[i].phase, timeline[i].since, i + 1 < timeline.size() ? timeline[i + 1].since : kEver);
    }
    return account;
}

EnergyAccount integrate_learning(std::span<const PhaseChange> timeline, std::span<const PowerSample> samples,
                                 const EnergyModel& model, const Integration& span, PhaseReadings& readings,
                                 EnergyModel* charged) {
    EnergyAccount account;
    TimeMs from = span.from;
    std::size_t current = 0;
    for (const PowerSample& sample : samples) {
        if (sample.time < span.from || sample.time >= span.until) continue;
        while (current < timeline.size() && timeline[current].since <= sample.time) ++current;
        const auto phase = taught_phase(timeline, current, sample.time);
        if (!phase) continue;
        if (readings.count[*phase] + 1 == kMeasuredMeanSamples && sample.time > from) {
            account +=
                integrate(timeline, samples, with_means(model, readings.means()), {from, sample.time, span.max_gap});
            from = sample.time;
        }
        readings.watts[*phase] += sample.watts;
        ++readings.count[*phase];
    }
    const EnergyModel last = with_means(model, readings.means());
    if (span.until > from) account += integrate(timeline, samples, last, {from, span.until, span.max_gap});
    if (charged != nullptr) *charged = last;
    return account;
}

}  // namespace slumber::engine
