// Which configuration a running slumberd runs: the daemon records it in its
// state directory (slumberd.config: its pid, the file, the fingerprint of the
// text in force and of the last text it refused, with why), and `slumber
// status` reads it to say when the file on disk is not what the daemon runs.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace slumber::operate {

/// What a reload did.
struct Reloaded {
    bool applied = false;
    /// Applied: config::describe() of the changes ("no change" too).
    /// Refused: why, in one line, for the journal.
    std::string summary;
    /// Refused: every problem, formatted as `slumber config check` does.
    std::vector<std::string> problems;
    /// config::fingerprint() of the text that was tried; 0 if unread.
    std::uint64_t fingerprint = 0;
};

/// Records, in the state directory, which file and which version of it the
/// daemon runs (and the last refused version, with why), for `slumber
/// status`. Best effort: a failure is returned to be logged.
std::expected<void, std::string> record_running_config(const config::Config& config, const Reloaded* refused);

/// Removes that record: the daemon stops.
void forget_running_config(const config::Config& config);

/// `slumber status`'s word on the daemon's configuration: nullopt when no
/// daemon runs or it runs this very file as it is now; otherwise what
/// differs and what to do.
std::optional<std::string> running_config_warning(const config::Config& file);

}  // namespace slumber::operate
