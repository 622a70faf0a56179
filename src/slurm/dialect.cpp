#include "slurm/dialect.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace slumber::slurm {
namespace {

bool read_int(std::string_view text, int& out) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    return error == std::errc() && end == text.data() + text.size() && out >= 0;
}

std::string_view trim_space(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) text.remove_suffix(1);
    return text;
}

bool same_word(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string join(const std::vector<std::string>& names) {
    std::string text;
    for (const std::string& name : names) text += (text.empty() ? "" : ",") + name;
    return text;
}

}  // namespace

std::optional<Version> parse_version(std::string_view text) {
    text = trim_space(text);
    const auto space = text.rfind(' ');
    if (space == std::string_view::npos) return std::nullopt;
    const std::string_view name = text.substr(0, space);
    if (name != "slurm" && name != "slurm-wlm") return std::nullopt;
    std::string_view number = text.substr(space + 1);
    number = number.substr(0, number.find('-'));  // "24.11.1-1", "25.05.0-rc1"
    const auto first = number.find('.');
    const auto second = number.find('.', first == std::string_view::npos ? first : first + 1);
    if (first == std::string_view::npos) return std::nullopt;
    Version version;
    const std::string_view minor =
        number.substr(first + 1, second == std::string_view::npos ? second : second - first - 1);
    if (!read_int(number.substr(0, first), version.major) || !read_int(minor, version.minor)) return std::nullopt;
    if (second != std::string_view::npos && !read_int(number.substr(second + 1), version.micro)) return std::nullopt;
    return version;
}

bool has_reason(std::string_view text, Reason reason) {
    const auto info = std::find_if(std::begin(kReasons), std::end(kReasons),
                                   [reason](const ReasonInfo& entry) { return entry.reason == reason; });
    if (info == std::end(kReasons)) return false;
    constexpr std::string_view kJoin = " : ";  // how Slurm appends a reason (23.02 and later)
    while (true) {
        const auto at = text.find(kJoin);
        if (trim_space(text.substr(0, at)).starts_with(info->words)) return true;
        if (at == std::string_view::npos) return false;
        text.remove_prefix(at + kJoin.size());
    }
}

std::string_view latest_reason(std::string_view text) {
    const auto at = text.rfind(" : ");
    return trim_space(at == std::string_view::npos ? text : text.substr(at + 3));
}

std::string sinfo_state(const NodeState& node) {
    // node_state_string_compact() (22.05 and 24.11), which sinfo lowers.
    const bool busy = node.base == "ALLOCATED" || node.base == "MIXED" || node.has("COMPLETING");
    std::string text = node.has("DRAIN")          ? (busy ? "drng" : "drain")
                       : node.has("FAIL")         ? (busy ? "failg" : "fail")
                       : node.has("INVALID_REG")  ? "inval"
                       : node.base == "ALLOCATED" ? "alloc"
                       : node.base == "MIXED"     ? "mix"
                       : node.has("COMPLETING")   ? "comp"
                       : node.base == "FUTURE"    ? "futr"
                       : node.base == "UNKNOWN"   ? "unk"
                                                  : std::string();
    if (text.empty()) {
        for (const char c : node.base) text += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    for (const StateFlagInfo& flag : kStateFlags) {
        if (node.has(flag.flag)) return text + flag.suffix;
    }
    return text;
}

bool resume_is_reboot(std::string_view features, bool job_id_set, bool resume_file_set) {
    return !trim_space(features).empty() || (job_id_set && !resume_file_set);
}

bool rebooting(const NodeState& node) { return node.has("REBOOT_REQUESTED") || node.has("REBOOT_ISSUED"); }

ScontrolCall power_call(const Version& version, PowerRequest request, const std::string& hostlist) {
    struct Words {
        PowerRequest request;
        std::string_view command;  // scontrol power …, 24.05 and later
        std::string_view state;    // scontrol update State=…, before
    };
    static constexpr Words kWords[] = {
        {PowerRequest::up, "up", "POWER_UP"},
        {PowerRequest::down, "down", "POWER_DOWN"},
        {PowerRequest::down_asap, "down asap", "POWER_DOWN_ASAP"},
        {PowerRequest::down_force, "down force", "POWER_DOWN_FORCE"},
    };
    const Words* words = &kWords[0];
    for (const Words& entry : kWords) {
        if (entry.request == request) words = &entry;
    }
    if (version < kPowerCommandSince) {
        return {"update", "NodeName=" + hostlist, "State=" + std::string(words->state)};
    }
    ScontrolCall call{"power"};
    std::string_view rest = words->command;
    while (!rest.empty()) {
        const auto space = rest.find(' ');
        call.emplace_back(rest.substr(0, space));
        rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    }
    call.push_back(hostlist);
    return call;
}

std::expected<ResumeTimeout, std::string> parse_resume_timeout(std::string_view value) {
    value = trim_space(value);
    if (same_word(value, "INFINITE") || same_word(value, "UNLIMITED")) return ResumeTimeout{std::nullopt};
    if (value.ends_with("sec")) value = trim_space(value.substr(0, value.size() - 3));  // scontrol show config
    int seconds = 0;
    if (!read_int(value, seconds)) {
        return std::unexpected(
            fmt::format("ResumeTimeout \"{}\" is neither seconds nor INFINITE", value.substr(0, 40)));
    }
    return ResumeTimeout{std::chrono::seconds(seconds)};
}

std::expected<std::optional<std::chrono::seconds>, std::string> parse_suspend_time(std::string_view value) {
    value = trim_space(value);
    if (same_word(value, "INFINITE") || same_word(value, "UNLIMITED") || same_word(value, "NONE") || value == "-1") {
        return std::optional<std::chrono::seconds>{};
    }
    int seconds = 0;
    if (!read_int(value, seconds)) {
        return std::unexpected(
            fmt::format("SuspendTime \"{}\" is neither a number of seconds nor INFINITE", value.substr(0, 40)));
    }
    return std::optional<std::chrono::seconds>{std::chrono::seconds(seconds)};
}

bool suspend_time_infinite(std::string_view value) {
    const auto parsed = parse_suspend_time(value);
    return parsed && !parsed->has_value();
}

bool shows_powered_down(const NodeState& node) {
    return (node.has("POWERING_DOWN") || node.powered_down()) && !node.powering_up() && node.base != "DOWN";
}

std::vector<ScontrolCall> still_up_calls(const Version& /*version*/, const std::vector<NodeState>& nodes) {
    // One recipe for 22.05 to 24.11 (see the header); the version is taken so
    // that a release that needs other calls gets its own branch here.
    std::vector<std::string> powering_down;
    bool any = false;
    for (const NodeState& node : nodes) {
        if (!shows_powered_down(node)) continue;
        any = true;
        if (node.has("POWERING_DOWN")) powering_down.push_back(node.name);
    }
    std::vector<ScontrolCall> calls;
    if (!powering_down.empty()) calls.push_back({"update", "NodeName=" + join(powering_down), "State=RESUME"});
    if (any) calls.push_back({"reconfigure"});
    return calls;
}

}  // namespace slumber::slurm
