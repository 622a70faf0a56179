// What a power call returns: a power state, or an error whose kind says what
// an admin (and the retry logic) should do about it, with the BMC's own words.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "util/safe_text.hpp"

namespace slumber::power {

enum class PowerState { on, off };

enum class ErrorKind {
    unreachable,  ///< no answer at all: wrong address, network, BMC hung
    timeout,      ///< the BMC answered at first, then stopped within the call
    auth_failed,  ///< wrong user name, password or key; never retried in a loop
    permission,   ///< the account's privilege is too low for this action
    bmc_busy,     ///< the BMC refused for now (out of sessions, node busy)
    unsupported,  ///< the BMC or driver cannot do this
    protocol,     ///< garbage or an unexpected answer
    config,       ///< bad settings for this target (e.g. an unknown option value)
    internal,     ///< slumber itself failed
};

/// The error kinds: name (for JSON and logs), what to tell the admin, and
/// whether trying again may help.
struct ErrorKindInfo {
    ErrorKind kind;
    std::string_view name;
    std::string_view summary;
    bool transient;
};
const ErrorKindInfo& info(ErrorKind kind);
std::string_view to_string(ErrorKind kind);
std::string_view to_string(PowerState state);

struct PowerError {
    ErrorKind kind = ErrorKind::internal;
    std::string message;   ///< slumber's words: what failed
    std::string bmc_said;  ///< the device's own words, when it gave any
};

/// "authentication failed (BMC said: password invalid)"
std::string describe(const PowerError& error);

template <typename T>
using Result = std::expected<T, PowerError>;

/// The error as a value. Both texts may carry a device's words (a reply, a
/// header, a JSON message): they are made safe to print here, where every
/// driver's errors pass, so that no log line, journal entry or terminal
/// gets a device's control characters.
inline std::unexpected<PowerError> fail(ErrorKind kind, std::string message, std::string bmc_said = {}) {
    return std::unexpected(PowerError{kind, util::safe_text(message), util::safe_text(bmc_said)});
}

}  // namespace slumber::power
