#include "vcluster/redfish_node.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>

#include <fstream>

#include "vcluster/bmc.hpp"
#include "vcluster/machine.hpp"
#include "vcluster/redfish.hpp"
#include "vcluster/render.hpp"
#include "vcluster/room.hpp"

namespace slumber::vcluster {

int run_redfish_bmc(const RunDir& dir, std::string_view node) {
    auto spec = load(dir);
    if (!spec) {
        fmt::print(stderr, "slumber-vcluster redfish-bmc: {}\n", spec.error());
        return 1;
    }
    const int index = spec->index_of(node);
    if (index < 0) {
        fmt::print(stderr, "slumber-vcluster redfish-bmc: no node {} in {}\n", node, dir.root.string());
        return 1;
    }
    RedfishSettings settings;
    settings.address = spec->bmc_address(index);
    settings.port = spec->redfish_port;
    settings.certificate = dir.redfish_certificate();
    settings.key = dir.redfish_certificate().string() + ".key";
    // The password as start_bmc() wrote it for this BMC (a fault may change it).
    std::ifstream password(dir.bmc_dir(node) / "password");
    if (!std::getline(password, settings.password)) {
        fmt::print(stderr, "slumber-vcluster redfish-bmc: no password for {}\n", node);
        return 1;
    }
    // The machine behind this address: another node's under the `crossed`
    // fault (vcluster/crossed.hpp), whose BMC, UUID and sensors answer here.
    const std::string machine_name = crossed_with(dir, node).value_or(std::string(node));
    const int machine_index = spec->index_of(machine_name);
    if (machine_index < 0) {
        fmt::print(stderr, "slumber-vcluster redfish-bmc: {} is crossed with {}, no node of {}\n", node, machine_name,
                   dir.root.string());
        return 1;
    }
    // One UUID per node, as SMBIOS gives each machine its own.
    settings.uuid = smbios_uuid(*spec, machine_index);
    const Machine machine(dir, *spec, machine_name);
    settings.read_power = [&machine] { return machine.powered(); };
    settings.read_inlet = [&dir, &machine_name] { return inlet_celsius(dir, machine_name); };
    settings.on_power = [&machine, node = machine_name](bool on, bool graceful) {
        auto done = on ? machine.power_on() : graceful ? machine.soft_off() : machine.power_off();
        fmt::print("{}: Redfish {}: {}\n", node,
                   on         ? "on"
                   : graceful ? "graceful shutdown"
                              : "off",
                   done ? "done" : done.error());
        std::fflush(stdout);
    };
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before the server's threads start
    RedfishBmc bmc(std::move(settings));
    if (auto why = bmc.start(); !why.empty()) {
        fmt::print(stderr, "slumber-vcluster redfish-bmc: {}\n", why);
        return 1;
    }
    fmt::print("{}: Redfish BMC on https://{}:{}\n", node, spec->bmc_address(index), bmc.port());
    std::fflush(stdout);
    int signal = 0;
    sigwait(&signals, &signal);
    bmc.stop();
    return 0;
}

}  // namespace slumber::vcluster
