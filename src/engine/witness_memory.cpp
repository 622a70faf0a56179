#include "engine/witness_memory.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace slumber::engine {
namespace {

using nlohmann::json;

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
          std::pair{"dark_since", &memory.dark_since}}) {
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
