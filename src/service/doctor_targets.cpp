// Every BMC and device: its settings, then one conversation each — power
// state, identity, system GUID/UUID — and what the answers say together (two
// targets with one GUID). doctor is an automatic caller (operate::Blocks):
// many BMCs lock an account after a few failed logins, so a target blocked
// after a refusal is not contacted again, and a refusal doctor meets blocks
// its target as anyone else's does. No retry: a failure is a finding.
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>

#include "operate/blocks.hpp"
#include "operate/clock.hpp"
#include "operate/shared_journal.hpp"
#include "operate/targets.hpp"
#include "power/catalog.hpp"
#include "power/details.hpp"
#include "power/target_locks.hpp"
#include "service/doctor_checks.hpp"
#include "util/parallel.hpp"
#include "util/safe_text.hpp"

namespace slumber::service::doctor {
namespace {

constexpr std::string_view kSource = "slumber doctor";

std::vector<const config::PowerTarget*> chosen(const config::Config& config, const std::vector<std::string>& names) {
    std::vector<const config::PowerTarget*> targets;
    for (const auto* list : {&config.nodes, &config.devices}) {
        for (const config::PowerTarget& target : *list) {
            if (names.empty() || std::find(names.begin(), names.end(), target.name) != names.end()) {
                targets.push_back(&target);
            }
        }
    }
    return targets;
}

// "node001 (ipmi at 10.0.0.1:6230)": the target and where it is, never its
// credentials (they live in their own file, not in the address).
std::string named(const config::PowerTarget& target) {
    if (target.address.empty()) return fmt::format("{} ({})", target.name, target.driver);
    const auto* port = power::option_value<std::int64_t>(target.options, "port");
    return port != nullptr
               ? fmt::format("{} ({} at {}:{})", target.name, target.driver, util::safe_text(target.address), *port)
               : fmt::format("{} ({} at {})", target.name, target.driver, util::safe_text(target.address));
}

Finding about(const Setup& setup, const config::PowerTarget& target, Check check, std::string what, std::string fix) {
    return {check, std::move(what), setup.config_file, target.line, std::move(fix), "", {target.name}};
}

// Chassis Control, which switches power, needs the Operator privilege
// (IPMI 2.0, Appendix G); a session at User level reads power, never
// switches it. Known from the settings alone, so said without contact too.
void check_privilege_setting(const Setup& setup, const config::PowerTarget& target, Findings& out) {
    if (target.driver != "ipmi") return;
    const auto* privilege = power::option_value<std::string>(target.options, "privilege");
    if (privilege == nullptr || *privilege != "user") return;
    out.push_back(about(setup, target, Check::target_privilege,
                        fmt::format("{} opens its IPMI sessions with privilege user, which may not send Chassis "
                                    "Control (it needs operator): slumber could read its power, never switch it",
                                    named(target)),
                        "set privilege = \"operator\" (or leave it out: admin is the default), with an account "
                        "that has that privilege on the BMC"));
}

// Whether the target's password can be read: a credentials file that is
// missing or that slumber refuses is already a finding (check_files), and
// one this user may not read is left unsaid (run doctor as root); in each
// case no login is tried, since one without the password would be refused.
bool credentials_ready(const config::PowerTarget& target) {
    if (!target.credentials) return true;
    struct stat status {};
    if (::lstat(target.credentials->c_str(), &status) != 0) return false;
    if (config::refuse_credentials_file(*target.credentials, status)) return false;
    return ::access(target.credentials->c_str(), R_OK) == 0;
}

// Blocks as every automatic caller keeps them, in the journal. A refusal
// doctor meets is recorded there, the journal made (shared with SlurmUser's
// group, as the hooks make it) when it does not exist yet: else a second
// run of doctor would try the refused password again.
std::function<store::Journal*()> journal_writer(const config::Config& config) {
    auto opened = std::make_shared<std::optional<store::DbResult<store::Journal>>>();
    return [&config, opened]() -> store::Journal* {
        if (!*opened) *opened = operate::open_journal(config.daemon, config.slurm);
        return **opened ? &***opened : nullptr;
    };
}

std::string fix_for(const config::PowerTarget& target, power::ErrorKind kind, bool blocked) {
    switch (kind) {
        case power::ErrorKind::unreachable:
        case power::ErrorKind::timeout:
            return fmt::format(
                "check the address{} in slumber.toml, that the {} has power and network, and that this machine "
                "reaches it (IPMI: UDP port 623 unless set; HTTP devices: their port)",
                target.driver == "ipmi" ? " and port" : "", target.kind == config::TargetKind::node ? "BMC" : "device");
        case power::ErrorKind::auth_failed:
            return fmt::format(
                "write the right username and password in {}{}",
                target.credentials ? target.credentials->string() : std::string("its credentials file"),
                blocked ? "; it is blocked now, so that no caller tries the refused password again, until that file "
                          "changes (or `slumber unblock " +
                              target.name + "`)"
                        : "");
        case power::ErrorKind::permission:
            return "give the account operator or administrator privilege on the BMC (ipmitool user priv; Redfish: a "
                   "role with ConfigureComponents), or an account that has it";
        case power::ErrorKind::unsupported:
            if (target.driver == "exec") {
                return "give the target a status command that prints on or off: without it slumber cannot confirm "
                       "a switch, see a node's power or recover a failed boot";
            }
            return "the BMC does not offer what slumber asks for: for IPMI, set a cipher_suite it offers "
                   "(`ipmitool lan print` lists them; 3 and 17 are common) and enable IPMI 2.0 (lanplus) on it";
        default:
            return fmt::format("see what the target said; `slumber power status {}` asks again", target.name);
    }
}

Check check_for(const config::PowerTarget& target, power::ErrorKind kind) {
    switch (kind) {
        case power::ErrorKind::unreachable:
        case power::ErrorKind::timeout:
            return Check::target_unreachable;
        case power::ErrorKind::auth_failed:
            return Check::target_auth_refused;
        case power::ErrorKind::permission:
            return Check::target_privilege;
        case power::ErrorKind::unsupported:
            // An exec target without a status command; for a BMC, a session
            // it will not open (a cipher suite it does not offer).
            return target.driver == "exec" ? Check::target_no_status : Check::target_status_unreadable;
        default:
            return Check::target_status_unreadable;
    }
}

// A part read after the power state (identity, GUID) that failed, not
// merely one the device does not offer.
template <typename T>
std::optional<power::PowerError> failure(const std::optional<power::Result<T>>& part) {
    if (!part || *part || part->error().kind == power::ErrorKind::unsupported) return std::nullopt;
    return part->error();
}

void report_reply(const Setup& setup, const config::PowerTarget& target, const power::Details& details, bool blocked,
                  Findings& out) {
    if (!details.state) {
        const power::PowerError& error = details.state.error();
        out.push_back(about(setup, target, check_for(target, error.kind),
                            fmt::format("{}: {}", named(target), power::describe(error)),
                            fix_for(target, error.kind, blocked)));
        return;
    }
    using Part = std::pair<std::string_view, std::optional<power::PowerError>>;
    for (const auto& [part, error] :
         {Part{"identity", failure(details.identity)}, Part{"GUID", failure(details.guid)}}) {
        if (!error) continue;
        out.push_back(about(
            setup, target, Check::target_identity_unreadable,
            fmt::format("{} answers, but its {} cannot be read: {}; without it, a crossed address "
                        "goes unnoticed",
                        named(target), part, power::describe(*error)),
            fmt::format("`slumber power info {}` shows what it says; a BMC firmware update may help", target.name)));
    }
}

// A GUID as text compares in any case (Redfish's UUID is often upper-case,
// IPMI's is formatted lower-case). All zeros or all ones is a BMC that has
// none set: it says nothing about which machine it is.
std::optional<std::string> comparable(const std::string& guid) {
    std::string text;
    for (const char c : guid) {
        if (std::isxdigit(static_cast<unsigned char>(c))) text += static_cast<char>(std::tolower(c));
    }
    if (text.empty() || text.find_first_not_of('0') == std::string::npos ||
        text.find_first_not_of('f') == std::string::npos) {
        return std::nullopt;
    }
    return text;
}

void check_duplicates(const Setup& setup, const std::vector<const config::PowerTarget*>& targets,
                      const std::vector<power::Details>& replies, Findings& out) {
    std::map<std::string, std::vector<std::size_t>> holders;
    for (std::size_t i = 0; i < replies.size(); ++i) {
        const auto& guid = replies[i].guid;
        if (!guid || !*guid) continue;
        if (auto key = comparable(**guid)) holders[*key].push_back(i);
    }
    for (const auto& [key, which] : holders) {
        if (which.size() < 2) continue;
        std::string names;
        Finding finding = about(setup, *targets[which[1]], Check::guid_duplicate, "", "");
        finding.nodes.clear();
        for (const std::size_t i : which) {
            names += fmt::format("{}{}", names.empty() ? "" : ", ", named(*targets[i]));
            finding.nodes.push_back(targets[i]->name);
        }
        finding.what = fmt::format(
            "{} report the same system GUID {}: two entries that point at one BMC (a crossed or copied address), "
            "or machines whose firmware was cloned; switching one may switch the other",
            names, **replies[which.front()].guid);
        finding.fix = fmt::format(
            "correct the address of the entry that is wrong (`slumber power info {}` shows what each says); if the "
            "addresses are right, give each BMC its own GUID with its vendor's tool",
            fmt::join(finding.nodes, ","));
        out.push_back(std::move(finding));
    }
}

}  // namespace

void check_targets(const Setup& setup, const DoctorOptions& options, Findings& out) {
    const config::Config& config = setup.config;
    const std::vector<const config::PowerTarget*> all = chosen(config, options.nodes);
    for (const config::PowerTarget* target : all) check_privilege_setting(setup, *target, out);
    if (!options.contact) return;

    std::vector<const config::PowerTarget*> targets;
    std::vector<std::string> names;
    for (const config::PowerTarget* target : all) {
        if (!credentials_ready(*target)) continue;
        targets.push_back(target);
        names.push_back(target->name);
    }
    operate::DriverSet set = operate::build_drivers(config, names);
    auto reader = store::JournalReader::open(config.daemon.journal());
    operate::Blocks blocks(config, reader ? &**reader : nullptr, journal_writer(config), operate::Caller::automatic,
                           options.now ? options.now : operate::wall_clock_ms);
    blocks.hold(set, power::Action::status);

    std::vector<power::Details> replies(set.tasks.size());
    util::parallel_for(set.tasks.size(), options.fanout, [&](std::size_t i) {
        const power::Task& task = set.tasks[i];
        // One conversation with a target at a time in this process, as the
        // executor keeps it: a BMC may count a second session as a failure.
        const auto talking = power::TargetLocks::process().lock(task.target);
        replies[i] = power::read_details(task.target, *task.driver, power::ReadMeter::no);
    });

    std::map<std::string, std::size_t> reply_of;
    for (std::size_t i = 0; i < set.tasks.size(); ++i) reply_of.emplace(set.tasks[i].target, i);
    std::vector<const config::PowerTarget*> answered;
    std::vector<power::Details> answers;
    for (const config::PowerTarget* target : targets) {
        if (const auto failed = set.failed.find(target->name); failed != set.failed.end()) {
            out.push_back(about(setup, *target, Check::target_settings,
                                fmt::format("{}: {}", named(*target), util::safe_text(failed->second)),
                                "correct the target's settings (`slumber config check` says more)"));
            continue;
        }
        if (const auto held = set.blocked.find(target->name); held != set.blocked.end()) {
            out.push_back(about(
                setup, *target, Check::target_blocked,
                fmt::format("{} was not contacted: {}", named(*target), power::describe(held->second)),
                fmt::format("put the cause right, then write its credentials file again (a change lifts the block) "
                            "or run `slumber unblock {}`",
                            target->name)));
            continue;
        }
        const auto it = reply_of.find(target->name);
        if (it == reply_of.end()) continue;
        const power::Details& details = replies[it->second];
        const power::Outcome outcome{target->name, details.state, details.state.has_value(), 1, {}};
        const bool blocked = blocks.record(power::Action::status, outcome, kSource).has_value();
        report_reply(setup, *target, details, blocked, out);
        answered.push_back(target);
        answers.push_back(details);
    }
    check_duplicates(setup, answered, answers, out);
}

}  // namespace slumber::service::doctor
