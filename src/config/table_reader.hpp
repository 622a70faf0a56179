// Typed, error-collecting access to one TOML table. Internal to src/config:
// it is the only header that includes toml++.
#pragma once

#include <toml++/toml.h>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace slumber::config {

class TableReader {
  public:
    /// `context` names the table in messages, e.g. "[[node]] #2".
    TableReader(const toml::table& table, std::string context, const std::string& file,
                std::vector<ConfigError>& errors);

    /// Each accessor marks `key` as known; a missing key gives nullopt (and an
    /// error when required), a key of the wrong type an error and nullopt.
    std::optional<std::string> string(std::string_view key, bool required = false);
    std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
    /// An integer or a decimal number.
    std::optional<double> number(std::string_view key, double min, double max);
    std::optional<bool> boolean(std::string_view key);
    std::optional<util::Duration> duration(std::string_view key);
    std::optional<std::vector<std::string>> string_list(std::string_view key);
    /// A string, or an array of strings: the form `bmc` takes.
    std::optional<std::vector<std::string>> string_or_list(std::string_view key);
    const toml::table* subtable(std::string_view key);
    /// Marks a key as known without reading it.
    void accept(std::string_view key) { m_known.insert(std::string(key)); }
    [[nodiscard]] bool has(std::string_view key) const { return m_table.contains(key); }

    /// Reports every key that no accessor asked for, with the nearest known key.
    void reject_unknown_keys();

    void error(std::string_view key, std::string message, std::string fix = {});
    [[nodiscard]] int line() const;
    [[nodiscard]] int line_of(std::string_view key) const;
    [[nodiscard]] const std::string& context() const { return m_context; }
    [[nodiscard]] const std::string& file() const { return m_file; }
    [[nodiscard]] std::size_t error_count() const { return m_errors.size(); }

  private:
    const toml::node* lookup(std::string_view key);
    void type_error(std::string_view key, std::string_view expected, const toml::node& node);

    const toml::table& m_table;
    std::string m_context;
    const std::string& m_file;
    std::vector<ConfigError>& m_errors;
    std::set<std::string, std::less<>> m_known;
};

/// 1-based line where a TOML node starts (0 when toml++ does not know).
int line_of(const toml::node& node);

}  // namespace slumber::config
