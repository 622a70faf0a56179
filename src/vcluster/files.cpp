#include "vcluster/files.hpp"

#include <fmt/format.h>
#include <fstream>

namespace slumber::vcluster {

std::expected<void, std::string> write_file(const std::filesystem::path& file, std::string_view text,
                                            std::filesystem::perms mode) {
    std::ofstream out(file, std::ios::trunc);
    std::error_code error;
    std::filesystem::permissions(file, mode, error);
    if (error) return std::unexpected(fmt::format("cannot chmod {}: {}", file.string(), error.message()));
    out << text;
    if (!out.flush()) return std::unexpected(fmt::format("cannot write {}", file.string()));
    return {};
}

}  // namespace slumber::vcluster
