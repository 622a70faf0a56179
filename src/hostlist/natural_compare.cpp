#include "hostlist/natural_compare.hpp"

#include "hostlist/c_locale.hpp"

namespace slumber::hostlist {
namespace {

// Slurm walks NUL-terminated strings; reading past the end yields '\0' here.
// Characters compare as plain (signed on x86) char, as Slurm's nat_char does.
class Cursor {
  public:
    explicit Cursor(std::string_view text) : m_text(text) {}
    [[nodiscard]] char at(std::size_t i) const { return i < m_text.size() ? m_text[i] : '\0'; }

  private:
    std::string_view m_text;
};

// isspace() in the C locale, which is the one Slurm's commands run in.
bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// Right-aligned numbers: the longer run wins, else the first difference.
int compare_right(const Cursor& a, std::size_t ai, const Cursor& b, std::size_t bi) {
    int bias = 0;
    for (;; ++ai, ++bi) {
        const char ca = a.at(ai);
        const char cb = b.at(bi);
        if (!is_digit(ca) && !is_digit(cb)) return bias;
        if (!is_digit(ca)) return -1;
        if (!is_digit(cb)) return +1;
        if (ca < cb) {
            if (bias == 0) bias = -1;
        } else if (ca > cb) {
            if (bias == 0) bias = +1;
        }
    }
}

// Left-aligned numbers (leading zero): the first difference wins.
int compare_left(const Cursor& a, std::size_t ai, const Cursor& b, std::size_t bi) {
    for (;; ++ai, ++bi) {
        const char ca = a.at(ai);
        const char cb = b.at(bi);
        if (!is_digit(ca) && !is_digit(cb)) return 0;
        if (!is_digit(ca)) return -1;
        if (!is_digit(cb)) return +1;
        if (ca < cb) return -1;
        if (ca > cb) return +1;
    }
}

}  // namespace

int natural_compare(std::string_view a_text, std::string_view b_text) {
    // Sorting compares equal prefixes most of the time.
    if (a_text == b_text) return 0;
    const Cursor a(a_text);
    const Cursor b(b_text);
    std::size_t ai = 0;
    std::size_t bi = 0;
    for (;;) {
        char ca = a.at(ai);
        char cb = b.at(bi);
        while (is_space(ca)) ca = a.at(++ai);
        while (is_space(cb)) cb = b.at(++bi);

        if (is_digit(ca) && is_digit(cb)) {
            const bool fractional = ca == '0' || cb == '0';
            const int result = fractional ? compare_left(a, ai, b, bi) : compare_right(a, ai, b, bi);
            if (result != 0) return result;
        }
        if (ca == '\0' && cb == '\0') return 0;
        if (ca < cb) return -1;
        if (ca > cb) return +1;
        ++ai;
        ++bi;
    }
}

}  // namespace slumber::hostlist
