#include "power/shelly/shelly_driver.hpp"

#include <fmt/format.h>

#include "power/http/device.hpp"
#include "power/http/json_reply.hpp"
#include "power/relay_driver.hpp"

namespace slumber::power::shelly {
namespace {

using http::excerpt;
using nlohmann::json;

struct Settings : http::Device {
    int generation = 2;
    int channel = 0;
};

// A number from an object, if it is there and is one.
std::optional<double> number(const json& object, const char* key) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
}

class ShellyDriver final : public RelayDriver {
  public:
    explicit ShellyDriver(Settings settings) : RelayDriver(settings.device), m_settings(std::move(settings)) {}

    [[nodiscard]] std::uint32_t capabilities() const override { return kPowerReading | kSensors | kIdentity; }

    Result<double> power_reading() override {
        auto found = sensors();
        if (!found) return std::unexpected(found.error());
        for (const SensorReading& sensor : *found) {
            if (sensor.unit == "W") return sensor.value;
        }
        return fail(ErrorKind::unsupported, device() + ": it has no power meter");
    }

    Result<std::vector<SensorReading>> sensors() override {
        std::vector<SensorReading> found;
        if (m_settings.generation == 1) {
            auto status = get("/status");
            if (!status) return std::unexpected(status.error());
            const json& meters = (*status)["meters"];
            const auto channel = static_cast<std::size_t>(m_settings.channel);
            if (!meters.is_array() || channel >= meters.size() || !meters[channel].is_object()) {
                return fail(ErrorKind::unsupported, device() + ": it has no power meter");
            }
            if (auto watts = number(meters[channel], "power")) found.push_back({"Power", *watts, "W"});
            // Gen1 counts energy in watt-minutes.
            if (auto total = number(meters[channel], "total")) found.push_back({"Total", *total / 60000.0, "kWh"});
            return found;
        }
        auto status = get(fmt::format("/rpc/Switch.GetStatus?id={}", m_settings.channel));
        if (!status) return std::unexpected(status.error());
        if (auto watts = number(*status, "apower")) found.push_back({"Power", *watts, "W"});
        if (auto volts = number(*status, "voltage")) found.push_back({"Voltage", *volts, "V"});
        if (auto amps = number(*status, "current")) found.push_back({"Current", *amps, "A"});
        if (const auto energy = status->find("aenergy"); energy != status->end() && energy->is_object()) {
            if (auto total = number(*energy, "total")) found.push_back({"Total", *total / 1000.0, "kWh"});
        }
        if (const auto heat = status->find("temperature"); heat != status->end() && heat->is_object()) {
            if (auto celsius = number(*heat, "tC")) found.push_back({"Temperature", *celsius, "C"});
        }
        if (found.empty()) return fail(ErrorKind::unsupported, device() + ": it has no power meter");
        return found;
    }

    Result<Identity> identity() override {
        if (m_settings.generation == 1) {
            auto info = get("/shelly");
            if (!info) return std::unexpected(info.error());
            return Identity{"Shelly", http::text(*info, "type"), http::text(*info, "fw")};
        }
        auto info = get("/rpc/Shelly.GetDeviceInfo");
        if (!info) return std::unexpected(info.error());
        return Identity{"Shelly", http::text(*info, "model"), http::text(*info, "ver")};
    }

  private:
    // One request; the answer as a JSON object, or the error it amounts to.
    Result<json> get(const std::string& path) {
        http::Request request;
        request.url = m_settings.base_url + path;
        request.timeout = m_settings.policy.timeout;
        if (!m_settings.password.empty()) {
            request.username = m_settings.username;
            request.password = m_settings.password;
            request.digest_allowed = true;
        }
        auto reply = http::get_json(request, device());
        if (!reply) return std::unexpected(reply.error());
        json& body = reply->body;
        // Gen2 reports a failed call as {"code": …, "message": …}.
        if (body.is_object() && body.contains("code") && body.contains("message")) {
            const std::string said = body["message"].is_string() ? body["message"].get<std::string>() : "";
            if (body["code"] == -105) {
                return fail(ErrorKind::config, fmt::format("{}: it has no switch {}", device(), m_settings.channel),
                            said);
            }
            return fail(reply->status == 404 ? ErrorKind::unsupported : ErrorKind::protocol,
                        fmt::format("{}: {} failed", device(), path.substr(0, path.find('?'))), said);
        }
        if (reply->status == 404) return wrong_path(path, body);
        if (reply->status >= 500) {
            return fail(ErrorKind::bmc_busy, fmt::format("{}: HTTP {}", device(), reply->status), excerpt(body.dump()));
        }
        if (reply->status != 200 || !body.is_object()) {
            return fail(ErrorKind::protocol, fmt::format("{}: HTTP {}, not an answer", device(), reply->status),
                        excerpt(body.dump()));
        }
        return std::move(body);
    }

    // Gen1 answers an /rpc path, and Gen2+ a Gen1 path, with a plain 404 (a
    // Gen2+ device names a missing switch in a JSON error instead): almost
    // always the `generation` setting; for Gen1 also a switch it lacks.
    [[nodiscard]] std::unexpected<PowerError> wrong_path(const std::string& path, const json& body) const {
        const int other = m_settings.generation == 1 ? 2 : 1;
        const std::string channel =
            m_settings.generation == 1 ? fmt::format(", or it has no switch {}", m_settings.channel) : "";
        return fail(ErrorKind::config,
                    fmt::format("{}: it does not know {}: a Gen{} Shelly? Then set generation = {} for it{}", device(),
                                path.substr(0, path.find('?')), other == 2 ? "2 or later" : "1", other, channel),
                    body.is_string() ? body.get<std::string>() : std::string());
    }

    // The relay's state in an answer: "ison" (Gen1) or "output" (Gen2).
    Result<PowerState> state_in(const json& answer, const char* key) const {
        const auto it = answer.find(key);
        if (it == answer.end() || !it->is_boolean()) {
            return fail(ErrorKind::protocol, fmt::format("{}: no \"{}\" in its answer", device(), key),
                        excerpt(answer.dump()));
        }
        return it->get<bool>() ? PowerState::on : PowerState::off;
    }

    Result<PowerState> read_relay() override {
        if (m_settings.generation == 1) {
            auto relay = get(fmt::format("/relay/{}", m_settings.channel));
            if (!relay) return std::unexpected(relay.error());
            return state_in(*relay, "ison");
        }
        auto status = get(fmt::format("/rpc/Switch.GetStatus?id={}", m_settings.channel));
        if (!status) return std::unexpected(status.error());
        return state_in(*status, "output");
    }

    Result<PowerState> set_relay(PowerState wanted) override {
        const bool on = wanted == PowerState::on;
        if (m_settings.generation == 1) {
            auto relay = get(fmt::format("/relay/{}?turn={}", m_settings.channel, on ? "on" : "off"));
            if (!relay) return std::unexpected(relay.error());
            return state_in(*relay, "ison");
        }
        // Switch.Set answers with the state before ({"was_on"}); the read-back
        // that follows tells the state after.
        auto set = get(fmt::format("/rpc/Switch.Set?id={}&on={}", m_settings.channel, on ? "true" : "false"));
        if (!set) return std::unexpected(set.error());
        return wanted;
    }

    Settings m_settings;
};

}  // namespace

Result<std::unique_ptr<Driver>> make(const TargetSettings& target) {
    // Gen2+ Digest authentication is always for user "admin".
    Settings settings{http::describe(target, "plug", target.address, "admin")};
    if (const auto* generation = option_value<std::int64_t>(target.options, "generation")) {
        settings.generation = static_cast<int>(*generation);
    }
    if (const auto* channel = option_value<std::int64_t>(target.options, "channel")) {
        settings.channel = static_cast<int>(*channel);
    }
    return std::make_unique<ShellyDriver>(std::move(settings));
}

}  // namespace slumber::power::shelly
