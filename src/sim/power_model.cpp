#include "sim/power_model.hpp"

#include <algorithm>

namespace slumber::sim {

std::string_view to_string(NodePower state) {
    switch (state) {
        case NodePower::off:
            return "off";
        case NodePower::booting:
            return "booting";
        case NodePower::idle:
            return "idle";
        case NodePower::allocated:
            return "allocated";
        case NodePower::busy:
            return "busy";
        case NodePower::shutting_down:
            return "shutting down";
    }
    return "?";
}

double PowerModel::watts(NodePower state) const {
    switch (state) {
        case NodePower::off:
            return off_watts;
        case NodePower::booting:
            return boot_seconds > 0 ? boot_joules / static_cast<double>(boot_seconds) : 0;
        case NodePower::idle:
        case NodePower::allocated:
            return idle_watts;
        case NodePower::busy:
            return busy_watts;
        case NodePower::shutting_down:
            return shutdown_seconds > 0 ? shutdown_joules / static_cast<double>(shutdown_seconds) : 0;
    }
    return 0;
}

double PowerModel::break_even_seconds() const {
    // A gap of t seconds costs idle_watts * t awake; switched off it costs
    // both transitions plus off_watts for the rest of it:
    //   shutdown_joules + boot_joules + off_watts * (t - shutdown - boot).
    // Equal at the t below; a gap shorter than the transitions cannot be
    // slept through at all.
    const auto transitions = static_cast<double>(boot_seconds + shutdown_seconds);
    const double extra = boot_joules + shutdown_joules - off_watts * transitions;
    return std::max(transitions, extra / (idle_watts - off_watts));
}

}  // namespace slumber::sim
