// What a power call returns: a power state, or an error whose kind says what
// an admin (and the retry logic) should do about it, with the BMC's own words.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "util/safe_text.hpp"

namespace slumber::power {

/// What a target's power is doing, as honestly as its controller says.
/// Redfish reports all five (DSP0268 Resource.PowerState: On, Off,
/// PoweringOn, PoweringOff, and Paused from Resource v1_13_0); IPMI, plugs and
/// the other drivers know only on and off. A transitional state is neither
/// end: a system in powering_off still has power, and one in powering_on has
/// not finished coming on.
enum class PowerState {
    on,
    off,
    powering_on,   ///< between off and on: the controller is processing a power-on
    powering_off,  ///< between on and off: a shutdown (perhaps a graceful one that hangs) is under way
    paused,        ///< powered, but the system is paused (not running)
};

enum class ErrorKind {
    unreachable,  ///< no answer at all: wrong address, network, BMC hung
    timeout,      ///< the BMC answered at first, then stopped within the call
    auth_failed,  ///< wrong user name, password or key; never retried in a loop
    permission,   ///< the account's privilege is too low for this action
    bmc_busy,     ///< the BMC refused for now (out of sessions, node busy)
    in_progress,  ///< an action is under way on the target (accepted and not yet done, or the BMC
                  ///< said a change is in progress): wait for it, never send it again
    unsupported,  ///< the BMC or driver cannot do this
    protocol,     ///< garbage or an unexpected answer
    config,       ///< bad settings for this target (e.g. an unknown option value)
    /// The target's address looks crossed with another node's: its power
    /// changes landed on the other machine (engine/crossed.hpp), the kind
    /// of the block that stops both nodes; or it may be, and slumber did
    /// not call the BMC: a power cycle of a machine that is on while the
    /// node's own address is dark (operate/fresh_boot.hpp). Never a BMC's
    /// answer.
    crossed,
    internal,  ///< slumber itself failed
};

/// How far a failure that cannot heal by itself reaches. Such a failure
/// blocks the target for every automatic caller (daemon, hooks, recovery)
/// until its settings or its credentials file change or an admin clears it:
/// a BMC that refused a password must not be asked again every pass, since
/// many lock the account after a few failed logins (docs/power.md, "Blocked
/// targets").
enum class Latch {
    none,    ///< may heal by itself: retry later
    action,  ///< this action on this target cannot work (ResetType not offered, privilege too low)
    target,  ///< no action on this target can work (password refused, bad settings)
};

/// The error kinds: name (for JSON and logs), what to tell the admin,
/// whether trying again at once may help, and whether a failure latches.
struct ErrorKindInfo {
    ErrorKind kind;
    std::string_view name;
    std::string_view summary;
    bool transient;
    Latch latch;
};
const ErrorKindInfo& info(ErrorKind kind);
std::string_view to_string(ErrorKind kind);
/// Whether a failure of this kind means that asking the target anything
/// more now would only cost another timeout or another refused login.
bool stops_conversation(ErrorKind kind);
/// The kind a name stands for (as to_string() writes it), if any.
std::optional<ErrorKind> error_kind_from(std::string_view name);
/// "on", "off", "powering_on", "powering_off", "paused": for JSON, logs and
/// the journal; parse_power_state() reads them back.
std::string_view to_string(PowerState state);
std::optional<PowerState> parse_power_state(std::string_view text);
/// powering_on or powering_off: the state is still changing, so a decision
/// that depends on where it ends must wait for it.
bool is_transitional(PowerState state);
/// Where a state is heading: powering_on leads to on, powering_off to off;
/// every other state is where it stays.
PowerState heading(PowerState state);

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
