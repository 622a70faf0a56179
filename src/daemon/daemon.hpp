// slumberd: carries out the requests the hooks journal, follows each boot
// until slurmd registers, and picks up whatever a killed predecessor left
// running. One per state directory, held by a lock.
#pragma once

#include <atomic>

#include "config/config.hpp"

namespace slumber::daemon {

/// Runs until `stop` becomes true (SIGTERM, SIGINT). Whenever `reload` is
/// set (SIGHUP), clears it and loads the configuration's file again
/// (docs/config.md, "Reloading"). Exit code.
int run_daemon(config::Config config, const std::atomic<bool>& stop, std::atomic<bool>& reload);

}  // namespace slumber::daemon
