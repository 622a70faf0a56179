// scontrol's output is external input: any bytes must parse or be refused
// with a line number, never crash; boot times are never before 1970 and
// what Slurm's users wrote (reasons, reservation names) is safe to print.
// `scontrol ping`'s answer and `scontrol show reservation`'s go through
// their parsers too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "slurm/controllers.hpp"
#include "slurm/node_state.hpp"
#include "slurm/reservations.hpp"
#include "util/safe_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto nodes = slumber::slurm::parse_show_node(text);
    if (nodes) {
        for (const auto& node : *nodes) {
            if (node.name.empty() || node.base.empty()) __builtin_trap();
            if (node.boot_time && *node.boot_time < 0) __builtin_trap();
            if (!slumber::util::is_safe_text(node.reason) || !slumber::util::is_safe_text(node.state_text()) ||
                !slumber::util::is_safe_text(node.reservation)) {
                __builtin_trap();
            }
        }
    } else if (nodes.error().line < 1) {
        __builtin_trap();
    }
    auto pings = slumber::slurm::parse_ping(text);
    if (pings) {
        for (const auto& ping : *pings) {
            if (ping.host.empty() || ping.mode.empty() || !slumber::util::is_safe_text(ping.host)) __builtin_trap();
        }
    } else if (pings.error().line < 1) {
        __builtin_trap();
    }
    auto reservations = slumber::slurm::parse_show_reservation(text);
    if (reservations) {
        for (const auto& reservation : *reservations) {
            if (reservation.name.empty() || !slumber::util::is_safe_text(reservation.name)) __builtin_trap();
            for (const auto& node : reservation.nodes) {
                if (node.empty()) __builtin_trap();
            }
        }
    } else if (reservations.error().line < 1) {
        __builtin_trap();
    }
    return 0;
}
