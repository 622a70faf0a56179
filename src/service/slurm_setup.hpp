// What Slurm needs from slumber's setup, as typed values: the ResumeTimeout
// the measured boots call for, and what SlurmUser (who runs the hooks) can
// reach. `slumber slurm-config` prints them; `slumber doctor` checks them.
#pragma once

#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "engine/boot_stats.hpp"
#include "slurm/slurm_user.hpp"

namespace slumber::service {

/// What a user may do with a path, as the kernel decides for a user who is
/// not root: each directory above it searched, then the path's own bits.
struct Access {
    enum class Verdict {
        ok,
        missing,      ///< the path does not exist (yet)
        unreachable,  ///< a directory above it may not be searched
        denied,       ///< the path's own bits refuse what is wanted
        /// slumber itself refuses the file, whoever reads it: a credentials
        /// file that its group or others may access, say
        /// (config::refuse_credentials_file(), the rule read_credentials() applies)
        refused,
    };
    Verdict verdict = Verdict::ok;
    /// For unreachable and denied: the path that refuses, with owner, group
    /// and mode ("/etc/slumber is root:root 0700"). For refused: the file
    /// and slumber's words ("/etc/slumber/ipmi.secret is accessible by group
    /// or others (mode 0640); slumber refuses to use it").
    std::string where;
    /// For refused: what makes it right (chmod 600, the owner). For
    /// unreachable: what lets the user search the directory above.
    std::string fix;
    [[nodiscard]] bool ok() const { return verdict == Verdict::ok; }
};

/// Read (4), write (2) and search/execute (1) bits, as in a file's mode.
inline constexpr int kRead = 4;
inline constexpr int kReadWrite = 6;
inline constexpr int kReadWriteSearch = 7;

/// What the path is to slumber: any file, or a credentials file, which
/// slumber reads only under its own rule (config::refuse_credentials_file()).
enum class PathKind { any, credentials };

/// Whether `user` may reach `path` with the permission bits `want`; root
/// may always. Group membership from the account database (getgrouplist).
/// For PathKind::credentials, a file that slumber refuses (its mode, its
/// kind; read with lstat(2)) is Verdict::refused whoever asks, root
/// included, once it is reachable and exists.
Access access_for(const std::filesystem::path& path, const slurm::SlurmUser& user, int want,
                  PathKind kind = PathKind::any);

/// What SlurmUser, who runs the hooks, must reach, and whether it can now
/// (docs/slurm.md).
struct SlurmUserNeeds {
    slurm::SlurmUser user;
    Access config_file;               ///< kRead of the configuration file
    std::filesystem::path state_dir;  ///< [daemon] state_dir
    Access state;                     ///< kReadWriteSearch of state_dir: the journal, its -wal and -shm, the socket
    /// The nodes' and devices' credentials files, each once, in path order,
    /// with kRead under slumber's own rule (PathKind::credentials): read by
    /// the hooks only when no daemon runs.
    std::vector<std::pair<std::filesystem::path, Access>> credentials;
};

/// What `user` needs of `config` and `config_file` (absolute), and whether
/// it has it now.
SlurmUserNeeds slurm_user_needs(const config::Config& config, const std::filesystem::path& config_file,
                                const slurm::SlurmUser& user);

/// The same for SlurmUser as Slurm says it (slurm::find_slurm_user, with
/// `scontrol` of [slurm] bin_dir); an error says why SlurmUser cannot be
/// told.
std::expected<SlurmUserNeeds, std::string> slurm_user_needs(const config::Config& config,
                                                            const std::filesystem::path& config_file);

/// The ResumeTimeout the journal's measured boots call for
/// (engine::suggested_resume_timeout: 1.5 x the slowest, whole minutes, at
/// least 60 s), with the figures behind it; nothing before any boot was
/// measured or when the journal cannot be read.
struct ResumeTimeoutAdvice {
    int seconds = 0;
    engine::BootStats all;  ///< every node's boots together
};
std::optional<ResumeTimeoutAdvice> resume_timeout_advice(const config::Config& config);

/// Where the running slumber binary lives (/proc/self/exe's directory;
/// /usr/bin when that cannot be read).
std::filesystem::path own_directory();

/// A hook with a configuration file other than the default: Slurm passes
/// no arguments of a site's own, so each hook is a script naming the file,
/// beside it. `slumber slurm-config -c FILE` prints them; `slumber doctor`
/// says to create one that is missing.
struct HookScript {
    std::filesystem::path path;  ///< CONFIG_DIR/slumber-VERB
    /// Its lines: "#!/bin/sh", then "exec BIN_DIR/slumber VERB --config
    /// FILE "$@"" ("$@": ResumeProgram may get the features a job needs as $2).
    std::vector<std::string> lines;
};
HookScript hook_script(std::string_view verb, const std::filesystem::path& bin_dir,
                       const std::filesystem::path& config_file);

/// What `slumber slurm-config` says of such a script: an executable
/// script, not a link, owned by root, mode 755.
inline constexpr std::string_view kHookScriptRule =
    "an executable script (not a link; owned by root, mode 755: Slurm refuses a program others may write)";

/// The SuspendTimeout the journal's measured shutdowns call for: Slurm's
/// suspends of the configuration's nodes, from SuspendProgram's request to
/// the BMC's confirmed off (store::Journal::measured_shutdowns()); 1.5 x
/// the slowest, rounded up to 10 s, at least Slurm's default of 30 s.
/// Nothing before any was measured or when the journal cannot be read.
struct SuspendTimeoutAdvice {
    int seconds = 0;
    int count = 0;  ///< shutdowns measured
    std::int64_t slowest_ms = 0;
};
std::optional<SuspendTimeoutAdvice> suspend_timeout_advice(const config::Config& config);

}  // namespace slumber::service
