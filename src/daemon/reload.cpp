#include "daemon/reload.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "config/diff.hpp"

namespace slumber::daemon {
namespace {

std::optional<std::uint64_t> fingerprint_of_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return config::fingerprint(text.str());
}

}  // namespace

LiveConfig::LiveConfig(config::SharedConfig loaded) : m_current(std::move(loaded)), m_seen(stamp(m_current->file)) {}

std::optional<LiveConfig::FileStamp> LiveConfig::stamp(const std::filesystem::path& file) {
    std::error_code error;
    FileStamp stamp{std::filesystem::last_write_time(file, error), 0};
    if (error) return std::nullopt;
    stamp.size = std::filesystem::file_size(file, error);
    if (error) return std::nullopt;
    return stamp;
}

Reloaded LiveConfig::reload() {
    const std::filesystem::path file = m_current->file;
    // Stamped before it is read: an edit made meanwhile is noticed later.
    m_seen = stamp(file);
    m_changed.reset();
    auto loaded = config::load(file);
    Reloaded outcome;
    if (!loaded) {
        for (const config::ConfigError& error : loaded.error()) outcome.problems.push_back(config::format(error));
        const config::ConfigError& first = loaded.error().front();
        outcome.summary = fmt::format("{} not reloaded, the daemon keeps the configuration it runs: {}{}{}",
                                      file.string(), first.line > 0 ? fmt::format("line {}: ", first.line) : "",
                                      first.key.empty() ? "" : first.key + ": ", first.message);
        if (loaded.error().size() > 1) outcome.summary += fmt::format(" (and {} more)", loaded.error().size() - 1);
        outcome.fingerprint = fingerprint_of_file(file).value_or(0);
        m_told = outcome.fingerprint;
        return outcome;
    }
    const config::ConfigChanges changes = config::diff(*m_current, *loaded);
    if (!changes.need_restart.empty()) {
        for (const std::string& change : changes.need_restart) {
            outcome.problems.push_back(
                fmt::format("{}: {}: a running daemon cannot change it; restart slumberd", file.string(), change));
        }
        outcome.summary = fmt::format(
            "{} not reloaded, the daemon keeps the configuration it runs: {} cannot change while it runs (restart "
            "slumberd to apply the file)",
            file.string(), fmt::join(changes.need_restart, "; "));
        outcome.fingerprint = loaded->fingerprint;
        m_told = outcome.fingerprint;
        return outcome;
    }
    outcome.applied = true;
    outcome.fingerprint = loaded->fingerprint;
    outcome.summary = fmt::format("{} reloaded: {}", file.string(), config::describe(changes));
    m_current = std::make_shared<const config::Config>(std::move(*loaded));
    m_told = 0;
    return outcome;
}

std::optional<std::string> LiveConfig::notice_edit() {
    const std::filesystem::path& file = m_current->file;
    const auto now_stamp = stamp(file);
    if (!now_stamp || now_stamp == m_seen) return std::nullopt;  // unchanged, or being replaced
    if (now_stamp != m_changed) {
        m_changed = now_stamp;  // the next call tells whether it held still
        return std::nullopt;
    }
    const auto now = fingerprint_of_file(file);
    if (!now) return std::nullopt;
    m_seen = now_stamp;
    m_changed.reset();
    if (*now == m_current->fingerprint || *now == m_told) return std::nullopt;
    m_told = *now;
    return fmt::format(
        "{} changed on disk; the daemon still runs the configuration it loaded: reload it (systemctl reload "
        "slumberd, or kill -HUP {}) to apply the file",
        file.string(), ::getpid());
}

std::string reload_words(const Reloaded& outcome, const std::optional<std::string>& token_problem, Audience audience,
                         bool token_back) {
    if (!token_problem) {
        return token_back ? outcome.summary + "; web API: its token is usable again, and so are the actions"
                          : outcome.summary;
    }
    return fmt::format(
        "{}; web API: {}: every action is refused until a reload reads a usable token", outcome.summary,
        audience == Audience::log ? *token_problem : "its token cannot be used (slumberd's log says why)");
}

}  // namespace slumber::daemon
