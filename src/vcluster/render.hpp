// The files a virtual cluster runs on, generated from its Spec.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "slurm/dialect.hpp"
#include "slurm/hook.hpp"
#include "vcluster/spec.hpp"

namespace slumber::vcluster {

/// slurm.conf: multiple-slurmd nodes on localhost, power saving on, the hooks.
/// With `slurm` 23.02 or later, SuspendExcStates=drain, as `slumber doctor`
/// advises (suspend-exc-states); nothing: the release is not known.
std::string render_slurm_conf(const Spec& spec, const RunDir& dir, std::optional<slurm::Version> slurm = std::nullopt);
/// With deployment "site": the file slurm.conf includes that sets SlurmUser.
std::string render_slurm_user_conf();

/// Whether the cluster needs a cgroup.conf that turns Slurm's cgroup plugin
/// off. The virtual cluster powers nodes through cgroups of its own, and
/// needs none of Slurm's (proctrack/linuxproc, task/none). Slurm 24.11's
/// slurmd initialises its cgroup plugin all the same, and stops on a machine
/// with a hybrid v1/v2 hierarchy ("Hybrid mode is not supported", seen on
/// 24.11.5); without systemd, cgroup/v2 wants it over D-Bus. `CgroupPlugin=
/// disabled` is in cgroup.conf(5) of 24.05 and 24.11; 22.05's knows no such
/// value, and its slurmd reads no cgroup.conf here.
bool needs_cgroup_conf(const slurm::Version& slurm);

/// That cgroup.conf.
std::string render_cgroup_conf();

/// ipmi_sim's lan.conf for the BMC at node INDEX's address (holds the
/// password: mode 600), the BMC of node MACHINE's machine: its GUID, and
/// `chassis_program MACHINE get|set …`, which ipmi_sim runs for every power
/// request. MACHINE is INDEX but for the `crossed` fault, where the address
/// in the inventory reaches the other node's BMC.
std::string render_lan_conf(const Spec& spec, int index, int machine, std::string_view password,
                            std::string_view chassis_program);

/// That chassis program: answers `get power` from the node's cgroup itself,
/// hands every change to `RIG chassis` (RIG: the slumber-vcluster binary).
std::string render_chassis_program(const RunDir& dir, std::string_view rig, const std::filesystem::path& cgroup);

/// Node INDEX's own SMBIOS UUID (/sys/class/dmi/id/product_uuid on a real
/// node): what its BMC reports as system GUID (ipmi_sim's `guid`, the
/// Redfish ComputerSystem's UUID) while the addresses are not crossed.
std::string smbios_uuid(const Spec& spec, int index);

/// The node_uuid_program: `node-uuid NODE` prints the node's product_uuid
/// (nodes/NODE/) while its machine is on, as `ssh NODE cat
/// /sys/class/dmi/id/product_uuid` would, and fails while it is off.
std::string render_node_uuid_program(const RunDir& dir, const std::filesystem::path& cgroup);

/// ipmi_sim's command file: the BMC's management controller and the sensors
/// of node INDEX's machine.
std::string render_bmc_emu(const Spec& spec, const RunDir& dir, int index);

/// The table the hooks read: "node address port" per line.
std::string render_bmc_table(const Spec& spec);

/// The inventory for slumber itself (slumber config check, slumber power …):
/// slumber.toml, or with two controllers CONTROLLER's (index from 0)
/// slumber-vctlN.toml, which differs in its daemon's state directory, its
/// `[daemon] controller` and its web port (the --web port for vctl1, the
/// port after it for vctl2).
std::string render_slumber_conf(const Spec& spec, const RunDir& dir, int controller = 0);

/// The line `controller = "NAME"` of `[daemon]` (docs/ha.md).
std::string daemon_controller_line(std::string_view controller);

/// The controllers' names in order: vctl1, vctl2 (localhost with one).
std::vector<std::string> controller_names(const Spec& spec);

/// With two controllers: the /etc/hosts their hosts see (RunDir::
/// controller_hosts_file), naming each controller at its address.
std::string render_controller_hosts(const Spec& spec);

using slurm::Hook;

/// The hook Slurm runs: logs the call, then runs the configured program, or
/// by default does what sites write by hand (ipmitool per node); with
/// `--hooks slumber`, runs `SLUMBER --config …` (SLUMBER: the command that
/// runs slumber's hook, slumber_command(): `/build/slumber suspend` or the
/// installed `/usr/sbin/slumber-suspend`). With two controllers, the config
/// is that of the controller whose slurmctld runs the hook, by its host name
/// (slurmctld's children share its UTS namespace): slumber-vctlN.toml.
std::string render_hook(const Spec& spec, const RunDir& dir, Hook hook, const std::vector<std::string>& slumber);

}  // namespace slumber::vcluster
