#include "store/sharing.hpp"

#include <fcntl.h>
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

// The group to share with, asked once, and only if something is made.
class Group {
  public:
    explicit Group(const GroupLookup& lookup) : m_lookup(lookup) {}
    std::optional<gid_t> get() {
        if (!m_asked) {
            m_asked = true;
            if (m_lookup) m_gid = m_lookup();
            if (m_gid && *m_gid == 0) m_gid.reset();  // root's: nobody to share with
        }
        return m_gid;
    }

  private:
    const GroupLookup& m_lookup;
    bool m_asked = false;
    std::optional<gid_t> m_gid;
};

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

std::expected<void, std::string> create_journal(const std::filesystem::path& journal, const GroupLookup& lookup) {
    Group group(lookup);
    std::error_code error;
    const std::filesystem::path dir = journal.has_parent_path() ? journal.parent_path() : ".";
    if (!std::filesystem::exists(dir, error)) {
        std::filesystem::create_directories(dir, error);
        if (error) return std::unexpected(fmt::format("cannot create {}: {}", dir.string(), error.message()));
        if (const auto gid = group.get()) {
            // A member of the group may give it too; if not, the journal still works for its maker.
            (void)share(dir, *gid, 02770);
        } else {
            ::chmod(dir.c_str(), 0750);
        }
    }
    if (std::filesystem::exists(journal, error)) return {};
    struct stat dir_status {};
    const bool shared_dir = ::stat(dir.c_str(), &dir_status) == 0 && (dir_status.st_mode & S_ISGID) != 0;
    const int fd = ::open(journal.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        if (errno == EEXIST) return {};  // made by another at the same moment
        return std::unexpected(fmt::format("cannot create {}: {}", journal.string(), std::strerror(errno)));
    }
    const auto gid = group.get();
    if (gid) (void)::fchown(fd, static_cast<uid_t>(-1), *gid);
    ::fchmod(fd, gid || shared_dir ? 0660 : 0640);  // exactly: the umask is not asked
    ::close(fd);
    return {};
}

}  // namespace slumber::store
