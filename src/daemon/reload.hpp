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
#include "operate/running_config.hpp"

namespace slumber::daemon {

using operate::Reloaded;

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

/// Who reads reload_words(): the log (root's) or the journal, which anyone
/// who reaches the web API reads (/api/events needs no token).
enum class Audience { log, journal };

/// What the log or the journal says of a reload: the outcome's summary and,
/// when the web server could not read its token again (`token_problem`,
/// Token::read's words), that every action of the web API is refused from
/// now on. A tester's token file made readable by others was journaled as
/// "reloaded: no change" while the API went read-only. The journal's words
/// leave the problem to the log: they would tell every reader of the API
/// where the token lies and that others may read it.
/// `token_back`: the token is usable again after a reload that could not
/// read it (said, since nothing else tells that actions work again).
std::string reload_words(const Reloaded& outcome, const std::optional<std::string>& token_problem,
                         Audience audience = Audience::log, bool token_back = false);

}  // namespace slumber::daemon
