#include "store/sharing.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
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

std::string owner_and_mode(const struct stat& status) {
    const passwd* owner = ::getpwuid(status.st_uid);
    const group* owning = ::getgrgid(status.st_gid);
    return fmt::format("{}:{} {:04o}", owner ? owner->pw_name : std::to_string(status.st_uid),
                       owning ? owning->gr_name : std::to_string(status.st_gid), status.st_mode & 07777);
}

std::optional<std::string> journal_refused_by_directory(const std::filesystem::path& journal, bool write) {
    const std::filesystem::path absolute = std::filesystem::absolute(journal);
    const std::filesystem::path dir = absolute.parent_path();
    const passwd* self = ::getpwuid(::geteuid());
    const std::string user = self ? self->pw_name : std::to_string(::geteuid());
    const auto refusal = [&](const std::filesystem::path& where, std::string_view what) -> std::string {
        struct stat status {};
        if (::stat(where.c_str(), &status) != 0) {
            return fmt::format("{} may not {} {}", user, what, where.string());
        }
        const group* owning = ::getgrgid(status.st_gid);
        const std::string group_name = owning ? owning->gr_name : std::to_string(status.st_gid);
        return fmt::format("{} may not {} {} ({}): run slumber as root or as a member of group {}", user, what,
                           where.string(), owner_and_mode(status), group_name);
    };
    std::filesystem::path above;
    for (const auto& part : dir) {
        above /= part;
        if (::faccessat(AT_FDCWD, above.c_str(), X_OK, AT_EACCESS) != 0 && errno == EACCES) {
            return refusal(above, "enter");
        }
    }
    std::error_code error;
    if (write && !std::filesystem::exists(absolute, error) &&
        ::faccessat(AT_FDCWD, dir.c_str(), W_OK | X_OK, AT_EACCESS) != 0 && errno == EACCES) {
        return refusal(dir, fmt::format("make {} in", absolute.filename().string()));
    }
    return std::nullopt;
}

std::expected<void, std::string> share_file(const std::filesystem::path& file, gid_t group, mode_t mode) {
    return share(file, group, mode);
}

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
        if (error) {
            if (auto refused = journal_refused_by_directory(dir / ".", false)) {
                return std::unexpected(std::move(*refused));
            }
            return std::unexpected(fmt::format("cannot create {}: {}", dir.string(), error.message()));
        }
        if (const auto gid = group.get()) {
            // A member of the group may give it too; if not, the journal still works for its maker.
            (void)share(dir, *gid, 02770);
        } else {
            ::chmod(dir.c_str(), 0750);
        }
    }
    if (std::filesystem::exists(journal, error)) return {};
    // A directory this user may not enter hides the journal (a state
    // directory 2770 of SlurmUser's group, to a user outside it).
    if (auto refused = journal_refused_by_directory(journal, true)) return std::unexpected(std::move(*refused));
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
