#include "service/slurm_setup.hpp"

#include <grp.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "operate/reconciler.hpp"
#include "slurm/scontrol.hpp"
#include "store/sharing.hpp"

namespace slumber::service {

Access access_for(const std::filesystem::path& path, const slurm::SlurmUser& user, int want, PathKind kind) {
    // slumber's own rule binds every user, root included.
    const auto refused = [&]() -> std::optional<Access> {
        struct stat status {};
        if (kind != PathKind::credentials || ::lstat(path.c_str(), &status) != 0) return std::nullopt;
        auto refusal = config::refuse_credentials_file(path, status, user.name);
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
            // Search alone (x): a directory above shows its entries to none
            // without read (r). The bits that apply to this user: the
            // owner's when it owns it, the group's when it is in its group
            // (o+x changes nothing for either; a tester's loop), else others'.
            const bool owner = status.st_uid == user.uid;
            const bool in_group = std::find(groups.begin(), groups.end(), status.st_gid) != groups.end();
            const std::string fix =
                owner      ? fmt::format("chmod u+x {} (lets its owner {} pass through it)", above.string(), user.name)
                : in_group ? fmt::format(
                                 "chmod g+x {} (lets its group, {} among them, pass through it; others "
                                 "still may not)",
                                 above.string(), user.name)
                           : fmt::format("chmod o+x {} (lets everyone, {} among them, pass through it, not list it)",
                                         above.string(), user.name);
            return {Access::Verdict::unreachable, describe(above, status), fix};
        }
        if (above == above.root_path()) break;
    }
    if (::stat(path.c_str(), &status) != 0) return {Access::Verdict::missing, "", ""};
    if (auto refusal = refused()) return *refusal;
    if (!allowed(status, want)) return {Access::Verdict::denied, describe(path, status), ""};
    return {};
}

SlurmUserNeeds slurm_user_needs(const config::Config& config, const std::filesystem::path& config_file,
                                const slurm::SlurmUser& user) {
    SlurmUserNeeds needs{user, access_for(config_file, user, kRead), config.daemon.state_dir, {}, {}};
    needs.state = access_for(needs.state_dir, user, kReadWriteSearch);
    std::set<std::filesystem::path> files;
    for (const auto& targets : {&config.nodes, &config.devices}) {
        for (const config::PowerTarget& target : *targets) {
            if (target.credentials) files.insert(*target.credentials);
        }
    }
    for (const std::filesystem::path& file : files) {
        needs.credentials.emplace_back(file, access_for(file, user, kRead, PathKind::credentials));
    }
    return needs;
}

std::expected<SlurmUserNeeds, std::string> slurm_user_needs(const config::Config& config,
                                                            const std::filesystem::path& config_file) {
    const slurm::Scontrol scontrol(config.slurm.bin_dir, config.slurm.conf);
    auto user = slurm::find_slurm_user(scontrol, config.slurm.conf);
    if (!user) return std::unexpected(std::move(user.error()));
    return slurm_user_needs(config, config_file, *user);
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

std::filesystem::path own_directory() {
    std::error_code error;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
    return error ? std::filesystem::path("/usr/bin") : self.parent_path();
}

HookScript hook_script(std::string_view verb, const std::filesystem::path& bin_dir,
                       const std::filesystem::path& config_file) {
    return {config_file.parent_path() / fmt::format("slumber-{}", verb),
            {"#!/bin/sh",
             fmt::format("exec {} {} --config {} \"$@\"", (bin_dir / "slumber").string(), verb, config_file.string())}};
}

std::optional<SuspendTimeoutAdvice> suspend_timeout_advice(const config::Config& config) {
    std::vector<std::string> nodes;
    for (const auto& target : config.nodes) nodes.push_back(target.name);
    auto journal = store::JournalReader::open(config.daemon.journal());
    if (!journal) return std::nullopt;
    const auto measured = (*journal)->measured_shutdowns(nodes);
    if (!measured || measured->first == 0) return std::nullopt;
    // Half again the slowest, in whole tens of seconds (ceiling).
    const std::int64_t wanted_s = (measured->second * 3 / 2 + 9'999) / 10'000 * 10;
    return SuspendTimeoutAdvice{static_cast<int>(std::max<std::int64_t>(30, wanted_s)), measured->first,
                                measured->second};
}

}  // namespace slumber::service
