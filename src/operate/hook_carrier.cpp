#include "operate/hook_carrier.hpp"

#include <fmt/format.h>

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

// Pending requests until none are left that can be taken now, with a look
// for the crossed-address watch after each round, for a daemon started
// later to judge this carrier's power changes by.
bool carry_all(Carrier& carrier, store::Journal& journal, const CrossedLook& look) {
    for (;;) {
        const auto carried = carrier.run_pending();
        if (!carried) {
            note(journal, "a hook's carrier stopped: " + carried.error());
            return false;
        }
        if (*carried == 0) return true;
        // The next hook's carrier looks again.
        if (auto looked = look(); !looked) {
            note(journal,
                 "a hook's carrier could not note what Slurm shows for the crossed-address watch: " + looked.error());
        }
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
    const CrossedLook look(config, journal, scontrol, crossed_windows(config, journal));
    auto lock = CarrierLock::open(config.daemon.carrier_lock());
    if (!lock) {
        note(journal, lock.error() +
                          ": carried out without it; requests left running by a carrier that died wait "
                          "for a daemon");
        return carry_all(carrier, journal, look) ? 0 : 1;
    }
    int code = 0;
    for (;;) {
        if (!join(*lock, journal)) {
            note(journal, fmt::format("{} is held by the daemon (or a carrier about to look for work): the "
                                      "requests are left to it",
                                      config.daemon.carrier_lock().string()));
            return code;
        }
        if (!carry_all(carrier, journal, look)) code = 1;
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
