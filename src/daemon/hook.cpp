#include "daemon/hook.hpp"

#include <syslog.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <cstdlib>
#include <map>

#include "hostlist/hostlist.hpp"
#include "operate/carrier.hpp"
#include "operate/daemon_role.hpp"
#include "operate/hook_carrier.hpp"
#include "operate/shared_journal.hpp"
#include "slurm/caller.hpp"
#include "slurm/dialect.hpp"
#include "slurm/resume_file.hpp"
#include "store/journal.hpp"
#include "util/safe_text.hpp"
#include "util/wake_socket.hpp"

namespace slumber::daemon {

namespace {

// SLURM_RESUME_FILE, when Slurm gives one: node -> "for job 42, 43". A file
// that cannot be read is journaled and ignored; the hostlist argument rules.
std::map<std::string, std::string> jobs_by_node(store::Journal& journal) {
    std::map<std::string, std::string> notes;
    const char* path = std::getenv("SLURM_RESUME_FILE");
    if (path == nullptr || *path == '\0') return notes;
    const auto file = slurm::read_resume_file(path);
    if (!file) {
        (void)journal.record({0, operate::wall_clock_ms(), "", std::nullopt, store::EventKind::hook_note,
                              fmt::format("SLURM_RESUME_FILE {} ignored: {}", path, file.error())});
        return notes;
    }
    for (const slurm::ResumeJob& job : file->jobs) {
        auto nodes = hostlist::expand(job.nodes);
        if (!nodes) continue;
        for (const std::string& node : *nodes) {
            std::string& note = notes[node];
            note += note.empty() ? fmt::format("for job {}", job.job_id) : fmt::format(", {}", job.job_id);
        }
    }
    return notes;
}

// Who asks for a suspend or resume hook's requests: Slurm, or a person who
// ran the hook by hand. By hand, features or not, a resume is a person's
// power-on, journaled as theirs.
store::RequestSource request_source(Hook hook, bool by_slurm, bool reboot) {
    using enum store::RequestSource;
    if (hook == Hook::suspend) return by_slurm ? slurm_suspend : hand_suspend;
    if (!by_slurm) return hand_resume;
    return reboot ? slurm_reboot : slurm_resume;
}

// Steps 1 and 2 of a hook (docs/slurm.md): Slurm's request into the journal,
// the daemon woken. Returns whether the hook is done (the daemon was woken,
// or there is nothing to carry out), or the exit code if the request could
// not be journaled.
std::expected<bool, int> hand_over(Hook hook, std::string_view hostlist, std::string_view features,
                                   store::Journal& journal, const std::filesystem::path& socket) {
    // A hook a person runs by hand is journaled as theirs, not Slurm's.
    const bool by_slurm = slurm::run_by_slurm();
    const std::string by_hand =
        by_slurm ? "" : fmt::format("run by hand by {}, not by Slurm", slurm::user_name(::geteuid()));
    auto names = hostlist::expand(hostlist);
    if (!names) {
        const std::string why = hostlist::describe(names.error(), hostlist);
        (void)journal.record(
            {0, operate::wall_clock_ms(), "", std::nullopt, store::EventKind::hook_failed,
             fmt::format("slumber {}{}{}: {}", slurm::to_string(hook), by_slurm ? "" : ", ", by_hand, why)});
        report_hook_error(hook, why);
        return std::unexpected(2);  // bad input, as every verb says it (docs/exit-codes.md)
    }
    if (hook == Hook::resume_fail) {
        // Slurm gave up on these nodes (ResumeTimeout reached): recovery
        // starts from this record.
        const std::string why =
            by_slurm ? "Slurm: ResumeTimeout reached" : fmt::format("`slumber resume-fail` {}", by_hand);
        for (const std::string& node : *names) {
            (void)journal.record(
                {0, operate::wall_clock_ms(), node, std::nullopt, store::EventKind::resume_failed, why});
        }
        (void)util::wake_daemon(socket);
        return true;
    }
    const power::Action action = hook == Hook::resume ? power::Action::on : power::Action::off;
    // A reboot Slurm asks for through ResumeProgram (features a job needs,
    // sbatch --reboot): journaled as such, carried out as a power cycle of
    // a node that is on. The features are noted; a site whose boot settings
    // follow them maps them with its exec driver's script (docs/slurm.md).
    const char* job_id = std::getenv("SLURM_JOB_ID");
    const char* resume_file = std::getenv("SLURM_RESUME_FILE");
    const bool reboot = hook == Hook::resume && slurm::resume_is_reboot(features, job_id != nullptr && *job_id != '\0',
                                                                        resume_file != nullptr && *resume_file != '\0');
    const store::RequestSource source = request_source(hook, by_slurm, reboot);
    // Nodes grouped by the jobs they are woken for, so the journal says why.
    std::map<std::string, std::vector<std::string>> by_note;
    const auto jobs = hook == Hook::resume ? jobs_by_node(journal) : std::map<std::string, std::string>{};
    std::string wanted = features.empty() ? "" : fmt::format("features {} wanted", util::safe_text(features));
    if (reboot && jobs.empty() && job_id != nullptr && *job_id != '\0') {
        wanted = fmt::format("reboot for job {}{}{}", util::safe_text(job_id), wanted.empty() ? "" : "; ", wanted);
    } else if (reboot) {
        wanted = wanted.empty() ? "reboot" : "reboot; " + wanted;
    }
    for (const std::string& node : *names) {
        const auto it = jobs.find(node);
        std::vector<std::string> notes;
        for (const std::string& part : {by_hand, it == jobs.end() ? std::string() : it->second, wanted}) {
            if (!part.empty()) notes.push_back(part);
        }
        by_note[fmt::format("{}", fmt::join(notes, "; "))].push_back(node);
    }
    for (const auto& [note, nodes] : by_note) {
        if (auto added = journal.add_requests(nodes, action, source, operate::wall_clock_ms(), note); !added) {
            report_hook_error(hook, "journal: " + added.error());
            return std::unexpected(1);
        }
    }
    return util::wake_daemon(socket);
}

}  // namespace

void report_hook_error(Hook hook, std::string_view text) {
    const std::string_view name = slurm::to_string(hook);
    fmt::print(stderr, "slumber {}: {}\n", name, text);
    // The ident must outlive every syslog() call: one per process, as a
    // process runs one hook.
    static const std::string ident = fmt::format("slumber-{}", name);
    ::openlog(ident.c_str(), LOG_PID, LOG_DAEMON);
    ::syslog(LOG_ERR, "%s", util::safe_text(text).c_str());
}

int run_hook(Hook hook, std::string_view hostlist, const config::Config& config, std::string_view features) {
    auto journal = operate::open_journal(config.daemon, config.slurm);
    if (!journal) {
        // Slurm discards output, but an admin running the hook by hand sees it.
        report_hook_error(hook, journal.error());
        return 1;
    }
    (void)journal->checkpoint_on_commit(false);
    const auto done = hand_over(hook, hostlist, features, *journal, config.daemon.socket());
    if (!done) return done.error();
    if (*done) {
        // Slurm runs the hooks on the controller in control only; one run
        // here by hand, beside a daemon that stands by, is handed over, not
        // carried out (docs/ha.md). Said where a person sees it (Slurm
        // discards the output); the exit stays 0: the request is journaled.
        if (auto role = operate::daemon_standing_by(*journal)) {
            fmt::print(stderr,
                       "slumber {}: this controller's daemon stands by ({}): it hands {} over without switching it; "
                       "run this on the controller in control (docs/ha.md)\n",
                       slurm::to_string(hook), *role, util::safe_text(hostlist));
        }
        return 0;
    }

    // Carrying out needs the BMCs' credentials, which a hook that hands its
    // request to the daemon does without: the file as it is now, in full.
    // Files SlurmUser may not read are left out: their targets' requests are
    // refused and Slurm is told (Carrier), never tried without a password.
    auto full = config::load(config.file, {.unreadable_credentials = true});
    if (!full) {
        const std::string why = config::format_line(full.error().front());
        (void)journal->record({0, operate::wall_clock_ms(), "", std::nullopt, store::EventKind::hook_failed,
                               fmt::format("no daemon listening on {}, and the {} hook cannot carry out {}: {}",
                                           config.daemon.socket().string(), slurm::to_string(hook), hostlist, why)});
        report_hook_error(hook, fmt::format("cannot carry out {}: {}", hostlist, why));
        return 1;
    }
    // Nodes whose credentials file SlurmUser may not read: the carrier
    // refuses their requests and tells Slurm (Carrier); the hook says so
    // where someone looks, and exits 1, which slurmctld logs.
    int code = 0;
    if (auto names = hostlist::expand(hostlist)) {
        for (const std::string& node : *names) {
            if (auto why = operate::unreadable_credentials(*full, node)) {
                report_hook_error(hook, fmt::format("{} not switched: {}", hostlist, *why));
                code = 1;
                break;
            }
        }
    }
    // Slurm (23.02 and later) kills the hook's process group after the
    // largest Resume/SuspendTimeout: the work goes to a carrier that is not in
    // it (hook_carrier.hpp), and the hook returns at once.
    const auto carrier = operate::start_hook_carrier(config.file);
    if (carrier) {
        (void)journal->record(
            {0, operate::wall_clock_ms(), "", std::nullopt, store::EventKind::no_daemon,
             fmt::format("no daemon listening on {}: the {} hook hands {} to a carrier of its own (pid {})",
                         config.daemon.socket().string(), slurm::to_string(hook), hostlist, *carrier)});
        return code;
    }
    (void)journal->record(
        {0, operate::wall_clock_ms(), "", std::nullopt, store::EventKind::no_daemon,
         fmt::format("no daemon listening on {}, and no carrier could be started ({}): the {} hook carries out {} "
                     "itself",
                     config.daemon.socket().string(), carrier.error(), slurm::to_string(hook), hostlist)});
    (void)journal->checkpoint_on_commit(true);  // no daemon to do it
    const int carried = operate::carry_without_daemon(*full, *journal);
    return carried != 0 ? carried : code;
}

int run_hook_unconfigured(Hook hook, std::string_view hostlist, const std::filesystem::path& file,
                          std::span<const config::ConfigError> errors, std::string_view features) {
    const std::string_view name = slurm::to_string(hook);
    const std::string why = errors.empty() ? "it does not load" : config::format_line(errors.front());
    config::DaemonSettings settings;
    const auto state_dir = config::state_dir_of(file);
    if (state_dir) settings.state_dir = *state_dir;
    // Only an existing journal: a guessed place must not start a second one.
    std::error_code error;
    if (!state_dir || !std::filesystem::exists(settings.journal(), error)) {
        report_hook_error(hook, fmt::format("{} cannot be loaded and names no journal that exists: {} is not recorded",
                                            file.string(), hostlist));
        return 1;
    }
    auto journal = store::Journal::open(settings.journal());
    if (!journal) {
        report_hook_error(hook, journal.error());
        return 1;
    }
    (void)journal->checkpoint_on_commit(false);
    (void)journal->record({0, operate::wall_clock_ms(), "", std::nullopt, store::EventKind::hook_config,
                           fmt::format("the {} hook cannot load {}, and journals {} for the daemon, which decides "
                                       "with the configuration it runs: {}",
                                       name, file.string(), hostlist, why)});
    const auto done = hand_over(hook, hostlist, features, *journal, settings.socket());
    if (!done) return done.error();
    if (*done) return 0;
    (void)journal->record({0, operate::wall_clock_ms(), "", std::nullopt, store::EventKind::no_daemon,
                           fmt::format("no daemon listening on {}, and {} does not load: {} waits in the journal "
                                       "for a daemon",
                                       settings.socket().string(), file.string(), hostlist)});
    report_hook_error(
        hook, fmt::format("no daemon runs and {} does not load: {} waits in the journal", file.string(), hostlist));
    return 1;
}

}  // namespace slumber::daemon
