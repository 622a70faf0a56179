#include "daemon/hook.hpp"

#include <fmt/format.h>

#include "daemon/carrier.hpp"
#include "daemon/wake.hpp"
#include "hostlist/hostlist.hpp"
#include "store/journal.hpp"

namespace slumber::daemon {

std::string_view to_string(Hook hook) {
    switch (hook) {
        case Hook::suspend:
            return "suspend";
        case Hook::resume:
            return "resume";
        case Hook::resume_fail:
            return "resume-fail";
    }
    return "?";
}

int run_hook(Hook hook, std::string_view hostlist, const config::Config& config) {
    const std::string source = fmt::format("slurm-{}", to_string(hook));
    auto journal = store::Journal::open(config.daemon.journal());
    if (!journal) {
        // Slurm discards output, but an admin running the hook by hand sees it.
        fmt::print(stderr, "slumber {}: {}\n", to_string(hook), journal.error());
        return 1;
    }
    auto names = hostlist::expand(hostlist);
    if (!names) {
        const std::string why = hostlist::describe(names.error(), hostlist);
        (void)journal->record({0, wall_clock_ms(), "", std::nullopt, "hook-failed", source + ": " + why});
        fmt::print(stderr, "slumber {}: {}\n", to_string(hook), why);
        return 1;
    }
    if (hook == Hook::resume_fail) {
        // Slurm gave up on these nodes (ResumeTimeout reached): recovery
        // starts from this record.
        for (const std::string& node : *names) {
            (void)journal->record(
                {0, wall_clock_ms(), node, std::nullopt, "resume-failed", "Slurm: ResumeTimeout reached"});
        }
        (void)wake_daemon(config.daemon.socket());
        return 0;
    }
    const power::Action action = hook == Hook::resume ? power::Action::on : power::Action::off;
    if (auto added = journal->add_requests(*names, action, source, wall_clock_ms()); !added) {
        fmt::print(stderr, "slumber {}: journal: {}\n", to_string(hook), added.error());
        return 1;
    }
    if (wake_daemon(config.daemon.socket())) return 0;

    (void)journal->record({0, wall_clock_ms(), "", std::nullopt, "no-daemon",
                           fmt::format("no daemon listening on {}: the {} hook carries out {} itself",
                                       config.daemon.socket().string(), to_string(hook), hostlist)});
    const slurm::Scontrol scontrol(config.slurm.bin_dir, config.slurm.conf);
    Carrier carrier(config, *journal, scontrol, "hook");
    if (auto carried = carrier.run_pending(); !carried) {
        fmt::print(stderr, "slumber {}: {}\n", to_string(hook), carried.error());
        return 1;
    }
    return 0;
}

}  // namespace slumber::daemon
