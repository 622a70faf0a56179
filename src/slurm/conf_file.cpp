#include "slurm/conf_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "hostlist/hostlist.hpp"
#include "slurm/conf_keys.hpp"
#include "slurm/slurm_conf.hpp"

namespace slumber::slurm {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxDepth = 16;

// "#" starts a comment unless escaped ("\#", which Slurm's parser keeps).
std::string without_comment(std::string_view line) {
    std::string out;
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '#') {
            out += '#';
            ++i;
        } else if (line[i] == '#') {
            break;
        } else {
            out += line[i];
        }
    }
    return out;
}

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

bool key_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.'; }

// The next Key=Value pair of `text` from `at`, as Slurm's parser reads one
// (src/common/parse_config.c, its key-value pattern, 22.05 and 24.11): blanks,
// a key of letters, digits, '_' and '.', blanks, an operator (-, *, + or /)
// before the '=', blanks, then a value in double quotes (blanks allowed,
// quotes removed) or a run without blanks, ended by a blank or the line's
// end. `at` moves past it; nothing when no pair starts there, `at` then at
// the first character that is not a blank.
std::optional<std::pair<std::string, std::string>> next_pair(std::string_view text, std::size_t& at) {
    while (at < text.size() && blank(text[at])) ++at;
    std::size_t i = at;
    while (i < text.size() && key_char(text[i])) ++i;
    if (i == at) return std::nullopt;
    std::string key(text.substr(at, i - at));
    while (i < text.size() && blank(text[i])) ++i;
    // The operator stays part of the key: `SuspendExcNodes+=n1` does not
    // set SuspendExcNodes.
    if (i + 1 < text.size() && std::string_view("-*+/").find(text[i]) != std::string_view::npos && text[i + 1] == '=') {
        key += text[i++];
    }
    if (i >= text.size() || text[i] != '=') return std::nullopt;
    ++i;
    while (i < text.size() && blank(text[i])) ++i;
    if (i < text.size() && text[i] == '"') {
        const auto close = text.find('"', i + 1);
        if (close != std::string_view::npos && (close + 1 == text.size() || blank(text[close + 1]))) {
            at = close + 1;
            return std::pair{std::move(key), std::string(text.substr(i + 1, close - i - 1))};
        }
    }
    const std::size_t value = i;
    while (i < text.size() && !blank(text[i])) ++i;
    if (i == value) return std::nullopt;  // `Key=` alone: Slurm's parse error
    at = i;
    return std::pair{std::move(key), std::string(text.substr(value, i - value))};
}

std::optional<std::string> read_file(const fs::path& file) { return read_conf(file); }

class Reader {
  public:
    Reader(const ConfReader& reader, SlurmConf& conf, fs::path base)
        : m_read(reader), m_conf(conf), m_base(std::move(base)) {}

    void parse(std::string_view text, const fs::path& file, int depth) {
        m_open.push_back(file);
        int number = 0;
        std::string joined;
        int first = 0;
        while (!text.empty()) {
            const auto end = text.find('\n');
            std::string_view line = text.substr(0, end);
            text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
            ++number;
            if (joined.empty()) first = number;
            // A backslash at the end continues the line.
            const std::string_view trimmed = trim(line);
            if (!trimmed.empty() && trimmed.back() == '\\' && !text.empty()) {
                joined += trimmed.substr(0, trimmed.size() - 1);
                continue;
            }
            joined += line;
            take_line(joined, {file, first}, depth);
            joined.clear();
        }
        m_open.pop_back();
    }

  private:
    void take_line(std::string_view raw, const ConfPlace& place, int depth) {
        const std::string line = without_comment(raw);
        const std::string_view body = trim(line);
        if (body.empty()) return;
        if (body.size() > 8 && same_key(body.substr(0, 7), "include") && (body[7] == ' ' || body[7] == '\t')) {
            include(trim(body.substr(8)), place, depth);
            return;
        }
        // A global line holds one setting; a record's line (NodeName=...)
        // its name and the record's own keys. What Slurm cannot read as that
        // is refused, the file with it (slurmctld does not start).
        std::size_t at = 0;
        std::vector<std::pair<std::string, std::string>> pairs;
        auto first = next_pair(body, at);
        if (!first) return refuse(place, body, {}, body.substr(at), ConfLineKind::global);
        const ConfLineKind kind = line_kind(first->first);
        pairs.push_back(std::move(*first));
        if (kind != ConfLineKind::global) {
            while (auto pair = next_pair(body, at)) pairs.push_back(std::move(*pair));
        }
        while (at < body.size() && blank(body[at])) ++at;
        const std::string_view rest = body.substr(at);
        const auto unknown = std::find_if(pairs.begin() + (kind == ConfLineKind::global ? 0 : 1), pairs.end(),
                                          [&](const auto& pair) { return !known_key(kind, pair.first); });
        if (unknown != pairs.end()) {
            refuse(place, body, unknown->first, rest, kind);
        } else if (!rest.empty()) {
            refuse(place, body, {}, rest, kind);
        }
        if (kind == ConfLineKind::node) {
            m_conf.nodes.push_back({std::move(pairs), place});
        } else if (kind == ConfLineKind::partition) {
            m_conf.partitions.push_back({std::move(pairs), place});
        } else if (kind == ConfLineKind::global) {
            m_conf.global_lines.emplace_back(body);
            m_conf.settings.push_back({std::move(pairs.front().first), std::move(pairs.front().second), place});
        }  // NodeSet, DownNodes, FrontendName: records doctor does not read
    }

    void refuse(const ConfPlace& place, std::string_view line, std::string key, std::string_view rest,
                ConfLineKind kind) {
        m_conf.refused.push_back({place, std::string(line), std::move(key), std::string(rest), kind});
    }

    void include(std::string_view name, const ConfPlace& place, int depth) {
        std::string path(name);
        // Slurm 22.05 and 24.11 take quotes as part of the name ("cannot
        // stat file /etc/slurm/\"/etc/slurm/a.conf\""), and slurmctld does not
        // start; a tester's quoted Include passed doctor.
        if (!path.empty() && path.front() == '"') {
            m_conf.problems.push_back(
                {place,
                 fmt::format("Include {}: Slurm reads the quotes as part of the file's name and finds no such "
                             "file",
                             path),
                 "write the name without quotes"});
            return;
        }
        // %c: ClusterName as read so far (INCLUDE MODIFIERS).
        const ConfSetting* cluster = m_conf.find("ClusterName");
        for (auto at = path.find("%c"); at != std::string::npos; at = path.find("%c", at)) {
            const std::string value = cluster ? cluster->value : std::string();
            path.replace(at, 2, value);
            at += value.size();
        }
        fs::path file = path;
        if (file.is_relative()) {
            // In an included file, Slurm 22.05 takes a relative name from
            // that file's directory, 24.11 from slurm.conf's, as
            // slurm.conf(5) says (a tester, both versions): where the two
            // differ, the site's Slurm may read another file than doctor.
            const fs::path from_here = place.file.parent_path() / file;
            file = m_base / file;
            if (depth > 0 && from_here.lexically_normal() != file.lexically_normal()) {
                m_conf.problems.push_back(
                    {place,
                     fmt::format("Include {}: a relative name in an included file is {} for Slurm 24.11 "
                                 "(from slurm.conf's directory) but {} for 22.05 (from this file's)",
                                 path, file.string(), from_here.string()),
                     fmt::format("write the name in full: Include {}", file.string()),
                     fmt::format("Include {}", file.string())});
            }
        }
        if (depth >= kMaxDepth) {
            m_conf.problems.push_back({place,
                                       fmt::format("Include {}: more than {} levels of Include", path, kMaxDepth),
                                       "move its settings into a file fewer Includes deep"});
            return;
        }
        // Debian's Slurm reads no pattern: 22.05 looks for a file of that
        // very name ("cannot stat file .../*.conf", then fatal), 24.11 skips
        // the line ("Slurm does not support glob parsing. ... will be
        // skipped over"), both seen by a tester. Its files' settings are not
        // Slurm's, so they are not read here either.
        if (path.find_first_of("*?[") != std::string::npos) {
            m_conf.problems.push_back(
                {place,
                 fmt::format("Include {}: Slurm as Debian builds it expands no pattern (22.05 looks for a file "
                             "of that name, 24.11 skips the line): its files are not read",
                             path),
                 "name each file on an Include line of its own"});
            return;
        }
        if (std::find(m_open.begin(), m_open.end(), file) != m_open.end()) {
            const bool itself = file == m_open.back();
            m_conf.problems.push_back(
                {place,
                 itself ? fmt::format("Include {}: the file includes itself", file.string())
                        : fmt::format("Include {}: that file is already being read, which includes this one (a loop)",
                                      file.string()),
                 "remove the Include line that closes the loop"});
            return;
        }
        const auto text = m_read(file);
        if (!text) {
            m_conf.problems.push_back({place, fmt::format("Include {}: cannot be read", file.string()),
                                       "make the file exist and be readable, or remove the Include line"});
            return;
        }
        m_conf.files.push_back(file);
        parse(*text, file, depth + 1);
    }

    const ConfReader& m_read;
    SlurmConf& m_conf;
    fs::path m_base;
    std::vector<fs::path> m_open;  // the files being read, to refuse a loop
};

std::vector<std::string> expand(std::string_view expression) {
    std::vector<std::string> names;
    auto parsed = hostlist::Hostlist::parse(expression);
    if (parsed) parsed->for_each([&](std::string_view name) { names.emplace_back(name); });
    return names;
}

}  // namespace

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

std::string_view take_line(std::string_view& text, int& number) {
    const std::size_t end = text.find('\n');
    const std::string_view line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++number;
    return line;
}

bool same_key(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::optional<std::string> ConfRecord::get(std::string_view key) const {
    std::optional<std::string> value;
    for (const auto& [name, each] : pairs) {
        if (same_key(name, key)) value = each;
    }
    return value;
}

const ConfSetting* SlurmConf::find(std::string_view key) const {
    const auto it = std::find_if(settings.rbegin(), settings.rend(),
                                 [&](const ConfSetting& setting) { return same_key(setting.key, key); });
    return it == settings.rend() ? nullptr : &*it;
}

std::vector<std::string> SlurmConf::node_names() const {
    std::vector<std::string> names;
    std::set<std::string, std::less<>> seen;
    for (const ConfRecord& record : nodes) {
        if (same_key(record.name(), "DEFAULT")) continue;
        for (std::string& name : expand(record.name())) {
            if (seen.insert(name).second) names.push_back(std::move(name));
        }
    }
    return names;
}

std::vector<std::string> SlurmConf::partition_nodes(std::string_view name) const {
    std::vector<std::string> names;
    for (const ConfRecord& record : partitions) {
        if (record.name() != name) continue;
        const auto value = record.get("Nodes");
        if (!value) continue;
        if (same_key(*value, "ALL")) return node_names();
        // Nodes= is a list of hostlists and node sets; node sets are not read.
        for (std::string& node : expand(*value)) names.push_back(std::move(node));
    }
    return names;
}

std::optional<SlurmConf> read_slurm_conf(const std::filesystem::path& slurm_conf, const ConfReader& reader) {
    const ConfReader use = reader ? reader : ConfReader(read_file);
    const auto text = use(slurm_conf);
    if (!text) return std::nullopt;
    SlurmConf conf;
    conf.files.push_back(slurm_conf);
    Reader(use, conf, slurm_conf.parent_path()).parse(*text, slurm_conf, 0);
    return conf;
}

SlurmConf parse_slurm_conf(std::string_view text, const std::filesystem::path& file) {
    SlurmConf conf;
    conf.files.push_back(file);
    const ConfReader none = [](const fs::path&) -> std::optional<std::string> { return std::nullopt; };
    Reader(none, conf, file.parent_path()).parse(text, file, 0);
    return conf;
}

}  // namespace slumber::slurm
