// Credentials files: a small TOML file per BMC account, readable by its owner
// only. Nothing read from one is ever put into a message.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.hpp"
#include "config/table_reader.hpp"

namespace slumber::config {
namespace {

constexpr off_t kMaxCredentialsBytes = off_t{64} * 1024;

ConfigError credentials_error(const std::filesystem::path& file, int line, std::string message, std::string fix) {
    return ConfigError{file.string(), line, "", std::move(message), std::move(fix)};
}

}  // namespace

// Opens without following a final symlink so that the check and the read see
// the same file.
std::expected<std::string, ConfigError> read_private_file(const std::filesystem::path& file) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        const int error = errno;
        const char* fix = error == ENOENT
                              ? "create it with username = \"...\" and password = \"...\", then chmod 600 it"
                          : error == ELOOP  ? "name the file itself: a symbolic link is refused, so that what is "
                                              "checked is what is read"
                          : error == EACCES ? "run slumber as the file's owner (or root), or give the file to the "
                                              "user that runs slumber"
                                            : "check the file and its directory";
        return std::unexpected(
            credentials_error(file, 0, fmt::format("cannot open credentials file: {}", std::strerror(error)), fix));
    }
    struct stat info {};
    std::string text;
    std::optional<ConfigError> problem;
    if (::fstat(fd, &info) != 0) {
        problem = credentials_error(file, 0, "is not a regular file", "point credentials at a file");
    } else if (auto refused = refuse_credentials_file(file, info)) {
        problem = std::move(refused);
    } else {
        text.resize(static_cast<std::size_t>(info.st_size));
        const ssize_t got = ::read(fd, text.data(), text.size());
        if (got != static_cast<ssize_t>(text.size())) {
            problem = credentials_error(file, 0, "could not be read completely", "check the file system");
        }
    }
    ::close(fd);
    if (problem) return std::unexpected(std::move(*problem));
    return text;
}

std::optional<ConfigError> refuse_credentials_file(const std::filesystem::path& file, const struct stat& status,
                                                   std::string_view slurm_user) {
    if (S_ISLNK(status.st_mode)) {
        return credentials_error(file, 0, "is a symbolic link; slumber opens credentials files without following one",
                                 "point credentials at the file itself");
    }
    if (!S_ISREG(status.st_mode))
        return credentials_error(file, 0, "is not a regular file", "point credentials at a file");
    if ((status.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        // Only its owner may read it, group included (docs/slurm.md): hooks
        // that must read it without a daemon get it as SlurmUser's own file.
        return credentials_error(
            file, 0,
            fmt::format("is accessible by group or others (mode {:04o}); slumber refuses to use it",
                        status.st_mode & 07777),
            fmt::format("chmod 600 {0} (for hooks that switch nodes without a daemon, make it SlurmUser's: chown "
                        "{1} {0}; chmod 600 {0})",
                        file.string(), slurm_user.empty() ? std::string_view("<SlurmUser>") : slurm_user));
    }
    if (status.st_size > kMaxCredentialsBytes) {
        return credentials_error(file, 0, "is larger than 64 KiB", "is this the right file?");
    }
    return std::nullopt;
}

std::expected<Credentials, ConfigError> read_credentials(const std::filesystem::path& file) {
    auto text = read_private_file(file);
    if (!text) return std::unexpected(text.error());

    toml::table table;
    try {
        table = toml::parse(*text, file.string());
    } catch (const toml::parse_error& e) {
        // toml++'s description may quote the offending text: it is secret.
        return std::unexpected(credentials_error(file, static_cast<int>(e.source().begin.line),
                                                 "is not valid TOML (the text is not shown: it is secret)",
                                                 "write username = \"...\" and password = \"...\""));
    }
    std::vector<ConfigError> errors;
    const std::string file_name = file.string();
    TableReader reader(table, "credentials", file_name, errors);
    Credentials credentials;
    if (auto username = reader.string("username")) credentials.username = *username;
    auto password = reader.string("password", true);
    auto k_g = reader.string("k_g");
    reader.reject_unknown_keys();
    if (!errors.empty()) return std::unexpected(std::move(errors.front()));
    credentials.password = util::Secret(password.value_or(""));  // present: it is required
    if (k_g) credentials.k_g = util::Secret(std::move(*k_g));
    return credentials;
}

}  // namespace slumber::config
