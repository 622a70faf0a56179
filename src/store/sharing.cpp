#include "store/sharing.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace slumber::store {
namespace {

std::expected<void, std::string> share(const std::filesystem::path& path, gid_t group, mode_t mode) {
    if (::chown(path.c_str(), static_cast<uid_t>(-1), group) != 0 || ::chmod(path.c_str(), mode) != 0) {
        return std::unexpected(
            fmt::format("cannot give {} to group {}: {}", path.string(), group, std::strerror(errno)));
    }
    return {};
}

}  // namespace

std::expected<void, std::string> share_journal(const std::filesystem::path& journal, gid_t group) {
    if (auto dir = share(journal.parent_path(), group, 02770); !dir) return dir;
    for (const char* suffix : {"", "-wal", "-shm"}) {
        std::filesystem::path file = journal;
        file += suffix;
        std::error_code error;
        if (!std::filesystem::exists(file, error)) continue;  // SQLite makes it later, with the journal's mode
        if (auto shared = share(file, group, 0660); !shared) return shared;
    }
    return {};
}

}  // namespace slumber::store
