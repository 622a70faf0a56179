#include "cli/nodes_argument.hpp"

#include <fmt/format.h>

#include "hostlist/hostlist.hpp"

namespace slumber::cli {

std::expected<std::vector<std::string>, ExitCode> nodes_argument(const std::string& text) {
    if (text.empty()) return std::vector<std::string>{};
    return hostlist_argument(text);
}

std::expected<std::vector<std::string>, ExitCode> hostlist_argument(const std::string& text) {
    auto names = hostlist::expand(text);
    if (!names) {
        fmt::print(stderr, "slumber: {}\n", hostlist::describe(names.error(), text));
        return std::unexpected(ExitCode::usage);
    }
    return std::move(*names);
}

}  // namespace slumber::cli
