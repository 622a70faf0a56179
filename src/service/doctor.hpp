// `slumber doctor`: what is wrong with a setup before it bites, as typed
// findings. It reads slumber.toml, the slurm.conf it points at (Include
// lines followed), the state directory and the journal's measured boots;
// it asks no slurmctld, so it answers the same with Slurm down. It logs in
// to every BMC and device once (unless told not to) and reads the head
// node's clock discipline from the kernel. docs/doctor.md lists every check.
#pragma once

#include <sys/types.h>

#include <expected>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "slurm/dialect.hpp"
#include "slurm/slurm_user.hpp"
#include "store/journal.hpp"

namespace slumber::service {

/// How bad a finding is. `error`: power saving fails or does harm as set
/// up; `warning`: it works but will misbehave in a case that will come;
/// `advice`: works, and could be better.
enum class Severity { error, warning, advice };

/// Every check doctor makes: one per fault, named by a stable word.
enum class Check {
    config_invalid,
    slurm_conf_missing,
    slurm_conf_unreadable,
    slurm_conf_include,
    slurm_conf_syntax,
    slurm_conf_unknown_key,
    slurm_conf_value,
    slurm_user_unknown,
    hook_unset,
    resume_fail_unset,
    hook_relative,
    hook_missing,
    hook_not_executable,
    hook_group_writable,
    hook_not_slumber,
    hook_wrong_verb,
    hook_other_config,
    suspend_time_unset,
    resume_timeout_short,
    resume_timeout_tight,
    resume_timeout_default,
    suspend_timeout_unset,
    suspend_timeout_short,
    suspend_exc_states,
    controller_not_excluded,
    login_node_not_excluded,
    exclude_only_slumber,
    exclude_only_slurm,
    resume_rate_pacing,
    return_to_service,
    idle_on_node_suspend,
    node_unknown_to_slurm,
    node_without_power_control,
    credentials_missing,
    credentials_not_private,
    credentials_slurm_user,
    config_slurm_user,
    state_dir_slurm_user,
    state_dir_daemon,
    journal_slurm_user,
    journal_daemon,
    token_file,
    web_port_slurm,
    daemon_controller_unknown,
    daemon_not_running,
    daemon_not_answering,
    daemon_config_differs,
    target_settings,
    target_blocked,
    target_unreachable,
    target_auth_refused,
    target_privilege,
    target_status_unreadable,
    target_no_status,
    target_identity_unreadable,
    guid_duplicate,
    node_uuid_mismatch,
    node_uuid_unanswered,
    mapping_crossed,
    mapping_bmc_on,
    mapping_silent,
    mapping_unclear,
    mapping_not_restored,
    mapping_skipped,
    crossed_suspected,
    clock_unsynchronised,
    not_checked,
};

/// A check's stable word (its id in --json and docs/doctor.md), its
/// severity and the fault it catches, in one line.
struct CheckInfo {
    Check check;
    std::string_view id;
    Severity severity;
    std::string_view fault;
};

/// The one table of checks: ids, severities and docs/doctor.md's list come
/// from it (tests/service/doctor_test.cpp holds the doc to it).
extern const std::vector<CheckInfo> kChecks;

const CheckInfo& info(Check check);
std::string_view to_string(Severity severity);
std::string_view to_string(Check check);

/// One thing wrong. Text quoted from slurm.conf or slumber.toml is made
/// safe to print (util::safe_text); no secret is ever in one.
struct Finding {
    Check check;
    std::string what;  ///< what is wrong, in a sentence
    /// Where to fix it: a file, and a 1-based line when it is at one (0:
    /// the whole file, or the place where a line is missing).
    std::filesystem::path file;
    int line = 0;
    std::string fix;                 ///< what to do
    std::string paste;               ///< a slurm.conf line to paste when that is the fix; else empty
    std::vector<std::string> nodes;  ///< the nodes it concerns; empty: the whole setup

    [[nodiscard]] Severity severity() const { return info(check).severity; }
};

/// The head node's clock as the kernel's NTP discipline reports it
/// (ntp_adjtime(2), read only): what chrony, ntpd or systemd-timesyncd set
/// when they synchronise it.
struct ClockSync {
    /// STA_UNSYNC clear and the clock state not TIME_ERROR.
    bool synchronised = true;
    long max_error_us = 0;  ///< the kernel's maximum error estimate, µs (timex.maxerror)
};

/// The kernel's word on this machine's clock; an error (errno's words) when
/// ntp_adjtime(2) fails.
std::expected<ClockSync, std::string> kernel_clock_sync();

/// What doctor needs besides the configuration file. Every member has the
/// value the command uses; tests replace them.
struct DoctorOptions {
    /// Only findings about these nodes, and those about no node in
    /// particular; empty: every node.
    std::vector<std::string> nodes{};
    /// The account the daemon runs as when none runs now: root, as
    /// packaging/slumberd.service runs it. A running daemon's own account
    /// (its process, found by the PID in the lock file) wins.
    std::optional<slurm::SlurmUser> daemon_user{};
    /// Log in to every BMC and device (those of `nodes` when given), once
    /// each; false (`--no-contact`): check the files only.
    bool contact = true;
    /// Targets contacted at once.
    int fanout = 32;
    /// Where the head node's clock discipline is read from; tests inject one.
    std::function<std::expected<ClockSync, std::string>()> clock = kernel_clock_sync;
    /// The wall clock that stamps the blocks a refused login records.
    /// Unset: the system's.
    std::function<store::TimeMs()> now{};
    /// Slurm's release, for the advice that depends on it (SuspendExcStates
    /// from 23.02). Unset: `scontrol --version` says; tests give one.
    std::optional<slurm::Version> slurm_version{};
    /// The machine doctor runs on, as Slurm would name it. Unset:
    /// slurm::this_host(); tests give one.
    std::optional<std::string> this_host{};
};

struct DoctorReport {
    std::filesystem::path config_file;  ///< absolute
    std::filesystem::path slurm_conf;   ///< [slurm] conf; empty when the configuration did not load
    std::vector<Finding> findings;      ///< in kChecks' order, then file and line
    /// With --verify-mapping (verify_mapping.hpp): the nodes whose BMC
    /// started them; nothing for the other checks.
    std::optional<std::vector<std::string>> verified;

    [[nodiscard]] int count(Severity severity) const;
};

/// The names of `nodes` that neither slumber.toml (a node or a device) nor
/// the slurm.conf it names (a NodeName line) has: `slumber doctor HOSTLIST`
/// refuses them. None when the configuration does not load (run_doctor()'s
/// findings then say why).
std::vector<std::string> unknown_names(const std::filesystem::path& config_file, const std::vector<std::string>& nodes);

/// Runs every check on `config_file` and what it names. Never fails: what
/// cannot be read is a finding.
DoctorReport run_doctor(const std::filesystem::path& config_file, const DoctorOptions& options = {});

}  // namespace slumber::service
