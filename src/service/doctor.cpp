#include "service/doctor.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <expected>
#include <fstream>
#include <set>

#include "operate/daemon_role.hpp"
#include "service/doctor_checks.hpp"
#include "slurm/controllers.hpp"
#include "slurm/scontrol.hpp"
#include "util/safe_text.hpp"

namespace slumber::service {

const std::vector<CheckInfo> kChecks = {
    {Check::config_invalid, "config-invalid", Severity::error, "slumber.toml does not load"},
    {Check::slurm_conf_missing, "slurm-conf-missing", Severity::error, "[slurm] conf names no readable file"},
    {Check::slurm_conf_unreadable, "slurm-conf-unreadable", Severity::error,
     "SlurmUser, who runs the hooks and their scontrol, may not read slurm.conf"},
    {Check::slurm_conf_include, "slurm-conf-include", Severity::error,
     "an Include line names a file that cannot be read"},
    {Check::slurm_conf_syntax, "slurm-conf-syntax", Severity::error,
     "a slurm.conf line is not Key=Value as Slurm reads it: slurmctld refuses the file"},
    {Check::slurm_conf_unknown_key, "slurm-conf-unknown-key", Severity::error,
     "a slurm.conf key Slurm does not know: slurmctld refuses the file"},
    {Check::slurm_conf_value, "slurm-conf-value", Severity::error, "a slurm.conf value slumber needs cannot be read"},
    {Check::slurm_user_unknown, "slurm-user-unknown", Severity::error, "SlurmUser is no account on this machine"},
    {Check::hook_unset, "hook-unset", Severity::error, "SuspendProgram or ResumeProgram is not set"},
    {Check::resume_fail_unset, "resume-fail-unset", Severity::warning, "ResumeFailProgram is not set"},
    {Check::hook_relative, "hook-relative", Severity::error, "a hook's path is not absolute"},
    {Check::hook_missing, "hook-missing", Severity::error, "a hook's path names no regular file"},
    {Check::hook_not_executable, "hook-not-executable", Severity::error, "SlurmUser may not run a hook"},
    {Check::hook_group_writable, "hook-group-writable", Severity::error,
     "a hook is writable by its group or others, so Slurm refuses it"},
    {Check::hook_not_slumber, "hook-not-slumber", Severity::warning, "a hook is not slumber's"},
    {Check::hook_wrong_verb, "hook-wrong-verb", Severity::error, "a hook is slumber's, for another verb"},
    {Check::hook_other_config, "hook-other-config", Severity::warning,
     "a hook of slumber's loads another configuration file than the one checked"},
    {Check::suspend_time_unset, "suspend-time-unset", Severity::error,
     "SuspendTime is unset or INFINITE: power saving is off"},
    {Check::resume_timeout_short, "resume-timeout-short", Severity::error,
     "ResumeTimeout is shorter than a measured boot"},
    {Check::resume_timeout_tight, "resume-timeout-tight", Severity::warning,
     "ResumeTimeout leaves less than half again the slowest measured boot"},
    {Check::resume_timeout_default, "resume-timeout-default", Severity::advice,
     "ResumeTimeout is not set, and no boot was measured yet"},
    {Check::suspend_timeout_unset, "suspend-timeout-unset", Severity::advice, "SuspendTimeout is not set"},
    {Check::suspend_timeout_short, "suspend-timeout-short", Severity::warning,
     "SuspendTimeout is shorter than a measured power-off"},
    {Check::suspend_exc_states, "suspend-exc-states", Severity::advice,
     "Slurm 23.02 or later powers down idle drained nodes: SuspendExcStates does not keep them on"},
    {Check::controller_not_excluded, "controller-not-excluded", Severity::error,
     "a SlurmctldHost that is a Slurm node may be powered off"},
    {Check::login_node_not_excluded, "login-node-not-excluded", Severity::warning,
     "a login node (named login…) or the machine doctor runs on is a Slurm node that may be powered off"},
    {Check::exclude_only_slumber, "exclude-only-slumber", Severity::warning,
     "a node in [slurm] exclude is not excluded from Slurm's power saving"},
    {Check::exclude_only_slurm, "exclude-only-slurm", Severity::warning,
     "a node Slurm never suspends is not in [slurm] exclude"},
    {Check::resume_rate_pacing, "resume-rate-pacing", Severity::warning,
     "Slurm asks for more resumes per minute than slumber's pacing starts"},
    {Check::return_to_service, "return-to-service", Severity::advice,
     "ReturnToService=0 keeps nodes that stopped answering DOWN"},
    {Check::idle_on_node_suspend, "idle-on-node-suspend", Severity::warning,
     "SlurmctldParameters=idle_on_node_suspend lifts slumber's drains"},
    {Check::node_unknown_to_slurm, "node-unknown-to-slurm", Severity::error,
     "a node of slumber.toml is on no NodeName line"},
    {Check::node_without_power_control, "node-without-power-control", Severity::error,
     "a Slurm node slumber cannot switch may be suspended by Slurm"},
    {Check::credentials_missing, "credentials-missing", Severity::error, "a credentials file cannot be read"},
    {Check::credentials_not_private, "credentials-not-private", Severity::error,
     "a credentials file others may read (slumber refuses it)"},
    {Check::credentials_slurm_user, "credentials-slurm-user", Severity::warning,
     "no daemon runs, and SlurmUser may not read a credentials file the hooks then need"},
    {Check::config_slurm_user, "config-slurm-user", Severity::error, "SlurmUser may not read slumber.toml"},
    {Check::state_dir_slurm_user, "state-dir-slurm-user", Severity::error,
     "SlurmUser may not write the state directory"},
    {Check::state_dir_daemon, "state-dir-daemon", Severity::error,
     "the daemon's user may not write the state directory"},
    {Check::journal_slurm_user, "journal-slurm-user", Severity::error, "SlurmUser may not write the journal"},
    {Check::journal_daemon, "journal-daemon", Severity::error, "the daemon's user may not write the journal"},
    {Check::token_file, "token-file", Severity::error, "[web] token_file is missing or others may read it"},
    {Check::web_port_slurm, "web-port-slurm", Severity::error, "[web] port is a port a Slurm daemon listens on"},
    {Check::daemon_controller_unknown, "daemon-controller-unknown", Severity::error,
     "slurm.conf names several controllers and the daemon's is none of them"},
    {Check::daemon_not_running, "daemon-not-running", Severity::warning, "no daemon runs on this state directory"},
    {Check::daemon_not_answering, "daemon-not-answering", Severity::warning,
     "a daemon holds the lock, and nothing listens on its wake socket"},
    {Check::daemon_config_differs, "daemon-config-differs", Severity::warning,
     "the running daemon runs another configuration"},
    {Check::target_settings, "target-settings", Severity::error,
     "no driver can be made for a BMC or device from its settings and credentials"},
    {Check::target_blocked, "target-blocked", Severity::error,
     "a BMC or device is blocked after a failure that cannot heal; doctor does not contact it"},
    {Check::target_unreachable, "target-unreachable", Severity::error, "a BMC or device does not answer"},
    {Check::target_auth_refused, "target-auth-refused", Severity::error, "a BMC or device refuses the credentials"},
    {Check::target_privilege, "target-privilege", Severity::error,
     "the account's privilege on a BMC is too low to switch power"},
    {Check::target_status_unreadable, "target-status-unreadable", Severity::error,
     "a BMC or device answers, but its power state cannot be read"},
    {Check::target_no_status, "target-no-status", Severity::advice,
     "a target's driver cannot read its power state (an exec target without a status command)"},
    {Check::target_identity_unreadable, "target-identity-unreadable", Severity::warning,
     "a BMC's identity or system GUID cannot be read"},
    {Check::guid_duplicate, "guid-duplicate", Severity::error,
     "two targets report the same system GUID/UUID: one BMC under two names, or cloned firmware"},
    {Check::node_uuid_mismatch, "node-uuid-mismatch", Severity::error,
     "a node's own SMBIOS UUID is not its BMC's system GUID: the address reaches another machine's BMC"},
    {Check::node_uuid_unanswered, "node-uuid-unanswered", Severity::warning,
     "a node's BMC says on, and the node does not answer [doctor] node_uuid_command: its machine may be off"},
    {Check::mapping_crossed, "mapping-crossed", Severity::error,
     "--verify-mapping: a node's BMC started another powered-down node: their addresses are crossed"},
    {Check::mapping_bmc_on, "mapping-bmc-on", Severity::error,
     "--verify-mapping: Slurm shows a node powered down and its BMC says on: a crossed address, or a node left on"},
    {Check::mapping_silent, "mapping-silent", Severity::error,
     "--verify-mapping: a node powered up through its BMC did not register, and no other node did"},
    {Check::mapping_unclear, "mapping-unclear", Severity::warning,
     "--verify-mapping: another node was powered up during a node's check: what registered proves nothing"},
    {Check::mapping_not_restored, "mapping-not-restored", Severity::error,
     "--verify-mapping: a node it powered up could not be returned to power saving"},
    {Check::mapping_skipped, "mapping-skipped", Severity::warning,
     "--verify-mapping: a node was not checked (a job, drained, reserved, not powered down, blocked)"},
    {Check::crossed_suspected, "crossed-suspected", Severity::error,
     "the daemon or --verify-mapping saw a power change land on another node: two BMC addresses look crossed"},
    {Check::clock_unsynchronised, "clock-unsynchronised", Severity::warning,
     "the head node's clock is not synchronised"},
    {Check::not_checked, "not-checked", Severity::warning,
     "a check could not run: this user may not read what it needs (the journal, the daemon's lock, a file)"},
};

namespace {

struct SeverityName {
    Severity severity;
    std::string_view name;
};
constexpr SeverityName kSeverityNames[] = {
    {Severity::error, "error"},
    {Severity::warning, "warning"},
    {Severity::advice, "advice"},
};

// The account a process runs as, from /proc/PID's owner.
std::optional<slurm::SlurmUser> account_of(pid_t pid) {
    struct stat status {};
    if (pid <= 0 || ::stat(fmt::format("/proc/{}", pid).c_str(), &status) != 0) return std::nullopt;
    const passwd* entry = ::getpwuid(status.st_uid);
    if (entry == nullptr)
        return slurm::SlurmUser{fmt::format("{}", status.st_uid), status.st_uid, status.st_gid, "the daemon's process"};
    return slurm::SlurmUser{entry->pw_name, entry->pw_uid, entry->pw_gid, "the daemon's process"};
}

slurm::SlurmUser root_user() { return {"root", 0, 0, "packaging/slumberd.service"}; }

// Why slurm.conf could not be read, in a few words: a directory is named
// (`conf = "/etc/slurm"`) more often than a file is missing.
std::string why_unread(const std::filesystem::path& file) {
    struct stat status {};
    if (::stat(file.c_str(), &status) != 0) return fmt::format("cannot be read ({})", std::strerror(errno));
    if (S_ISDIR(status.st_mode)) return "is a directory, not slurm.conf";
    if (!S_ISREG(status.st_mode)) return "is not a regular file";
    return "cannot be read by this user";
}

}  // namespace

const CheckInfo& info(Check check) {
    const auto it =
        std::find_if(kChecks.begin(), kChecks.end(), [&](const CheckInfo& each) { return each.check == check; });
    return it != kChecks.end() ? *it : kChecks.front();
}

std::string_view to_string(Check check) { return info(check).id; }

std::string_view to_string(Severity severity) {
    for (const SeverityName& each : kSeverityNames) {
        if (each.severity == severity) return each.name;
    }
    return "?";
}

int DoctorReport::count(Severity severity) const {
    return static_cast<int>(
        std::count_if(findings.begin(), findings.end(), [&](const Finding& f) { return f.severity() == severity; }));
}

namespace doctor {

std::optional<config::Config> load_config(const std::filesystem::path& file, DoctorReport& report) {
    std::error_code error;
    report.config_file = std::filesystem::absolute(file, error).lexically_normal();
    // Nothing here logs in to a BMC: credentials files are checked, not read.
    auto loaded = config::load(file, {.credentials = false});
    if (!loaded) {
        report.findings = config_findings(loaded.error(), report.config_file);
        return std::nullopt;
    }
    report.slurm_conf = loaded->slurm.conf;
    return std::move(*loaded);
}

Findings config_findings(const std::vector<config::ConfigError>& problems, const std::filesystem::path& config_file) {
    Findings findings;
    for (const config::ConfigError& problem : problems) {
        // Every other finding names its file absolute; `-c slumber.toml`
        // gave "slumber.toml:23" here.
        std::error_code error;
        const std::filesystem::path file = problem.file.empty()
                                               ? std::filesystem::path()
                                               : std::filesystem::absolute(problem.file, error).lexically_normal();
        // docs/doctor.md promises a fix with every finding; not every
        // problem of the configuration's own words carries one.
        std::string fix = problem.fix;
        if (fix.empty()) {
            fix = fmt::format(
                "correct {} as said (docs/config.md describes every key); `slumber config check -c {}` "
                "checks the file again",
                problem.key.empty() ? std::string("it") : util::safe_text(problem.key), config_file.string());
        }
        findings.push_back({Check::config_invalid,
                            problem.key.empty() ? util::safe_text(problem.message)
                                                : fmt::format("{}: {}", problem.key, util::safe_text(problem.message)),
                            file.empty() ? config_file : file,
                            problem.line,
                            std::move(fix),
                            "",
                            {}});
    }
    return findings;
}

std::string shown(std::string_view text) { return fmt::format("\"{}\"", util::safe_text(text.substr(0, 300))); }

void place_at(Finding& finding, const slurm::SlurmConf& conf, const slurm::ConfSetting* setting) {
    finding.file = setting ? setting->place.file : conf.files.front();
    finding.line = setting ? setting->place.line : 0;
}

std::expected<slurm::SlurmUser, std::string> slurm_user_of(const slurm::SlurmConf& conf) {
    const slurm::ConfSetting* setting = conf.find("SlurmUser");
    const std::string name = setting && !setting->value.empty() ? setting->value : "root";
    const std::string source = setting ? fmt::format("{}:{}", setting->place.file.string(), setting->place.line)
                                       : std::string("Slurm's default");
    uid_t uid = 0;
    const auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), uid);
    const passwd* entry =
        error == std::errc() && end == name.data() + name.size() ? ::getpwuid(uid) : ::getpwnam(name.c_str());
    if (entry == nullptr)
        return std::unexpected(fmt::format("SlurmUser {} ({}) is no account on this machine", shown(name), source));
    return slurm::SlurmUser{entry->pw_name, entry->pw_uid, entry->pw_gid, source};
}

}  // namespace doctor

std::vector<std::string> unknown_names(const std::filesystem::path& config_file,
                                       const std::vector<std::string>& nodes) {
    const auto loaded = config::load(config_file, {.credentials = false});
    if (!loaded) return {};
    const auto slurm_conf = slurm::read_slurm_conf(loaded->slurm.conf);
    std::set<std::string> slurm_nodes;
    if (slurm_conf) {
        for (std::string& node : slurm_conf->node_names()) slurm_nodes.insert(std::move(node));
    }
    std::vector<std::string> unknown;
    for (const std::string& node : nodes) {
        if (loaded->find(node) == nullptr && !slurm_nodes.contains(node)) unknown.push_back(node);
    }
    return unknown;
}

DoctorReport run_doctor(const std::filesystem::path& config_file, const DoctorOptions& options) {
    DoctorReport report;
    doctor::Findings findings;
    const auto loaded = doctor::load_config(config_file, report);
    if (!loaded) return report;
    const config::Config& config = *loaded;
    const auto slurm_conf = slurm::read_slurm_conf(config.slurm.conf);
    const auto holder = operate::daemon_holding(config.daemon.lock());
    const std::optional<pid_t> daemon_pid = holder.value_or(std::nullopt);
    doctor::Setup setup{config,
                        report.config_file,
                        slurm_conf ? &*slurm_conf : nullptr,
                        std::nullopt,
                        options.daemon_user.value_or(root_user()),
                        daemon_pid.has_value(),
                        holder.has_value()};
    if (daemon_pid) {
        if (auto account = account_of(*daemon_pid)) setup.daemon_user = std::move(*account);
    }
    if (!holder) setup.daemon_unknown_why = std::strerror(holder.error());
    setup.this_host = options.this_host.value_or(slurm::this_host());
    setup.slurm_version = options.slurm_version;
    if (!setup.slurm_version) {
        if (auto version = slurm::Scontrol(config.slurm.bin_dir, config.slurm.conf).version()) {
            setup.slurm_version = *version;
        }
    }
    if (auto journal = store::JournalReader::open(config.daemon.journal()); !journal) {
        setup.journal_unreadable = util::safe_text(journal.error());
        findings.push_back(doctor::journal_not_read(setup, options.contact));
    }
    if (!slurm_conf) {
        findings.push_back({Check::slurm_conf_missing,
                            fmt::format("[slurm] conf is {}, which {}: doctor checks no slurm.conf setting, "
                                        "and slumber's hooks and daemon cannot ask Slurm anything",
                                        config.slurm.conf.string(), why_unread(config.slurm.conf)),
                            report.config_file,
                            config.slurm.conf_line,
                            "point [slurm] conf at the slurm.conf slurmctld reads (default /etc/slurm/slurm.conf)",
                            "",
                            {}});
    } else {
        for (const slurm::ConfLineFault& fault : slurm_conf->refused) findings.push_back(doctor::refused_line(fault));
        for (const slurm::IncludeProblem& problem : slurm_conf->problems) {
            findings.push_back({Check::slurm_conf_include,
                                util::safe_text(problem.what),
                                problem.place.file,
                                problem.place.line,
                                util::safe_text(problem.fix),
                                util::safe_text(problem.paste),
                                {}});
        }
        if (auto user = doctor::slurm_user_of(*slurm_conf)) {
            setup.slurm_user = std::move(*user);
        } else {
            Finding finding{Check::slurm_user_unknown,
                            user.error(),
                            {},
                            0,
                            "create the account, or set SlurmUser to the account slurmctld runs as",
                            "",
                            {}};
            doctor::place_at(finding, *slurm_conf, slurm_conf->find("SlurmUser"));
            findings.push_back(std::move(finding));
        }
        doctor::check_hooks(setup, findings);
        doctor::check_timing(setup, findings);
        doctor::check_nodes(setup, findings);
    }
    doctor::check_files(setup, findings);
    doctor::check_targets(setup, options, findings);
    doctor::check_crossed(setup, findings);
    doctor::check_clock(options.clock, findings);

    if (!options.nodes.empty()) {
        std::erase_if(findings, [&](const Finding& finding) {
            return !finding.nodes.empty() &&
                   std::none_of(finding.nodes.begin(), finding.nodes.end(), [&](const std::string& node) {
                       return std::find(options.nodes.begin(), options.nodes.end(), node) != options.nodes.end();
                   });
        });
    }
    std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
        return static_cast<int>(a.check) < static_cast<int>(b.check);
    });
    report.findings = std::move(findings);
    return report;
}

}  // namespace slumber::service
