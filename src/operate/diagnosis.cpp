#include "operate/diagnosis.hpp"

#include <fmt/format.h>

#include "util/probe.hpp"

namespace slumber::operate {

std::string diagnose_unregistered(const slurm::NodeState& node, std::chrono::milliseconds timeout) {
    // Slurm shows NodeAddr as the node's name when slurm.conf sets none.
    const std::string& address = node.address.empty() ? node.name : node.address;
    const int port = node.port.value_or(kDefaultSlurmdPort);
    const util::ProbeResult probe = util::probe_tcp(address, port, timeout);
    switch (probe.reach) {
        case util::Reach::unresolved:
            return fmt::format("NodeAddr {} does not resolve ({}): check DNS or /etc/hosts on the head node", address,
                               probe.detail);
        case util::Reach::silent:
            return fmt::format(
                "no answer from {} on slurmd's port {} ({}): the machine is not on the network; check its console "
                "(boot order, PXE, disk, a kernel panic) and its link",
                address, port, probe.detail);
        case util::Reach::refused:
            return fmt::format("{} is up but nothing listens on slurmd's port {}: slurmd is not running there", address,
                               port);
        case util::Reach::open:
            return fmt::format(
                "slurmd listens on {}:{} but has not registered: check that the node's munge key and clock match "
                "the controller's (munge rejects credentials more than 5 minutes off) and that it has the same "
                "slurm.conf",
                address, port);
        case util::Reach::error:
            break;
    }
    return fmt::format("cannot reach {}:{}: {}", address, port, probe.detail);
}

}  // namespace slumber::operate
