#include "daemon/controller_watch.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "slurm/controllers.hpp"
#include "slurm/slurm_conf.hpp"

namespace slumber::daemon {

std::expected<ControllerWatch, std::string> ControllerWatch::make(const config::Config& config) {
    const auto conf = slurm::read_slurm_conf(config.slurm.conf);
    std::vector<std::string> hosts = conf ? slurm::controller_hosts(*conf) : std::vector<std::string>{};
    std::string self = config.daemon.controller.empty() ? slurm::this_host() : config.daemon.controller;
    if (hosts.size() > 1 && std::ranges::find(hosts, self) == hosts.end()) {
        return std::unexpected(fmt::format(
            "{} lists {} controllers ({}) and this daemon's, \"{}\", is none of them: set [daemon] controller to the "
            "SlurmctldHost name of the controller it runs beside (docs/ha.md)",
            config.slurm.conf.string(), hosts.size(), fmt::join(hosts, ", "), self));
    }
    return ControllerWatch(std::move(hosts), std::move(self));
}

std::optional<ControllerWatch::Change> ControllerWatch::update(const slurm::Scontrol& scontrol) {
    if (!shared()) return std::nullopt;
    engine::ControllerRole role;
    if (auto pings = scontrol.ping()) {
        role = engine::controller_role(*pings, m_self);
    } else {
        role = {false, "", fmt::format("standing by: {}", pings.error())};
    }
    const bool first = !m_looked;
    m_looked = true;
    const bool changed = first || role.acting != m_role.acting || role.acting_host != m_role.acting_host;
    const bool took_over = !first && role.acting && !m_role.acting;
    m_role = std::move(role);
    if (!changed) return std::nullopt;
    return Change{m_role, took_over, first};
}

}  // namespace slumber::daemon
