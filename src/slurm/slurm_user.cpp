#include "slurm/slurm_user.hpp"

#include <pwd.h>

#include <fmt/format.h>

#include <charconv>

#include "slurm/power_save.hpp"
#include "slurm/slurm_conf.hpp"

namespace slumber::slurm {
namespace {

std::optional<uid_t> number(std::string_view text) {
    uid_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

std::expected<SlurmUser, std::string> account(const passwd* entry, std::string_view asked, std::string source) {
    if (entry == nullptr) {
        return std::unexpected(fmt::format("SlurmUser {} ({}) is not an account on this machine", asked, source));
    }
    return SlurmUser{entry->pw_name, entry->pw_uid, entry->pw_gid, std::move(source)};
}

}  // namespace

std::optional<uid_t> parse_slurm_user_uid(std::string_view show_config) {
    const auto settings = parse_show_config(show_config);
    const auto it = settings.find("SlurmUser");
    if (it == settings.end()) return std::nullopt;
    const std::string_view value = it->second;
    const auto open = value.rfind('(');
    const auto close = value.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open) return std::nullopt;
    return number(value.substr(open + 1, close - open - 1));
}

std::expected<SlurmUser, std::string> find_slurm_user(const Scontrol& scontrol,
                                                      const std::filesystem::path& slurm_conf) {
    if (const auto written = slurm_user(slurm_conf)) {
        if (const auto uid = number(*written)) return account(::getpwuid(*uid), *written, slurm_conf.string());
        return account(::getpwnam(written->c_str()), *written, slurm_conf.string());
    }
    auto shown = scontrol.show_config();
    if (!shown) {
        return std::unexpected(fmt::format("{} cannot be read, and {}", slurm_conf.string(), shown.error()));
    }
    if (const auto uid = parse_slurm_user_uid(*shown)) {
        return account(::getpwuid(*uid), fmt::format("UID {}", *uid), "scontrol show config");
    }
    return std::unexpected(
        fmt::format("{} cannot be read, and scontrol show config names no SlurmUser", slurm_conf.string()));
}

}  // namespace slumber::slurm
