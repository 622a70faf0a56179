#include "operate/crossed_watch.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>

#include "operate/blocks.hpp"
#include "operate/fresh_boot.hpp"
#include "slurm/conf_file.hpp"
#include "util/duration.hpp"
#include "util/parallel.hpp"
#include "util/probe.hpp"

namespace slumber::operate {
namespace {

// A whole number of seconds set in slurm.conf, else Slurm's default.
engine::TimeMs seconds_setting(const slurm::SlurmConf* conf, std::string_view key, engine::TimeMs fallback) {
    const slurm::ConfSetting* setting = conf != nullptr ? conf->find(key) : nullptr;
    if (setting == nullptr) return fallback;
    engine::TimeMs value = 0;
    const std::string& text = setting->value;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc{} && end == text.data() + text.size() && value > 0 ? value : fallback;
}

// A connection to slurmd's port (no message): the machine runs and slurmd
// listens. The daemon waits for it, so it is short; it is made only for a
// node the engine names (crossed_probes()), rarely.
bool slurmd_listens(const slurm::NodeState& node) { return probe_machine(node).reach == util::Reach::open; }

const slurm::NodeState* find(const std::vector<slurm::NodeState>& nodes, const std::string& name) {
    const auto it =
        std::find_if(nodes.begin(), nodes.end(), [&](const slurm::NodeState& node) { return node.name == name; });
    return it == nodes.end() ? nullptr : &*it;
}

// Both blocks of a pair carry the same words (they name both nodes), which
// is how one finds the other.
constexpr std::string_view kWordsStart = "BMC addresses of ";

// A drain Slurm takes back is given again at once, once; after that at most
// once in this many ms (Slurm's view is read every pass, and an scontrol call
// and a journal line each time would be noise).
constexpr engine::TimeMs kRedrainMs = 20000;

// While a power change of slumber's is judged, the memory is saved at most
// this often, in ms: a restart (or a crash) loses no more.
constexpr engine::TimeMs kSaveMs = 5000;

// A node's slurmd is tried at most this often, in ms.
constexpr engine::TimeMs kReprobeMs = 20000;

// Slurmds tried a pass, side by side.
constexpr std::size_t kProbesPerPass = 64;

// How far back the saved memory is taken (CrossedWatch::recall()): twice
// the longer window and kLookSlackMs before `now`.
engine::TimeMs memory_since(const engine::CrossedWindows& windows, engine::TimeMs now) {
    return now - 2 * std::max(windows.after_on_ms, windows.after_off_ms) - engine::kLookSlackMs;
}

}  // namespace

std::expected<void, std::string> remember_without_daemon(store::Journal& journal,
                                                         const std::vector<slurm::NodeState>& managed,
                                                         const engine::CrossedWindows& windows, engine::TimeMs now) {
    const auto saved = journal.watch_memory(memory_since(windows, now));
    if (!saved)
        return std::unexpected(fmt::format("cannot read the crossed-address watch's memory: {}", saved.error()));
    std::map<std::string, std::string> words;
    for (const slurm::NodeState& node : managed) {
        engine::WitnessMemory memory;
        if (const auto it = saved->words.find(node.name); it != saved->words.end()) {
            memory = engine::witness_memory_from(it->second).value_or(engine::WitnessMemory{});
        }
        engine::remember(memory, node, now);
        words[node.name] = engine::witness_memory_words(memory);
    }
    if (auto written = journal.save_watch_memory(words, now); !written) {
        return std::unexpected(fmt::format("cannot save the crossed-address watch's memory: {}", written.error()));
    }
    return {};
}

std::expected<void, std::string> CrossedLook::operator()() const {
    auto nodes = m_slurm.nodes();
    if (!nodes) return std::unexpected(nodes.error());
    std::erase_if(*nodes, [&](const slurm::NodeState& node) { return m_config.find(node.name) == nullptr; });
    return remember_without_daemon(m_journal, *nodes, m_windows, wall_clock_ms());
}

engine::CrossedWindows crossed_windows(const config::Config& config, engine::TimeMs boot_deadline_ms) {
    const auto conf = slurm::read_slurm_conf(config.slurm.conf);
    const slurm::SlurmConf* read = conf ? &*conf : nullptr;
    // slurm.conf(5) defaults: ResumeTimeout 60 s, SuspendTimeout 30 s, SlurmdTimeout 300 s.
    engine::TimeMs resume = seconds_setting(read, "ResumeTimeout", 60);
    if (read != nullptr && read->find("ResumeTimeout") != nullptr && boot_deadline_ms > 0 &&
        seconds_setting(read, "ResumeTimeout", 0) == 0) {
        resume = boot_deadline_ms / 1000;  // INFINITE: slumber's own boot deadline bounds a boot
    }
    return engine::crossed_windows(resume, seconds_setting(read, "SuspendTimeout", 30),
                                   seconds_setting(read, "SlurmdTimeout", 300));
}

std::map<std::string, std::string> CrossedWatch::suspected_pairs(const std::vector<store::Block>& blocks) const {
    // The partner is named by the block's words, whether or not its own
    // block is still there (a tester's `slumber unblock` of one node of a
    // pair left the other drained "A and A look crossed").
    std::map<std::string, std::string> pairs;
    for (const store::Block& block : blocks) {
        if (block.kind != power::ErrorKind::crossed) continue;
        // Words that name no pair (none slumber writes): still held, drained
        // without a partner's name.
        pairs[block.target] = crossed_partner(block).value_or("");
    }
    return pairs;
}

std::set<std::string> CrossedWatch::run(const std::vector<slurm::NodeState>& managed) {
    const engine::TimeMs now = m_clock->wall_ms();
    const auto blocks = m_journal.blocks();
    if (!blocks) return m_suspected;  // unreadable: as last seen
    std::map<std::string, std::string> pairs = suspected_pairs(*blocks);
    // A block lifted (`slumber unblock`): judged afresh, from now on.
    for (const std::string& node : m_suspected) {
        if (pairs.contains(node)) continue;
        m_memory[node] = engine::WitnessMemory{};
        m_memory[node].judged_from = now;
    }
    for (const slurm::NodeState& node : managed) engine::remember(m_memory[node.name], node, now);
    m_passed_at = now;
    m_passed.clear();
    for (const slurm::NodeState& node : managed) m_passed.push_back(node.name);

    std::vector<engine::CrossedWitness> witnesses;
    for (const slurm::NodeState& node : managed) {
        const engine::WitnessMemory& memory = m_memory[node.name];
        witnesses.push_back({node, memory.woke_unasked, memory.seen_up_at, memory.seen_up_boot_ms, memory.silent_since,
                             memory.dark_since, memory.powering_up_at, std::nullopt, pairs.contains(node.name)});
    }
    // The changes around every wake and silence still judged, however long
    // ago it happened: a node's own power change explains it for good.
    const engine::TimeMs window = std::max(m_windows.after_on_ms, m_windows.after_off_ms);
    const engine::TimeMs since =
        std::min(now - 2 * window - engine::kLookSlackMs, engine::crossed_look_back(witnesses, m_windows, now));
    std::vector<engine::PowerChange> changes;
    if (auto events = m_journal.power_changes(since)) {
        for (const store::Event& event : *events) {
            const auto memory = m_memory.find(event.node);
            if (!event.action || memory == m_memory.end() || event.time < memory->second.judged_from ||
                event.time < m_judged_from) {
                continue;
            }
            changes.push_back({event.node, *event.action, event.time, event.asked});
        }
    }
    m_watching = engine::effect_may_show(witnesses, changes, m_windows, now);
    std::set<std::string> held;
    m_open.clear();
    if (!changes.empty()) {
        probe_slurmds(witnesses, engine::crossed_probes(witnesses, changes, m_windows, now), changes, now);
        const engine::CrossedJudgement judged = engine::suspect_crossed(witnesses, changes, m_windows, now);
        for (const engine::CrossedPair& pair : judged.pairs) {
            act(pair, managed);
            // A node paired twice (one power-on, several nodes woken) is
            // drained naming its first partner, as its block does.
            pairs.try_emplace(pair.asked, pair.other);
            pairs.try_emplace(pair.other, pair.asked);
        }
        for (const engine::OpenWake& wake : judged.open) {
            const bool cycled = wake.action == power::Action::cycle;
            const std::string words = fmt::format(
                "{} {} unasked after slumber {} {}{}: whether {}'s BMC address drives {}'s machine is decided once "
                "{} registers a boot of its own, or in {} at the latest",
                wake.other, wake.from == engine::BootedFrom::running ? "restarted" : "woke",
                cycled ? "power-cycled" : "switched", wake.asked, cycled ? "" : " on", wake.asked, wake.other,
                wake.asked,
                util::format_elapsed(std::chrono::milliseconds(std::max<engine::TimeMs>(wake.decided_at - now, 0))));
            for (const std::string& node : {wake.asked, wake.other}) m_open.try_emplace(node, words);
            held.insert(wake.asked);
            held.insert(wake.other);
        }
    }
    keep_drained(pairs, managed);
    m_suspected.clear();
    for (const auto& [node, partner] : pairs) m_suspected.insert(node);
    held.insert(m_suspected.begin(), m_suspected.end());
    // What each node was before a change still judged outlives a restart
    // (recall()). A journal that cannot be written fails every request
    // anyway; this pass's judgement stands without the save.
    if ((m_watching || !m_open.empty()) && now - m_saved_at >= kSaveMs) {
        if (save(now)) m_saved_at = now;
    }
    return held;
}

std::expected<void, std::string> CrossedWatch::save(engine::TimeMs now) const {
    std::map<std::string, std::string> words;
    for (const std::string& node : m_passed) {
        const auto it = m_memory.find(node);
        words[node] = engine::witness_memory_words(it == m_memory.end() ? engine::WitnessMemory{} : it->second);
    }
    if (auto written = m_journal.save_watch_memory(words, now); !written) {
        return std::unexpected(fmt::format("cannot save the crossed-address watch's memory: {}", written.error()));
    }
    return {};
}

std::expected<void, std::string> CrossedWatch::save_last_pass(engine::TimeMs now) const {
    if (m_passed_at == 0 || m_passed_at < memory_since(m_windows, now)) return {};
    return save(now);
}

std::expected<int, std::string> CrossedWatch::recall(engine::TimeMs now) {
    const auto saved = m_journal.watch_memory(memory_since(m_windows, now));
    if (!saved) {
        return std::unexpected(fmt::format("cannot read the crossed-address watch's memory: {}", saved.error()));
    }
    int recalled = 0;
    std::vector<std::string> unreadable;
    for (const std::string& node : saved->undated) {
        unreadable.push_back(fmt::format("\"{}\" (its saved_ms is not a number)", node));
    }
    for (const auto& [node, words] : saved->words) {
        auto memory = engine::witness_memory_from(words);
        if (!memory) {
            unreadable.push_back(fmt::format("\"{}\" ({})", node, memory.error()));
            continue;
        }
        m_memory.try_emplace(node, *memory);
        ++recalled;
    }
    if (!unreadable.empty()) {
        return std::unexpected(fmt::format(
            "the crossed-address watch's memory of {} is unreadable and forgotten; it took back that of {} other "
            "node(s)",
            fmt::join(unreadable, ", "), recalled));
    }
    return recalled;
}

void CrossedWatch::probe_slurmds(std::vector<engine::CrossedWitness>& witnesses, const std::vector<std::string>& names,
                                 const std::vector<engine::PowerChange>& changes, engine::TimeMs now) {
    // An answer counts from after the node's latest power change: one from
    // before its power-off says nothing of what that power-off stopped.
    const auto fresh = [&](const std::string& name) -> std::optional<bool> {
        const auto it = m_probed.find(name);
        if (it == m_probed.end() || now - it->second.first >= kReprobeMs) return std::nullopt;
        const bool changed_since = std::ranges::any_of(changes, [&](const engine::PowerChange& change) {
            return change.node == name && change.at > it->second.first;
        });
        return changed_since ? std::nullopt : std::optional(it->second.second);
    };
    // A machine that is off, as asked, does not answer: each waits the
    // probe's timeout. Side by side, a bounded number a pass (a batch of
    // Slurm's suspends may be hundreds of nodes), so that a pass waits about
    // one timeout; the rest are tried at the next passes, and the judgement
    // waits for them.
    std::vector<const slurm::NodeState*> due;
    for (const std::string& name : names) {
        if (due.size() >= kProbesPerPass) break;
        const auto witness = std::ranges::find_if(
            witnesses, [&](const engine::CrossedWitness& each) { return each.slurm.name == name; });
        if (witness != witnesses.end() && !fresh(name)) due.push_back(&witness->slurm);
    }
    std::vector<char> answered(due.size(), 0);
    const SlurmdProbe& probe = m_probe ? m_probe : SlurmdProbe(slurmd_listens);
    util::parallel_for(due.size(), static_cast<int>(kProbesPerPass),
                       [&](std::size_t i) { answered[i] = probe(*due[i]) ? 1 : 0; });
    for (std::size_t i = 0; i < due.size(); ++i)
        m_probed.insert_or_assign(due[i]->name, std::pair{now, answered[i] != 0});
    for (engine::CrossedWitness& witness : witnesses) {
        if (std::ranges::find(names, witness.slurm.name) != names.end())
            witness.slurmd_answers = fresh(witness.slurm.name);
    }
}

void CrossedWatch::act(const engine::CrossedPair& pair, const std::vector<slurm::NodeState>& managed) {
    const engine::TimeMs now = m_clock->wall_ms();
    const auto& [first, second] = std::minmax(pair.asked, pair.other);
    const std::string words = fmt::format("{}{} and {} look crossed: {}", kWordsStart, first, second, pair.evidence);
    for (const std::string& node : {pair.asked, pair.other}) {
        (void)m_journal.record({0, now, node, std::nullopt, store::EventKind::crossed_suspected,
                                words + "; both blocked for every automatic action and drained"});
        (void)m_journal.add_block({node, std::nullopt, power::ErrorKind::crossed, words, now, {}, m_who});
        // A power-on of either started the other's machine: whatever
        // registers next measures no boot of its own (a tester's doctor
        // then advised a ResumeTimeout from a 123 s "boot" that was a
        // manual power-on long after).
        (void)m_journal.cancel_boot(node);
    }
    note_left_powered_down(pair, managed);
}

void CrossedWatch::note_left_powered_down(const engine::CrossedPair& pair,
                                          const std::vector<slurm::NodeState>& managed) {
    // The node whose machine runs (the asked node of a power-off that
    // stopped the other; the other node of a power-on that booted it) may be
    // one Slurm counts as powered down (Slurm may have suspended the woken
    // one meanwhile, a power-off that reached the dark machine). It is left
    // so, drained (keep_drained(), this pass): telling Slurm it is up took
    // State=RESUME, which lifts the drain, and scontrol reconfigure, which
    // has every powered-down slurmd register (Slurm 22.05.8 then cleared an
    // admin's drain reason on another node; from 23.11 slurmctld restarts),
    // and Slurm suspends a drained idle node again after SuspendTime: a
    // tester saw it said "left counting it as powered down" and then told it
    // the opposite, 64 ms apart. The node whose machine is off is left to
    // Slurm's own conclusion, which is true: DOWN after SlurmdTimeout, or
    // down~ after ResumeTimeout.
    // A power-off of a node that was dark already stopped the other's
    // machine, and both are off: Slurm's conclusions are true for both.
    if (pair.pattern == engine::CrossedPattern::silenced_other && !pair.asked_runs) return;
    const std::string& machine_on = pair.pattern == engine::CrossedPattern::silenced_other ? pair.asked : pair.other;
    const slurm::NodeState* running = find(managed, machine_on);
    if (running == nullptr || running->powering_up()) return;
    if (!running->powered_down() && !running->has("POWERING_DOWN")) return;
    (void)m_journal.record(
        {0, m_clock->wall_ms(), machine_on, std::nullopt, store::EventKind::slurm_view,
         fmt::format("Slurm shows it {} but its machine runs (BMC addresses of {} and {} look crossed): left counting "
                     "it as powered down, drained until `slumber unblock {},{}` (telling Slurm it is up would lift "
                     "the drain, and Slurm would suspend the drained idle node again)",
                     running->state_text(), std::min(pair.asked, pair.other), std::max(pair.asked, pair.other),
                     std::min(pair.asked, pair.other), std::max(pair.asked, pair.other))});
}

void CrossedWatch::keep_drained(const std::map<std::string, std::string>& pairs,
                                const std::vector<slurm::NodeState>& managed) {
    for (const auto& [node, partner] : pairs) {
        const slurm::NodeState* state = find(managed, node);
        if (state == nullptr) continue;
        // An admin's drain (a repair) keeps jobs off already: replaced by
        // slumber's, `slumber unblock` would lift it (a tester's was lost so).
        if (drained_by_others(*state)) {
            if (m_left_drained.insert(node).second) {
                (void)m_journal.record({0, m_clock->wall_ms(), node, std::nullopt, store::EventKind::drained,
                                        fmt::format("drained by someone else (reason \"{}\"): that drain is left as "
                                                    "it is; slumber's block stays until `slumber unblock {}`",
                                                    state->reason, node),
                                        store::OutcomeKind::ok, std::nullopt, store::StepKind::slurm_drain});
            }
            continue;
        }
        m_left_drained.erase(node);
        const std::string reason =
            partner.empty() ? drain_reason(store::Block{node, std::nullopt, power::ErrorKind::crossed, {}, 0, {}, {}})
                            : engine::crossed_drain_reason({node, partner, {}, {}});
        // Slurm 23.02 and later append their own words to a reason. A drain
        // Slurm took back (22.05 at ResumeTimeout, which a pair judged just
        // before it meets: a tester's node was DOWN, undrained, for 20 s) is
        // given again at the next look; taken back again, at most every
        // kRedrainMs. A drain that lost only its reason (22.05.8 clears it
        // when the powered-down node registers, keeping DRAIN) gets it back
        // at once: the admin reads the pair there.
        if (state->has("DRAIN") && state->reason.find(reason) != std::string::npos) continue;
        const bool reason_lost = state->has("DRAIN") && state->reason.empty();
        const engine::TimeMs now = m_clock->wall_ms();
        Drains& drains = m_drains[node];
        if (now - drains.since >= kRedrainMs) drains = {now, 0};
        if (!reason_lost && drains.given >= 2) continue;
        ++drains.given;
        const auto drained = m_slurm.update(node, "DRAIN", reason);
        (void)m_journal.record({0, m_clock->wall_ms(), node, std::nullopt, store::EventKind::drained,
                                drained ? fmt::format("drained in Slurm: {}", reason)
                                        : fmt::format("could not drain it in Slurm ({}): {}", drained.error(), reason),
                                drained ? store::OutcomeKind::ok : store::OutcomeKind::error, std::nullopt,
                                store::StepKind::slurm_drain});
    }
}

}  // namespace slumber::operate
