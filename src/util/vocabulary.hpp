// A vocabulary: an enum and its words, kept in one table so that the two
// can never drift apart (STYLE.md, "two lists kept in step by hand").
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace slumber::util {

template <typename Enum>
using Word = std::pair<Enum, std::string_view>;

/// The word for `value`, or "?" for a value the table lacks.
template <typename Enum, std::size_t N>
constexpr std::string_view word_of(const std::array<Word<Enum>, N>& table, Enum value) {
    for (const auto& [known, word] : table) {
        if (known == value) return word;
    }
    return "?";
}

/// The value a word stands for, if the table has it (exact, case-sensitive).
template <typename Enum, std::size_t N>
constexpr std::optional<Enum> value_of(const std::array<Word<Enum>, N>& table, std::string_view word) {
    for (const auto& [value, known] : table) {
        if (known == word) return value;
    }
    return std::nullopt;
}

}  // namespace slumber::util
