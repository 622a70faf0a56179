#include "power/redfish/redfish_driver.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>

#include "power/http/json_reply.hpp"
#include "power/redfish/client.hpp"
#include "power/redfish/resources.hpp"

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

// The standard ResetTypes, for a service that does not say which it takes.
const std::vector<std::string> kAssumedResetTypes{"On", "ForceOff", "GracefulShutdown", "ForceRestart"};

class RedfishDriver final : public Driver {
  public:
    RedfishDriver(ClientSettings settings, std::string system_id)
        : m_client(std::move(settings)), m_system_id(std::move(system_id)) {}

    [[nodiscard]] std::uint32_t capabilities() const override { return kGuid | kPowerReading | kSensors | kIdentity; }

    Result<void> on() override { return change(PowerState::on, {"On", "ForceOn", "PushPowerButton"}, "on"); }
    Result<void> off() override { return change(PowerState::off, {"ForceOff"}, "a hard off"); }

    Result<void> soft() override {
        auto now = status();
        if (!now) return std::unexpected(now.error());
        if (*now == PowerState::off) return {};
        return reset({"GracefulShutdown", "PushPowerButton"}, "a graceful shutdown");
    }

    Result<void> cycle() override {
        auto now = status();
        if (!now) return std::unexpected(now.error());
        if (*now == PowerState::off) return on();
        return reset({"PowerCycle", "ForceRestart"}, "a power cycle");
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
        } else {
            for (const auto& [key, read] : {std::pair{"Power", &power_readings}, {"Thermal", &thermal_readings}}) {
                const std::string path = link(*chassis, key);
                if (path.empty()) continue;
                auto resource = m_client.get(path);
                if (!resource) return std::unexpected(resource.error());
                for (SensorReading& reading : read(*resource)) found.push_back(std::move(reading));
            }
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
        ResetAction reset = reset_action(*system);
        if (reset.target.empty()) {
            return fail(ErrorKind::unsupported,
                        fmt::format("{}: {} has no ComputerSystem.Reset", device, layout.system));
        }
        layout.reset_target = std::move(reset.target);
        layout.reset_types = std::move(reset.types);
        if (layout.reset_types.empty() && !reset.action_info.empty()) {
            auto action_info = m_client.get(reset.action_info);
            if (!action_info) return std::unexpected(action_info.error());
            layout.reset_types = reset_types_in(*action_info);
        }
        if (layout.reset_types.empty()) layout.reset_types = kAssumedResetTypes;
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

    // Posts the first of `preferred` that the system takes.
    Result<void> reset(std::initializer_list<std::string_view> preferred, std::string_view what) {
        auto layout = this->layout();
        if (!layout) return std::unexpected(layout.error());
        const auto& types = (*layout)->reset_types;
        for (const std::string_view type : preferred) {
            if (std::find(types.begin(), types.end(), type) == types.end()) continue;
            auto posted = m_client.post((*layout)->reset_target, json{{"ResetType", type}});
            if (!posted) return std::unexpected(posted.error());
            return {};
        }
        return fail(ErrorKind::unsupported,
                    fmt::format("{}: no ResetType for {} among {}", m_client.device(), what, fmt::join(types, ", ")));
    }

    // Switches unless already there, then watches PowerState until it shows
    // the change: a 204 from the action is not proof that the power moved.
    Result<void> change(PowerState wanted, std::initializer_list<std::string_view> preferred, std::string_view what) {
        auto now = status();
        if (!now) return std::unexpected(now.error());
        if (*now == wanted) return {};
        if (auto done = reset(preferred, what); !done) return done;
        const auto deadline = std::chrono::steady_clock::now() + m_client.policy().timeout;
        for (;;) {
            now = status();
            if (!now) return std::unexpected(now.error());
            if (*now == wanted) return {};
            if (std::chrono::steady_clock::now() >= deadline) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        return fail(ErrorKind::protocol, fmt::format("{}: asked for {}, the system still says {}", m_client.device(),
                                                     to_string(wanted), to_string(*now)));
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
