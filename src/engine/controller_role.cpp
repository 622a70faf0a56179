#include "engine/controller_role.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <vector>

namespace slumber::engine {

namespace {

std::string seconds(ControlFollower::TimeMs ms) { return fmt::format("{} s", ms / 1000); }

}  // namespace

std::optional<ControlFollower::TimeMs> ControlFollower::silent_for(const std::string& host, TimeMs now_ms) const {
    const auto it = m_last_answer.find(host);
    if (it == m_last_answer.end()) return std::nullopt;
    return now_ms - it->second;
}

ControllerRole ControlFollower::update(std::span<const slurm::ControllerPing> pings, std::string_view self,
                                       TimeMs now_ms, std::string_view failure) {
    if (pings.size() < 2) return {true, pings.empty() ? std::string(self) : pings.front().host, "the only controller"};
    std::vector<std::string> hosts;
    for (const slurm::ControllerPing& ping : pings) hosts.push_back(ping.host);
    if (std::ranges::find(hosts, self) == hosts.end()) {
        return {false, "",
                fmt::format("[daemon] controller \"{}\" is none of Slurm's controllers ({}): standing by", self,
                            fmt::join(hosts, ", "))};
    }
    for (const slurm::ControllerPing& ping : pings) {
        if (ping.up) m_last_answer[ping.host] = now_ms;
    }
    const auto silent_long = [&](const std::string& host) {
        const auto silent = silent_for(host, now_ms);
        return !silent || *silent >= m_timeout_ms;
    };
    // Slurm's rule: the first that answers while every one before it has
    // been silent for SlurmctldTimeout. None such: the one in control keeps
    // control while it has been silent for less than that.
    const slurm::ControllerPing* in_control = nullptr;
    for (const slurm::ControllerPing& ping : pings) {
        if (ping.up) {
            in_control = &ping;
            break;
        }
        if (!silent_long(ping.host)) break;
    }
    const auto kept_long_enough = [&](const std::string& host) {
        const auto silent = silent_for(host, now_ms);
        return silent && *silent < m_timeout_ms - (host == self ? m_early_ms : 0);
    };
    if (in_control == nullptr && !m_in_control.empty() && kept_long_enough(m_in_control)) {
        const auto kept = std::ranges::find(pings, m_in_control, &slurm::ControllerPing::host);
        if (kept != pings.end()) in_control = &*kept;
    }
    m_in_control = in_control == nullptr ? std::string{} : in_control->host;

    const std::string why_failed = failure.empty() ? std::string{} : fmt::format(" ({})", failure);
    if (in_control == nullptr) {
        if (!failure.empty()) return {false, "", fmt::format("standing by: {}", failure)};
        return {false, "",
                fmt::format("standing by: no slurmctld answers ({}): nothing to act for", fmt::join(hosts, ", "))};
    }
    // What the words add: the one in control missed pings, or the ones
    // before it are silent.
    std::string after;
    if (!in_control->up) {
        after = fmt::format("; it has not answered for {}{}, less than SlurmctldTimeout ({})",
                            seconds(*silent_for(in_control->host, now_ms)), why_failed, seconds(m_timeout_ms));
    } else {
        std::vector<std::string> silent;
        for (const slurm::ControllerPing& ping : pings) {
            if (&ping == in_control) break;
            silent.push_back(ping.host);
        }
        if (!silent.empty()) after = fmt::format("; {} does not answer", fmt::join(silent, ", "));
    }
    if (in_control->host == self) {
        return {true, in_control->host,
                fmt::format("the slurmctld beside it ({}, {}) is in control{}", self, in_control->mode, after)};
    }
    return {false, in_control->host,
            fmt::format("standing by: the slurmctld on {} ({}) is in control{}", in_control->host, in_control->mode,
                        after)};
}

}  // namespace slumber::engine
