#include "power/redfish/redfish_driver.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <string_view>
#include <thread>

#include "power/http/json_reply.hpp"
#include "power/redfish/client.hpp"
#include "power/redfish/resources.hpp"
#include "util/duration.hpp"

namespace slumber::power::redfish {
namespace {

using nlohmann::json;

// Where things are on this service, found once per driver.
struct Layout {
    std::string system;
    std::string reset_target;
    std::vector<std::string> reset_types;
    std::string chassis;  ///< may be empty
    std::string manager;  ///< may be empty
};

// How often PowerState is read while a change is under way: often enough
// that a caller waits little longer than the system takes, seldom enough
// not to burden a BMC's small CPU.
constexpr auto kPollInterval = std::chrono::milliseconds(250);
// The longest pause between two looks at a task monitor, whatever its
// Retry-After says: the confirm window is the limit that counts.
constexpr auto kLongestPoll = std::chrono::milliseconds(5000);

// The standard ResetTypes, for a service that does not say which it takes.
constexpr std::array<std::string_view, 4> kAssumedResetTypes{"On", "ForceOff", "GracefulShutdown", "ForceRestart"};

class RedfishDriver final : public Driver {
  public:
    RedfishDriver(ClientSettings settings, std::string system_id)
        : m_client(std::move(settings)), m_system_id(std::move(system_id)) {}

    [[nodiscard]] std::uint32_t capabilities() const override { return kGuid | kPowerReading | kSensors | kIdentity; }

    // Each verb decides from the state the system reports, transitional
    // states included: a change already under way is watched, never asked
    // for a second time.
    Result<void> on() override {
        auto now = settled(PowerState::on);
        if (!now) return std::unexpected(now.error());
        if (*now == PowerState::on) return {};
        if (*now == PowerState::powering_on) return watch(PowerState::on);
        if (*now == PowerState::paused) return switch_to(PowerState::on, {"Resume"}, "resuming a paused system");
        return switch_to(PowerState::on, {"On", "ForceOn", "PushPowerButton"}, "on");
    }

    // A system in PoweringOff still has power: a graceful shutdown that hangs
    // there is forced off like any other.
    Result<void> off() override {
        auto now = status();
        if (!now) return std::unexpected(now.error());
        if (*now == PowerState::off) return {};
        return switch_to(PowerState::off, {"ForceOff"}, "a hard off");
    }

    Result<void> soft() override {
        auto now = settled(PowerState::off);
        if (!now) return std::unexpected(now.error());
        if (*now == PowerState::off || *now == PowerState::powering_off) return {};  // a shutdown is under way
        return ask({"GracefulShutdown", "PushPowerButton"}, "a graceful shutdown");
    }

    Result<void> cycle() override {
        auto now = settled(PowerState::on);
        if (!now) return std::unexpected(now.error());
        if (*now == PowerState::powering_on) return watch(PowerState::on);  // a fresh boot under way
        if (*now == PowerState::off) return on();
        if (takes({"PowerCycle", "ForceRestart"})) return ask({"PowerCycle", "ForceRestart"}, "a power cycle");
        // Only On and ForceOff (many blades, some rack servers): a cycle as
        // the plug drivers make one.
        if (auto down = switch_to(PowerState::off, {"ForceOff"}, "a power cycle"); !down) return down;
        std::this_thread::sleep_for(kCycleOff);
        return on();
    }

    Result<PowerState> status() override {
        auto system = this->system();
        if (!system) return std::unexpected(system.error());
        if (auto state = power_state(*system)) return *state;
        return fail(ErrorKind::protocol, m_client.device() + ": the system gives no PowerState",
                    http::excerpt(system->value("PowerState", json()).dump()));
    }

    Result<std::string> guid() override {
        auto system = this->system();
        if (!system) return std::unexpected(system.error());
        std::string uuid = http::text(*system, "UUID");
        if (uuid.empty()) return fail(ErrorKind::unsupported, m_client.device() + ": the system has no UUID");
        std::transform(uuid.begin(), uuid.end(), uuid.begin(), [](unsigned char c) { return std::tolower(c); });
        return uuid;
    }

    Result<double> power_reading() override {
        auto found = sensors();
        if (!found) return std::unexpected(found.error());
        for (const SensorReading& sensor : *found) {
            if (sensor.unit == "W") return sensor.value;
        }
        return fail(ErrorKind::unsupported, m_client.device() + ": the chassis reports no power draw");
    }

    // From EnvironmentMetrics where the chassis has it (Redfish 2021 on),
    // else from the older Power and Thermal resources.
    Result<std::vector<SensorReading>> sensors() override {
        auto layout = this->layout();
        if (!layout) return std::unexpected(layout.error());
        if ((*layout)->chassis.empty()) return fail(ErrorKind::unsupported, m_client.device() + ": no chassis");
        auto chassis = m_client.get((*layout)->chassis);
        if (!chassis) return std::unexpected(chassis.error());
        std::vector<SensorReading> found;
        if (const std::string metrics = link(*chassis, "EnvironmentMetrics"); !metrics.empty()) {
            auto resource = m_client.get(metrics);
            if (!resource) return std::unexpected(resource.error());
            found = environment_readings(*resource);
        }
        // What EnvironmentMetrics lacks (many have a temperature but no
        // PowerWatts), from the older resources where the chassis has them.
        struct Legacy {
            const char* key;
            std::vector<SensorReading> (*read)(const json&);
            std::string_view unit;
        };
        for (const Legacy& legacy :
             {Legacy{"Power", &power_readings, "W"}, Legacy{"Thermal", &thermal_readings, "C"}}) {
            const bool have = std::any_of(found.begin(), found.end(),
                                          [&](const SensorReading& reading) { return reading.unit == legacy.unit; });
            const std::string path = link(*chassis, legacy.key);
            if (have || path.empty()) continue;
            auto resource = m_client.get(path);
            if (!resource) return std::unexpected(resource.error());
            for (SensorReading& reading : legacy.read(*resource)) found.push_back(std::move(reading));
        }
        if (found.empty()) return fail(ErrorKind::unsupported, m_client.device() + ": the chassis reports no readings");
        return found;
    }

    Result<Identity> identity() override {
        auto layout = this->layout();
        if (!layout) return std::unexpected(layout.error());
        auto system = this->system();
        if (!system) return std::unexpected(system.error());
        Identity identity{http::text(*system, "Manufacturer"), http::text(*system, "Model"), ""};
        if (!(*layout)->manager.empty()) {
            auto manager = m_client.get((*layout)->manager);
            if (!manager) return std::unexpected(manager.error());
            if (std::string maker = http::text(*manager, "Manufacturer"); !maker.empty())
                identity.manufacturer = std::move(maker);
            if (std::string model = http::text(*manager, "Model"); !model.empty()) identity.model = std::move(model);
            identity.firmware = http::text(*manager, "FirmwareVersion");
        }
        return identity;
    }

  private:
    // The service's layout, discovered on first use: service root, Systems
    // collection, the one system (or the configured one), its Reset action.
    Result<const Layout*> layout() {
        if (m_layout) return &*m_layout;
        const std::string& device = m_client.device();
        auto root = m_client.service_root();
        if (!root) return std::unexpected(root.error());
        const std::string systems_path = link(*root, "Systems");
        if (systems_path.empty()) return fail(ErrorKind::protocol, device + ": the service root links no Systems");
        auto systems = m_client.get(systems_path);
        if (!systems) return std::unexpected(systems.error());
        const std::vector<std::string> members = redfish::members(*systems);
        Layout layout;
        if (!m_system_id.empty()) {
            for (const std::string& member : members) {
                if (member.ends_with("/" + m_system_id)) layout.system = member;
            }
            if (layout.system.empty()) {
                return fail(ErrorKind::config, fmt::format("{}: no system \"{}\" among {}", device, m_system_id,
                                                           fmt::join(members, ", ")));
            }
        } else if (members.size() == 1) {
            layout.system = members.front();
        } else if (members.empty()) {
            return fail(ErrorKind::protocol, device + ": the Systems collection is empty");
        } else {
            return fail(ErrorKind::config, fmt::format("{}: {} systems ({}); choose one with the option system", device,
                                                       members.size(), fmt::join(members, ", ")));
        }
        auto system = m_client.get(layout.system);
        if (!system) return std::unexpected(system.error());
        // A system without the Reset action can still be read; only switching
        // it is refused (see reset()).
        ResetAction reset = reset_action(*system);
        layout.reset_target = std::move(reset.target);
        layout.reset_types = std::move(reset.types);
        if (layout.reset_types.empty() && !reset.action_info.empty()) {
            auto action_info = m_client.get(reset.action_info);
            if (!action_info) return std::unexpected(action_info.error());
            layout.reset_types = reset_types_in(*action_info);
        }
        if (layout.reset_types.empty() && !layout.reset_target.empty())
            layout.reset_types.assign(kAssumedResetTypes.begin(), kAssumedResetTypes.end());
        const json links = system->contains("Links") ? system->at("Links") : json();
        layout.chassis = link(links, "Chassis");
        layout.manager = link(links, "ManagedBy");
        m_layout = std::move(layout);
        return &*m_layout;
    }

    Result<json> system() {
        auto layout = this->layout();
        if (!layout) return std::unexpected(layout.error());
        return m_client.get((*layout)->system);
    }

    // Whether the system takes any of `types`.
    bool takes(std::initializer_list<std::string_view> types) {
        auto layout = this->layout();
        if (!layout) return false;
        const auto& offered = (*layout)->reset_types;
        return std::any_of(types.begin(), types.end(), [&](std::string_view type) {
            return std::find(offered.begin(), offered.end(), type) != offered.end();
        });
    }

    // Posts the first of `preferred` that the system takes; the task
    // monitor's path when the BMC answered 202 Accepted with one (DSP0266,
    // asynchronous operations), else empty.
    Result<std::string> reset(std::initializer_list<std::string_view> preferred, std::string_view what) {
        auto layout = this->layout();
        if (!layout) return std::unexpected(layout.error());
        if ((*layout)->reset_target.empty()) {
            return fail(ErrorKind::unsupported, fmt::format("{}: {} has no ComputerSystem.Reset action, so it can be "
                                                            "read but not switched",
                                                            m_client.device(), (*layout)->system));
        }
        const auto& types = (*layout)->reset_types;
        for (const std::string_view type : preferred) {
            if (std::find(types.begin(), types.end(), type) == types.end()) continue;
            const json body{{"ResetType", type}};
            auto posted = m_client.send("POST", (*layout)->reset_target, &body);
            if (!posted) return std::unexpected(posted.error());
            return posted->status == 202 ? posted->location : std::string();
        }
        return fail(ErrorKind::unsupported,
                    fmt::format("{}: no ResetType for {} among {}", m_client.device(), what, fmt::join(types, ", ")));
    }

    // A request the target takes and carries out in its own time: accepted
    // is enough (soft, a cycle; `--wait` watches the rest).
    Result<void> ask(std::initializer_list<std::string_view> preferred, std::string_view what) {
        auto sent = reset(preferred, what);
        if (!sent) return std::unexpected(sent.error());
        return {};
    }

    [[nodiscard]] std::chrono::steady_clock::time_point confirm_deadline() const {
        return std::chrono::steady_clock::now() + m_client.policy().confirm;
    }

    // The system's state once a change heading away from `goal` has ended
    // (a shutdown before a power-on), or still transitional if it outlasts
    // the confirm window. A change heading to `goal` is returned as it is.
    Result<PowerState> settled(PowerState goal) {
        auto now = status();
        const auto deadline = confirm_deadline();
        while (now && is_transitional(*now) && heading(*now) != goal && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(kPollInterval);
            now = status();
        }
        if (now && is_transitional(*now) && heading(*now) != goal) {
            return fail(ErrorKind::in_progress,
                        fmt::format("{}: still {} after {}; try again when it has settled", m_client.device(),
                                    to_string(*now), util::format_duration(m_client.policy().confirm)));
        }
        return now;
    }

    // Switches and watches the change through: the task the BMC made for it,
    // if any, then PowerState. A change the BMC says is in progress (its own,
    // or another's) is waited out, never answered with a second request.
    Result<void> switch_to(PowerState wanted, std::initializer_list<std::string_view> preferred,
                           std::string_view what) {
        auto sent = reset(preferred, what);
        if (!sent && sent.error().kind == ErrorKind::in_progress) {
            auto reached = wait_out(wanted, sent.error());
            if (!reached) return std::unexpected(reached.error());
            if (*reached) return {};
            sent = reset(preferred, what);  // the other change has ended; ours was never accepted
        }
        if (!sent) return std::unexpected(sent.error());
        const auto deadline = confirm_deadline();
        if (!sent->empty()) {
            if (auto followed = follow(*sent, what, deadline); !followed) return followed;
        }
        return watch(wanted, deadline);
    }

    // After the BMC said a change is in progress: waits for it, for the
    // confirm window. True once the system is `wanted` (the change was this
    // very one, asked for by someone else or by an earlier try); false once
    // a change seen heading elsewhere has ended, so that ours, which was
    // never accepted, may be sent; still in progress otherwise (a BMC whose
    // PowerState shows no transition gives nothing else to go by).
    Result<bool> wait_out(PowerState wanted, const PowerError& said) {
        const auto deadline = confirm_deadline();
        bool saw_other = false;
        for (;;) {
            auto now = status();
            if (!now) return std::unexpected(now.error());
            if (*now == wanted) return true;
            if (is_transitional(*now) && heading(*now) != wanted) {
                saw_other = true;
            } else if (saw_other && !is_transitional(*now)) {
                return false;
            }
            if (std::chrono::steady_clock::now() >= deadline) return std::unexpected(said);
            std::this_thread::sleep_for(kPollInterval);
        }
    }

    // Follows a task monitor until its task ends (DSP0266: 202 while it
    // runs, then the operation's own answer, then often 404). A task that
    // ends in Exception, Killed or Cancelled (DSP0268 Task.TaskState) fails
    // the action; one still running at the deadline is in progress.
    Result<void> follow(const std::string& monitor, std::string_view what,
                        std::chrono::steady_clock::time_point deadline) {
        const std::string& device = m_client.device();
        for (;;) {
            auto reply = m_client.send("GET", monitor, nullptr, true);
            if (!reply) {
                PowerError error = reply.error();
                // The operation's own failure, not a BMC too busy to answer:
                // it may have done part of its work, so it is not retried blindly.
                if (error.kind == ErrorKind::bmc_busy) error.kind = ErrorKind::protocol;
                error.message = fmt::format("{}: the BMC's task for {} failed: {}", device, what, error.message);
                return std::unexpected(std::move(error));
            }
            if (reply->status == 404) return {};  // gone once done; PowerState tells the rest
            const std::string state = http::text(reply->body, "TaskState");
            if (state == "Exception" || state == "Killed" || state == "Cancelled") {
                const json& messages = reply->body.contains("Messages") ? reply->body["Messages"] : json();
                return fail(ErrorKind::protocol, fmt::format("{}: the BMC's task for {} ended {}", device, what, state),
                            messages.is_array() && !messages.empty() ? http::text(messages[0], "Message") : "");
            }
            if (reply->status != 202) return {};
            if (std::chrono::steady_clock::now() >= deadline) {
                return fail(
                    ErrorKind::in_progress,
                    fmt::format("{}: {} accepted; the BMC's task is still {} after {} (confirm_timeout)", device, what,
                                state.empty() ? "running" : state, util::format_duration(m_client.policy().confirm)));
            }
            // As the BMC asks, within reason, and never far past the deadline.
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            const auto pause = std::clamp<std::chrono::milliseconds>(reply->retry_after, kPollInterval, kLongestPoll);
            std::this_thread::sleep_for(std::max(kPollInterval, std::min(pause, left)));
        }
    }

    // Watches PowerState until it shows `wanted`: a 204 from the action is
    // not proof that the power moved, and many BMCs' PowerState lags.
    Result<void> watch(PowerState wanted) { return watch(wanted, confirm_deadline()); }
    Result<void> watch(PowerState wanted, std::chrono::steady_clock::time_point deadline) {
        for (;;) {
            auto now = status();
            if (!now) return std::unexpected(now.error());
            if (*now == wanted) return {};
            if (std::chrono::steady_clock::now() >= deadline) {
                if (heading(*now) == wanted) {
                    return fail(ErrorKind::in_progress,
                                fmt::format("{}: asked for {}, the system is still {} after {} (confirm_timeout)",
                                            m_client.device(), to_string(wanted), to_string(*now),
                                            util::format_duration(m_client.policy().confirm)));
                }
                return fail(ErrorKind::protocol, fmt::format("{}: asked for {}, the system still says {} after {} "
                                                             "(confirm_timeout)",
                                                             m_client.device(), to_string(wanted), to_string(*now),
                                                             util::format_duration(m_client.policy().confirm)));
            }
            std::this_thread::sleep_for(kPollInterval);
        }
    }

    Client m_client;
    std::string m_system_id;
    std::optional<Layout> m_layout;
};

}  // namespace

Result<std::unique_ptr<Driver>> make(const TargetSettings& target) {
    ClientSettings settings;
    // BMCs ship with their own account names; the credentials file must say.
    settings.device = http::describe(target, "Redfish BMC", "https://" + target.address, "");
    if (const auto* auth = option_value<std::string>(target.options, "auth")) settings.use_session = *auth != "basic";
    if (const auto* verify = option_value<bool>(target.options, "verify_tls")) settings.verify_tls = *verify;
    if (const auto* ca_file = option_value<std::string>(target.options, "ca_file")) settings.ca_file = *ca_file;
    std::string system;
    if (const auto* id = option_value<std::string>(target.options, "system")) system = *id;
    return std::make_unique<RedfishDriver>(std::move(settings), std::move(system));
}

}  // namespace slumber::power::redfish
