#include "cli/power_targets.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "cli/nodes_argument.hpp"
#include "hostlist/hostlist.hpp"

namespace slumber::cli {

std::expected<PowerTargets, ExitCode> resolve_targets(const PowerOptions& options) {
    if (options.fanout < 1) {
        fmt::print(stderr, "slumber: --fanout {}: give at least 1\n", options.fanout);
        return std::unexpected(ExitCode::usage);
    }
    auto names = hostlist_argument(options.targets);
    if (!names) return std::unexpected(names.error());
    auto loaded = config::load(options.file);
    if (!loaded) {
        for (const auto& error : loaded.error()) fmt::print(stderr, "{}\n", config::format(error));
        return std::unexpected(ExitCode::config);
    }
    const std::string file = loaded->file.string();
    auto resolved = service::power_targets(std::move(*loaded), *names);
    if (!resolved) {
        fmt::print(stderr, "slumber: not in {}: {}\n", file, hostlist::compress(resolved.error(), false).value_or("?"));
        return std::unexpected(ExitCode::usage);
    }
    return std::move(*resolved);
}

void print_grouped(const std::vector<std::pair<std::string, std::string>>& lines) {
    std::vector<std::pair<std::string, std::vector<std::string>>> groups;
    for (const auto& [target, text] : lines) {
        auto group = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == text; });
        if (group == groups.end()) group = groups.insert(groups.end(), {text, {}});
        group->second.push_back(target);
    }
    for (const auto& [text, members] : groups) {
        fmt::print("{}: {}\n", hostlist::compress(members, true).value_or("?"), text);
    }
}

}  // namespace slumber::cli
