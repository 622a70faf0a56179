// One RMCP+ Open Session Request, sent alone to learn how a BMC answers it:
// which cipher suites it refuses and what privilege it grants. The request
// carries no user name and no password (IPMI 2.0 section 13.17): it is not
// a login attempt and cannot lock an account.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace slumber::power::ipmi {

struct OpenSessionAnswer {
    std::uint8_t status = 0;         ///< RMCP+ status code (IPMI 2.0 table 13-15); 0: accepted
    std::uint8_t max_privilege = 0;  ///< the privilege the BMC grants, when accepted
};

/// Asks `host` ("name", "name:port" or "[v6]:port"; port 623 by default)
/// to open a session with `cipher_suite` at `privilege` (0: the highest the
/// user may have, as FreeIPMI asks without the opensesspriv workaround).
/// Nothing when the cipher suite has no algorithms FreeIPMI knows, or when no
/// answer comes within `timeout`. A BMC that accepts keeps the half-open
/// session until its own timeout: call it only after a session failed.
std::optional<OpenSessionAnswer> probe_open_session(const std::string& host, std::uint8_t cipher_suite,
                                                    std::uint8_t privilege, std::chrono::milliseconds timeout);

/// "invalid authentication algorithm", FreeIPMI's words for an RMCP+ status.
std::string rmcpplus_status_text(std::uint8_t status);

/// Whether the status refuses the cipher suite's algorithms (0x04–0x07,
/// 0x10, 0x11): the BMC does not offer that cipher suite.
bool refuses_cipher_suite(std::uint8_t status);

}  // namespace slumber::power::ipmi
