// `slumber doctor --verify-mapping HOSTLIST`: proves, from behaviour, that
// the BMC at each node's address in slumber.toml is that node's own. Each
// node Slurm shows idle and powered down (`idle~`) is powered up, one at a
// time, and the expected node must register with Slurm; a powered-down
// node nobody asked for that registers instead is the other half of a
// crossed pair. Then the nodes go back to sleep. docs/doctor.md says why it
// goes through Slurm (POWER_UP, POWER_DOWN) rather than to the BMC directly.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "operate/targets.hpp"
#include "service/doctor.hpp"
#include "slurm/slurm_view.hpp"
#include "store/journal.hpp"

namespace slumber::service {

struct VerifyMappingOptions {
    /// The nodes to check, in order (the hostlist, expanded).
    std::vector<std::string> nodes;
    /// A line for a person as the check goes (what it asks, what it waits
    /// for); may be empty.
    std::function<void(const std::string&)> progress{};
    /// How often Slurm's view is read while waiting.
    std::chrono::milliseconds poll{1000};
    /// What the BMC at a node's address says of its machine's power, read
    /// before the node is powered up; unset: through its driver, as
    /// `slumber status` reads it (blocks obeyed). Tests give their own.
    std::function<operate::PowerReading(const std::string& node)> bmc_power{};
    /// The signal that asked the check to stop (SIGINT, SIGTERM), 0 while
    /// none has; unset: none ever does. The node under way is put back to
    /// sleep through Slurm first, the rest are not checked.
    std::function<int()> stop_signal{};
};

/// Checks options.nodes as the file header says. Never fails: what cannot
/// be done is a finding (mapping-skipped for a node not checked, with why).
/// The report's `verified` lists the nodes whose BMC started them.
DoctorReport verify_mapping(const std::filesystem::path& config_file, const VerifyMappingOptions& options);

/// The checks themselves, once verify_mapping() has loaded the
/// configuration, found the hooks slumber's and opened the journal, with
/// Slurm as given (scontrol; tests give their own): adds to report's
/// findings and its `verified`.
void verify_mapping_with(const config::Config& config, const slurm::SlurmView& slurm, store::Journal& journal,
                         const VerifyMappingOptions& options, DoctorReport& report);

}  // namespace slumber::service
