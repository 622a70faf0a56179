#include "power/result.hpp"

#include <fmt/format.h>
#include <array>
#include <utility>

namespace slumber::power {
namespace {

constexpr std::array kKinds{
    ErrorKindInfo{ErrorKind::unreachable, "unreachable", "no answer from the controller", true, Latch::none},
    ErrorKindInfo{ErrorKind::timeout, "timeout", "the controller stopped answering", true, Latch::none},
    ErrorKindInfo{ErrorKind::auth_failed, "auth_failed", "authentication failed", false, Latch::target},
    ErrorKindInfo{ErrorKind::permission, "permission", "privilege too low", false, Latch::action},
    ErrorKindInfo{ErrorKind::bmc_busy, "bmc_busy", "the controller is busy", true, Latch::none},
    ErrorKindInfo{ErrorKind::in_progress, "in_progress", "an action is under way", true, Latch::none},
    ErrorKindInfo{ErrorKind::unsupported, "unsupported", "not supported", false, Latch::action},
    ErrorKindInfo{ErrorKind::protocol, "protocol", "unexpected answer", true, Latch::none},
    ErrorKindInfo{ErrorKind::config, "config", "bad settings", false, Latch::target},
    ErrorKindInfo{ErrorKind::crossed, "crossed", "addresses look crossed", false, Latch::target},
    // slumber's own failure (out of memory, a thread that would not start) may pass.
    ErrorKindInfo{ErrorKind::internal, "internal", "internal error", false, Latch::none},
};

constexpr std::array<std::pair<PowerState, std::string_view>, 5> kStates{{
    {PowerState::on, "on"},
    {PowerState::off, "off"},
    {PowerState::powering_on, "powering_on"},
    {PowerState::powering_off, "powering_off"},
    {PowerState::paused, "paused"},
}};

}  // namespace

const ErrorKindInfo& info(ErrorKind kind) {
    for (const ErrorKindInfo& entry : kKinds) {
        if (entry.kind == kind) return entry;
    }
    return kKinds.back();
}

std::string_view to_string(ErrorKind kind) { return info(kind).name; }

std::string_view to_string(PowerState state) {
    for (const auto& [known, name] : kStates) {
        if (known == state) return name;
    }
    return "?";
}

std::optional<PowerState> parse_power_state(std::string_view text) {
    for (const auto& [state, name] : kStates) {
        if (name == text) return state;
    }
    return std::nullopt;
}

std::optional<ErrorKind> error_kind_from(std::string_view name) {
    for (const ErrorKindInfo& entry : kKinds) {
        if (entry.name == name) return entry.kind;
    }
    return std::nullopt;
}

bool is_transitional(PowerState state) { return state == PowerState::powering_on || state == PowerState::powering_off; }

PowerState heading(PowerState state) {
    if (state == PowerState::powering_on) return PowerState::on;
    if (state == PowerState::powering_off) return PowerState::off;
    return state;
}

std::string describe(const PowerError& error) {
    std::string text(info(error.kind).summary);
    if (!error.message.empty()) text += fmt::format(": {}", error.message);
    if (!error.bmc_said.empty()) text += fmt::format(" (BMC said: {})", error.bmc_said);
    return text;
}

bool stops_conversation(ErrorKind kind) {
    return kind == ErrorKind::unreachable || kind == ErrorKind::auth_failed || kind == ErrorKind::timeout;
}

}  // namespace slumber::power
