// What a node draws in each state and how long switching takes. The
// defaults are the published model of Batsim's energy tests (see
// ../shared/data/README.md): idle 95 W, off 9.75 W, computing 190.7 W,
// switching on 152 s and 19,030 J, switching off 6.1 s and 620 J.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace slumber::sim {

/// A simulated node's power states. Allocated is on, reserved for a job
/// whose other nodes are still booting: it draws idle power.
enum class NodePower { off, booting, idle, allocated, busy, shutting_down };
constexpr std::size_t kNodePowers = 6;
std::string_view to_string(NodePower state);

struct PowerModel {
    double off_watts = 9.75;
    double idle_watts = 95;
    double busy_watts = 190.7;
    std::int64_t boot_seconds = 152;
    double boot_joules = 19'030;
    std::int64_t shutdown_seconds = 6;  ///< 6.1 s in the model; the simulator counts whole seconds
    double shutdown_joules = 620;

    [[nodiscard]] double watts(NodePower state) const;
    /// How long a node must stay idle for switching it off and on again to
    /// save energy at all.
    [[nodiscard]] double break_even_seconds() const;
};

}  // namespace slumber::sim
