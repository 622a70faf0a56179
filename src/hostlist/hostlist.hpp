// Slurm's hostlist syntax: `node[001-004,010],rack[1-2]-gpu[1-2]`.
//
// The behaviour follows Slurm 22.05's src/common/hostlist.c exactly for every
// expression Slurm accepts as meant (tests/integration/hostlist_parity checks
// this against `scontrol` on random input). Where Slurm silently accepts input
// that can only be a typo (an unclosed '[', a space inside brackets, a stray
// ']'), this parser reports an error instead of guessing.
#pragma once

#include <cstddef>
#include <expected>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace slumber::hostlist {

/// What is wrong with an expression, and the byte offset (0-based) where.
struct ParseError {
    std::string message;
    std::size_t position = 0;
};

/// "at character N" text for messages (1-based, as an admin counts).
std::string describe(const ParseError& error, std::string_view expression);

/// Slurm's limits: a single range may hold at most this many hosts...
inline constexpr unsigned long kMaxRangeHosts = 64UL * 1024;
/// ...and no expression may expand to more names than this (Slurm has no such
/// limit and exhausts memory on `a[0-65535]b[0-65535]c[0-9]`). 1,048,576 is
/// six times the node count of the largest machine (Fugaku, 158,976); at 2^24
/// a list of 12 million names took 5 s to expand and 12 s in the fuzz build,
/// which libFuzzer rightly reported as a hang (2026-12-01).
inline constexpr std::size_t kMaxNames = std::size_t{1} << 20;

/// A run of names sharing a prefix: prefix + lo..hi, zero-padded to width.
/// `single` marks a name without a numeric suffix (lo, hi unused).
struct HostRange {
    std::string prefix;
    unsigned long lo = 0;
    unsigned long hi = 0;
    int width = 0;
    bool single = false;

    [[nodiscard]] std::size_t count() const { return single ? 1 : hi - lo + 1; }
};

/// An ordered list of host names (duplicates kept), stored as ranges.
class Hostlist {
  public:
    /// Parses an expression; separators are ',', ' ', '\t' and '\n'.
    static std::expected<Hostlist, ParseError> parse(std::string_view expression);

    /// Appends the names of another expression (as `scontrol` joins them).
    std::expected<void, ParseError> append(std::string_view expression);

    [[nodiscard]] std::size_t size() const { return m_count; }
    [[nodiscard]] bool empty() const { return m_count == 0; }

    /// Calls `visit` for every name in order, without materialising the list.
    void for_each(const std::function<void(std::string_view)>& visit) const;
    [[nodiscard]] std::vector<std::string> names() const;

    /// `scontrol show hostlist`: the compressed expression, order kept.
    [[nodiscard]] std::string ranged_string() const;

    /// `scontrol show hostlistsorted`: Slurm's hostlist_sort(), which orders
    /// ranges by natural prefix order and number and joins overlapping ones
    /// (duplicates are kept, as Slurm keeps them).
    void sort();

    [[nodiscard]] std::span<const HostRange> ranges() const { return m_ranges; }

  private:
    void push_range(HostRange range);
    void push_name(std::string_view name);
    void coalesce();
    void split_overlaps(std::size_t at);
    void collapse();

    std::vector<HostRange> m_ranges;
    std::size_t m_count = 0;

    friend class Parser;
};

/// Convenience: every name of an expression, in order.
std::expected<std::vector<std::string>, ParseError> expand(std::string_view expression);

/// The names once each, in the order first given: a hostlist keeps
/// duplicates (`n1,n1`, `n[1,1]`), as Slurm's does, but a command that
/// reports or checks each node must count it once.
std::vector<std::string> once_each(std::vector<std::string> names);

/// Convenience: the compressed expression for a list of names or expressions.
std::expected<std::string, ParseError> compress(std::span<const std::string> items, bool sorted);

}  // namespace slumber::hostlist
