#include "slurm/client_conf.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace slumber::slurm {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kHead = "# slumber: made from ";

std::optional<std::string> read_text(const fs::path& file) {
    std::ifstream in(file);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

std::string client_conf_text(const SlurmConf& conf) {
    // One head line per file: a path may hold spaces, never a newline
    // that slurm.conf's own Include could name.
    std::string text;
    for (const fs::path& file : conf.files) text += fmt::format("{}{}\n", kHead, file.string());
    text +=
        "# slurm.conf without its node and partition definitions, for slumber's own calls of\n"
        "# Slurm's commands (they ask slurmctld for those); rewritten when a file above changes.\n";
    for (const std::string& line : conf.global_lines) text += line + "\n";
    return text;
}

std::optional<std::vector<fs::path>> client_conf_sources(std::string_view text) {
    std::vector<fs::path> sources;
    while (text.starts_with(kHead)) {
        const auto end = text.find('\n');
        if (end == std::string_view::npos) return std::nullopt;
        sources.emplace_back(text.substr(kHead.size(), end - kHead.size()));
        text.remove_prefix(end + 1);
    }
    if (sources.empty()) return std::nullopt;
    return sources;
}

fs::path ClientConf::conf_for_commands() {
    const std::lock_guard lock(m_mutex);
    if (up_to_date()) return m_file;
    if (m_writes && write()) return m_file;
    return m_source;
}

bool ClientConf::up_to_date() {
    std::error_code error;
    const auto made = fs::last_write_time(m_file, error);
    if (error) return false;
    if (m_sources.empty()) {
        const auto text = read_text(m_file);
        const auto sources = text ? client_conf_sources(*text) : std::nullopt;
        if (!sources || sources->front() != m_source) return false;
        m_sources = *sources;
    }
    for (const fs::path& source : m_sources) {
        const auto changed = fs::last_write_time(source, error);
        if (error || changed > made) {
            m_sources.clear();
            return false;
        }
    }
    return true;
}

std::expected<void, std::string> ClientConf::write() {
    // The copy carries the time its reading began: a file changed while it
    // was read is newer, and makes the next call write it again.
    const auto started = fs::file_time_type::clock::now();
    const auto conf = read_slurm_conf(m_source);
    if (!conf) return std::unexpected(fmt::format("{} cannot be read", m_source.string()));
    // An Include that cannot be followed leaves out settings scontrol would
    // read: the commands then get slurm.conf itself, and say what is wrong.
    if (!conf->problems.empty()) return std::unexpected(conf->problems.front().what);
    const fs::path partial = m_file.string() + ".new";
    {
        std::ofstream out(partial, std::ios::trunc);
        out << client_conf_text(*conf);
        if (!out.flush()) return std::unexpected(fmt::format("cannot write {}", partial.string()));
    }
    std::error_code error;
    fs::permissions(partial,
                    fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read,
                    error);
    fs::last_write_time(partial, started, error);
    fs::rename(partial, m_file, error);
    if (error) return std::unexpected(fmt::format("cannot write {}: {}", m_file.string(), error.message()));
    m_sources = conf->files;
    return {};
}

}  // namespace slumber::slurm
