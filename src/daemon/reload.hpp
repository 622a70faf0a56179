// The configuration the daemon runs, and replacing it when the admin asks
// (SIGHUP, `systemctl reload slumberd`): the file is loaded and checked in
// full first; a file that does not load, or that changes what a running
// daemon cannot change, leaves the running configuration in force. Each pass
// and each batch works on the snapshot it started with, so a reload never
// pulls a configuration out from under a batch in flight.
//
// The daemon also notices an edit it was not asked to load, and says so
// once, in its log, its journal and `slumber status`; it never loads one by
// itself: an editor's half-written file can be valid and still wrong.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace slumber::daemon {

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

class LiveConfig {
  public:
    explicit LiveConfig(config::SharedConfig loaded);

    /// The configuration in force; a caller keeps the pointer for as long as
    /// it works with it.
    [[nodiscard]] const config::SharedConfig& current() const { return m_current; }

    /// Loads the file (the one current() was loaded from) again.
    Reloaded reload();

    /// Checks the file on disk (its size and modification time, then its
    /// text when those moved and then held still for one more call, so that
    /// an editor's save or a reload on its way are not reported). Returns a
    /// warning the first time the file differs from the configuration in
    /// force, once per different text; nothing while it is unchanged or
    /// when that text was refused already. Call it every few seconds.
    std::optional<std::string> notice_edit();

  private:
    struct FileStamp {
        std::filesystem::file_time_type time{};
        std::uintmax_t size = 0;
        bool operator==(const FileStamp&) const = default;
    };
    static std::optional<FileStamp> stamp(const std::filesystem::path& file);

    config::SharedConfig m_current;
    std::optional<FileStamp> m_seen;     ///< the file as last read or reported
    std::optional<FileStamp> m_changed;  ///< a change seen once, not yet reported
    std::uint64_t m_told = 0;            ///< fingerprint last warned about or refused
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

}  // namespace slumber::daemon
