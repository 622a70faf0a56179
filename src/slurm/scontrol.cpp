#include "slurm/scontrol.hpp"

#include <fmt/format.h>

#include "util/command.hpp"

namespace slumber::slurm {
namespace {

// slurmctld answers in milliseconds; one that does not answer in this long is
// hung or unreachable, and the hooks and the daemon must not hang with it.
constexpr std::chrono::seconds kScontrolTimeout{20};

}  // namespace

std::expected<std::vector<NodeState>, std::string> Scontrol::nodes() const {
    auto out =
        util::capture({m_program, "--oneliner", "show", "node"}, {{"SLURM_CONF", m_conf.string()}}, kScontrolTimeout);
    if (!out) return std::unexpected(fmt::format("scontrol show node: {}", out.error()));
    auto nodes = parse_show_node(*out);
    if (!nodes) {
        return std::unexpected(
            fmt::format("scontrol show node, line {}: {}", nodes.error().line, nodes.error().message));
    }
    return std::move(*nodes);
}

std::expected<void, std::string> Scontrol::update(const std::string& hostlist, const std::string& state,
                                                  const std::string& reason) const {
    std::vector<std::string> argv{m_program, "update", "NodeName=" + hostlist, "State=" + state};
    if (!reason.empty()) argv.push_back("Reason=" + reason);
    auto out = util::capture(argv, {{"SLURM_CONF", m_conf.string()}}, kScontrolTimeout);
    if (!out) return std::unexpected(fmt::format("scontrol update {} State={}: {}", hostlist, state, out.error()));
    return {};
}

}  // namespace slumber::slurm
