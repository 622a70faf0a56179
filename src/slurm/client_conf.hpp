// slurm.conf as Slurm's commands need it to reach slurmctld: every global
// setting, none of the node and partition definitions.
//
// Each run of scontrol reads its slurm.conf first, with Slurm's own parser,
// and at 10,000 NodeName lines that reading is nine tenths of the work of
// `scontrol --oneliner show node`: 0.46 of 0.50 CPU-seconds, against 0.05
// with the definitions left out, the same 5.6 MB printed (Slurm 22.05.8,
// measured beside bench/scale.sh). The definitions are slurmctld's business:
// the commands ask it for nodes and partitions (show node, show config,
// update), so a copy without them reaches the same controller, by the same
// SlurmctldHost, port and authentication, and answers the same.
#pragma once

#include <expected>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "slurm/conf_file.hpp"

namespace slumber::slurm {

/// The text of the copy of `conf`: its global lines (SlurmConf::global_lines,
/// Include lines followed and inlined), headed by a comment naming the files
/// it was made from.
std::string client_conf_text(const SlurmConf& conf);

/// The files a copy was made from, as its head names them; nothing when
/// `text` is no such copy.
std::optional<std::vector<std::filesystem::path>> client_conf_sources(std::string_view text);

/// A copy of slurm.conf `source` at `file` for Slurm's commands, made
/// again whenever slurm.conf or a file it includes is newer than the copy.
/// Thread-safe: the daemon's threads share one.
class ClientConf {
  public:
    /// `writes`: this process keeps the copy (the daemon); otherwise it only
    /// uses one that is up to date (a CLI run, a web snapshot).
    ClientConf(std::filesystem::path source, std::filesystem::path file, bool writes)
        : m_source(std::move(source)), m_file(std::move(file)), m_writes(writes) {}

    /// What to give scontrol as SLURM_CONF: the copy when it is up to date
    /// (made now if this process keeps it), else slurm.conf itself.
    [[nodiscard]] std::filesystem::path conf_for_commands();

  private:
    /// Whether the copy exists and is at least as new as each file it was
    /// made from (their list is read from its head once per copy).
    [[nodiscard]] bool up_to_date();
    /// Writes the copy (a temporary file renamed over it: a command never
    /// reads half of one); an error says why not.
    std::expected<void, std::string> write();

    std::filesystem::path m_source;
    std::filesystem::path m_file;
    bool m_writes = false;
    std::mutex m_mutex;
    std::vector<std::filesystem::path> m_sources;  ///< of the copy last read or written
};

}  // namespace slumber::slurm
