// A configuration without Slurm and without a BMC: nodes behind `exec`
// commands that always work and say "on", the state directory in `dir`, and
// a [slurm] bin_dir without scontrol (Slurm cannot be asked, as on a machine
// where slurmctld is down). `more` is TOML appended to it.
#pragma once

#include <fmt/format.h>

#include <filesystem>
#include <string>
#include <string_view>

namespace slumber::testing {

inline std::string exec_nodes_toml(const std::filesystem::path& dir, std::string_view names,
                                   std::string_view more = {}) {
    return fmt::format(R"(
[daemon]
state_dir = "{0}/state"

[slurm]
bin_dir = "{0}"

[[node]]
names = "{1}"
driver = "exec"
on = "true"
off = "true"
status = "echo on"
{2})",
                       dir.string(), names, more);
}

}  // namespace slumber::testing
