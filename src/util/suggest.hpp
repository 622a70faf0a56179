// "Did you mean ...?" for misspelt keys and names.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace slumber::util {

/// The candidate closest to `word` by edit distance, if it is close enough to
/// be a plausible typo (at most a third of the word's length, at least 1).
std::optional<std::string> closest_match(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace slumber::util
