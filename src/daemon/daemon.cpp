#include "daemon/daemon.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <fstream>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <thread>

#include "daemon/controller_watch.hpp"
#include "daemon/log.hpp"
#include "daemon/reload.hpp"
#include "daemon/systemd_notify.hpp"
#include "engine/look_pace.hpp"
#include "operate/blocks.hpp"
#include "operate/carrier.hpp"
#include "operate/carrier_lock.hpp"
#include "operate/crossed_follow.hpp"
#include "operate/dependencies.hpp"
#include "operate/first_seen.hpp"
#include "operate/meter_sampler.hpp"
#include "operate/reconciler.hpp"
#include "operate/shared_journal.hpp"
#include "operate/switching.hpp"
#include "operate/thermal_guard.hpp"
#include "service/energy_counters.hpp"
#include "service/node_view.hpp"
#include "slurm/caller.hpp"
#include "slurm/scontrol.hpp"
#include "slurm/slurm_conf.hpp"
#include "slurm/slurm_user.hpp"
#include "store/journal.hpp"
#include "store/sharing.hpp"
#include "util/cpu_time.hpp"
#include "util/duration.hpp"
#include "util/process_start.hpp"
#include "util/wake_socket.hpp"
#include "web/server.hpp"

namespace slumber::daemon {
namespace {

// Held for the daemon's life: a second daemon on the same state directory
// would carry out every request twice. The holder's PID is written in it.
class DaemonLock {
  public:
    explicit DaemonLock(std::filesystem::path file) : m_file(std::move(file)) {}
    ~DaemonLock() {
        if (m_fd >= 0) ::close(m_fd);
    }
    DaemonLock(const DaemonLock&) = delete;
    DaemonLock& operator=(const DaemonLock&) = delete;

    /// Nothing when this daemon holds the lock; else why not, in words: a
    /// daemon that holds it (a lock that a read-only descriptor can test
    /// too), or a file this user may not open.
    [[nodiscard]] std::optional<std::string> acquire() {
        m_fd = ::open(m_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
        if (m_fd < 0) {
            const int error = errno;
            const int look = ::open(m_file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
            const bool held = look >= 0 && ::flock(look, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
            if (look >= 0) ::close(look);
            if (held) return holder();
            return cannot_open(error);
        }
        if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) return holder();
        const std::string pid = fmt::format("{}\n", ::getpid());
        if (::ftruncate(m_fd, 0) == 0) (void)!::write(m_fd, pid.data(), pid.size());
        return std::nullopt;
    }

  private:
    [[nodiscard]] std::string holder() const {
        std::ifstream in(m_file);
        long pid = 0;
        return in >> pid ? fmt::format("another daemon (pid {}) holds {}", pid, m_file.string())
                         : fmt::format("another daemon holds {}", m_file.string());
    }
    [[nodiscard]] std::string cannot_open(int error) const {
        std::string text = fmt::format("cannot open the lock file {}: {}", m_file.string(), std::strerror(error));
        struct stat status {};
        if ((error == EACCES || error == EPERM) && ::stat(m_file.c_str(), &status) == 0) {
            const std::string owner = slurm::user_name(status.st_uid);
            text += fmt::format(
                " (it belongs to {}, mode {:04o}, and this daemon runs as {}); no daemon holds it now: start the "
                "daemon as {} as before, or remove the file so that this user makes its own",
                owner, status.st_mode & 07777, slurm::user_name(::geteuid()), owner);
        }
        return text;
    }
    std::filesystem::path m_file;
    int m_fd = -1;
};

struct Worker {
    std::jthread thread;
    std::shared_ptr<std::atomic<bool>> done;
};

// How a batch of requests the carrier carried out ended.
void log_batch(const operate::Batch& batch, const std::expected<int, std::string>& failed) {
    if (!failed) {
        log(Priority::error,
            fmt::format("cannot carry out {} request(s) now: {}", batch.requests.size(), failed.error()));
        return;
    }
    const auto action = power::to_string(batch.action);
    if (*failed == 0) {
        log(Priority::info, fmt::format("carried out {} {} request(s)", batch.requests.size(), action));
    } else {
        log(Priority::warning, fmt::format("carried out {} {} request(s), {} failed (slumber journal says why)",
                                           batch.requests.size(), action, *failed));
    }
}

// Slurm runs the hooks as SlurmUser, and they write the journal: a daemon
// running as root gives the journal to SlurmUser's group, so that an install
// whose state directory an earlier version or an admin made works without a
// chmod (docs/slurm.md). SlurmUser as slurmctld has it: Include files and a
// numeric SlurmUser count.
void share_with_hooks(const config::Config& config) {
    if (::geteuid() != 0) return;  // the admin arranges it: the daemon could not
    const slurm::Scontrol scontrol(config.slurm.bin_dir, config.slurm.conf);
    const auto user = slurm::find_slurm_user(scontrol, config.slurm.conf);
    if (!user) {
        log(Priority::warning,
            fmt::format("{}: the hooks may not be able to write {}", user.error(), config.daemon.journal().string()));
        return;
    }
    if (user->uid == 0) return;
    if (auto shared = store::share_journal(config.daemon.journal(), user->gid); !shared) {
        log(Priority::warning, shared.error());
        return;
    }
    // A hook's carrier takes the carrier lock too (read-only suffices for flock).
    if (std::filesystem::exists(config.daemon.carrier_lock())) {
        if (auto shared = store::share_file(config.daemon.carrier_lock(), user->gid, 0640); !shared) {
            log(Priority::warning, shared.error());
        }
    }
    log(Priority::info,
        fmt::format("journal shared with SlurmUser {} (from {}) through its group", user->name, user->source));
}

// The carrier lock, held alone (carrier_lock.hpp): carriers that hooks
// started while no daemon ran finish first (their requests are running, and
// must not be taken back and carried out twice at once). Nothing when the
// daemon is stopped while it waits, or the lock file cannot be opened.
std::optional<operate::CarrierLock> wait_for_carriers(const config::Config& config, const std::atomic<bool>& stop) {
    auto lock = operate::CarrierLock::open(config.daemon.carrier_lock());
    if (!lock) {
        log(Priority::error, lock.error());
        return std::nullopt;
    }
    bool told = false;
    while (!lock->try_exclusive()) {
        if (stop) return std::nullopt;
        if (!told) {
            log(Priority::notice, fmt::format("a carrier that a hook started holds {}: waiting for it to finish",
                                              config.daemon.carrier_lock().string()));
            told = true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return std::move(*lock);
}

// SIGHUP: the file is loaded again and, if it is valid and changes nothing
// that needs a restart, put in force; otherwise the configuration in force
// stays, and the log and the journal say why.
// The web server's token (`web`, when it runs) is read again with the file.
// `token_unusable`: whether the last read of the token failed, kept from
// reload to reload.
void reload_config(LiveConfig& live, store::Journal& journal, web::WebServer* web, bool& token_unusable) {
    log(Priority::notice, fmt::format("reloading {} (SIGHUP)", live.current()->file.string()));
    const Reloaded outcome = live.reload();
    std::optional<std::string> token_problem;
    if (web != nullptr) {
        if (auto token = web->reload_token(); !token) token_problem = token.error();
    }
    const bool token_back = token_unusable && !token_problem;
    token_unusable = token_problem.has_value();
    const std::string words = reload_words(outcome, token_problem, Audience::log, token_back);
    if (outcome.applied && !token_problem) {
        log(Priority::notice, words);
    } else {
        for (const std::string& problem : outcome.problems) log(Priority::error, problem);
        log(Priority::error, words);
    }
    (void)journal.record({0, operate::wall_clock_ms(), "", std::nullopt,
                          outcome.applied ? store::EventKind::reload : store::EventKind::reload_refused,
                          reload_words(outcome, token_problem, Audience::journal, token_back)});
    if (auto recorded = operate::record_running_config(*live.current(), outcome.applied ? nullptr : &outcome);
        !recorded) {
        log(Priority::warning, recorded.error());
    }
}

// What the admin should know of how this configuration meets Slurm's: an
// exclude that slurm.conf does not share makes Slurm suspend nodes slumber
// must refuse, again and again; and the boot deadline in force.
void log_slurm_agreement(const config::Config& config, const operate::Reconciler& reconciler) {
    std::vector<std::string> managed;
    for (const auto& target : config.nodes) managed.push_back(target.name);
    for (const std::string& line : slurm::check_exclusions(config.slurm.conf, managed, config.slurm.exclude)) {
        log(Priority::warning, line);
    }
    for (const std::string& line : slurm::describe_conflicts(reconciler.rules())) log(Priority::warning, line);
    if (reconciler.policy().boot_deadline_ms > 0) {
        log(Priority::info, fmt::format("boot deadline {} s ({})", reconciler.policy().boot_deadline_ms / 1000,
                                        reconciler.boot_deadline_source()));
    }
}

// The nodes' energy counters as /metrics shows them.
web::EnergySource energy_source(std::shared_ptr<const service::EnergyCounters> energy) {
    return [energy = std::move(energy)] {
        std::vector<web::EnergyReading> readings;
        for (const service::EnergyCounter& counter : energy->counters()) {
            if (!counter.device)
                readings.push_back({counter.target, counter.watts, counter.joules, counter.saved_gross_joules,
                                    counter.switching_joules});
        }
        return readings;
    };
}

// The web server ([web]), when enabled: nothing when it is not; an error
// when it cannot listen, since the admin asked for it.
std::expected<std::unique_ptr<web::WebServer>, std::string> start_web(const config::SharedConfig& config,
                                                                      std::shared_ptr<web::Collector>& collector,
                                                                      web::EnergySource energy) {
    if (!config->web.enabled) return nullptr;
    // A snapshot serves the requests of a few seconds: a page polled by
    // many clients asks Slurm and each controller once per that.
    collector = std::make_shared<web::Collector>(config, std::string(web::slumber_version()), std::move(energy),
                                                 std::chrono::seconds(5));
    auto server = web::WebServer::start(config->web, collector);
    if (!server) return std::unexpected(server.error());
    const bool v6 = config->web.listen.find(':') != std::string::npos;
    log(Priority::info, fmt::format("web: serving http://{}{}{}:{}/metrics and /api", v6 ? "[" : "", config->web.listen,
                                    v6 ? "]" : "", (*server)->port()));
    return server;
}

// A sampling round's news: a target that stops or starts giving readings,
// and a journal that would not take them. A BMC without a meter fails the
// same way every round: said once, not every minute (FailingTargets).
// A setting that fits a target no more is journaled too (docs/config.md):
// the thermal guard reads nothing from it until the configuration changes.
void log_sampling(const operate::SamplingRounds::Finished& finished, operate::FailingTargets& failing,
                  store::Journal& journal) {
    if (finished.journal_error) {
        log(Priority::warning, fmt::format("energy: readings not recorded: {}", *finished.journal_error));
    }
    const operate::FailingTargets::News news = failing.update(finished.round);
    for (const auto& [target, words] : news.failing) {
        log(Priority::notice, fmt::format("energy: {} gave no reading: {}", target, words));
    }
    for (const auto& [target, words] : news.misconfigured) {
        log(Priority::warning, fmt::format("energy: {}: {}", target, words));
        (void)journal.record(
            {0, operate::wall_clock_ms(), target, std::nullopt, store::EventKind::thermal, "sampling: " + words});
    }
    for (const std::string& target : news.reading_again)
        log(Priority::info, fmt::format("energy: {} reads again", target));
}

// The reads the web server shows: of each target, the later of the
// reconciler's (a node in flux) and the sampling's (every node and device,
// every [energy] interval).
std::shared_ptr<const service::PublishedReads> with_sampled(
    std::shared_ptr<const std::map<std::string, operate::BmcReading>> reconciled,
    const std::map<std::string, operate::BmcReading>& sampled) {
    if (sampled.empty()) return reconciled;
    auto both = std::make_shared<service::PublishedReads>(*reconciled);
    for (const auto& [target, read] : sampled) {
        const auto it = both->find(target);
        if (it == both->end() || it->second.asked_at < read.asked_at) both->insert_or_assign(target, read);
    }
    return both;
}

// Retention, [daemon] journal_keep (0: keep everything). A prune holds the
// journal's write lock for a moment, so it runs at the start and then
// hourly, not every pass.
void prune_journal(store::Journal& journal, util::Duration keep) {
    if (keep.count() <= 0) return;
    const store::TimeMs now = operate::wall_clock_ms();
    const auto pruned = journal.prune(now - keep.count(), now);
    if (!pruned) {
        log(Priority::warning, fmt::format("journal: cannot remove rows older than journal_keep: {}", pruned.error()));
    } else if (pruned->events + pruned->requests + pruned->boots + pruned->readings > 0) {
        log(Priority::info,
            fmt::format("journal: removed {} event(s), {} request(s), {} boot(s) and {} reading(s) older than {}",
                        pruned->events, pruned->requests, pruned->boots, pruned->readings,
                        util::format_duration(keep)));
    }
}

// A daemon standing by carries out nothing (docs/ha.md): what waits in its
// journal is the acting daemon's now, which brings Slurm's view and the
// power together by recovery (a lost wake, a node left on).
// `why`: why not, in words. `asked_by`: only requests journaled by then
// (Unix ms).
void hand_over_pending(store::Journal& journal, std::string_view why,
                       std::optional<store::TimeMs> asked_by = std::nullopt) {
    auto pending = journal.take_pending(100000, asked_by);
    if (!pending) {
        log(Priority::error, "journal: " + pending.error());
        return;
    }
    const std::string words = fmt::format(
        "not carried out here: {}; the acting daemon brings Slurm's view and the power together (docs/ha.md)", why);
    for (const store::Request& request : *pending) {
        (void)journal.finish_with(request.id, store::OutcomeKind::handed_over, words,
                                  {0, operate::wall_clock_ms(), request.node, request.id, store::EventKind::refused,
                                   fmt::format("{} {}", power::to_string(request.action), words),
                                   store::OutcomeKind::handed_over, request.action});
    }
    if (!pending->empty()) log(Priority::warning, fmt::format("{} request(s) {}", pending->size(), words));
}

// The daemon's role changed (ControllerWatch): logged and journaled. Acting
// begins a period of its own in the journal (store::EventKind::took_control).
void note_role(store::Journal& journal, const ControllerWatch::Change& change) {
    const std::string words = change.took_over ? "took over: " + change.role.why : change.role.why;
    log(change.role.acting ? Priority::notice : Priority::warning, words);
    const store::Event event{0,
                             operate::wall_clock_ms(),
                             "",
                             std::nullopt,
                             change.role.acting ? store::EventKind::took_control : store::EventKind::controller_role,
                             words};
    const auto journaled = change.role.acting ? journal.took_control(event) : journal.record(event);
    if (!journaled) log(Priority::error, "journal: " + journaled.error());
}

}  // namespace

int run_daemon(config::Config loaded, const std::atomic<bool>& stop, std::atomic<bool>& reload) {
    LiveConfig live(std::make_shared<const config::Config>(std::move(loaded)));
    // What a reload cannot change (the state directory, Slurm's commands)
    // comes from the configuration the daemon started with.
    const config::SharedConfig first = live.current();
    const config::Config& config = *first;
    auto journal = operate::open_journal(config.daemon, config.slurm);
    if (!journal) {
        log(Priority::error, journal.error());
        return 1;
    }
    auto controllers = ControllerWatch::make(config);
    if (!controllers) {
        log(Priority::error, controllers.error());
        return 1;
    }
    DaemonLock lock(config.daemon.lock());
    if (auto refused = lock.acquire()) {
        log(Priority::error, *refused);
        return 1;
    }
    // The web server first: a daemon that cannot serve what [web] asks for
    // stops before it journals its start.
    std::shared_ptr<web::Collector> web_collector;
    auto energy = std::make_shared<service::EnergyCounters>(operate::wall_clock_ms());
    auto web_server = start_web(first, web_collector, energy_source(energy));
    if (!web_server) {
        log(Priority::error, web_server.error());
        return 1;
    }
    // First, since systemd gives the state directory (StateDirectory=) back
    // to root:root at every start, and the carrier lock made next must take
    // SlurmUser's group from it.
    share_with_hooks(config);
    // Carriers a hook started while no daemon ran may still be at work: the
    // daemon waits for them, then carries out requests alone.
    const auto carriers = wait_for_carriers(config, stop);
    if (!carriers) return stop ? 0 : 1;
    auto socket = util::WakeSocket::bind(config.daemon.socket());
    if (!socket) {
        log(Priority::error, socket.error());
        return 1;
    }
    // A daemon or a hook's carrier killed in the middle of a request left it
    // running: do it again (every action is idempotent).
    // Who left them (a daemon killed, kill -9 say, or a hook's carrier) is
    // asked before this daemon's own start is journaled.
    const std::string left_by = operate::left_running_by(*journal);
    if (auto requeued = operate::take_back_left_running(*journal, "the daemon", operate::wall_clock_ms(), left_by,
                                                        controllers->shared());
        requeued && *requeued > 0) {
        log(Priority::warning,
            fmt::format("{} request(s) left running by {}: {}", *requeued, left_by,
                        controllers->shared() ? "handed over (several controllers)" : "carrying them out again"));
    }
    // With several controllers, what this daemon was asked before it
    // started may be stale: another controller's daemon may have acted
    // since (a suspend carried out now could stop a node that runs a job
    // again). Recovery finds what Slurm still waits for (a lost wake within
    // 10 s, a node left on within late_off_grace).
    if (controllers->shared()) {
        hand_over_pending(*journal,
                          "asked before this daemon started, and with several controllers another daemon may have "
                          "acted since");
    }
    (void)journal->record({0, operate::wall_clock_ms(), "", std::nullopt, store::EventKind::daemon_start,
                           fmt::format("slumberd started (pid {})", ::getpid())});
    if (auto recorded = operate::record_running_config(config, nullptr); !recorded)
        log(Priority::warning, recorded.error());
    log(Priority::info,
        fmt::format("listening on {}, journal {}", config.daemon.socket().string(), config.daemon.journal().string()));
    if (const long files = util::open_files_limit();
        operate::bounded_fanout(config.daemon.fanout, files) < config.daemon.fanout) {
        log(Priority::warning,
            fmt::format("[daemon] fanout {}: only {} power calls at once fit the open-files limit of {} (LimitNOFILE= "
                        "in slumberd.service, or ulimit -n)",
                        config.daemon.fanout, operate::bounded_fanout(config.daemon.fanout, files), files));
    }

    slurm::Scontrol scontrol(config.slurm.bin_dir, config.slurm.conf);
    scontrol.use_client_conf(config.daemon.slurm_client_conf(), /*writes=*/true);
    operate::Carrier carrier(first, *journal, scontrol, "daemon", /*paced=*/true);
    // No power change that takes a node's power before the first look: the
    // crossed watch's open patterns (what it held back before a restart
    // among them) are known only then. A tester's restart let a held
    // suspend through at once, and it switched the partner's machine off.
    carrier.hold_changes({}, 0);
    operate::Reconciler reconciler(first, *journal, scontrol);
    // What the crossed-address watch knew before a restart, for the power
    // changes of slumber's it still judges.
    if (auto recalled = reconciler.crossed().recall(operate::wall_clock_ms()); !recalled) {
        log(Priority::warning, recalled.error());
    } else if (*recalled > 0) {
        log(Priority::info,
            fmt::format("the crossed-address watch took back its memory of {} node(s) from before the restart",
                        *recalled));
    }
    operate::DeviceKeeper devices(first);  // one pass at a time, on a worker
    operate::ThermalGuard thermal(*journal, operate::system_clock(),
                                  [&journal] { return operate::journal_temperatures(*journal); });
    // Power and temperature readings every [energy] interval, integrated
    // into the energy counters on the sampler's worker.
    operate::SamplingRounds sampling(
        operate::MeterSampler{}, operate::wall_clock_ms,
        [energy](store::Journal& connection, const config::Config& current, const operate::SampleRound& round) {
            return energy->advance(connection, current, round.time, round.readings);
        });
    operate::FailingTargets sample_failures;                   // logged when they change
    std::map<std::string, operate::BmcReading> sampled_power;  // the states the sampling read
    log_slurm_agreement(config, reconciler);
    SystemdNotifier systemd;  // READY after the first look at Slurm
    bool ready = false;
    // Whether the nodes the journal had no power phase for were journaled as
    // first seen (operate/first_seen.hpp): at the first look, and again
    // after a reload, which may add nodes.
    bool first_seen_done = false;
    bool token_unusable = false;  // the web token, as the last reload read it (the start's was usable)
    // What a look at Slurm costs: it paces the looks while nothing is in
    // flux (engine/look_pace.hpp).
    engine::LookCosts look_costs;
    auto devices_busy = std::make_shared<std::atomic<bool>>(false);
    auto next_look = std::chrono::steady_clock::now();
    auto next_controller_look = next_look;
    auto next_prune = next_look;
    // The devices' passes run on workers too (the carrier has its own for
    // the batches). Declared after the carrier: they finish before it goes.
    std::list<Worker> workers;
    // The thermal guard from the latest readings (a reading counts for three
    // sampling intervals); the carrier holds power-ons while it says so.
    const auto update_thermal = [&] {
        const config::Config& now = *live.current();
        const bool held = thermal.hold().has_value();
        thermal.update(now.thermal, 3 * now.energy.interval.count());
        // The journal has it; the log too, for an admin without systemd's STATUS.
        if (thermal.hold() && !held) log(Priority::warning, "thermal guard: " + *thermal.hold());
        if (!thermal.hold() && held) log(Priority::notice, "thermal guard: power-ons go again");
        carrier.hold_power_ons(thermal.hold());
        if (web_collector) web_collector->publish_thermal_hold(thermal.hold());
    };
    while (!stop) {
        systemd.keep_alive();
        std::erase_if(workers, [](const Worker& worker) { return worker.done->load(); });
        if (reload.exchange(false)) {
            systemd.reloading();
            reload_config(live, *journal, web_server->get(), token_unusable);
            carrier.reconfigure(live.current());
            reconciler.reconfigure(live.current());
            if (web_collector) web_collector->reconfigure(live.current());
            if (auto watch = ControllerWatch::make(*live.current())) {
                // Other controllers: its role from the next look.
                if (!watch->same_controllers(*controllers)) controllers = std::move(*watch);
            } else {
                log(Priority::error, watch.error() + "; the controllers as before stay in force");
            }
            log_slurm_agreement(*live.current(), reconciler);
            ready = false;  // READY again after the next look
            first_seen_done = false;
            next_look = std::chrono::steady_clock::now();
            next_controller_look = next_look;
        }
        // With several controllers, first which one is in control: a change
        // of role is acted on at once (a look at Slurm follows).
        if (std::chrono::steady_clock::now() >= next_controller_look) {
            if (auto change = controllers->update(scontrol)) {
                note_role(*journal, *change);
                if (change->role.acting) reconciler.began_acting(operate::wall_clock_ms());
                if (change->took_over) {
                    // What the other daemon started is Slurm's state and the
                    // BMCs' now: let its boots finish (docs/ha.md).
                    reconciler.took_over(operate::wall_clock_ms());
                    carrier.took_over(operate::wall_clock_ms(), reconciler.takeover_window_ms());
                }
                next_look = std::chrono::steady_clock::now();
            }
            next_controller_look = std::chrono::steady_clock::now() + until_next_ping(operate::wall_clock_ms());
        }
        // Standing by (another controller's daemon acts): nothing is carried
        // out, and its BMCs are read by that daemon alone.
        if (controllers->acting()) {
            if (auto started = carrier.start_pending(config.daemon.journal(), log_batch); !started) {
                log(Priority::error, started.error());
            }
            (void)sampling.start_if_due(live.current());
        }
        if (auto finished = sampling.collect()) {
            log_sampling(*finished, sample_failures, *journal);
            for (auto& [target, read] : finished->round.power) sampled_power.insert_or_assign(target, read);
            // Shown at once, not at the next look at Slurm (up to idle_poll later).
            if (web_collector) web_collector->publish_bmc_reads(with_sampled(reconciler.latest_reads(), sampled_power));
        }
        // Registrations and nodes in trouble are seen by looking at Slurm:
        // every couple of seconds while something is in flux, seldom while
        // nothing is, and at once when a hook wakes the daemon
        // (engine/look_pace.hpp).
        if (std::chrono::steady_clock::now() >= next_look) {
            const std::chrono::microseconds look_started = util::work_cpu();
            // Suspends asked for after this instant wait for the next look:
            // it may show their node woke unasked (Carrier::hold_changes()).
            const engine::TimeMs look_started_wall = operate::wall_clock_ms();
            std::string pass_status;
            std::optional<std::string> in_flux = "Slurm unreadable";
            const bool standing_by = !controllers->acting();
            // Not acting yet: the blocks of this journal as the other
            // daemon's drains and unblocks left them in Slurm
            // (operate/crossed_follow.hpp), ready to take over, and before
            // acting again after a return.
            const auto follow_other = [&](const std::string& acting) {
                auto nodes = scontrol.nodes();
                if (!nodes) return;
                auto followed =
                    operate::follow_crossed_drains(*journal, *live.current(), *nodes, acting, operate::wall_clock_ms());
                auto lifted = operate::follow_lifted_drains(*journal, *nodes, acting, operate::wall_clock_ms());
                for (const auto* done : {&followed, &lifted}) {
                    if (!*done) log(Priority::error, "journal: " + done->error());
                    for (const std::string& line : done->value_or(std::vector<std::string>{})) {
                        log(Priority::notice, line);
                    }
                }
            };
            if (standing_by && controllers->taking_control()) {
                // Requests wait here: this daemon acts from its next ping.
                pass_status = controllers->role().why;
                in_flux = "taking control";
                follow_other("the controller that acted until now");
            } else if (standing_by) {
                const engine::ControllerRole& role = controllers->role();
                // A hook reaching this daemon may be the first sign that its
                // slurmctld has taken control (a tester's resumes were
                // refused so): a request waits a ping before it is handed
                // over, and is carried out if this daemon begins taking
                // control meanwhile.
                const store::TimeMs wait = (kControllerLookMs + kPingSlack).count();
                hand_over_pending(
                    *journal, role.acting_host.empty() ? role.why : fmt::format("{} is in control", role.acting_host),
                    operate::wall_clock_ms() - wait);
                pass_status = controllers->role().why;
                in_flux.reset();
                if (journal->has_pending().value_or(false)) in_flux = "a request waits a ping before it is handed over";
                follow_other(role.acting_host.empty() ? "another controller" : role.acting_host);
            } else if (auto nodes = scontrol.nodes()) {
                pass_status =
                    fmt::format("{} node(s) in Slurm, {} managed; {} batch(es) of requests under way", nodes->size(),
                                live.current()->nodes.size(), carrier.under_way() + workers.size());
                if (auto seen = carrier.observe_registrations(*nodes); !seen) log(Priority::error, seen.error());
                if (!first_seen_done) {
                    auto seen =
                        operate::journal_first_seen(*journal, *live.current(), *nodes, operate::wall_clock_ms());
                    if (seen) first_seen_done = true;
                    if (!seen) log(Priority::error, "journal: " + seen.error());
                }
                if (auto steps = reconciler.run(*nodes); !steps) {
                    log(Priority::error, steps.error());
                } else {
                    for (const auto& step : *steps) {
                        log(Priority::notice,
                            fmt::format("{}: {}: {}", step.node, engine::to_string(step.kind), step.why));
                    }
                }
                in_flux = reconciler.in_flux();
                carrier.hold_changes(reconciler.crossed().open(), look_started_wall);
                // The web server shows these reads: it never asks a BMC itself.
                if (web_collector)
                    web_collector->publish_bmc_reads(with_sampled(reconciler.latest_reads(), sampled_power));
                const config::Config& now = *live.current();
                update_thermal();
                if (thermal.hold()) {
                    pass_status += "; power-ons held: " + *thermal.hold();
                    if (auto asked = thermal.power_down_idle(now, reconciler.rules(), *nodes, scontrol); !asked) {
                        log(Priority::warning, asked.error());
                    }
                }
                // Devices go off on a worker too: a plug that does not
                // answer must not hold up the next resume for its timeouts.
                if (!live.current()->dependencies.empty() && !devices_busy->load()) {
                    if (auto connection = store::Journal::open(config.daemon.journal())) {
                        devices.reconfigure(live.current());  // no pass runs now
                        *devices_busy = true;
                        auto done = std::make_shared<std::atomic<bool>>(false);
                        workers.push_back(
                            {std::jthread([&devices, current = live.current(), states = *nodes,
                                           journal = std::move(*connection), devices_busy, done]() mutable {
                                 operate::Blocks blocks(*current, &journal, operate::Caller::automatic,
                                                        operate::wall_clock_ms);
                                 for (const std::string& line : devices.run(
                                          states, operate::wall_clock_ms(),
                                          [&](const store::Event& event) { (void)journal.record(event); }, blocks)) {
                                     log(Priority::notice, line);
                                 }
                                 *devices_busy = false;
                                 *done = true;
                             }),
                             done});
                    }
                }
            } else {
                log(Priority::warning, nodes.error());
                pass_status = fmt::format("Slurm unreadable: {}", nodes.error());
                // Nothing is judged open now: the carrier's own look at
                // Slurm refuses the suspends it cannot check.
                carrier.hold_changes({}, look_started_wall);
                // The readings go on: a hold shown (dashboard, /metrics)
                // while Slurm is silent is the room's of now, not of the
                // last look that read Slurm (a tester's stayed on for a
                // minute after the room had cooled).
                update_thermal();
            }
            // What the daemon does itself is in flux too: a batch of power
            // changes, a device's pass, power-ons held for the heat.
            if (!in_flux && carrier.under_way() > 0) in_flux = "power changes under way";
            if (!in_flux && !workers.empty()) in_flux = "a device is being switched";
            if (!in_flux && thermal.hold()) in_flux = "power-ons held";
            // The look, and the BMC reads the last ones started (a routine
            // read of sleeping nodes, up to 64 a pass, is watching too).
            look_costs.add((util::work_cpu() - look_started + reconciler.take_read_cpu()).count());
            const engine::LookPace look_pace{.idle_ms = live.current()->daemon.idle_poll.count()};
            const engine::TimeMs idle_ms = look_pace.idle_for(look_costs.cost_us());
            const std::chrono::milliseconds pace{in_flux ? look_pace.busy_ms : idle_ms};
            pass_status += fmt::format("; next look at Slurm in {} ({})", util::format_duration(pace),
                                       in_flux ? *in_flux : "nothing in flux");
            if (!in_flux && idle_ms > look_pace.idle_ms) {
                pass_status +=
                    fmt::format(", later than idle_poll: a look costs {} ms of CPU", look_costs.cost_us() / 1000);
            }
            if (!ready) {
                systemd.ready(pass_status);
                ready = true;
            } else {
                systemd.status(pass_status);
            }
            next_look = std::chrono::steady_clock::now() + pace;
            if (next_look >= next_prune) {
                prune_journal(*journal, live.current()->daemon.journal_keep);
                next_prune = next_look + std::chrono::hours(1);
            }
        }
        // An edit of slumber.toml not reloaded is said within a second or
        // two (a stat each turn), whatever the pace of the looks.
        if (auto edited = live.notice_edit()) {
            log(Priority::warning, *edited);
            (void)journal->record(
                {0, operate::wall_clock_ms(), "", std::nullopt, store::EventKind::config_changed, *edited});
        }
        // A hook's request: Slurm is changing something, look at once.
        if (socket->wait(std::chrono::milliseconds(500))) {
            next_look = std::chrono::steady_clock::now();
            // A hook run beside a daemon standing by: its slurmctld may have
            // just taken control. Asked before the request is handed over,
            // not up to 5 s later (a tester's resumes were refused so).
            // Not while taking control: requests wait for that anyway, and
            // the ping that confirms it must be a regular one.
            if (controllers->shared() && !controllers->acting() && !controllers->taking_control()) {
                next_controller_look = next_look;
            }
        }
    }
    systemd.stopping();
    web_server->reset();        // no new look at the journal from here on
    carrier.finish();           // waits for the batches under way: their outcomes are journaled
    workers.clear();            // and for the devices' pass
    reconciler.finish_reads();  // and for the BMC reads, whose blocks are journaled too
    sampling.wait();            // and for the sampling round
    // What the crossed-address watch remembers outlives the stop (an
    // upgrade, a restart): an admin's power change since the last save is
    // judged by the daemon that starts next. Not by one that stood by: what
    // it remembers is from before another daemon acted.
    if (controllers->acting()) {
        if (auto saved = reconciler.crossed().save_last_pass(operate::wall_clock_ms()); !saved) {
            log(Priority::error, "journal: " + saved.error());
        }
    }
    (void)journal->record(
        {0, operate::wall_clock_ms(), "", std::nullopt, store::EventKind::daemon_stop, "slumberd stopped"});
    operate::forget_running_config(config);
    log(Priority::info, "stopped");
    return 0;
}

}  // namespace slumber::daemon
