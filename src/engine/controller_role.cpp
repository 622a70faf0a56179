#include "engine/controller_role.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <vector>

namespace slumber::engine {

ControllerRole controller_role(std::span<const slurm::ControllerPing> pings, std::string_view self) {
    if (pings.size() < 2) return {true, pings.empty() ? std::string(self) : pings.front().host, "the only controller"};
    std::vector<std::string> hosts;
    for (const slurm::ControllerPing& ping : pings) hosts.push_back(ping.host);
    if (std::ranges::find(hosts, self) == hosts.end()) {
        return {false, "",
                fmt::format("[daemon] controller \"{}\" is none of Slurm's controllers ({}): standing by", self,
                            fmt::join(hosts, ", "))};
    }
    const auto first_up = std::ranges::find_if(pings, [](const slurm::ControllerPing& ping) { return ping.up; });
    if (first_up == pings.end()) {
        return {false, "", fmt::format("no slurmctld answers ({}): nothing to act for", fmt::join(hosts, ", "))};
    }
    std::vector<std::string> silent;
    for (auto it = pings.begin(); it != first_up; ++it) silent.push_back(it->host);
    const std::string before =
        silent.empty() ? std::string{} : fmt::format("; {} does not answer", fmt::join(silent, ", "));
    if (first_up->host == self) {
        return {true, first_up->host,
                fmt::format("the slurmctld beside it ({}, {}) is in control{}", self, first_up->mode, before)};
    }
    return {
        false, first_up->host,
        fmt::format("standing by: the slurmctld on {} ({}) is in control{}", first_up->host, first_up->mode, before)};
}

}  // namespace slumber::engine
