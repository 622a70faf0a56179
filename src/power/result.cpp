#include "power/result.hpp"

#include <fmt/format.h>
#include <array>

namespace slumber::power {
namespace {

constexpr std::array kKinds{
    ErrorKindInfo{ErrorKind::unreachable, "unreachable", "no answer from the controller", true},
    ErrorKindInfo{ErrorKind::timeout, "timeout", "the controller stopped answering", true},
    ErrorKindInfo{ErrorKind::auth_failed, "auth_failed", "authentication failed", false},
    ErrorKindInfo{ErrorKind::permission, "permission", "privilege too low", false},
    ErrorKindInfo{ErrorKind::bmc_busy, "bmc_busy", "the controller is busy", true},
    ErrorKindInfo{ErrorKind::unsupported, "unsupported", "not supported", false},
    ErrorKindInfo{ErrorKind::protocol, "protocol", "unexpected answer", true},
    ErrorKindInfo{ErrorKind::config, "config", "bad settings", false},
    ErrorKindInfo{ErrorKind::internal, "internal", "internal error", false},
};

}  // namespace

const ErrorKindInfo& info(ErrorKind kind) {
    for (const ErrorKindInfo& entry : kKinds) {
        if (entry.kind == kind) return entry;
    }
    return kKinds.back();
}

std::string_view to_string(ErrorKind kind) { return info(kind).name; }

std::string_view to_string(PowerState state) { return state == PowerState::on ? "on" : "off"; }

std::string describe(const PowerError& error) {
    std::string text(info(error.kind).summary);
    if (!error.message.empty()) text += fmt::format(": {}", error.message);
    if (!error.bmc_said.empty()) text += fmt::format(" (BMC said: {})", error.bmc_said);
    return text;
}

}  // namespace slumber::power
