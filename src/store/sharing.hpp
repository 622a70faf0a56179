// The journal is written by two users: the daemon (often root) and Slurm's
// hooks, which run as SlurmUser. SQLite needs write access to the database
// file and to the directory (it creates and removes the -wal and -shm files
// beside it), so both belong to SlurmUser's group, group-writable.
#pragma once

#include <sys/types.h>

#include <expected>
#include <filesystem>
#include <string>

namespace slumber::store {

/// The journal's directory becomes 2770 (setgid: files created there take its
/// group) and the journal with its -wal and -shm files 0660, all of `group`.
/// Others get nothing. Needs root or the files' owner.
std::expected<void, std::string> share_journal(const std::filesystem::path& journal, gid_t group);

}  // namespace slumber::store
