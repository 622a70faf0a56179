#include "service/slurm_setup.hpp"

#include <grp.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include <algorithm>

#include "operate/reconciler.hpp"
#include "store/sharing.hpp"

namespace slumber::service {

Access access_for(const std::filesystem::path& path, const slurm::SlurmUser& user, int want, PathKind kind) {
    // slumber's own rule binds every user, root included.
    const auto refused = [&]() -> std::optional<Access> {
        struct stat status {};
        if (kind != PathKind::credentials || ::lstat(path.c_str(), &status) != 0) return std::nullopt;
        auto refusal = config::refuse_credentials_file(path, status);
        if (!refusal) return std::nullopt;
        return Access{Access::Verdict::refused, fmt::format("{} {}", path.string(), refusal->message),
                      std::move(refusal->fix)};
    };
    if (user.uid == 0) return refused().value_or(Access{});
    int count = 64;
    std::vector<gid_t> groups(static_cast<std::size_t>(count));
    if (::getgrouplist(user.name.c_str(), user.gid, groups.data(), &count) < 0) count = 0;
    groups.resize(static_cast<std::size_t>(count));
    groups.push_back(user.gid);
    const auto allowed = [&](const struct stat& status, int bits) {
        const bool in_group = std::find(groups.begin(), groups.end(), status.st_gid) != groups.end();
        const int shift = status.st_uid == user.uid ? 6 : in_group ? 3 : 0;
        return ((static_cast<int>(status.st_mode) >> shift) & bits) == bits;
    };
    const auto describe = [](const std::filesystem::path& where, const struct stat& status) {
        return fmt::format("{} is {}", where.string(), store::owner_and_mode(status));
    };
    struct stat status {};
    for (auto above = path.parent_path(); !above.empty(); above = above.parent_path()) {
        if (::stat(above.c_str(), &status) == 0 && !allowed(status, 1)) {
            return {Access::Verdict::unreachable, describe(above, status), ""};
        }
        if (above == above.root_path()) break;
    }
    if (::stat(path.c_str(), &status) != 0) return {Access::Verdict::missing, "", ""};
    if (auto refusal = refused()) return *refusal;
    if (!allowed(status, want)) return {Access::Verdict::denied, describe(path, status), ""};
    return {};
}

std::optional<ResumeTimeoutAdvice> resume_timeout_advice(const config::Config& config) {
    std::vector<std::string> nodes;
    for (const auto& target : config.nodes) nodes.push_back(target.name);
    auto journal = store::JournalReader::open(config.daemon.journal());
    if (!journal) return std::nullopt;
    const std::vector<engine::BootStats> stats = operate::measured_boots(**journal, nodes);
    const auto seconds = engine::suggested_resume_timeout(stats);
    if (!seconds) return std::nullopt;
    return ResumeTimeoutAdvice{*seconds, stats.back()};
}

}  // namespace slumber::service
