// The journal is written by two users: the daemon (often root) and Slurm's
// hooks, which run as SlurmUser. SQLite needs write access to the database
// file and to the directory (it creates and removes the -wal and -shm files
// beside it), so both belong to SlurmUser's group, group-writable. Whoever
// makes the directory or the journal (a hook, the daemon, an admin's
// `slumber journal`) makes them so.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <expected>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace slumber::store {

/// The group to share the journal with (SlurmUser's), asked only when a
/// directory or journal is about to be made; nothing: no sharing (SlurmUser
/// is root, or cannot be found).
using GroupLookup = std::function<std::optional<gid_t>()>;

/// The journal's directory becomes 2770 (setgid: files created there take its
/// group) and the journal with its -wal and -shm files 0660, all of `group`.
/// Others get nothing. Needs root or the files' owner.
std::expected<void, std::string> share_journal(const std::filesystem::path& journal, gid_t group);

/// Gives one file to `group` with `mode`: what else the hooks share with
/// the daemon in the journal's directory (the carrier lock).
std::expected<void, std::string> share_file(const std::filesystem::path& file, gid_t group, mode_t mode);

/// Makes what is missing of the journal's directory and the (empty) journal
/// file, shared as share_journal() says with the group `group` names, so
/// that SQLite's -wal and -shm files follow (SQLite gives them the
/// database's mode and, run as root, its owner; the setgid directory gives
/// them its group). Without a group: directory 0750, journal 0640, unless
/// the directory is setgid already (shared by an earlier creator): then
/// 0660. Existing files are left as they are.
std::expected<void, std::string> create_journal(const std::filesystem::path& journal, const GroupLookup& group);

/// Why this process (its effective user and groups, faccessat(2) with
/// AT_EACCESS) may not use the journal, when a directory is what refuses:
/// the first directory above it that it may not enter ("nobody may not
/// enter /var/lib/slumber (root:slurm 2770): run slumber as root or as a
/// member of group slurm"), or, to make a missing journal (`write`), its
/// directory that it may not write in. Nothing when every directory lets
/// it through: the file's own error is then the true one.
std::optional<std::string> journal_refused_by_directory(const std::filesystem::path& journal, bool write);

/// "OWNER:GROUP MODE" of a file's status, by name where the account
/// database has one ("root:slurm 2770").
std::string owner_and_mode(const struct stat& status);

}  // namespace slumber::store
