#include "vcluster/crossed.hpp"

#include <signal.h>

#include <fmt/format.h>
#include <filesystem>

#include "vcluster/bmc.hpp"
#include "vcluster/files.hpp"
#include "vcluster/process.hpp"

namespace slumber::vcluster {
namespace {

namespace fs = std::filesystem;

fs::path crossing_file(const RunDir& dir, std::string_view node) { return dir.bmc_dir(node) / "crossed-with"; }

// Restarts the BMC at the node's address so that it reads the crossing anew,
// with the faults it had: the `bmc-password` fault's password and login log,
// and the `bmc-silent` fault's stop.
std::expected<void, std::string> restart_as_it_was(const Spec& spec, const RunDir& dir, int index) {
    const std::string node = spec.node_name(index);
    auto password = read_password(dir);
    if (!password) return std::unexpected(password.error());
    const bool changed = fs::exists(dir.bmc_dir(node) / "password-changed");
    const auto old = bmc_process(dir, node);
    const bool silent = old && alive(*old) && state_of(old->pid) == 'T';
    if (auto ok = restart_bmc(spec, dir, index, changed ? *password + "-changed" : *password, changed); !ok) return ok;
    if (silent) {
        if (auto bmc = bmc_process(dir, node)) ::kill(bmc->pid, SIGSTOP);
    }
    return {};
}

}  // namespace

std::expected<void, std::string> cross(const Spec& spec, const RunDir& dir, int a, int b) {
    const std::string first = spec.node_name(a);
    const std::string second = spec.node_name(b);
    if (a == b) return std::unexpected(fmt::format("crossed needs two different nodes, not {} twice", first));
    for (const std::string& node : {first, second}) {
        if (auto partner = crossed_with(dir, node)) {
            return std::unexpected(fmt::format(
                "{} is crossed with {} already (slumber-vcluster fault {} clear undoes it)", node, *partner, node));
        }
    }
    if (spec.redfish_bmc(a) != spec.redfish_bmc(b)) {
        return std::unexpected(fmt::format(
            "{} has {} BMC and {} {} one: crossing their addresses would show only as the wrong protocol; cross two "
            "nodes whose BMCs speak the same one",
            first, spec.redfish_bmc(a) ? "a Redfish" : "an IPMI", second,
            spec.redfish_bmc(b) ? "a Redfish" : "an IPMI"));
    }
    if (auto ok = write_file(crossing_file(dir, first), second + "\n", kPrivateFile); !ok) return ok;
    if (auto ok = write_file(crossing_file(dir, second), first + "\n", kPrivateFile); !ok) return ok;
    for (const int index : {a, b}) {
        if (auto ok = restart_as_it_was(spec, dir, index); !ok) {
            return std::unexpected(
                fmt::format("{} (slumber-vcluster fault {} clear undoes what was done)", ok.error(), first));
        }
    }
    return {};
}

std::expected<void, std::string> uncross(const Spec& spec, const RunDir& dir, int index) {
    const std::string node = spec.node_name(index);
    const auto partner = crossed_with(dir, node);
    if (!partner) return {};
    std::error_code error;
    fs::remove(crossing_file(dir, node), error);
    const int other = spec.index_of(*partner);
    if (other >= 0) fs::remove(crossing_file(dir, *partner), error);
    if (auto ok = restart_as_it_was(spec, dir, index); !ok) return ok;
    if (other >= 0) return restart_as_it_was(spec, dir, other);
    return {};
}

}  // namespace slumber::vcluster
