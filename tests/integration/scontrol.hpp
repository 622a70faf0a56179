// Runs Slurm's own scontrol on many hostlist questions in one process, for
// comparing slumber's answers with Slurm's. No daemon is needed: scontrol
// answers "show hostnames/hostlist" from a minimal slurm.conf.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace slumber::testing {

enum class HostlistQuery { hostnames, hostlist, hostlistsorted };

struct ScontrolAnswer {
    bool valid = true;               ///< false when scontrol printed nothing (it says "Invalid hostlist" on stderr)
    std::vector<std::string> lines;  ///< what it printed
};

/// Path of scontrol: $SLUMBER_SCONTROL, else /usr/bin/scontrol if present.
std::optional<std::string> find_scontrol();

/// Asks scontrol every (query, expression) pair; one answer per pair.
std::vector<ScontrolAnswer> ask_scontrol(const std::string& scontrol,
                                         const std::vector<std::pair<HostlistQuery, std::string>>& questions);

}  // namespace slumber::testing
