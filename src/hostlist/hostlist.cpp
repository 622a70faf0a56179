// Building, printing and sorting host lists the way Slurm's hostlist.c does.
#include "hostlist/hostlist.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <iterator>
#include <list>
#include <numeric>
#include <set>

#include "hostlist/range_rules.hpp"

namespace slumber::hostlist {
namespace {

// Zero-padded to width; written by hand because expanding 100,000 names
// spends most of its time here.
void append_number(std::string& out, unsigned long value, int width) {
    std::array<char, 24> digits{};
    const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), value);
    const auto length = static_cast<int>(end - digits.data());
    if (width > length) out.append(static_cast<std::size_t>(width - length), '0');
    out.append(digits.data(), end);
}

// glibc 2.36's qsort() is a top-down merge sort (msort_with_tmp). Slurm's
// comparison adjusts range widths as a side effect, so the result depends on
// which pairs get compared: reproduce the same sequence of comparisons.
// Sorts indices, not the ranges: merging moves every element log n times.
template <typename Compare>
void merge_sort(std::vector<std::size_t>& items, std::size_t begin, std::size_t end, std::vector<std::size_t>& scratch,
                Compare& compare) {
    const std::size_t n = end - begin;
    if (n <= 1) return;
    const std::size_t middle = begin + n / 2;
    merge_sort(items, begin, middle, scratch, compare);
    merge_sort(items, middle, end, scratch, compare);
    scratch.clear();
    std::size_t left = begin;
    std::size_t right = middle;
    while (left < middle && right < end) {
        if (compare(items[left], items[right]) <= 0) {
            scratch.push_back(items[left++]);
        } else {
            scratch.push_back(items[right++]);
        }
    }
    while (left < middle) scratch.push_back(items[left++]);
    std::copy(scratch.begin(), scratch.end(), items.begin() + static_cast<std::ptrdiff_t>(begin));
}

}  // namespace

std::string describe(const ParseError& error, std::string_view expression) {
    return fmt::format("invalid hostlist \"{}\": {} (at character {})", expression, error.message, error.position + 1);
}

// hostlist_push_range(): a range that continues the last one extends it.
void Hostlist::push_range(HostRange range) {
    m_count += range.count();
    if (!m_ranges.empty()) {
        HostRange& tail = m_ranges.back();
        if (tail.hi == range.lo - 1 && rules::prefix_compare(tail, range) == 0 && rules::width_combine(tail, range)) {
            tail.hi = range.hi;
            return;
        }
    }
    m_ranges.push_back(std::move(range));
}

// hostname_create(): a name splits into a prefix and its trailing digits.
// Digits too many for an unsigned long make Slurm print a different name
// (n99999999999999999999999 becomes n00018446744073709551615); such a name
// is kept whole here instead.
void Hostlist::push_name(std::string_view name) {
    std::size_t digits = name.size();
    while (digits > 0 && name[digits - 1] >= '0' && name[digits - 1] <= '9') --digits;
    unsigned long number = 0;
    const auto [end, ec] = std::from_chars(name.data() + digits, name.data() + name.size(), number);
    if (digits == name.size() || ec != std::errc{} || number == ULONG_MAX) {
        push_range(HostRange{std::string(name), 0, 0, 0, true});
        return;
    }
    push_range(
        HostRange{std::string(name.substr(0, digits)), number, number, static_cast<int>(name.size() - digits), false});
}

void Hostlist::for_each(const std::function<void(std::string_view)>& visit) const {
    std::string name;
    for (const HostRange& range : m_ranges) {
        if (range.single) {
            visit(range.prefix);
            continue;
        }
        name = range.prefix;
        for (unsigned long n = range.lo;; ++n) {
            name.resize(range.prefix.size());
            append_number(name, n, range.width);
            visit(name);
            if (n == range.hi) break;
        }
    }
}

std::vector<std::string> Hostlist::names() const {
    std::vector<std::string> out;
    out.reserve(m_count);
    for_each([&](std::string_view name) { out.emplace_back(name); });
    return out;
}

// hostlist_ranged_string() with _get_bracketed_list(): consecutive ranges
// with the same prefix share one bracket; a lone number needs none.
std::string Hostlist::ranged_string() const {
    std::string out;
    // Rarely more than a prefix and two numbers per range; growing a large
    // string again and again costs more than the formatting.
    out.reserve(m_ranges.empty() ? 0 : m_ranges.size() * (m_ranges.front().prefix.size() + 8));
    std::size_t i = 0;
    while (i < m_ranges.size()) {
        if (i > 0) out += ',';
        const HostRange& first = m_ranges[i];
        const bool bracket =
            first.count() > 1 || (i + 1 < m_ranges.size() && rules::share_bracket(first, m_ranges[i + 1]));
        out += first.prefix;
        if (bracket) out += '[';
        const std::size_t start = i;
        for (; i < m_ranges.size() && (i == start || rules::share_bracket(m_ranges[i], m_ranges[i - 1])); ++i) {
            const HostRange& range = m_ranges[i];
            if (i > start) out += ',';
            if (range.single) continue;
            append_number(out, range.lo, range.width);
            if (range.lo < range.hi) {
                out += '-';
                append_number(out, range.hi, range.width);
            }
        }
        if (bracket) out += ']';
    }
    return out;
}

void Hostlist::sort() {
    if (m_ranges.size() <= 1) return;
    {
        std::vector<std::size_t> order(m_ranges.size());
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::vector<std::size_t> scratch;
        scratch.reserve(m_ranges.size());
        auto compare = [&](std::size_t a, std::size_t b) { return rules::range_compare(m_ranges[a], m_ranges[b]); };
        merge_sort(order, 0, order.size(), scratch, compare);
        std::vector<HostRange> sorted;
        sorted.reserve(m_ranges.size());
        for (std::size_t index : order) sorted.push_back(std::move(m_ranges[index]));
        m_ranges = std::move(sorted);
    }
    coalesce();
}

namespace {

// One step of hostlist_coalesce(): whether two sorted neighbours share
// numbers. Slurm asserts the order here with range_compare(), whose width
// adjustment is a side effect that later steps can observe. Slurm also lets a
// width adjustment make two ranges "overlap" that are out of order
// (n[9-10],n06,n[9-10]); it then deletes one and loses its names. Ranges out
// of order never overlap here.
bool overlapping(HostRange& earlier, HostRange& later) {
    if (earlier.single || later.single) return false;
    rules::range_compare(earlier, later);
    return earlier.hi > later.lo && later.lo >= earlier.lo && rules::prefix_compare(earlier, later) == 0 &&
           rules::width_combine(earlier, later);
}

}  // namespace

// hostlist_coalesce(): where two neighbours overlap, Slurm splits the shared
// numbers into single-host ranges so that every duplicate stays listed, then
// collapse() joins what became adjacent. The output looks odd (n[1-5],n[3-8]
// sorts to n[1-3,3-4,4-5,5-8]) but it is what scontrol prints.
void Hostlist::coalesce() {
    // Overlaps are rare: walk the vector, and only from the first overlap on
    // use a list, where splitting a range costs no shifting of the others.
    std::size_t first = m_ranges.size() - 1;
    while (first > 0 && !overlapping(m_ranges[first - 1], m_ranges[first])) --first;
    if (first > 0) split_overlaps(first);
    collapse();
}

// The rest of coalesce() from the pair (at - 1, at), known to overlap.
void Hostlist::split_overlaps(std::size_t at) {
    std::list<HostRange> ranges(std::make_move_iterator(m_ranges.begin()), std::make_move_iterator(m_ranges.end()));
    auto next = std::next(ranges.begin(), static_cast<std::ptrdiff_t>(at));
    for (bool overlap = true;; overlap = overlapping(*std::prev(next), *next)) {
        if (!overlap) {
            if (--next == ranges.begin()) break;
            continue;
        }
        HostRange& later = *next;
        HostRange& earlier = *std::prev(next);
        HostRange shared = earlier;
        shared.lo = later.lo;
        shared.hi = std::min(later.hi, earlier.hi);
        if (shared.hi < earlier.hi) later.hi = earlier.hi;
        earlier.hi = shared.lo;
        later.lo = shared.hi;
        for (unsigned long n = shared.lo; n <= shared.hi; ++n) {
            const HostRange single{shared.prefix, n, n, shared.width, false};
            if (n > earlier.hi) ranges.insert(next, single);
            if (n < later.lo) ranges.insert(next, single);
        }
        // Slurm rescans from the end; pairs beyond the one after `later` are
        // unchanged and were already found disjoint, so rescanning from
        // there is the same.
        if (const auto after = std::next(next); after != ranges.end()) next = after;
    }
    m_ranges.assign(std::make_move_iterator(ranges.begin()), std::make_move_iterator(ranges.end()));
}

// hostlist_collapse(): join neighbours that continue each other, walking from
// the end as Slurm does (the order matters: joining adjusts widths). What is
// kept is written from the back, then moved down once: erasing in place
// would be quadratic.
void Hostlist::collapse() {
    if (m_ranges.empty()) return;
    std::size_t kept = m_ranges.size();  // m_ranges[kept, size) is the result
    HostRange next = std::move(m_ranges.back());
    for (std::size_t i = m_ranges.size() - 1; i > 0; --i) {
        HostRange& prev = m_ranges[i - 1];
        if (prev.hi == next.lo - 1 && rules::prefix_compare(prev, next) == 0 && rules::width_combine(prev, next)) {
            prev.hi = next.hi;
        } else {
            m_ranges[--kept] = std::move(next);
        }
        next = std::move(prev);
    }
    m_ranges[--kept] = std::move(next);
    m_ranges.erase(m_ranges.begin(), m_ranges.begin() + static_cast<std::ptrdiff_t>(kept));
}

std::expected<std::vector<std::string>, ParseError> expand(std::string_view expression) {
    auto list = Hostlist::parse(expression);
    if (!list) return std::unexpected(list.error());
    return list->names();
}

std::vector<std::string> once_each(std::vector<std::string> names) {
    std::set<std::string, std::less<>> seen;
    std::erase_if(names, [&](const std::string& name) { return !seen.insert(name).second; });
    return names;
}

std::expected<std::string, ParseError> compress(std::span<const std::string> items, bool sorted) {
    Hostlist list;
    for (const std::string& item : items) {
        if (auto ok = list.append(item); !ok) return std::unexpected(ok.error());
    }
    if (sorted) list.sort();
    return list.ranged_string();
}

}  // namespace slumber::hostlist
