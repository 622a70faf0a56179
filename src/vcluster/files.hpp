// Writing the run directory's files with the right mode from the start.
#pragma once

#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

namespace slumber::vcluster {

/// Replaces `file` with `text`. The mode is set before the text is written, so
/// a secret is never readable by others, not even for a moment.
std::expected<void, std::string> write_file(const std::filesystem::path& file, std::string_view text,
                                            std::filesystem::perms mode);

inline constexpr auto kPrivateFile = std::filesystem::perms::owner_read | std::filesystem::perms::owner_write;

}  // namespace slumber::vcluster
