#include "daemon/controller_watch.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>

#include "slurm/controllers.hpp"
#include "slurm/slurm_conf.hpp"

namespace slumber::daemon {

namespace {

// slurm.conf(5), SlurmctldTimeout, 22.05 to 24.11.
constexpr std::chrono::seconds kDefaultSlurmctldTimeout{120};

// slurm.conf's SlurmctldTimeout: whole seconds. A value slurmctld would
// refuse (it does not start then) counts as the default.
std::chrono::milliseconds slurmctld_timeout(const slurm::SlurmConf& conf) {
    const slurm::ConfSetting* setting = conf.find("SlurmctldTimeout");
    if (setting == nullptr) return kDefaultSlurmctldTimeout;
    int seconds = 0;
    const std::string& text = setting->value;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (error != std::errc{} || end != text.data() + text.size() || seconds <= 0) return kDefaultSlurmctldTimeout;
    return std::chrono::seconds(seconds);
}

}  // namespace

std::chrono::milliseconds until_next_ping(std::int64_t wall_ms) {
    const std::int64_t period = kControllerLookMs.count();
    const std::int64_t into = ((wall_ms % period) + period) % period;  // a clock before 1970 too
    return std::chrono::milliseconds(period - into);
}

std::expected<ControllerWatch, std::string> ControllerWatch::make(const config::Config& config) {
    const auto conf = slurm::read_slurm_conf(config.slurm.conf);
    std::vector<std::string> hosts = conf ? slurm::controller_hosts(*conf) : std::vector<std::string>{};
    std::string self = config.daemon.controller;
    if (self.empty()) self = slurm::own_controller(hosts, slurm::this_host()).value_or(slurm::this_host());
    if (hosts.size() > 1 && std::ranges::find(hosts, self) == hosts.end()) {
        return std::unexpected(fmt::format(
            "{} lists {} controllers ({}) and this daemon's, \"{}\", is none of them: set [daemon] controller to the "
            "SlurmctldHost name of the controller it runs beside (docs/ha.md)",
            config.slurm.conf.string(), hosts.size(), fmt::join(hosts, ", "), self));
    }
    return ControllerWatch(std::move(hosts), std::move(self),
                           conf ? slurmctld_timeout(*conf) : kDefaultSlurmctldTimeout);
}

std::optional<ControllerWatch::Change> ControllerWatch::update(const slurm::Scontrol& scontrol,
                                                               std::chrono::steady_clock::time_point now) {
    if (!shared()) return std::nullopt;
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    engine::ControllerRole role;
    if (auto pings = scontrol.ping()) {
        role = m_follower.update(*pings, m_self, now_ms);
    } else {
        // Nobody answered: slurm.conf's controllers, each silent, with
        // the places Slurm names them by (scontrol's ping).
        std::vector<slurm::ControllerPing> silent;
        for (std::size_t i = 0; i < m_hosts.size(); ++i) {
            std::string mode = i == 0 ? "primary" : m_hosts.size() == 2 ? "backup" : fmt::format("backup{}", i);
            silent.push_back({std::move(mode), m_hosts[i], false});
        }
        role = m_follower.update(silent, m_self, now_ms, pings.error());
    }
    bool first = !m_looked;
    m_looked = true;
    if (!role.acting || m_role.acting) {
        m_to_act_since.reset();
    } else if (!m_to_act_since) {
        // To act: first make sure the daemon that acted has stood down.
        m_to_act_since = now_ms;
        m_to_act_first = first;
        role.acting = false;
        role.why = fmt::format(
            "taking control: {}; acting from the next look at the controllers, once the daemon "
            "that acted until now has seen it (docs/ha.md)",
            role.why);
    } else if (now_ms - *m_to_act_since < kControllerLookMs.count() - kPingSlack.count()) {
        return std::nullopt;  // a ping sooner than the next regular one (a hook's wake): not yet
    } else {
        m_to_act_since.reset();
        first = m_to_act_first;
    }
    const bool changed = first || role.acting != m_role.acting || role.acting_host != m_role.acting_host ||
                         (m_to_act_since && role.why != m_role.why);
    const bool took_over = !first && role.acting && !m_role.acting;
    m_role = std::move(role);
    if (!changed) return std::nullopt;
    return Change{m_role, took_over, first};
}

}  // namespace slumber::daemon
