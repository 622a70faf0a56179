// `slumber hostlist expand|compress`: Slurm's hostlist syntax from the shell.
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <array>
#include <cstdio>
#include <memory>

#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "hostlist/hostlist.hpp"

namespace slumber::cli {
namespace {

struct HostlistOptions {
    std::vector<std::string> items;
    bool sorted = false;
};

int report(const hostlist::ParseError& error, std::string_view expression) {
    fmt::print(stderr, "slumber: {}\n", hostlist::describe(error, expression));
    return to_int(ExitCode::usage);
}

int run_expand(const HostlistOptions& options) {
    hostlist::Hostlist list;
    for (const std::string& item : options.items) {
        if (auto ok = list.append(item); !ok) return report(ok.error(), item);
    }
    if (options.sorted) list.sort();
    std::string out;
    list.for_each([&](std::string_view name) {
        out.append(name);
        out += '\n';
        if (out.size() > (1U << 16)) {
            std::fwrite(out.data(), 1, out.size(), stdout);
            out.clear();
        }
    });
    std::fwrite(out.data(), 1, out.size(), stdout);
    return to_int(ExitCode::ok);
}

// With no names on the command line, names come from standard input, one or
// more per line, separated as in any hostlist.
int run_compress(HostlistOptions options) {
    if (options.items.empty()) {
        std::string input;
        // A redirected file tells its size; one allocation instead of many.
        if (struct stat info{}; fstat(STDIN_FILENO, &info) == 0 && S_ISREG(info.st_mode)) {
            input.reserve(static_cast<std::size_t>(info.st_size));
        }
        std::array<char, 1 << 16> chunk{};
        std::size_t got = 0;
        while ((got = std::fread(chunk.data(), 1, chunk.size(), stdin)) > 0) input.append(chunk.data(), got);
        options.items.push_back(std::move(input));
    }
    hostlist::Hostlist list;
    for (const std::string& item : options.items) {
        if (auto ok = list.append(item); !ok) return report(ok.error(), item.size() > 80 ? "<input>" : item);
    }
    if (options.sorted) list.sort();
    fmt::print("{}\n", list.ranged_string());
    return to_int(ExitCode::ok);
}

}  // namespace

void add_hostlist_command(CLI::App& app, Outcome& outcome) {
    auto* command = app.add_subcommand("hostlist", "Expand or compress Slurm hostlist expressions");
    command->require_subcommand(1);

    auto options = std::make_shared<HostlistOptions>();
    auto* expand = command->add_subcommand("expand",
                                           "Print every name of the expressions, one per line "
                                           "(as `scontrol show hostnames`)");
    expand->add_option("expression", options->items, "hostlist expressions, e.g. node[001-004]")->required();
    expand->add_flag("--sorted", options->sorted, "sort as Slurm's hostlist_sort() does first");
    expand->callback([options, &outcome] { outcome.exit_code = run_expand(*options); });

    auto* compress =
        command->add_subcommand("compress",
                                "Print the shortest expression for the names (as `scontrol show hostlist`); "
                                "reads standard input when no names are given");
    compress->add_option("names", options->items, "names or expressions");
    compress->add_flag("--sorted", options->sorted, "sort first (as `scontrol show hostlistsorted`)");
    compress->callback([options, &outcome] { outcome.exit_code = run_compress(*options); });
}

}  // namespace slumber::cli
