#include "cli/nodes_argument.hpp"

#include <fmt/format.h>

#include "hostlist/hostlist.hpp"
#include "util/safe_text.hpp"

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
    // Slurm's hostlist takes "," (separators only) for an empty list, and
    // so does the parser (tests/integration/hostlist_parity); as a command's
    // targets it names nothing, which must not pass for "done" (`doctor
    // --verify-mapping ','` checked nothing and said so with exit 0) nor
    // for "every node" (`slumber report ','`).
    if (names->empty()) {
        fmt::print(stderr, "slumber: \"{}\" names no node: an empty hostlist\n", util::safe_text(text));
        return std::unexpected(ExitCode::usage);
    }
    return std::move(*names);
}

}  // namespace slumber::cli
