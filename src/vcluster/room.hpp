// The air of the virtual cluster's room. Every node on warms it, and every
// BMC's inlet sensor reads it, so that slumber's thermal guard can be tested
// end to end: wake enough nodes and the inlets cross its limit. The room's
// temperature with every node off is a file of the run directory, which
// `slumber-vcluster room CELSIUS` changes (an air conditioner that fails).
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "vcluster/spec.hpp"

namespace slumber::vcluster {

/// What a node's power sensor reads, on and off (the BMC's standby power).
inline constexpr int kWattsOn = 180;
inline constexpr int kWattsOff = 8;
/// How often ipmi_sim reads each sensor's file (render_bmc_emu's `poll`).
inline constexpr int kSensorPollMs = 1000;
/// The room with every node off, unless set; °C.
inline constexpr int kRoomCelsius = 22;
/// How much each node that is on warms every inlet; °C.
inline constexpr int kWarmingPerNodeOn = 2;

/// The room's temperature with every node off (°C): the run directory's
/// setting, else kRoomCelsius.
int room_celsius(const RunDir& dir);
/// Sets it, and what every inlet reads now. A value outside -40…100 °C is an
/// error (the range of the emulated sensor's record).
std::expected<void, std::string> set_room_celsius(const RunDir& dir, const Spec& spec, int celsius);
/// Nodes whose power sensor reads on.
int nodes_on(const RunDir& dir, const Spec& spec);
/// Rewrites every node's inlet sensor from the room and the nodes on: called
/// whenever a node's power changes. Each file is replaced whole (a rename),
/// so that ipmi_sim, which polls it, never reads half a number.
void warm_inlets(const RunDir& dir, const Spec& spec);
/// What a node's inlet sensor reads now (°C); the room's when unreadable.
int inlet_celsius(const RunDir& dir, std::string_view node);

}  // namespace slumber::vcluster
