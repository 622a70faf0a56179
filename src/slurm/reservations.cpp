#include "slurm/reservations.hpp"

#include <fmt/format.h>

#include "hostlist/hostlist.hpp"
#include "slurm/conf_file.hpp"
#include "util/safe_text.hpp"
#include "util/time_text.hpp"

namespace slumber::slurm {
namespace {

// The value of the first " KEY=" token of `line` (or at its start): values
// of the fields read here hold no spaces, and they come before the free
// text a reservation may carry (Comment=, 23.02 and later).
std::optional<std::string_view> field(std::string_view line, std::string_view key) {
    const std::string token = fmt::format("{}=", key);
    std::size_t at = 0;
    if (!line.starts_with(token)) {
        at = line.find(" " + token);
        if (at == std::string_view::npos) return std::nullopt;
        ++at;
    }
    const std::string_view rest = line.substr(at + token.size());
    return rest.substr(0, rest.find(' '));
}

}  // namespace

std::expected<std::vector<Reservation>, ParseError> parse_show_reservation(std::string_view text) {
    std::vector<Reservation> reservations;
    int number = 0;
    while (!text.empty()) {
        const std::string_view line = take_line(text, number);
        if (line.empty() || line == "No reservations in the system") continue;
        if (!line.starts_with("ReservationName=")) {
            return std::unexpected(ParseError{
                number, fmt::format("\"{}\" is no reservation record", util::safe_text(line.substr(0, 80)))});
        }
        Reservation reservation;
        reservation.name = util::safe_text(*field(line, "ReservationName"));
        if (reservation.name.empty()) return std::unexpected(ParseError{number, "a reservation without a name"});
        if (const auto nodes = field(line, "Nodes"); nodes && !nodes->empty() && *nodes != "(null)") {
            auto names = hostlist::expand(*nodes);
            if (!names) {
                return std::unexpected(ParseError{number, fmt::format("reservation {}: Nodes={}: {}", reservation.name,
                                                                      util::safe_text(nodes->substr(0, 80)),
                                                                      hostlist::describe(names.error(), *nodes))});
            }
            reservation.nodes = std::move(*names);
        }
        if (const auto start = field(line, "StartTime")) {
            if (auto time = util::parse_slurm_time(*start)) reservation.start = *time;
        }
        if (const auto stop = field(line, "EndTime")) {
            if (auto time = util::parse_slurm_time(*stop)) reservation.end = *time;
        }
        reservation.active = field(line, "State") == std::optional<std::string_view>("ACTIVE");
        reservations.push_back(std::move(reservation));
    }
    return reservations;
}

}  // namespace slumber::slurm
