#include "power/tasmota/tasmota_driver.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "power/http/device.hpp"
#include "power/http/json_reply.hpp"
#include "power/relay_driver.hpp"

namespace slumber::power::tasmota {
namespace {

using http::excerpt;
using nlohmann::json;

struct Settings : http::Device {
    int relay = 1;
};

class TasmotaDriver final : public RelayDriver {
  public:
    explicit TasmotaDriver(Settings settings) : RelayDriver(settings.device), m_settings(std::move(settings)) {}

    [[nodiscard]] std::uint32_t capabilities() const override { return kPowerReading | kSensors | kIdentity; }

    Result<double> power_reading() override {
        auto energy = this->energy();
        if (!energy) return std::unexpected(energy.error());
        auto watts = reading(*energy, "Power");
        if (!watts) return fail(ErrorKind::protocol, m_settings.device + ": its energy monitor gives no Power");
        return *watts;
    }

    Result<std::vector<SensorReading>> sensors() override {
        auto energy = this->energy();
        if (!energy) return std::unexpected(energy.error());
        std::vector<SensorReading> found;
        for (const auto& [key, unit] :
             {std::pair{"Power", "W"}, {"Voltage", "V"}, {"Current", "A"}, {"Total", "kWh"}, {"Today", "kWh"}}) {
            if (auto value = reading(*energy, key)) found.push_back({key, *value, unit});
        }
        return found;
    }

    Result<Identity> identity() override {
        auto answer = command("Status 2");
        if (!answer) return std::unexpected(answer.error());
        const json& firmware = (*answer)["StatusFWR"];
        if (!firmware.is_object() || !firmware.contains("Version")) {
            return fail(ErrorKind::protocol, m_settings.device + ": Status 2 has no StatusFWR.Version");
        }
        return Identity{"Tasmota", http::text(firmware, "Hardware"), http::text(firmware, "Version")};
    }

  private:
    // One command; the answer as JSON, or the error it amounts to.
    Result<json> command(std::string_view text) {
        http::Request request;
        request.url = m_settings.base_url + "/cm?";
        if (!m_settings.password.empty()) {
            request.url += fmt::format("user={}&password={}&", http::escape(m_settings.username),
                                       http::escape(m_settings.password.reveal()));
        }
        request.url += "cmnd=" + http::escape(text);
        request.timeout = m_settings.policy.timeout;
        auto reply = http::get_json(request, m_settings.device);
        if (!reply) return std::unexpected(reply.error());
        if (reply->status >= 500) {
            return fail(ErrorKind::bmc_busy, fmt::format("{}: HTTP {}", m_settings.device, reply->status),
                        excerpt(reply->body.dump()));
        }
        json& answer = reply->body;
        if (reply->status != 200 || !answer.is_object()) {
            return fail(ErrorKind::protocol,
                        fmt::format("{}: HTTP {}, not a command's answer", m_settings.device, reply->status),
                        excerpt(answer.dump()));
        }
        // Tasmota answers a missing or wrong password with HTTP 200 and a warning.
        if (const auto warning = answer.find("WARNING"); warning != answer.end()) {
            const std::string said = warning->is_string() ? warning->get<std::string>() : warning->dump();
            if (said.find("user=") != std::string::npos) {
                return fail(
                    ErrorKind::auth_failed,
                    m_settings.device + (m_settings.password.empty() ? ": the plug wants a password (credentials file)"
                                                                     : ": the plug refused the password"),
                    said);
            }
            return fail(ErrorKind::protocol, m_settings.device + ": the plug warns", said);
        }
        if (http::text(answer, "Command") == "Unknown") {
            return fail(ErrorKind::unsupported,
                        fmt::format("{}: the plug does not know \"{}\"", m_settings.device, text));
        }
        return std::move(answer);
    }

    Result<PowerState> read_relay() override { return power(""); }
    Result<PowerState> set_relay(PowerState wanted) override { return power(wanted == PowerState::on ? "On" : "Off"); }

    // "Power<relay> <value>": the relay's state as the plug reports it after.
    Result<PowerState> power(std::string_view value) {
        const std::string text = value.empty() ? fmt::format("Power{}", m_settings.relay)
                                               : fmt::format("Power{} {}", m_settings.relay, value);
        auto answer = command(text);
        if (!answer) return std::unexpected(answer.error());
        // A single-relay plug names its relay "POWER", a multi-relay one "POWER1".
        auto it = answer->find(fmt::format("POWER{}", m_settings.relay));
        if (it == answer->end() && m_settings.relay == 1) it = answer->find("POWER");
        if (it == answer->end() || !it->is_string()) {
            return fail(ErrorKind::protocol,
                        fmt::format("{}: no state for relay {}", m_settings.device, m_settings.relay),
                        excerpt(answer->dump()));
        }
        const std::string state = it->get<std::string>();
        if (state == "ON") return PowerState::on;
        if (state == "OFF") return PowerState::off;
        return fail(ErrorKind::protocol,
                    fmt::format("{}: relay {} is \"{}\"", m_settings.device, m_settings.relay, state));
    }

    // Status 8's ENERGY object: present only on plugs that meter.
    Result<json> energy() {
        auto answer = command("Status 8");
        if (!answer) return std::unexpected(answer.error());
        const auto sns = answer->find("StatusSNS");
        if (sns == answer->end() || !sns->is_object() || !sns->contains("ENERGY")) {
            return fail(ErrorKind::unsupported, m_settings.device + ": the plug has no energy monitor");
        }
        return (*sns)["ENERGY"];
    }

    // A number from ENERGY; multi-channel meters give one per relay.
    std::optional<double> reading(const json& energy, const char* key) const {
        const auto it = energy.find(key);
        if (it == energy.end()) return std::nullopt;
        if (it->is_number()) return it->get<double>();
        const auto index = static_cast<std::size_t>(m_settings.relay - 1);
        if (it->is_array() && index < it->size() && (*it)[index].is_number()) return (*it)[index].get<double>();
        return std::nullopt;
    }

    Settings m_settings;
};

}  // namespace

Result<std::unique_ptr<Driver>> make(const TargetSettings& target) {
    // Tasmota's web user is "admin" unless the firmware was built otherwise.
    Settings settings{http::describe(target, "plug", target.address, "admin")};
    if (const auto* relay = option_value<std::int64_t>(target.options, "relay"))
        settings.relay = static_cast<int>(*relay);
    return std::make_unique<TasmotaDriver>(std::move(settings));
}

}  // namespace slumber::power::tasmota
