// doctor's checks, grouped by what they read; run_doctor() (doctor.cpp)
// calls them in turn. Internal to the service library.
#pragma once

#include <expected>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "service/doctor.hpp"
#include "slurm/conf_file.hpp"
#include "slurm/slurm_user.hpp"

namespace slumber::service::doctor {

/// What every check may read, gathered once.
struct Setup {
    const config::Config& config;
    std::filesystem::path config_file;             ///< absolute
    const slurm::SlurmConf* slurm_conf = nullptr;  ///< null: it could not be read
    std::optional<slurm::SlurmUser> slurm_user;    ///< nothing: not an account (a finding says so)
    slurm::SlurmUser daemon_user;
    bool daemon_running = false;
    /// Whether daemon_running could be told: false when the lock file
    /// exists and this user may not open it.
    bool daemon_known = true;
    /// Why daemon_known is false, in the system's words.
    std::string daemon_unknown_why{};
    /// Why this user cannot read the journal (blocks, measured boots, the
    /// crossed pairs the daemon saw); nothing when it can, or there is none.
    std::optional<std::string> journal_unreadable{};
    /// Slurm's release; nothing when scontrol could not say.
    std::optional<slurm::Version> slurm_version{};
    /// The machine doctor runs on (slurm::this_host()).
    std::string this_host{};
};

using Findings = std::vector<Finding>;

/// A configuration that does not load, as config-invalid findings (each at
/// its file, made absolute, and line, as `slumber config check` words them,
/// with a fix where the problem has none); `config_file` is the file
/// checked, absolute.
Findings config_findings(const std::vector<config::ConfigError>& problems, const std::filesystem::path& config_file);

/// slumber.toml for a report: sets its config_file (absolute) and
/// slurm_conf; nothing when it does not load, and its findings then say why.
std::optional<config::Config> load_config(const std::filesystem::path& file, DoctorReport& report);

/// A value from slurm.conf or slumber.toml, quoted safely for a message.
std::string shown(std::string_view text);

/// Where a setting of slurm.conf is, or slurm.conf itself when unset.
void place_at(Finding& finding, const slurm::SlurmConf& conf, const slurm::ConfSetting* setting);

/// SlurmUser as slurm.conf (with its Include files) sets it, root when
/// unset; an error says why it is no account here.
std::expected<slurm::SlurmUser, std::string> slurm_user_of(const slurm::SlurmConf& conf);

/// The not-checked finding for a journal this user cannot read
/// (setup.journal_unreadable): what was not checked for want of it, and
/// that no target was contacted when `contact` was asked (doctor_files.cpp).
Finding journal_not_read(const Setup& setup, bool contact);

/// A line of slurm.conf Slurm refuses, as slurm-conf-syntax or
/// slurm-conf-unknown-key (doctor_conf.cpp).
Finding refused_line(const slurm::ConfLineFault& fault);

/// SuspendProgram, ResumeProgram, ResumeFailProgram (doctor_hooks.cpp).
void check_hooks(const Setup& setup, Findings& out);
/// SuspendTime, the timeouts, ResumeRate, ReturnToService,
/// idle_on_node_suspend (doctor_timing.cpp).
void check_timing(const Setup& setup, Findings& out);
/// Which nodes each side knows and keeps on (doctor_nodes.cpp).
void check_nodes(const Setup& setup, Findings& out);
/// slumber's own files and daemon (doctor_files.cpp).
void check_files(const Setup& setup, Findings& out);
/// Every BMC and device of options.nodes (all when empty): the settings,
/// and unless options.contact is false one login each, blocks respected
/// and recorded (doctor_targets.cpp).
void check_targets(const Setup& setup, const DoctorOptions& options, Findings& out);
/// Pairs of nodes whose BMC addresses the daemon saw to be crossed, from
/// the journal's blocks (doctor_crossed.cpp).
void check_crossed(const Setup& setup, Findings& out);
/// The head node's clock, as `read` says it is disciplined (doctor_clock.cpp).
void check_clock(const std::function<std::expected<ClockSync, std::string>()>& read, Findings& out);

}  // namespace slumber::service::doctor
