// Every BMC and device: its settings, then one conversation each — power
// state, identity, system GUID/UUID — and what the answers say together: two
// targets with one GUID, and a node whose own SMBIOS UUID (where the site
// gives a command that prints it) is not its BMC's GUID. doctor is an automatic caller (operate::Blocks):
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
#include <regex>
#include <set>

#include "hostlist/hostlist.hpp"
#include "operate/blocks.hpp"
#include "operate/clock.hpp"
#include "operate/shared_journal.hpp"
#include "operate/targets.hpp"
#include "power/catalog.hpp"
#include "power/details.hpp"
#include "power/exec/exec_driver.hpp"
#include "power/target_locks.hpp"
#include "service/doctor_checks.hpp"
#include "slurm/scontrol.hpp"
#include "util/command.hpp"
#include "util/parallel.hpp"
#include "util/safe_text.hpp"
#include "util/shown_url.hpp"

namespace slumber::service::doctor {
namespace {

constexpr std::string_view kSource = "slumber doctor";
// How long a node may take to say its UUID: an ssh to a node that is
// booting, or whose sshd hangs, must not hold doctor up for long.
constexpr std::chrono::seconds kNodeUuidTimeout{10};

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
    return port != nullptr ? fmt::format("{} ({} at {}:{})", target.name, target.driver,
                                         util::safe_text(util::shown_url(target.address)), *port)
                           : fmt::format("{} ({} at {})", target.name, target.driver,
                                         util::safe_text(util::shown_url(target.address)));
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

enum class Readiness { ready, not_ready, unreadable_here };

// Whether the target's password can be read: a credentials file that is
// missing or that slumber refuses is already a finding (check_files), and
// one this user may not read is a not-checked finding (run doctor as
// root); in each case no login is tried, since one without the password
// would be refused.
Readiness credentials_ready(const config::PowerTarget& target) {
    if (!target.credentials) return Readiness::ready;
    struct stat status {};
    if (::lstat(target.credentials->c_str(), &status) != 0) return Readiness::not_ready;
    if (config::refuse_credentials_file(*target.credentials, status)) return Readiness::not_ready;
    return ::access(target.credentials->c_str(), R_OK) == 0 ? Readiness::ready : Readiness::unreadable_here;
}

// One not-checked finding per credentials file this user may not read, with
// the targets left uncontacted for it.
void report_unreadable(const Setup& setup, const std::map<std::filesystem::path, std::vector<std::string>>& files,
                       Findings& out) {
    for (const auto& [file, names] : files) {
        out.push_back({Check::not_checked,
                       fmt::format("this user may not read the credentials file {}: {} not contacted, so the BMC and "
                                   "device checks (target-*, guid-duplicate, node-uuid-mismatch) did not run for {}",
                                   file.string(), names.size() == 1 ? "its target was" : "its targets were",
                                   hostlist::compress(names, false).value_or(fmt::format("{}", fmt::join(names, ",")))),
                       setup.config_file, 0, "run doctor as root (or as the daemon's user, who reads the credentials)",
                       "", names});
    }
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

// What a fix adds when the failure blocked its target (operate::Blocks):
// who leaves it alone from now on, and what lifts the block.
std::string blocked_from_now(const config::PowerTarget& target, power::ErrorKind kind) {
    const bool whole = power::info(kind).latch == power::Latch::target;
    return fmt::format(
        "; {} blocked from now on, for every automatic caller (the daemon, the hooks, doctor), until "
        "its settings in slumber.toml{} change (or `slumber unblock {}`)",
        whole ? "it is" : "reading its power state is", target.credentials ? " or its credentials file" : "",
        target.name);
}

std::string fix_for(const config::PowerTarget& target, power::ErrorKind kind, bool blocked) {
    const std::string then = blocked ? blocked_from_now(target, kind) : std::string();
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
                // Blocks::stopping: a change of the target's other settings
                // does not lift a refused password's block (docs/power.md).
                blocked ? "; it is blocked now, so that no caller tries the refused password again, until that file "
                          "changes (or `slumber unblock " +
                              target.name + "`); a change of its other settings in slumber.toml does not lift it"
                        : "");
        case power::ErrorKind::permission:
            return "give the account operator or administrator privilege on the BMC (ipmitool user priv; Redfish: a "
                   "role with ConfigureComponents), or an account that has it" +
                   then;
        case power::ErrorKind::unsupported:
            if (target.driver == "exec") {
                return "give the target a status command that prints on or off: without it slumber cannot confirm "
                       "a switch, see a node's power or recover a failed boot";
            }
            return "the BMC does not offer what slumber asks for: for IPMI, set a cipher_suite it offers "
                   "(`ipmitool lan print` lists them; 3 and 17 are common) and enable IPMI 2.0 (lanplus) on it" +
                   then;
        default:
            if (blocked) return "see what the target said and correct its settings" + then;
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

// The same 16 bytes with the first three fields in the other byte order:
// some BMCs send their GUID big-endian where SMBIOS stores it little-endian
// (power/ipmi/ipmi_driver.cpp guid()), and that is no crossed address.
std::string byte_swapped(const std::string& hex) {
    if (hex.size() != 32) return hex;
    std::string out = hex;
    const auto reverse = [&](std::size_t from, std::size_t bytes) {
        for (std::size_t i = 0; i < bytes; ++i) out.replace(from + 2 * i, 2, hex.substr(from + 2 * (bytes - 1 - i), 2));
    };
    reverse(0, 4);
    reverse(8, 2);
    reverse(12, 2);
    return out;
}

// The 32 hex digits of a comparable() GUID written as a UUID (8-4-4-4-12).
std::string as_uuid(const std::string& hex) {
    if (hex.size() != 32) return hex;
    return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4), hex.substr(16, 4),
                       hex.substr(20));
}

// The node's own UUID as the site's command prints it: its first line that
// is not blank. An error, in words, when the command fails or prints
// nothing (a node that is down, an ssh refused): doctor compares what it
// learns, and guesses nothing.
std::expected<std::string, std::string> node_uuid(const std::string& command, const std::string& node) {
    auto words = power::exec::split_words(command);
    if (!words || words->empty()) return std::unexpected("[doctor] node_uuid_command has no words");
    for (std::string& word : *words) {
        for (auto at = word.find("{node}"); at != std::string::npos; at = word.find("{node}", at + node.size())) {
            word.replace(at, 6, node);
        }
    }
    const util::CommandResult result = util::run_command(*words, {}, kNodeUuidTimeout);
    if (result.exit_code != 0) {
        const std::string said = result.err.substr(0, result.err.find('\n'));
        return std::unexpected(fmt::format("{}{}", result.exit_code < 0 ? "" : fmt::format("exit {}", result.exit_code),
                                           said.empty() ? ""
                                                        : fmt::format("{}{}", result.exit_code < 0 ? "" : ": ",
                                                                      util::safe_text(said.substr(0, 200)))));
    }
    // The last UUID in the output: an ssh banner or a message of the day
    // comes before what the command prints (a tester's first line "Last
    // login: …" was taken for the node's UUID, and that a crossed-address
    // error), and a banner may hold a UUID of its own (a machine ID).
    static const std::regex uuid_pattern("[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}");
    std::string last;
    for (auto it = std::sregex_iterator(result.out.begin(), result.out.end(), uuid_pattern);
         it != std::sregex_iterator(); ++it) {
        last = it->str();
    }
    if (!last.empty()) return last;
    const std::size_t first = result.out.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return std::unexpected("it printed nothing");
    const std::string line = result.out.substr(first, result.out.find('\n', first) - first);
    return std::unexpected(fmt::format("it printed no UUID: \"{}\"", util::safe_text(line.substr(0, 100))));
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

// Who else was asked for this UUID: every node's BMC of slumber.toml only
// when no HOSTLIST narrowed the run and each one gave a GUID; else only those.
std::string nobody_else(const config::Config& config, const DoctorOptions& options, std::size_t compared) {
    if (options.nodes.empty() && compared == config.nodes.size()) return "; no BMC of slumber.toml reports it";
    return fmt::format(
        "; none of the {} BMC(s) whose GUID doctor read reports it ({}: `slumber doctor` without a "
        "HOSTLIST compares it with every BMC)",
        compared, options.nodes.empty() ? "the others gave none" : "only those of HOSTLIST were asked");
}

// The nodes Slurm shows up and answering: their machines run, whatever the
// BMC at their address says. Empty when Slurm cannot be asked: slurm.conf
// unread, or scontrol gave no version (it retries a slurm.conf it cannot
// read for a minute).
std::set<std::string> up_in_slurm(const Setup& setup) {
    std::set<std::string> up;
    if (setup.slurm_conf == nullptr || !setup.slurm_version) return up;
    const config::Config& config = setup.config;
    auto nodes = slurm::Scontrol(config.slurm.bin_dir, config.slurm.conf).nodes();
    for (const slurm::NodeState& node : nodes.value_or(std::vector<slurm::NodeState>{})) {
        if (!node.powered_down() && !node.powering_up() && node.responding()) up.insert(node.name);
    }
    return up;
}

// Proof that `node`'s and `other`'s addresses are crossed (`seen`: the
// UUIDs that show it): both are blocked as the daemon blocks a pair it
// suspects (operate/crossed_watch.hpp, the same words), so that no
// suspend of either switches the other's machine, jobs included, before
// someone corrects the addresses; the daemon drains them. What the
// finding adds, in words.
std::string block_crossed(const Setup& setup, const std::string& node, const std::string& other,
                          const std::string& seen) {
    const auto& [first, second] = std::minmax(node, other);
    const std::string words =
        fmt::format("BMC addresses of {} and {} look crossed: {} ({})", first, second, seen, kSource);
    const auto writer = journal_writer(setup.config);  // owns the journal it opens
    store::Journal* journal = writer();
    if (journal == nullptr) {
        return "; they could not be blocked (the journal cannot be written here): run doctor as root, or drain "
               "both until the addresses are corrected";
    }
    const store::TimeMs now = operate::wall_clock_ms();
    for (const std::string& each : {node, other}) {
        if (auto added = journal->add_block(
                {each, std::nullopt, power::ErrorKind::crossed, words, now, {}, std::string(kSource)});
            !added) {
            return fmt::format("; they could not be blocked: {}", added.error());
        }
        (void)journal->cancel_boot(each);  // a power-on of either started the other's machine
    }
    return fmt::format(
        "; both are now blocked for every automatic action and drained by the daemon, until `slumber unblock {},{}` "
        "once the addresses are corrected",
        first, second);
}

// Each node whose BMC gave a GUID is asked for its own SMBIOS UUID
// (config.doctor.node_uuid_command) when that BMC says on or Slurm shows
// the node up: a node off cannot answer. A node up behind a BMC that says
// off is half of a crossed pair whose other node sleeps (a tester's plain
// doctor saw only a warning for the sleeper, while the node up, asked,
// would have named the pair); one that does not answer then is no finding.
void check_node_uuids(const Setup& setup, const DoctorOptions& options,
                      const std::vector<const config::PowerTarget*>& targets,
                      const std::vector<power::Details>& replies, Findings& out) {
    const std::string& command = setup.config.doctor.node_uuid_command;
    if (command.empty()) return;
    const std::set<std::string> up = up_in_slurm(setup);
    std::map<std::string, std::size_t> holder;  // a BMC's GUID -> its target
    std::vector<std::size_t> asked;
    std::size_t compared = 0;  // the nodes' BMCs that gave a GUID
    for (std::size_t i = 0; i < replies.size(); ++i) {
        const auto& guid = replies[i].guid;
        if (!guid || !*guid || !comparable(**guid)) continue;
        holder.emplace(*comparable(**guid), i);
        if (targets[i]->kind != config::TargetKind::node) continue;
        ++compared;
        const bool on = replies[i].state && *replies[i].state == power::PowerState::on;
        if (on || up.contains(targets[i]->name)) asked.push_back(i);
    }
    std::vector<std::expected<std::string, std::string>> own(asked.size(), std::unexpected(std::string()));
    util::parallel_for(asked.size(), options.fanout,
                       [&](std::size_t k) { own[k] = node_uuid(command, targets[asked[k]]->name); });
    for (std::size_t k = 0; k < asked.size(); ++k) {
        const config::PowerTarget& target = *targets[asked[k]];
        const bool bmc_on = replies[asked[k]].state && *replies[asked[k]].state == power::PowerState::on;
        if (!own[k] && !bmc_on) continue;  // asked because Slurm shows it up: no sign of anything
        if (!own[k]) {
            // Its BMC says on, and the machine does not answer: what a BMC
            // that drives another node's machine looks like when that
            // machine is off (a crossed pair with one node asleep), or a
            // node still booting, or a command that cannot reach it.
            out.push_back(about(
                setup, target, Check::node_uuid_unanswered,
                fmt::format("{}'s BMC, {}, says it is on, but {} did not answer [doctor] node_uuid_command ({}): if "
                            "its machine is off, this BMC drives another machine (crossed addresses)",
                            target.name, named(target), target.name, own[k].error()),
                fmt::format("if {0} is booting, check again once it is up; else see why the command fails, and "
                            "when {0} is idle and powered down in Slurm, `slumber doctor --verify-mapping {0}` "
                            "checks that its BMC starts it",
                            target.name)));
            continue;
        }
        const auto mine = comparable(*own[k]);
        if (!mine) continue;
        const std::string& guid = **replies[asked[k]].guid;
        const std::string bmc = *comparable(guid);
        if (*mine == bmc || byte_swapped(*mine) == bmc) continue;
        auto other = holder.find(*mine);
        if (other == holder.end()) other = holder.find(byte_swapped(*mine));
        std::string whose = other != holder.end() ? fmt::format("; {} reports {}'s UUID: the two addresses are crossed",
                                                                named(*targets[other->second]), target.name)
                                                  : nobody_else(setup.config, options, compared);
        if (other != holder.end() && targets[other->second]->kind == config::TargetKind::node) {
            whose += block_crossed(setup, target.name, targets[other->second]->name,
                                   fmt::format("{}'s own SMBIOS UUID is {}, which {}'s BMC reports as its system GUID",
                                               target.name, own[k].value(), targets[other->second]->name));
        }
        out.push_back(
            about(setup, target, Check::node_uuid_mismatch,
                  fmt::format("{} says its own SMBIOS UUID is {} ([doctor] node_uuid_command), and its BMC, "
                              "{}, reports {} ({} with the first three fields in the other byte order, "
                              "which IPMI and SMBIOS may store differently: neither matches){}: switching "
                              "it may switch another machine",
                              target.name, own[k].value(), named(target), guid, as_uuid(byte_swapped(bmc)), whose),
                  fmt::format("correct {}'s BMC address in slumber.toml (`slumber power info {}` shows the "
                              "BMC's GUID); if the address is right, the BMC reports another GUID than "
                              "its host's SMBIOS (a replaced board): set it with the vendor's tool",
                              target.name, target.name)));
    }
}

Finding blocked_finding(const Setup& setup, const config::PowerTarget& target, const power::PowerError& error,
                        const std::optional<store::Block>& block) {
    return about(setup, target, Check::target_blocked,
                 fmt::format("{} was not contacted: {}", named(target), power::describe(error)),
                 fmt::format("put the cause right: the block is lifted when {}`slumber unblock {}` is run",
                             block ? store::lifted_by(*block) : "", target.name));
}

// --no-contact: the blocks are the journal's, read without lifting any (a
// block whose file or settings changed is lifted by the next call that
// contacts the target), so that a blocked BMC never passes for a clean one.
void report_blocks(const Setup& setup, const std::vector<const config::PowerTarget*>& targets, Findings& out) {
    auto reader = store::JournalReader::open(setup.config.daemon.journal());
    if (!reader) return;
    const operate::Blocks blocks(
        setup.config, &**reader, []() -> store::Journal* { return nullptr; }, operate::Caller::automatic,
        operate::wall_clock_ms);
    for (const config::PowerTarget* target : targets) {
        const auto block = blocks.find(target->name, power::Action::status);
        // A crossed pair is check_crossed()'s, with its own fix.
        if (!block || block->kind == power::ErrorKind::crossed) continue;
        // Put right since (a tester's new password file still showed as
        // "put the cause right"): lifted by the next call that contacts it.
        if (const std::string changed = operate::changed_since(setup.config, *block); !changed.empty()) {
            out.push_back(about(
                setup, *target, Check::target_blocked,
                fmt::format("{} is blocked ({}), and its {} since: not checked (--no-contact)", named(*target),
                            block->words, changed),
                fmt::format("run `slumber doctor {}` without --no-contact: it tries {} again, and lifts the block "
                            "if the change put it right",
                            target->name, target->name)));
            continue;
        }
        out.push_back(blocked_finding(setup, *target, operate::blocked_error(*block), block));
    }
}

}  // namespace

void check_targets(const Setup& setup, const DoctorOptions& options, Findings& out) {
    const config::Config& config = setup.config;
    const std::vector<const config::PowerTarget*> all = chosen(config, options.nodes);
    for (const config::PowerTarget* target : all) check_privilege_setting(setup, *target, out);
    // A target whose block cannot be read is not contacted: the journal's
    // not-checked finding says so.
    if (setup.journal_unreadable) return;
    if (!options.contact) {
        report_blocks(setup, all, out);
        return;
    }

    std::vector<const config::PowerTarget*> targets;
    std::vector<std::string> names;
    std::map<std::filesystem::path, std::vector<std::string>> unreadable;
    for (const config::PowerTarget* target : all) {
        const Readiness ready = credentials_ready(*target);
        if (ready == Readiness::unreadable_here) unreadable[*target->credentials].push_back(target->name);
        if (ready != Readiness::ready) continue;
        targets.push_back(target);
        names.push_back(target->name);
    }
    report_unreadable(setup, unreadable, out);
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
            // Not contacted; check_crossed() says it, with its own fix.
            if (held->second.kind == power::ErrorKind::crossed) continue;
            out.push_back(
                blocked_finding(setup, *target, held->second, blocks.find(target->name, power::Action::status)));
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
    check_node_uuids(setup, options, answered, answers, out);
}

}  // namespace slumber::service::doctor
