#include "slurm/slurm_conf.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "hostlist/hostlist.hpp"
#include "slurm/conf_file.hpp"
#include "slurm/dialect.hpp"
#include "slurm/power_save.hpp"

namespace slumber::slurm {
namespace {}  // namespace

std::optional<std::string> conf_option(std::string_view text, std::string_view key) {
    std::optional<std::string> value;
    while (!text.empty()) {
        const auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        line = trim(line.substr(0, line.find('#')));
        const auto equals = line.find('=');
        if (equals == std::string_view::npos || !same_key(trim(line.substr(0, equals)), key)) continue;
        value = std::string(trim(line.substr(equals + 1)));
    }
    return value;
}

std::optional<std::string> read_conf(const std::filesystem::path& slurm_conf) {
    // An ifstream opens a directory and reads it as an empty file: `[slurm]
    // conf = "/etc/slurm"` was taken for a slurm.conf without a setting.
    std::error_code error;
    if (std::filesystem::is_directory(slurm_conf, error)) return std::nullopt;
    std::ifstream in(slurm_conf);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::optional<std::string> slurm_user(const std::filesystem::path& slurm_conf) {
    const auto conf = read_slurm_conf(slurm_conf);  // Include lines followed: sites keep SlurmUser there
    if (!conf) return std::nullopt;
    const ConfSetting* user = conf->find("SlurmUser");
    return user != nullptr && !user->value.empty() ? user->value : "root";
}

std::optional<std::chrono::seconds> resume_timeout(const std::filesystem::path& slurm_conf) {
    const auto conf = read_slurm_conf(slurm_conf);
    if (!conf) return std::nullopt;
    const ConfSetting* value = conf->find("ResumeTimeout");
    if (value == nullptr) return ResumeTimeout{}.limit;
    const auto parsed = parse_resume_timeout(value->value);  // INFINITE: nothing
    return parsed ? parsed->limit : std::nullopt;
}

ExclusionCheck compare_exclusions(const std::vector<std::string>& managed, const std::vector<std::string>& exclude,
                                  std::string_view conf_text) {
    return compare_exclusions(managed, exclude, rules_from_slurm_conf(conf_text));
}

ExclusionCheck compare_exclusions(const std::vector<std::string>& managed, const std::vector<std::string>& exclude,
                                  const PowerSaveRules& rules) {
    ExclusionCheck check;
    check.parts = fmt::format("{}", fmt::join(rules.exc_parts, ","));
    std::set<std::string, std::less<>> always;
    std::set<std::string, std::less<>> counted;
    if (!rules.error.empty()) {
        check.error = rules.error;
        return check;
    }
    for (const ExcludedGroup& group : rules.exc_nodes) {
        (group.keep ? counted : always).insert(group.nodes.begin(), group.nodes.end());
    }
    const std::set<std::string, std::less<>> excluded(exclude.begin(), exclude.end());
    for (const std::string& node : managed) {
        const bool slumber_keeps = excluded.contains(node);
        const bool slurm_keeps = always.contains(node);
        if (slumber_keeps && !slurm_keeps) {
            check.only_in_slumber.push_back(node);
            if (counted.contains(node)) check.counted.push_back(node);
        } else if (slurm_keeps && !slumber_keeps) {
            check.only_in_slurm.push_back(node);
        }
    }
    return check;
}

std::vector<std::string> check_exclusions(const std::filesystem::path& slurm_conf,
                                          const std::vector<std::string>& managed,
                                          const std::vector<std::string>& exclude) {
    const auto text = read_conf(slurm_conf);
    if (!text) {
        return {
            fmt::format("{} cannot be read: SuspendExcNodes not compared with [slurm] exclude", slurm_conf.string())};
    }
    std::vector<std::string> lines = compare_exclusions(managed, exclude, *text).describe();
    for (std::string& line : lines) line = fmt::format("{}: {}", slurm_conf.string(), line);
    return lines;
}

std::vector<std::string> check_exclusions_in_force(const std::filesystem::path& slurm_conf,
                                                   const std::expected<std::string, std::string>& show_config,
                                                   const std::vector<std::string>& managed,
                                                   const std::vector<std::string>& exclude) {
    if (!show_config) {
        std::vector<std::string> lines = check_exclusions(slurm_conf, managed, exclude);
        for (std::string& line : lines) {
            line += fmt::format(" (slurmctld did not answer, so slurm.conf as written: {})", show_config.error());
        }
        return lines;
    }
    const PowerSaveRules in_force = rules_from_show_config(*show_config);
    std::vector<std::string> lines = compare_exclusions(managed, exclude, in_force).describe();
    if (lines.empty()) return lines;
    // Where the value in force comes from: the file's own line, or elsewhere.
    const auto values = parse_show_config(*show_config);
    const auto shown_value = values.find("SuspendExcNodes");
    const std::string shown = shown_value == values.end() ? std::string("(null)") : shown_value->second;
    const auto text = read_conf(slurm_conf).value_or("");
    int line_number = 0;
    int number = 0;
    for (std::string_view rest = text; !rest.empty();) {
        const auto end = rest.find('\n');
        ++number;
        if (conf_option(rest.substr(0, end), "SuspendExcNodes")) line_number = number;
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    }
    const PowerSaveRules written = rules_from_slurm_conf(text);
    const auto groups = [](const PowerSaveRules& rules) {
        std::set<std::pair<std::vector<std::string>, int>> set;
        for (const ExcludedGroup& group : rules.exc_nodes) set.emplace(group.nodes, group.keep.value_or(-1));
        return set;
    };
    const bool from_file = groups(written) == groups(in_force) && written.error == in_force.error;
    std::string where;
    if (from_file && line_number > 0) {
        where = fmt::format("{} line {}: ", slurm_conf.string(), line_number);
    } else if (from_file) {
        where = fmt::format("{} (no SuspendExcNodes line): ", slurm_conf.string());
    } else {
        where = fmt::format(
            "SuspendExcNodes in force (scontrol show config) is {}, not {}'s {} (set in an Include file, or by "
            "scontrol update since the last reconfigure): ",
            shown, slurm_conf.string(),
            line_number > 0 ? fmt::format("line {}: {}", line_number, conf_option(text, "SuspendExcNodes").value_or(""))
                            : std::string("(no SuspendExcNodes line)"));
    }
    for (std::string& line : lines) line = where + line;
    return lines;
}

std::vector<std::string> ExclusionCheck::describe() const {
    auto list = [](const std::vector<std::string>& names) {
        auto compressed = hostlist::Hostlist::parse(fmt::format("{}", fmt::join(names, ",")));
        return compressed ? compressed->ranged_string() : fmt::format("{}", fmt::join(names, ","));
    };
    std::vector<std::string> lines;
    if (!error.empty()) lines.push_back(error);
    if (!only_in_slumber.empty()) {
        lines.push_back(fmt::format(
            "{} in [slurm] exclude but not in slurm.conf's SuspendExcNodes{}: Slurm will ask to suspend them, slumber "
            "refuses and tells Slurm they are still up, again after each SuspendTime; add them to SuspendExcNodes",
            list(only_in_slumber), counted.empty() ? "" : fmt::format(" ({} only counted, \":N\")", list(counted))));
    }
    if (!only_in_slurm.empty()) {
        lines.push_back(fmt::format(
            "{} in slurm.conf's SuspendExcNodes but not in [slurm] exclude: Slurm never suspends them, but slumber's "
            "own recovery may switch them off; add them to exclude",
            list(only_in_slurm)));
    }
    if (!parts.empty()) {
        lines.push_back(
            fmt::format("SuspendExcParts={} is not compared with [slurm] exclude: check its nodes by hand", parts));
    }
    return lines;
}

}  // namespace slumber::slurm
