// IPMI 2.0 over LAN (RMCP+) through libfreeipmi: one session per call, so a
// BMC's few session slots are held only for the moment they are needed.
#pragma once

#include <memory>

#include "power/driver.hpp"
#include "power/factory.hpp"

namespace slumber::power::ipmi {

/// libfreeipmi's error number (ipmi_ctx_errnum) sorted into slumber's kinds.
ErrorKind error_kind(int freeipmi_errnum);

/// Checks the target's IPMI options (port, cipher_suite, privilege,
/// workarounds) and builds the driver.
Result<std::unique_ptr<Driver>> make(const TargetSettings& settings);

}  // namespace slumber::power::ipmi
