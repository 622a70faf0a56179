#include "operate/hook_carrier.hpp"

#include <fmt/format.h>

#include <chrono>
#include <map>
#include <thread>

#include "operate/carrier.hpp"
#include "operate/carrier_lock.hpp"
#include "operate/clock.hpp"
#include "operate/crossed_watch.hpp"
#include "operate/reconciler.hpp"
#include "slurm/scontrol.hpp"
#include "util/detach.hpp"

namespace slumber::operate {
namespace {

// In the journal's words of who carries out requests left running.
constexpr std::string_view kWho = "a hook's carrier";

void note(store::Journal& journal, const std::string& detail) {
    (void)journal.record({0, wall_clock_ms(), "", std::nullopt, store::EventKind::carrier, detail});
}

// The crossed-address watch while no daemon runs (operate/crossed_watch.hpp):
// a pass before each round of batches and after the last, each judging what
// slumber's earlier changes did (the daemon's and other carriers', from the
// memory they saved) and saving what it saw. The pass before a round is
// the one that stops a second mistake: in CI's run (2026-12-05) a hook
// switched vnode002 off through its crossed address and stopped vnode001
// under its job; Slurm set vnode001 DOWN and suspended it seconds later, and
// that power-off, carried out before any daemon was back to judge, stopped
// vnode002's machine too.
class CarrierWatch {
  public:
    CarrierWatch(const config::Config& config, store::Journal& journal, const slurm::SlurmView& slurm)
        : m_config(config),
          m_journal(journal),
          m_slurm(slurm),
          m_watch(journal, slurm, system_clock(), std::string(kWho)) {
        m_watch.reconfigure(crossed_windows(config, journal));
        if (auto recalled = m_watch.recall(wall_clock_ms()); !recalled) note(journal, recalled.error());
    }

    // A pass blocks and drains the nodes of a pair it finds: the round
    // that follows refuses their power changes. Returns the nodes of the
    // patterns still open (CrossedWatch::open()), whose power-offs must
    // wait; none when Slurm cannot be read, since the round's own look at
    // Slurm then refuses every power-off.
    std::map<std::string, std::string> pass() {
        auto nodes = m_slurm.nodes();
        if (!nodes) {
            note(m_journal, "a hook's carrier could not look at Slurm for the crossed-address watch: " + nodes.error());
            return {};
        }
        std::erase_if(*nodes, [&](const slurm::NodeState& node) { return m_config.find(node.name) == nullptr; });
        (void)m_watch.run(*nodes);
        // Two carriers at once may lose one's save (the later replaces the
        // earlier); their looks are a moment apart.
        if (auto saved = m_watch.save_last_pass(wall_clock_ms()); !saved) note(m_journal, saved.error());
        return m_watch.open();
    }

  private:
    const config::Config& m_config;
    store::Journal& m_journal;
    const slurm::SlurmView& m_slurm;
    CrossedWatch m_watch;
};

// How long a carrier waits before it looks again while its watch holds
// power changes back: the daemon's pace while something is in flux
// (engine/look_pace.hpp).
constexpr auto kHeldLookPause = std::chrono::seconds(2);

struct Carried {
    bool ok = true;     ///< false: the journal failed (noted)
    bool held = false;  ///< the last round left power changes pending for the watch
};

// Pending requests until none are left that can be taken now, with a pass
// of the crossed-address watch before each round and after the last. A
// power-off of a node in a pattern still open waits (Carrier::hold_changes()),
// as under the daemon: a power-on through a crossed address boots another
// sleeping node, Slurm suspends that one within seconds, and with rotated
// addresses (a tester's, under the daemon) its power-off stops a third
// machine under its job before the pattern is decided.
Carried carry_all(Carrier& carrier, store::Journal& journal, CarrierWatch& watch) {
    for (;;) {
        const engine::TimeMs looked = wall_clock_ms();
        carrier.hold_changes(watch.pass(), looked);
        const auto carried = carrier.run_pending();
        if (!carried) {
            note(journal, "a hook's carrier stopped: " + carried.error());
            return {false, false};
        }
        if (*carried == 0) return {true, carrier.held_for_watch() > 0};
    }
}

// Joins the carriers at work: alone, it first takes back what a dead one
// left running. False when someone holds the lock exclusively: the daemon,
// or a carrier that is about to look for work itself.
bool join(CarrierLock& lock, store::Journal& journal) {
    if (lock.try_exclusive()) (void)take_back_left_running(journal, kWho, wall_clock_ms());
    return lock.try_shared();
}

}  // namespace

std::expected<pid_t, std::string> start_hook_carrier(const std::filesystem::path& config_file) {
    std::error_code error;
    const std::filesystem::path file = std::filesystem::absolute(config_file, error);
    if (error) return std::unexpected(fmt::format("{}: {}", config_file.string(), error.message()));
    // This very binary, whatever name Slurm ran it by (slumber-suspend …).
    return util::start_detached("/proc/self/exe", {"slumber", "carry", "--config", file.string()});
}

int carry_without_daemon(const config::Config& config, store::Journal& journal) {
    const slurm::Scontrol scontrol(config.slurm.bin_dir, config.slurm.conf);
    Carrier carrier(config, journal, scontrol, "hook");
    CarrierWatch watch(config, journal, scontrol);
    auto lock = CarrierLock::open(config.daemon.carrier_lock());
    if (!lock) {
        note(journal, lock.error() +
                          ": carried out without it; requests left running by a carrier that died wait "
                          "for a daemon");
        for (;;) {
            const Carried carried = carry_all(carrier, journal, watch);
            if (!carried.ok) return 1;
            if (!carried.held) return 0;
            std::this_thread::sleep_for(kHeldLookPause);
        }
    }
    int code = 0;
    for (;;) {
        if (!join(*lock, journal)) {
            note(journal, fmt::format("{} is held by the daemon (or a carrier about to look for work): the "
                                      "requests are left to it",
                                      config.daemon.carrier_lock().string()));
            return code;
        }
        const Carried carried = carry_all(carrier, journal, watch);
        if (!carried.ok) code = 1;
        // The last carrier out takes back what a dead one left running, and
        // looks once more: a hook may have journaled a request while this
        // one held the lock alone, and its own carrier then left it here.
        const bool last = lock->try_exclusive();
        if (last) (void)take_back_left_running(journal, kWho, wall_clock_ms());
        lock->release();
        // The carriers still at work look again when they finish; a journal
        // that fails would fail again (the next hook's carrier tries anew).
        if (!last || code != 0) return code;
        const auto open = journal.open_requests();
        if (!open || open->empty()) return code;
        // Held for the watch: it waits without the lock, which a daemon
        // that starts meanwhile takes, and the held requests with it.
        if (carried.held) std::this_thread::sleep_for(kHeldLookPause);
    }
}

void journal_unloadable_config(const std::string& config_file, const std::string& why) {
    const auto state_dir = config::state_dir_of(config_file);
    if (!state_dir) return;
    config::DaemonSettings settings;
    settings.state_dir = *state_dir;
    std::error_code error;
    if (!std::filesystem::exists(settings.journal(), error)) return;  // a guessed place must not start one
    if (auto journal = store::Journal::open(settings.journal())) {
        (void)journal->record({0, wall_clock_ms(), "", std::nullopt, store::EventKind::carrier,
                               fmt::format("slumber carry cannot load {} ({}): the requests wait in the journal for "
                                           "a daemon or the next hook",
                                           config_file, why)});
    }
}

}  // namespace slumber::operate
