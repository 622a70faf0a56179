#include "store/vocabulary.hpp"

#include "util/vocabulary.hpp"

#include <array>

namespace slumber::store {
namespace {

constexpr std::array<util::Word<EventKind>, 40> kEventKinds{{
    {EventKind::requested, "requested"},
    {EventKind::power_on, "power-on"},
    {EventKind::power_off, "power-off"},
    {EventKind::shutdown, "shutdown"},
    {EventKind::power_cycle, "power-cycle"},
    {EventKind::status, "status"},
    {EventKind::refused, "refused"},
    {EventKind::failed, "failed"},
    {EventKind::paced, "paced"},
    {EventKind::drained, "drained"},
    {EventKind::registered, "registered"},
    {EventKind::resume_failed, "resume-failed"},
    {EventKind::diagnosis, "diagnosis"},
    {EventKind::recovery, "recovery"},
    {EventKind::power_lost, "power-lost"},
    {EventKind::returned, "returned"},
    {EventKind::blocked, "blocked"},
    {EventKind::unblocked, "unblocked"},
    {EventKind::restart, "restart"},
    {EventKind::slurm_view, "slurm-view"},
    {EventKind::reconfigured, "reconfigure"},
    {EventKind::reconfigure_owed, "reconfigure-owed"},
    {EventKind::hook_note, "hook-note"},
    {EventKind::hook_failed, "hook-failed"},
    {EventKind::hook_config, "hook-config"},
    {EventKind::no_daemon, "no-daemon"},
    {EventKind::carrier, "carrier"},
    {EventKind::config_changed, "config-changed"},
    {EventKind::reload, "reload"},
    {EventKind::reload_refused, "reload-refused"},
    {EventKind::daemon_start, "daemon-start"},
    {EventKind::daemon_stop, "daemon-stop"},
    {EventKind::pruned, "pruned"},
    {EventKind::thermal, "thermal"},
    {EventKind::mapping_check, "mapping-check"},
    {EventKind::crossed_suspected, "crossed-suspected"},
    {EventKind::controller_role, "controller-role"},
    {EventKind::took_control, "took-control"},
    {EventKind::first_seen, "first-seen"},
    {EventKind::unknown, "unknown"},
}};

constexpr std::array<util::Word<power::Action>, 5> kActionEvents{{
    {power::Action::on, "power-on"},
    {power::Action::off, "power-off"},
    {power::Action::soft, "shutdown"},
    {power::Action::cycle, "power-cycle"},
    {power::Action::status, "status"},
}};

constexpr std::array<util::Word<OutcomeKind>, 4> kOutcomes{{
    {OutcomeKind::ok, "ok"},
    {OutcomeKind::error, "error"},
    {OutcomeKind::refused, "refused"},
    {OutcomeKind::handed_over, "handed-over"},
}};

constexpr std::array<util::Word<RequestSource>, 10> kRequestSources{{
    {RequestSource::slurm_resume, "slurm-resume"},
    {RequestSource::slurm_suspend, "slurm-suspend"},
    {RequestSource::slurm_reboot, "slurm-reboot"},
    {RequestSource::hand_resume, "hand-resume"},
    {RequestSource::hand_suspend, "hand-suspend"},
    {RequestSource::recovery, "recovery"},
    {RequestSource::unblock, "unblock"},
    {RequestSource::hand_power, "slumber-power"},
    {RequestSource::web_api, "web-api"},
    {RequestSource::unknown, "unknown"},
}};

constexpr std::array<util::Word<StepKind>, 8> kSteps{{
    {StepKind::slurm_resume, "resume"},
    {StepKind::slurm_drain, "drain"},
    {StepKind::power_off, "power-off"},
    {StepKind::power_on, "power-on"},
    {StepKind::slurm_power_down, "power-down"},
    {StepKind::forget_failures, "forget"},
    {StepKind::adopt_boot, "adopt-boot"},
    {StepKind::power_cycle, "power-cycle"},
}};

}  // namespace

std::string_view to_string(EventKind kind) { return util::word_of(kEventKinds, kind); }

std::optional<EventKind> event_kind_from(std::string_view word) { return util::value_of(kEventKinds, word); }

EventKind event_kind(power::Action action) {
    return event_kind_from(util::word_of(kActionEvents, action)).value_or(EventKind::unknown);
}

std::string_view to_string(OutcomeKind kind) { return util::word_of(kOutcomes, kind); }

std::optional<OutcomeKind> outcome_kind_from(std::string_view word) { return util::value_of(kOutcomes, word); }

std::string_view to_string(RequestSource source) { return util::word_of(kRequestSources, source); }

std::optional<RequestSource> request_source_from(std::string_view word) {
    return util::value_of(kRequestSources, word);
}

std::string_view to_string(StepKind kind) { return util::word_of(kSteps, kind); }

std::optional<StepKind> step_kind_from(std::string_view word) { return util::value_of(kSteps, word); }

}  // namespace slumber::store
