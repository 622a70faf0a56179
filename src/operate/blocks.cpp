#include "operate/blocks.hpp"

#include <sys/stat.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <variant>

#include "engine/crossed.hpp"
#include "slurm/dialect.hpp"

namespace slumber::operate {
namespace {

bool stops(const store::Block& block, power::Action action) { return !block.action || *block.action == action; }

// A deliberate caller is stopped only by a crossed block, and only from
// changing power: its call would switch the partner's machine.
bool stops_deliberate(const store::Block& block, power::Action action) {
    return block.kind == power::ErrorKind::crossed && action != power::Action::status && stops(block, action);
}

std::string local_time(store::TimeMs ms) {
    const std::time_t seconds = ms / 1000;
    std::tm local{};
    ::localtime_r(&seconds, &local);
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", local.tm_year + 1900, local.tm_mon + 1, local.tm_mday,
                       local.tm_hour, local.tm_min, local.tm_sec);
}

// What an admin does about each kind that latches.
std::string_view fix_for(power::ErrorKind kind) {
    switch (kind) {
        case power::ErrorKind::auth_failed:
            return "fix the credentials file";
        case power::ErrorKind::permission:
            return "give the account a higher privilege";
        case power::ErrorKind::unsupported:
            return "change the target's settings";
        case power::ErrorKind::crossed:
            return "check which machine each BMC address drives";
        default:
            return "fix the target's settings";
    }
}

// An option's value as text for settings_fingerprint(), its type first.
struct OptionText {
    std::string operator()(std::int64_t value) const { return fmt::format("i{}", value); }
    std::string operator()(bool value) const { return value ? "b1" : "b0"; }
    std::string operator()(const std::string& value) const { return fmt::format("s{}", value); }
    std::string operator()(const std::vector<std::string>& values) const {
        std::string text = fmt::format("l{}", values.size());
        for (const std::string& value : values) text += fmt::format(";{}:{}", value.size(), value);
        return text;
    }
    std::string operator()(std::chrono::milliseconds value) const { return fmt::format("d{}", value.count()); }
};

}  // namespace

// What of the target changed since `block` was stored, in words for the
// journal ("credentials file F", "settings in slumber.toml"); empty when
// nothing did. A block stored by an older slumber, without the settings'
// part, is compared by its file alone: an upgrade must not try a refused
// password again by itself. Nor is a refused password's block lifted by
// other settings: a doctor run after an edit and a daemon not yet reloaded
// run different settings, and each would lift the other's block and log in
// again, a refused login per round.
std::string changed_since(const config::Config& config, const store::Block& block) {
    const std::string_view stored = block.credentials;
    const std::size_t mark = stored.find(store::kSettingsMark);
    const config::PowerTarget* target = config.find(block.target);
    std::vector<std::string> changed;
    if (credentials_fingerprint(config, block.target) != stored.substr(0, mark)) {
        changed.push_back(fmt::format("credentials file {}",
                                      target != nullptr && target->credentials ? target->credentials->string() : "?"));
    }
    if (mark != std::string_view::npos && target != nullptr && block.kind != power::ErrorKind::auth_failed &&
        settings_fingerprint(*target) != stored.substr(mark + store::kSettingsMark.size())) {
        changed.push_back(fmt::format("settings in {}", config.file.empty() ? "slumber.toml" : config.file.string()));
    }
    if (changed.empty()) return {};
    return fmt::format("{} changed", fmt::join(changed, " and "));
}

std::string file_fingerprint(const std::filesystem::path& file) {
    struct stat status {};
    if (::stat(file.c_str(), &status) != 0) return {};
    return fmt::format("{}:{}:{}:{}", status.st_dev, status.st_ino, status.st_size,
                       static_cast<long long>(status.st_mtim.tv_sec) * 1'000'000'000LL + status.st_mtim.tv_nsec);
}

std::string credentials_fingerprint(const config::Config& config, std::string_view target) {
    const config::PowerTarget* found = config.find(target);
    if (found == nullptr || !found->credentials) return {};
    return file_fingerprint(*found->credentials);
}

std::string settings_fingerprint(const config::PowerTarget& target) {
    std::string text;
    // Each piece with its length: "a" then "bc" differs from "ab" then "c".
    const auto add = [&text](std::string_view piece) { text += fmt::format("{}:{};", piece.size(), piece); };
    add(target.driver);
    add(target.address);
    add(target.credentials ? target.credentials->string() : "");
    for (const auto& [key, value] : target.options) {
        add(key);
        add(std::visit(OptionText{}, value));
    }
    return fmt::format("{:016x}", config::fingerprint(text));
}

std::string block_fingerprint(const config::Config& config, std::string_view target) {
    const config::PowerTarget* found = config.find(target);
    if (found == nullptr) return {};
    return fmt::format("{}{}{}", credentials_fingerprint(config, target), store::kSettingsMark,
                       settings_fingerprint(*found));
}

Blocks::Blocks(const config::Config& config, store::Journal* journal, Caller caller, std::function<store::TimeMs()> now)
    : m_config(config),
      m_journal(journal),
      m_writer([journal] { return journal; }),
      m_caller(caller),
      m_now(std::move(now)) {}

Blocks::Blocks(const config::Config& config, const store::Journal* reader, std::function<store::Journal*()> writer,
               Caller caller, std::function<store::TimeMs()> now)
    : m_config(config), m_journal(reader), m_writer(std::move(writer)), m_caller(caller), m_now(std::move(now)) {}

std::map<std::string, store::Block> Blocks::stopping(const std::vector<std::string>& targets, power::Action action) {
    std::map<std::string, store::Block> stopping;
    if (m_journal == nullptr || targets.empty()) return stopping;
    if (m_caller == Caller::deliberate && action == power::Action::status) return stopping;
    auto blocks = m_journal->blocks(targets);
    if (!blocks) return stopping;
    std::set<std::string> lifted;
    for (const store::Block& block : *blocks) {
        if (m_caller == Caller::deliberate) {
            if (stops_deliberate(block, action)) stopping.try_emplace(block.target, block);
            continue;
        }
        if (!stops(block, action) || lifted.contains(block.target)) continue;
        // A crossed address is not put right by a new password: only
        // `slumber unblock` lifts that block.
        const std::string changed =
            block.kind == power::ErrorKind::crossed ? std::string() : changed_since(m_config, block);
        if (!changed.empty()) {
            // Lifted in the journal when this caller may write it; tried
            // again either way.
            if (store::Journal* writer = m_writer()) {
                (void)writer->remove_blocks(
                    block.target, std::nullopt,
                    fmt::format("{} since it was blocked ({}): trying again", changed, block.words), m_now());
            }
            lifted.insert(block.target);
            stopping.erase(block.target);
            continue;
        }
        stopping.try_emplace(block.target, block);
    }
    return stopping;
}

void Blocks::hold(DriverSet& set, power::Action action) {
    std::vector<std::string> names;
    for (const power::Task& task : set.tasks) names.push_back(task.target);
    const auto blocked = stopping(names, action);
    if (blocked.empty()) return;
    std::erase_if(set.tasks, [&](const power::Task& task) {
        const auto it = blocked.find(task.target);
        if (it == blocked.end()) return false;
        set.blocked[task.target] = blocked_error(it->second);
        return true;
    });
}

std::optional<store::Block> Blocks::holding(const std::string& target, power::Action action) {
    auto blocked = stopping({target}, action);
    if (blocked.empty()) return std::nullopt;
    return std::move(blocked.begin()->second);
}

std::optional<store::Block> Blocks::record(power::Action action, const power::Outcome& outcome,
                                           std::string_view source) {
    if (m_journal == nullptr) return std::nullopt;
    if (outcome.result) {
        store::Journal* writer = m_caller == Caller::deliberate ? m_writer() : nullptr;
        if (writer != nullptr) {
            (void)writer->remove_blocks(outcome.target, action,
                                        fmt::format("{} by {} worked: block lifted", power::to_string(action), source),
                                        m_now());
        }
        return std::nullopt;
    }
    const power::PowerError& error = outcome.result.error();
    const power::Latch latch = power::info(error.kind).latch;
    if (latch == power::Latch::none) return std::nullopt;
    store::Block block{outcome.target,
                       latch == power::Latch::action ? std::optional(action) : std::nullopt,
                       error.kind,
                       power::describe(error),
                       m_now(),
                       block_fingerprint(m_config, outcome.target),
                       std::string(source)};
    store::Journal* writer = m_writer();
    if (writer == nullptr) return std::nullopt;
    auto added = writer->add_block(block);
    if (!added || !*added) return std::nullopt;
    return block;
}

std::optional<store::Block> Blocks::find(const std::string& target, power::Action action) const {
    if (m_journal == nullptr) return std::nullopt;
    auto blocks = m_journal->blocks(std::vector<std::string>{target});
    if (!blocks) return std::nullopt;
    const auto it =
        std::find_if(blocks->begin(), blocks->end(), [&](const store::Block& block) { return stops(block, action); });
    return it == blocks->end() ? std::nullopt : std::optional(*it);
}

namespace {

// Slurm's own words alone, each part (23.02 and later join reasons with
// " : "): Slurm 22.05 replaces a drained node's reason with "Node
// unexpectedly rebooted" when its machine boots unasked (a crossed address),
// which is nobody's record to keep (two testers saw slumber's pair drain
// taken for an admin's and left so).
bool slurms_own_reason(std::string_view reason) {
    constexpr std::string_view kJoin = " : ";
    for (std::size_t start = 0; start <= reason.size();) {
        const std::size_t end = std::min(reason.find(kJoin, start), reason.size());
        const std::string_view part = reason.substr(start, end - start);
        const bool slurms = std::ranges::any_of(
            std::array{slurm::Reason::resume_timeout, slurm::Reason::unexpected_reboot, slurm::Reason::not_responding},
            [&](slurm::Reason kind) { return slurm::has_reason(part, kind); });
        if (!slurms) return false;
        start = end + kJoin.size();
    }
    return true;
}

}  // namespace

bool drained_by_others(const slurm::NodeState& node) {
    return node.has("DRAIN") && !node.reason.empty() && !node.reason.starts_with(kSlumberDrainPrefix) &&
           !slurms_own_reason(node.reason);
}

std::optional<std::string> crossed_partner(const store::Block& block) {
    if (block.kind != power::ErrorKind::crossed) return std::nullopt;
    constexpr std::string_view kStart = "BMC addresses of ";
    constexpr std::string_view kAnd = " and ";
    const std::string_view words = block.words;
    const std::size_t start = words.find(kStart);
    const std::size_t end = words.find(" look crossed");
    if (start == std::string_view::npos || end == std::string_view::npos || end < start) return std::nullopt;
    const std::string_view pair = words.substr(start + kStart.size(), end - start - kStart.size());
    const std::size_t middle = pair.find(kAnd);
    if (middle == std::string_view::npos) return std::nullopt;
    const std::string_view first = pair.substr(0, middle);
    const std::string_view second = pair.substr(middle + kAnd.size());
    if (first == block.target && !second.empty() && second != first) return std::string(second);
    if (second == block.target && !first.empty() && first != second) return std::string(first);
    return std::nullopt;
}

power::PowerError blocked_error(const store::Block& block) {
    if (const auto partner = crossed_partner(block)) {
        const auto& [first, second] = std::minmax(block.target, *partner);
        return {block.kind,
                fmt::format("blocked since {} after: {}; a power change through {}'s BMC address may switch {}'s "
                            "machine: not tried, by anyone, until the addresses of both are checked and "
                            "`slumber unblock {},{}`",
                            local_time(block.since), block.words, block.target, *partner, first, second),
                {}};
    }
    return {block.kind,
            fmt::format("blocked since {} after: {}; not tried again until {}`slumber unblock {}`",
                        local_time(block.since), block.words, store::lifted_by(block), block.target),
            {}};
}

std::string drain_reason(const store::Block& block) {
    if (const auto partner = crossed_partner(block)) {
        return engine::crossed_drain_reason({block.target, *partner, engine::CrossedPattern::woke_other, {}});
    }
    return fmt::format("slumber: BMC {}; {}, then slumber unblock {}", power::info(block.kind).summary,
                       fix_for(block.kind), block.target);
}

std::vector<engine::Step> drains_for_blocks(const std::vector<engine::NodeFacts>& facts,
                                            const std::vector<store::Block>& blocks,
                                            const std::vector<engine::Step>& steps) {
    std::vector<engine::Step> drains;
    for (const engine::NodeFacts& fact : facts) {
        const slurm::NodeState& node = fact.slurm;
        if (node.has("DRAIN") || !engine::failed_boot_now(fact)) continue;
        if (std::any_of(steps.begin(), steps.end(), [&](const engine::Step& step) { return step.node == node.name; }))
            continue;
        const auto block = std::find_if(blocks.begin(), blocks.end(), [&](const store::Block& b) {
            return b.target == node.name && stops(b, power::Action::on);
        });
        if (block != blocks.end()) drains.push_back({node.name, engine::StepKind::slurm_drain, drain_reason(*block)});
    }
    return drains;
}

}  // namespace slumber::operate
