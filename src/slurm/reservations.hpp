// Slurm's advance reservations, as `scontrol --oneliner show reservation`
// prints them (scontrol(1), Slurm 22.05 and 24.11): which nodes are held
// for whom, and when. `scontrol show node` does not say it under 22.05: a
// node in an active reservation shows plain IDLE+POWERED_DOWN there (seen on
// the virtual cluster; 24.11 adds ReservationName=), so a check that must
// leave reserved nodes alone asks for the reservations themselves.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "slurm/node_state.hpp"

namespace slumber::slurm {

struct Reservation {
    std::string name;                   ///< ReservationName=, safe to show
    std::vector<std::string> nodes;     ///< Nodes=, expanded; none for "(null)"
    std::optional<std::int64_t> start;  ///< StartTime=, Unix s (local time, as Slurm prints it)
    std::optional<std::int64_t> end;    ///< EndTime=, Unix s
    bool active = false;                ///< State=ACTIVE (else INACTIVE: not begun, or over)
};

/// Every reservation in the output ("No reservations in the system": none).
/// Errors, naming the line: a line that is no reservation record, a record
/// without a name, a Nodes= that is no hostlist; nothing is returned then.
std::expected<std::vector<Reservation>, ParseError> parse_show_reservation(std::string_view text);

}  // namespace slumber::slurm
