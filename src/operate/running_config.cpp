#include "operate/running_config.hpp"

#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>

namespace slumber::operate {
namespace {

// Written by the daemon beside its journal: "key=value" lines.
std::filesystem::path running_file(const config::Config& config) { return config.daemon.state_dir / "slumberd.config"; }

std::map<std::string, std::string> read_pairs(const std::filesystem::path& file) {
    std::map<std::string, std::string> pairs;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        const auto equals = line.find('=');
        if (equals != std::string::npos) pairs[line.substr(0, equals)] = line.substr(equals + 1);
    }
    return pairs;
}

bool process_alive(const std::string& pid_text) {
    pid_t pid = 0;
    const auto [end, error] = std::from_chars(pid_text.data(), pid_text.data() + pid_text.size(), pid);
    if (error != std::errc() || pid <= 0) return false;
    return ::kill(pid, 0) == 0 || errno == EPERM;
}

}  // namespace

std::expected<void, std::string> record_running_config(const config::Config& config, const Reloaded* refused) {
    const std::filesystem::path file = running_file(config);
    const std::filesystem::path partial = file.string() + ".new";
    std::string text = fmt::format("pid={}\nfile={}\nfingerprint={:016x}\n", ::getpid(),
                                   std::filesystem::absolute(config.file).string(), config.fingerprint);
    if (refused != nullptr) {
        text += fmt::format("refused_fingerprint={:016x}\nrefused={}\n", refused->fingerprint, refused->summary);
    }
    {
        std::ofstream out(partial, std::ios::trunc);
        out << text;
        if (!out.flush()) return std::unexpected(fmt::format("cannot write {}", partial.string()));
    }
    std::error_code error;
    std::filesystem::rename(partial, file, error);
    if (error) return std::unexpected(fmt::format("cannot write {}: {}", file.string(), error.message()));
    return {};
}

void forget_running_config(const config::Config& config) {
    std::error_code ignored;
    std::filesystem::remove(running_file(config), ignored);
}

std::optional<std::string> running_config_warning(const config::Config& file) {
    auto running = read_pairs(running_file(file));
    if (running.empty() || !process_alive(running["pid"])) return std::nullopt;
    const std::string& pid = running["pid"];
    std::error_code error;
    // The file as the daemon records it: absolute (it said "not sj.toml"
    // for `-c sj.toml`).
    const std::string path = std::filesystem::absolute(file.file, error).lexically_normal().string();
    if (!std::filesystem::equivalent(running["file"], file.file, error)) {
        return fmt::format("slumberd (pid {}) runs {}, not {}", pid, running["file"], path);
    }
    const std::string now = fmt::format("{:016x}", file.fingerprint);
    if (running["fingerprint"] == now) return std::nullopt;
    if (running["refused_fingerprint"] == now) {
        return fmt::format("slumberd (pid {}) refused this version of {}: {}", pid, path, running["refused"]);
    }
    return fmt::format(
        "{} changed since slumberd (pid {}) loaded it, and the daemon still runs the old one: reload it "
        "(systemctl reload slumberd, or kill -HUP {})",
        path, pid, pid);
}

}  // namespace slumber::operate
