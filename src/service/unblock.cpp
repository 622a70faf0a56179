#include "service/unblock.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "hostlist/hostlist.hpp"
#include "operate/blocks.hpp"
#include "operate/daemon_role.hpp"
#include "operate/shared_journal.hpp"
#include "slurm/scontrol.hpp"

namespace slumber::service {
namespace {

// Each node under a crossed block whose partner is still blocked as
// crossed, and that partner (its block's words name it).
std::map<std::string, std::string> crossed_partners(const std::vector<store::Block>& blocked) {
    std::map<std::string, std::string> partners;
    for (const store::Block& block : blocked) {
        if (const auto partner = operate::crossed_partner(block)) partners.emplace(block.target, *partner);
    }
    std::erase_if(partners, [&](const auto& entry) {
        return std::ranges::none_of(blocked, [&](const store::Block& block) {
            return block.target == entry.second && block.kind == power::ErrorKind::crossed;
        });
    });
    return partners;
}

// `targets` and every node tied to them by crossed blocks, either way: one
// power-on that woke two nodes blocks each as a pair with the switched node
// (engine/crossed.hpp), whose own block names one of them. Lifting the
// switched node with one partner only let slumber switch the other's
// machine through the still-crossed address (a tester's).
std::vector<std::string> with_crossed_partners(const std::vector<std::string>& targets,
                                               const std::map<std::string, std::string>& partners) {
    std::vector<std::string> all = targets;
    const auto listed = [&](const std::string& node) { return std::ranges::find(all, node) != all.end(); };
    for (bool grew = true; grew;) {
        grew = false;
        for (const auto& [node, partner] : partners) {
            if (listed(node) != listed(partner)) {
                all.push_back(listed(node) ? partner : node);
                grew = true;
            }
        }
    }
    return all;
}

}  // namespace

namespace {

// Whether a daemon holds its lock (operate::daemon_holding()); unknown when
// this user may not open the lock file.
enum class Daemon { runs, absent, unknown };

// A drained node: slumber's drain is cleared in Slurm, anyone else's left
// with the words to clear it. Adds to `done`.
void clear_drain(const slurm::SlurmView& slurm, const slurm::NodeState& state, bool lifted, Daemon daemon,
                 Unblocked& done) {
    if (!state.has("DRAIN")) return;
    if (operate::drained_by_others(state)) {
        done.words += fmt::format(
            "; drained by someone else, not by slumber (reason \"{}\"): left as it is; `scontrol update NodeName={} "
            "State=RESUME` returns it to service",
            state.reason.empty() ? "none" : state.reason, state.name);
        done.drain_left = true;
        done.ok = lifted;
        return;
    }
    const auto resumed = slurm.update(state.name, "RESUME");
    // Not slumber's words: Slurm's own, put in place of slumber's (22.05),
    // or none left.
    const std::string whose = state.reason.starts_with(operate::kSlumberDrainPrefix) ? "slumber's drain"
                              : state.reason.empty() ? "the drain, whose reason Slurm cleared,"
                                                     : "the drain, whose reason Slurm replaced with its own words,";
    done.words += resumed ? fmt::format("; back in service in Slurm ({} \"{}\" cleared)", whose, state.reason)
                          : "; could not resume it in Slurm: " + resumed.error();
    // After crossed addresses Slurm may count as powered down a node whose
    // machine runs (docs/slurm.md): say what becomes of it (a tester asked),
    // and who does it: without a daemon, nobody (a tester's was told the
    // daemon would, while none ran).
    if (resumed && state.powered_down()) {
        done.words += daemon == Daemon::absent
                          ? fmt::format(
                                "; Slurm counts it as powered down, and no daemon runs to switch its machine off if it "
                                "still runs: `slumber power status {0}`, then `slumber power off {0}` if it says on "
                                "(once its BMC address is right: through a crossed one, both read and switch the "
                                "other machine)",
                                state.name)
                          : fmt::format(
                                "; Slurm counts it as powered down: if its machine still runs, the daemon{} reads its "
                                "BMC and switches it off after [daemon] late_off_grace",
                                daemon == Daemon::runs ? "" : " (if one runs)");
    }
    done.ok = resumed.has_value();
}

}  // namespace

std::expected<UnblockResult, UnblockError> unblock(const config::Config& config,
                                                   const std::vector<std::string>& targets, std::string_view who,
                                                   const operate::Now& now) {
    const slurm::Scontrol scontrol(config.slurm.bin_dir, config.slurm.conf);
    return unblock(config, scontrol, targets, who, now);
}

std::expected<UnblockResult, UnblockError> unblock(const config::Config& config, const slurm::SlurmView& scontrol,
                                                   const std::vector<std::string>& targets, std::string_view who,
                                                   const operate::Now& now) {
    auto journal = operate::open_journal(config.daemon, config.slurm);
    if (!journal) return std::unexpected(UnblockError{UnblockError::Kind::journal, journal.error()});
    // A name that is neither in the configuration nor blocked is a typo:
    // refused before anything changes.
    const auto blocked = journal->blocks(targets);
    if (!blocked) return std::unexpected(UnblockError{UnblockError::Kind::journal, "journal: " + blocked.error()});
    std::vector<std::string> unknown;
    for (const std::string& target : targets) {
        const bool has_block = std::any_of(blocked->begin(), blocked->end(),
                                           [&](const store::Block& block) { return block.target == target; });
        if (config.find(target) == nullptr && !has_block) unknown.push_back(target);
    }
    if (!unknown.empty()) {
        return std::unexpected(
            UnblockError{UnblockError::Kind::unknown, fmt::format("not in {} and not blocked: {}", config.file.string(),
                                                                  hostlist::compress(unknown, false).value_or("?"))});
    }
    std::map<std::string, slurm::NodeState> slurm_view;
    if (auto states = scontrol.nodes()) {
        for (auto& state : *states) slurm_view.emplace(state.name, std::move(state));
    }
    // A crossed block is a pair's: both addresses are put right together,
    // and the partner of a node named alone is lifted with it (and listed
    // after the nodes asked for), saying so. One left blocked stayed
    // drained with no word of it to the admin.
    const auto every_block = journal->blocks();
    if (!every_block) {
        return std::unexpected(UnblockError{UnblockError::Kind::journal, "journal: " + every_block.error()});
    }
    const std::map<std::string, std::string> partners = crossed_partners(*every_block);
    const auto holder = operate::daemon_holding(config.daemon.lock());
    const Daemon daemon = !holder ? Daemon::unknown : holder->has_value() ? Daemon::runs : Daemon::absent;
    const std::vector<std::string> all = with_crossed_partners(targets, partners);
    UnblockResult result;
    for (const std::string& target : all) {
        Unblocked& done = result.targets.emplace_back();
        done.target = target;
        const auto partner = partners.find(target);
        const bool named = std::ranges::find(targets, target) != targets.end();
        // Lifted with its partner, not both named: said in the journal and the answer.
        const bool together =
            partner != partners.end() && !(named && std::ranges::find(targets, partner->second) != targets.end());
        constexpr std::string_view kTogether = "their BMC addresses looked crossed: a pair is lifted together";
        const std::string why =
            together ? fmt::format("lifted by {}{} {} ({})", who, named ? ", with" : " of", partner->second, kTogether)
                     : fmt::format("lifted by {}", who);
        auto lifted = journal->remove_blocks(target, std::nullopt, why, now());
        if (!lifted) {
            done = {target, "error: journal: " + lifted.error(), false};
            continue;
        }
        done.words = *lifted > 0 ? "unblocked" : "was not blocked";
        result.lifted = result.lifted || *lifted > 0;
        if (*lifted > 0 && together) {
            done.words += named ? fmt::format(", and {} with it ({})", partner->second, kTogether)
                                : fmt::format(" with {} ({})", partner->second, kTogether);
        }
        const auto state = slurm_view.find(target);
        if (state != slurm_view.end()) clear_drain(scontrol, state->second, *lifted > 0, daemon, done);
        // Slurm is still waking it for a job: the power-on the block refused
        // is asked for again, or the job would wait out ResumeTimeout.
        if (*lifted > 0 && state != slurm_view.end() && state->second.powering_up()) {
            const std::vector<std::string> node{target};
            const auto asked = journal->add_requests(node, power::Action::on, store::RequestSource::unblock, now(),
                                                     "Slurm is waking it and its block was lifted");
            done.words += asked ? "; power-on asked again" : "; could not ask for its power-on: " + asked.error();
            done.ok = done.ok && asked.has_value();
            result.woken = result.woken || asked.has_value();
        }
    }
    return result;
}

}  // namespace slumber::service
