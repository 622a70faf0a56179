#include "slurm/scontrol.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "slurm/slurm_conf.hpp"
#include "util/command.hpp"
#include "util/safe_text.hpp"

namespace slumber::slurm {
namespace {

// slurmctld answers in milliseconds; one that does not answer in this long is
// hung or unreachable, and the hooks and the daemon must not hang with it.
constexpr std::chrono::seconds kScontrolTimeout{20};

}  // namespace

// scontrol cannot run without a slurm.conf it can read: it retries reading
// it for 60 s (22.05 and 24.11: "s_p_parse_file: cannot stat file …,
// retrying in 1sec up to 60sec"), even for --version.
std::optional<std::string> Scontrol::unreadable_conf() const {
    if (::access(m_conf.c_str(), R_OK) == 0) return std::nullopt;
    return fmt::format("{} ([slurm] conf): {}", m_conf.string(), std::strerror(errno));
}

std::expected<std::string, std::string> Scontrol::run(const std::vector<std::string>& argv) const {
    if (auto why = unreadable_conf()) return std::unexpected(*why);
    const std::filesystem::path conf = m_client ? m_client->conf_for_commands() : m_conf;
    return util::capture(argv, {{"SLURM_CONF", conf.string()}}, kScontrolTimeout);
}

std::expected<std::vector<NodeState>, std::string> Scontrol::nodes() const {
    auto out = run({m_program, "--oneliner", "show", "node"});
    if (!out) return std::unexpected(fmt::format("scontrol show node: {}", out.error()));
    auto nodes = parse_show_node(*out);
    if (!nodes) {
        return std::unexpected(
            fmt::format("scontrol show node, line {}: {}", nodes.error().line, nodes.error().message));
    }
    return std::move(*nodes);
}

std::expected<std::vector<Reservation>, std::string> Scontrol::reservations() const {
    auto out = run({m_program, "--oneliner", "show", "reservation"});
    if (!out) return std::unexpected(fmt::format("scontrol show reservation: {}", out.error()));
    auto reservations = parse_show_reservation(*out);
    if (!reservations) {
        return std::unexpected(fmt::format("scontrol show reservation, line {}: {}", reservations.error().line,
                                           reservations.error().message));
    }
    return std::move(*reservations);
}

std::expected<void, std::string> Scontrol::update(const std::string& hostlist, const std::string& state,
                                                  const std::string& reason) const {
    std::vector<std::string> argv{m_program, "update", "NodeName=" + hostlist, "State=" + state};
    if (!reason.empty()) argv.push_back("Reason=" + reason);
    auto out = run(argv);
    if (!out) return std::unexpected(fmt::format("scontrol update {} State={}: {}", hostlist, state, out.error()));
    return {};
}

std::expected<void, std::string> Scontrol::call(const ScontrolCall& arguments) const {
    std::vector<std::string> argv{m_program};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    auto out = run(argv);
    if (!out) return std::unexpected(fmt::format("scontrol {}: {}", fmt::join(arguments, " "), out.error()));
    return {};
}

std::expected<Version, std::string> Scontrol::version() const {
    const std::lock_guard lock(m_version->mutex);
    if (m_version->version) return *m_version->version;
    if (auto why = unreadable_conf()) return std::unexpected(fmt::format("scontrol --version: {}", *why));
    auto out = util::capture({m_program, "--version"}, {{"SLURM_CONF", m_conf.string()}}, kScontrolTimeout);
    if (!out) return std::unexpected(fmt::format("scontrol --version: {}", out.error()));
    if (auto version = parse_version(*out)) {
        m_version->version = *version;
        return *version;
    }
    return std::unexpected(fmt::format("scontrol --version: \"{}\" names no Slurm release", out->substr(0, 60)));
}

std::expected<std::vector<ControllerPing>, std::string> Scontrol::ping() const {
    auto out = run({m_program, "ping"});
    if (!out) {
        // scontrol exits 1 when no controller answers, its lines on standard
        // output (scontrol.c, _print_ping, 22.05 to 24.11): the answer all
        // the same. A tester's standby reason showed them as an error.
        if (auto silent = parse_ping(out.error()); silent && !silent->empty()) return std::move(*silent);
        return std::unexpected(fmt::format("scontrol ping: {}", util::safe_text(out.error())));
    }
    auto pings = parse_ping(*out);
    if (!pings) {
        return std::unexpected(fmt::format("scontrol ping, line {}: {}", pings.error().line, pings.error().message));
    }
    return std::move(*pings);
}

std::expected<std::string, std::string> Scontrol::show_config() const {
    auto out = run({m_program, "show", "config"});
    if (!out) return std::unexpected(fmt::format("scontrol show config: {}", out.error()));
    return std::move(*out);
}

std::expected<PowerSaveRules, std::string> Scontrol::power_save_rules() const {
    auto shown = show_config();
    if (shown) return rules_from_show_config(*shown);
    if (const auto text = read_conf(m_conf)) return rules_from_slurm_conf(*text);
    return std::unexpected(fmt::format("{}; {} cannot be read either", shown.error(), m_conf.string()));
}

}  // namespace slumber::slurm
