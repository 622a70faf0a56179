// The files a virtual cluster runs on, generated from its Spec.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "slurm/hook.hpp"
#include "vcluster/spec.hpp"

namespace slumber::vcluster {

/// slurm.conf: multiple-slurmd nodes on localhost, power saving on, the hooks.
std::string render_slurm_conf(const Spec& spec, const RunDir& dir);

/// ipmi_sim's lan.conf for one node's BMC (holds the password: mode 600).
/// ipmi_sim runs `chassis_program NODE get|set …` for every power request.
std::string render_lan_conf(const Spec& spec, int index, std::string_view password, std::string_view chassis_program);

/// That chassis program: answers `get power` from the node's cgroup itself,
/// hands every change to `slumber vcluster chassis`.
std::string render_chassis_program(const RunDir& dir, std::string_view slumber, const std::filesystem::path& cgroup);

/// ipmi_sim's command file: the BMC's management controller and its sensors.
std::string render_bmc_emu(const Spec& spec, const RunDir& dir, int index);

/// The table the hooks read: "node address port" per line.
std::string render_bmc_table(const Spec& spec);

/// The inventory for slumber itself (slumber config check, slumber power …).
std::string render_slumber_conf(const Spec& spec, const RunDir& dir);

using slurm::Hook;

/// The hook Slurm runs: logs the call, then runs the configured program, or
/// by default does what sites write by hand (ipmitool per node).
std::string render_hook(const Spec& spec, const RunDir& dir, Hook hook);

}  // namespace slumber::vcluster
