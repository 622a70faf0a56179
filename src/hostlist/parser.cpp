// Parsing of hostlist expressions into Slurm's range representation.
//
// Grammar (what Slurm 22.05 accepts as meant):
//   expression := token { separator token }      separator: ',' ' ' '\t' '\n'
//   token      := name | { text '[' list ']' } text '[' list ']'
//   list       := item { ',' item }               item: digits | digits '-' digits
// A token with brackets must end with ']'. Names without brackets split into a
// prefix and a trailing number, as Slurm's hostname_create() does.
#include <fmt/format.h>
#include <algorithm>
#include <charconv>
#include <climits>
#include <cstdint>

#include "hostlist/c_locale.hpp"
#include "hostlist/hostlist.hpp"

namespace slumber::hostlist {
namespace {

bool is_separator(char c) { return c == ',' || c == ' ' || c == '\t' || c == '\n'; }

// One "lo" or "lo-hi" item of a bracket, with Slurm's width (the length of lo).
struct NumberRange {
    unsigned long lo = 0;
    unsigned long hi = 0;
    int width = 0;
};

// A bracketed list and the literal text that follows it up to the next '['.
struct Bracket {
    std::vector<NumberRange> items;
    std::string_view text_after;
};

// A token split at its brackets: head [b0] text0 [b1] text1 ... [bN] (end).
struct Token {
    std::string_view head;
    std::vector<Bracket> brackets;
};

std::unexpected<ParseError> fail(std::size_t position, std::string message) {
    return std::unexpected(ParseError{std::move(message), position});
}

}  // namespace

// Friend of Hostlist: builds one from an expression.
class Parser {
  public:
    Parser(std::string_view expression, Hostlist& out) : m_text(expression), m_out(out) {}

    std::expected<void, ParseError> run() {
        // One range per name is the worst case; growing the vector would
        // move every range again and again.
        m_out.m_ranges.reserve(std::min<std::size_t>(
            1 + static_cast<std::size_t>(std::count_if(m_text.begin(), m_text.end(), is_separator)), kMaxNames));
        std::size_t pos = 0;
        while (pos < m_text.size()) {
            if (is_separator(m_text[pos])) {
                ++pos;
                continue;
            }
            auto end = token_end(pos);
            if (!end) return std::unexpected(end.error());
            if (auto pushed = push_token(pos, *end); !pushed) return pushed;
            pos = *end;
        }
        return {};
    }

  private:
    // Finds where the token starting at `begin` ends, checking its brackets.
    std::expected<std::size_t, ParseError> token_end(std::size_t begin) const {
        std::size_t open = std::string_view::npos;
        std::size_t last_close = std::string_view::npos;
        std::size_t pos = begin;
        for (; pos < m_text.size(); ++pos) {
            const char c = m_text[pos];
            const bool inside = open != std::string_view::npos;
            if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') {
                return fail(pos,
                            fmt::format("control character 0x{:02x} in a host name", static_cast<unsigned char>(c)));
            }
            if (!inside && is_separator(c)) break;
            if (c == '[') {
                if (inside) return fail(pos, "'[' inside brackets: brackets cannot be nested");
                open = pos;
            } else if (c == ']') {
                if (!inside) return fail(pos, "']' without a matching '['");
                if (pos == open + 1) return fail(pos, "empty brackets: expected numbers such as [1-4]");
                open = std::string_view::npos;
                last_close = pos;
            } else if (inside && !is_digit(c) && c != '-' && c != ',') {
                return fail(pos, fmt::format("'{}' inside brackets: only digits, '-' and ',' are allowed", c));
            }
        }
        if (open != std::string_view::npos) return fail(open, "'[' is never closed with ']'");
        if (last_close != std::string_view::npos && last_close + 1 != pos) {
            return fail(last_close + 1,
                        "text after the last ']': Slurm allows only another bracket there "
                        "(write rack[1-2]-n[1-4], not n[1-4].ib)");
        }
        return pos;
    }

    // Reads an unsigned decimal number from [begin, end).
    std::expected<unsigned long, ParseError> number(std::size_t begin, std::size_t end) const {
        unsigned long value = 0;
        const char* first = m_text.data() + begin;
        const auto [ptr, ec] = std::from_chars(first, m_text.data() + end, value);
        // Slurm marks an empty range with ULONG_MAX, so that value cannot be a host.
        if (ec == std::errc::result_out_of_range || value == ULONG_MAX) {
            return fail(begin, "number too large for a host name");
        }
        if (ec != std::errc{} || ptr != m_text.data() + end) return fail(begin, "expected a number");
        return value;
    }

    // Parses one bracket's contents: [begin, end) excludes the brackets.
    std::expected<std::vector<NumberRange>, ParseError> range_list(std::size_t begin, std::size_t end) const {
        std::vector<NumberRange> items;
        std::size_t item_begin = begin;
        while (item_begin <= end) {
            std::size_t item_end = m_text.find(',', item_begin);
            if (item_end == std::string_view::npos || item_end > end) item_end = end;
            auto item = range_item(item_begin, item_end);
            if (!item) return std::unexpected(item.error());
            items.push_back(*item);
            item_begin = item_end + 1;
        }
        return items;
    }

    std::expected<NumberRange, ParseError> range_item(std::size_t begin, std::size_t end) const {
        if (begin == end) return fail(begin, "empty item in brackets: expected a number or a range like 1-4");
        const std::size_t dash = m_text.substr(begin, end - begin).find('-');
        const std::size_t lo_end = dash == std::string_view::npos ? end : begin + dash;
        if (lo_end == begin) return fail(begin, "range without a lower bound");
        auto lo = number(begin, lo_end);
        if (!lo) return std::unexpected(lo.error());
        NumberRange range{*lo, *lo, static_cast<int>(lo_end - begin)};
        if (dash == std::string_view::npos) return range;

        const std::size_t hi_begin = lo_end + 1;
        if (hi_begin == end) return fail(lo_end, "range without an upper bound");
        if (m_text.substr(hi_begin, end - hi_begin).find('-') != std::string_view::npos) {
            return fail(m_text.find('-', hi_begin), "a range has one '-' only");
        }
        auto hi = number(hi_begin, end);
        if (!hi) return std::unexpected(hi.error());
        range.hi = *hi;
        if (range.lo > range.hi) {
            return fail(begin,
                        fmt::format("range {}-{} runs backwards: write the lower number first", range.lo, range.hi));
        }
        if (range.hi - range.lo >= kMaxRangeHosts) {
            return fail(begin, fmt::format("range {}-{} holds {} hosts; Slurm allows at most {} in one range", range.lo,
                                           range.hi, range.hi - range.lo + 1, kMaxRangeHosts));
        }
        return range;
    }

    std::expected<Token, ParseError> split_token(std::size_t begin, std::size_t end) const {
        Token token;
        std::size_t open = m_text.find('[', begin);
        token.head = m_text.substr(begin, open - begin);
        while (open < end) {
            const std::size_t close = m_text.find(']', open);
            auto items = range_list(open + 1, close);
            if (!items) return std::unexpected(items.error());
            std::size_t next = m_text.find('[', close);
            if (next == std::string_view::npos || next > end) next = end;
            token.brackets.push_back(Bracket{std::move(*items), m_text.substr(close + 1, next - close - 1)});
            open = next;
        }
        return token;
    }

    std::expected<void, ParseError> push_token(std::size_t begin, std::size_t end) {
        const std::string_view text = m_text.substr(begin, end - begin);
        if (text.find('[') == std::string_view::npos) return add_names(begin, 1, [&] { m_out.push_name(text); });
        auto token = split_token(begin, end);
        if (!token) return std::unexpected(token.error());

        std::size_t per_prefix = 0;
        for (const NumberRange& r : token->brackets.back().items) per_prefix += r.hi - r.lo + 1;
        std::size_t total = per_prefix;
        for (std::size_t i = 0; i + 1 < token->brackets.size(); ++i) {
            std::size_t values = 0;
            for (const NumberRange& r : token->brackets[i].items) values += r.hi - r.lo + 1;
            if (total > kMaxNames / values)
                total = kMaxNames + 1;
            else
                total *= values;
        }
        return add_names(begin, total, [&] {
            m_values.assign(token->brackets.size(), {});
            expand_prefixes(*token, token->brackets.size() - 1);
        });
    }

    template <typename Push>
    std::expected<void, ParseError> add_names(std::size_t begin, std::size_t count, Push push) {
        if (count > kMaxNames - m_out.size()) {
            return fail(begin, fmt::format("the expression names more than {} hosts", kMaxNames));
        }
        push();
        return {};
    }

    // Slurm substitutes the prefix brackets from the last one outwards: the
    // bracket nearest the range list varies slowest (a[1-2]b[3-4]c[5-6] gives
    // a1b3c5 a1b3c6 a2b3c5 ...). `level` counts the prefix brackets still open.
    void expand_prefixes(const Token& token, std::size_t level) {
        if (level == 0) {
            const std::string prefix = prefix_text(token);
            for (const NumberRange& r : token.brackets.back().items) {
                m_out.push_range(HostRange{prefix, r.lo, r.hi, r.width, false});
            }
            return;
        }
        for (const NumberRange& r : token.brackets[level - 1].items) {
            for (unsigned long v = r.lo;; ++v) {
                m_values[level - 1] = {v, r.width};
                expand_prefixes(token, level - 1);
                if (v == r.hi) break;
            }
        }
    }

    // The literal prefix for the current choice of values in m_values.
    std::string prefix_text(const Token& token) const {
        std::string out(token.head);
        for (std::size_t i = 0; i + 1 < token.brackets.size(); ++i) {
            fmt::format_to(std::back_inserter(out), "{:0{}}", m_values[i].first, m_values[i].second);
            out += token.brackets[i].text_after;
        }
        return out;
    }

    std::string_view m_text;
    Hostlist& m_out;
    std::vector<std::pair<unsigned long, int>> m_values;
};

std::expected<Hostlist, ParseError> Hostlist::parse(std::string_view expression) {
    Hostlist list;
    if (auto ok = list.append(expression); !ok) return std::unexpected(ok.error());
    return list;
}

std::expected<void, ParseError> Hostlist::append(std::string_view expression) {
    // Parse on the side so that a bad expression leaves this list untouched.
    Hostlist parsed;
    Parser parser(expression, parsed);
    if (auto ok = parser.run(); !ok) return ok;
    if (parsed.size() > kMaxNames - size()) {
        return fail(0, fmt::format("the expressions name more than {} hosts", kMaxNames));
    }
    if (empty()) {
        *this = std::move(parsed);
        return {};
    }
    m_ranges.reserve(m_ranges.size() + parsed.m_ranges.size());
    for (HostRange& range : parsed.m_ranges) push_range(std::move(range));
    return {};
}

}  // namespace slumber::hostlist
