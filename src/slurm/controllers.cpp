#include "slurm/controllers.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <array>

#include "util/safe_text.hpp"

namespace slumber::slurm {

std::vector<std::string> controller_hosts(const SlurmConf& conf) {
    std::vector<std::string> hosts;
    for (const ConfSetting& setting : conf.settings) {
        if (!same_key(setting.key, "SlurmctldHost")) continue;
        const std::string_view value = trim(setting.value);
        hosts.emplace_back(trim(value.substr(0, value.find('('))));
    }
    return hosts;
}

std::optional<std::string> own_controller(const std::vector<std::string>& hosts, std::string_view short_name) {
    if (short_name.empty()) return std::nullopt;
    for (const std::string& host : hosts) {
        if (host == short_name || std::string_view(host).substr(0, host.find('.')) == short_name) return host;
    }
    return std::nullopt;
}

std::string this_host() {
    std::array<char, 256> name{};
    if (::gethostname(name.data(), name.size() - 1) != 0) return {};
    std::string host(name.data());
    return host.substr(0, host.find('.'));
}

std::expected<std::vector<ControllerPing>, ParseError> parse_ping(std::string_view text) {
    std::vector<ControllerPing> pings;
    int number = 0;
    while (!text.empty()) {
        const std::string_view line = take_line(text, number);
        // "**** … ** RESTORE SLURMCTLD DAEMON TO SERVICE ** …": root's banner.
        if (line.empty() || line.starts_with("**")) continue;
        constexpr std::string_view kStart = "Slurmctld(";
        const std::size_t close = line.find(")");
        const std::size_t at = line.find(") at ");
        const std::size_t is = line.rfind(" is ");
        if (!line.starts_with(kStart) || close == std::string_view::npos || at != close ||
            is == std::string_view::npos || is <= at + 5) {
            return std::unexpected(ParseError{number, fmt::format("\"{}\" is no \"Slurmctld(MODE) at HOST is UP\"",
                                                                  util::safe_text(line.substr(0, 80)))});
        }
        ControllerPing ping;
        ping.mode = std::string(line.substr(kStart.size(), close - kStart.size()));
        ping.host = std::string(line.substr(at + 5, is - at - 5));
        const std::string_view state = line.substr(is + 4);
        if (state != "UP" && state != "DOWN") {
            return std::unexpected(ParseError{
                number, fmt::format("\"{}\": a controller is UP or DOWN", util::safe_text(state.substr(0, 20)))});
        }
        if (ping.mode.empty() || ping.host.empty() || ping.host.find(' ') != std::string::npos ||
            !util::is_safe_text(ping.host) || !util::is_safe_text(ping.mode)) {
            return std::unexpected(ParseError{number, "a controller without a mode or a host name"});
        }
        ping.up = state == "UP";
        pings.push_back(std::move(ping));
    }
    return pings;
}

}  // namespace slumber::slurm
