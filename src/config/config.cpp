#include "config/config.hpp"

#include <fmt/format.h>
#include <algorithm>

#include "util/safe_text.hpp"

namespace slumber::config {

// The key, the message and the fix may quote the file (an unknown key, a
// bad value), which is anyone's text: shown escaped, so that a key cannot
// forge a line or drive the terminal of the admin running `config check`.
std::string format(const ConfigError& error) {
    std::string out = util::safe_text(error.file);
    if (error.line > 0) out += fmt::format(":{}", error.line);
    out += ": ";
    if (!error.key.empty()) out += fmt::format("{}: ", util::safe_text(error.key));
    out += util::safe_text(error.message);
    if (!error.fix.empty()) out += fmt::format("\n    fix: {}", util::safe_text(error.fix));
    return out;
}

std::string format_line(const ConfigError& error) {
    constexpr std::string_view kFixLine = "\n    fix: ";
    std::string out = format(error);
    if (const auto fix = out.find(kFixLine); fix != std::string::npos) out.replace(fix, kFixLine.size(), "; fix: ");
    return out;
}

SharedConfig borrow(const Config& config) { return SharedConfig(SharedConfig(), &config); }

std::uint64_t fingerprint(std::string_view text) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (const char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

void Config::build_index() {
    index.clear();
    for (std::size_t i = 0; i < nodes.size() + devices.size(); ++i) {
        index.emplace(i < nodes.size() ? nodes[i].name : devices[i - nodes.size()].name, i);
    }
}

const PowerTarget* Config::find(std::string_view name) const {
    if (!index.empty()) {
        const auto it = index.find(std::string(name));
        if (it == index.end()) return nullptr;
        return it->second < nodes.size() ? &nodes[it->second] : &devices[it->second - nodes.size()];
    }
    for (const auto* targets : {&nodes, &devices}) {
        const auto it = std::find_if(targets->begin(), targets->end(),
                                     [&](const PowerTarget& target) { return target.name == name; });
        if (it != targets->end()) return &*it;
    }
    return nullptr;
}

bool Config::excluded(std::string_view node) const {
    return std::find(slurm.exclude.begin(), slurm.exclude.end(), node) != slurm.exclude.end();
}

power::TargetSettings Config::settings_for(const PowerTarget& target) const {
    power::TargetSettings settings{target.name, target.address, target.options, {}, {}, {}, target.policy};
    if (target.credentials) {
        if (const auto it = credentials.find(*target.credentials); it != credentials.end()) {
            settings.username = it->second.username;
            settings.password = it->second.password;
            settings.k_g = it->second.k_g;
        }
    }
    return settings;
}

}  // namespace slumber::config
