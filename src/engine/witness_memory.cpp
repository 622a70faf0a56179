#include "engine/witness_memory.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "slurm/dialect.hpp"

namespace slumber::engine {
namespace {

using nlohmann::json;

// How much later than the one a node was last seen up with a boot time
// must be to count as another boot, in ms (Slurm's BootTime moves by a
// second between registrations of one boot).
constexpr TimeMs kRebootMinMs = 5000;

constexpr std::string_view kAsleep = "asleep";
constexpr std::string_view kRunning = "running";

void put(json& out, const char* key, const std::optional<TimeMs>& time) {
    if (time) out[key] = *time;
}

// A time (Unix ms, not negative) under `key`, absent when the key is.
std::expected<std::optional<TimeMs>, std::string> time_at(const json& in, const char* key) {
    const auto it = in.find(key);
    if (it == in.end()) return std::nullopt;
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0) {
        return std::unexpected(fmt::format("\"{}\" is not a time in Unix ms", key));
    }
    return it->get<TimeMs>();
}

std::expected<bool, std::string> flag_at(const json& in, const char* key) {
    const auto it = in.find(key);
    if (it == in.end()) return false;
    if (!it->is_boolean()) return std::unexpected(fmt::format("\"{}\" is not true or false", key));
    return it->get<bool>();
}

std::expected<UnaskedWake, std::string> wake_from(const json& in) {
    if (!in.is_object()) return std::unexpected("\"woke_unasked\" is not an object");
    UnaskedWake wake;
    for (auto [key, field] : {std::pair{"boot_ms", &wake.boot_ms}, std::pair{"asleep_until", &wake.asleep_until},
                              std::pair{"earlier_boot_ms", &wake.earlier_boot_ms}}) {
        auto time = time_at(in, key);
        if (!time) return std::unexpected(fmt::format("in \"woke_unasked\": {}", time.error()));
        *field = time->value_or(0);
    }
    const auto from = in.find("from");
    if (from == in.end() || !from->is_string() || (*from != kAsleep && *from != kRunning)) {
        return std::unexpected(R"(in "woke_unasked": "from" is neither "asleep" nor "running")");
    }
    wake.from = *from == kRunning ? BootedFrom::running : BootedFrom::asleep;
    return wake;
}

}  // namespace

void remember(WitnessMemory& memory, const slurm::NodeState& node, TimeMs now) {
    // Registered with a boot after it was last seen asleep, though never
    // seen up since: Slurm set it DOWN ("Node unexpectedly rebooted") and
    // began powering it down (it suspends DOWN nodes) before anyone looked.
    // A hook's carrier looks only when a hook runs: in a run of ours
    // without a daemon, a power-on through a crossed address booted
    // another sleeping node's machine, and the next look, 12 s later, was
    // that of its suspend's carrier, which saw it powering down. Looked at
    // before the states below, which forget the sleep of a node asleep
    // again or down~. Its BootTime outlives the registration; the boot it
    // had before it slept is older than the sleep by SuspendTimeout at least.
    const bool slept_since_up = memory.asleep_at && (!memory.seen_up_at || *memory.asleep_at > *memory.seen_up_at);
    if (!seen_up(node) && slept_since_up && !memory.asked_up && !node.powering_up() && !slurm::rebooting(node) &&
        node.boot_time && *node.boot_time * 1000 > *memory.asleep_at) {
        memory.woke_unasked = UnaskedWake{*node.boot_time * 1000, *memory.asleep_at};
    }
    // down~ after Slurm gave up on its boot ("ResumeTimeout reached"): a
    // late registration is that boot's own, so not asleep, for this check.
    // Any other powered-down node is: one an admin set DOWN, or one Slurm
    // parked after it went silent, boots when a crossed power-on reaches
    // its machine (a tester's admin-downed node was woken so, unnoticed,
    // and Slurm's suspend of it went through its address to another's).
    const bool gave_up = node.base == "DOWN" && slurm::has_reason(node.reason, slurm::Reason::resume_timeout);
    if (node.powered_down() && !node.powering_up() && !gave_up) {
        memory.asleep_at = now;
        memory.asked_up = false;
    } else if (node.powered_down() && !node.powering_up()) {
        memory.asleep_at.reset();
    } else if (node.powering_up() || slurm::rebooting(node)) {
        memory.asked_up = true;
        memory.asked_since_up = true;
    }
    if (seen_up(node)) {
        // The first sighting up after a sleep that nobody ended.
        const bool after_sleep = memory.asleep_at && (!memory.seen_up_at || *memory.asleep_at > *memory.seen_up_at);
        const bool woke = after_sleep && !memory.asked_up && node.boot_time;
        // Or up with a later boot time than when last seen up, with no
        // sleep and nothing of Slurm's in between: its machine restarted
        // under it. Slurm's BootTime is in whole seconds and moves by one
        // between registrations of the same boot (slurmd reckons it from
        // its uptime); a restart moves it by the machine's whole uptime.
        const bool restarted = !after_sleep && !memory.asked_since_up && node.boot_time && memory.seen_up_at &&
                               memory.seen_up_boot_ms &&
                               *node.boot_time * 1000 > *memory.seen_up_boot_ms + kRebootMinMs;
        if (woke) memory.woke_unasked = UnaskedWake{*node.boot_time * 1000, *memory.asleep_at};
        if (restarted) {
            memory.woke_unasked =
                UnaskedWake{*node.boot_time * 1000, *memory.seen_up_at, BootedFrom::running, *memory.seen_up_boot_ms};
        }
        // A reboot Slurm asked for shows on a node still up (REBOOT_REQUESTED,
        // REBOOT_ISSUED): it counts until the node registers afresh.
        if (!slurm::rebooting(node)) memory.asked_since_up = false;
        memory.seen_up_at = now;
        if (node.boot_time) memory.seen_up_boot_ms = *node.boot_time * 1000;
        memory.silent_since.reset();
        memory.dark_since.reset();
    } else if (memory.seen_up_at && !memory.silent_since && silent(node, memory.seen_up_at)) {
        memory.silent_since = now;
    }
    const bool dark = !node.responding() || (node.powered_down() && !node.powering_up());
    if (dark && !memory.dark_since) memory.dark_since = now;
    if (node.powering_up()) memory.powering_up_at = now;
}

std::string witness_memory_words(const WitnessMemory& memory) {
    json out = json::object();
    put(out, "asleep_at", memory.asleep_at);
    if (memory.asked_up) out["asked_up"] = true;
    if (memory.asked_since_up) out["asked_since_up"] = true;
    if (const auto& wake = memory.woke_unasked) {
        out["woke_unasked"] = {{"boot_ms", wake->boot_ms},
                               {"asleep_until", wake->asleep_until},
                               {"from", wake->from == BootedFrom::running ? kRunning : kAsleep},
                               {"earlier_boot_ms", wake->earlier_boot_ms}};
    }
    put(out, "seen_up_at", memory.seen_up_at);
    put(out, "seen_up_boot_ms", memory.seen_up_boot_ms);
    put(out, "silent_since", memory.silent_since);
    put(out, "dark_since", memory.dark_since);
    put(out, "powering_up_at", memory.powering_up_at);
    if (memory.judged_from != 0) out["judged_from"] = memory.judged_from;
    return out.dump();
}

std::expected<WitnessMemory, std::string> witness_memory_from(std::string_view words) {
    const json in = json::parse(words, nullptr, /*allow_exceptions=*/false);
    if (in.is_discarded()) return std::unexpected("not JSON, or a number out of range");
    if (!in.is_object()) return std::unexpected("not a JSON object");
    WitnessMemory memory;
    for (auto [key, field] :
         {std::pair{"asleep_at", &memory.asleep_at}, std::pair{"seen_up_at", &memory.seen_up_at},
          std::pair{"seen_up_boot_ms", &memory.seen_up_boot_ms}, std::pair{"silent_since", &memory.silent_since},
          std::pair{"dark_since", &memory.dark_since}, std::pair{"powering_up_at", &memory.powering_up_at}}) {
        auto time = time_at(in, key);
        if (!time) return std::unexpected(time.error());
        *field = *time;
    }
    for (auto [key, field] :
         {std::pair{"asked_up", &memory.asked_up}, std::pair{"asked_since_up", &memory.asked_since_up}}) {
        auto flag = flag_at(in, key);
        if (!flag) return std::unexpected(flag.error());
        *field = *flag;
    }
    if (const auto wake = in.find("woke_unasked"); wake != in.end()) {
        auto read = wake_from(*wake);
        if (!read) return std::unexpected(read.error());
        memory.woke_unasked = *read;
    }
    auto judged = time_at(in, "judged_from");
    if (!judged) return std::unexpected(judged.error());
    memory.judged_from = judged->value_or(0);
    return memory;
}

}  // namespace slumber::engine
