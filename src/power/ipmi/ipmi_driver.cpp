#include "power/ipmi/ipmi_driver.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "power/ipmi/sdr.hpp"
#include "power/ipmi/session.hpp"
#include "power/ipmi/workarounds.hpp"

namespace slumber::power::ipmi {

ErrorKind error_kind(int errnum) {
    switch (errnum) {
        case IPMI_ERR_USERNAME_INVALID:
        case IPMI_ERR_PASSWORD_INVALID:
        case IPMI_ERR_K_G_INVALID:
        case IPMI_ERR_PASSWORD_VERIFICATION_TIMEOUT:
            return ErrorKind::auth_failed;
        case IPMI_ERR_PERMISSION:
        case IPMI_ERR_PRIVILEGE_LEVEL_INSUFFICIENT:
        case IPMI_ERR_PRIVILEGE_LEVEL_CANNOT_BE_OBTAINED:
            return ErrorKind::permission;
        case IPMI_ERR_CONNECTION_TIMEOUT:
            return ErrorKind::unreachable;
        case IPMI_ERR_SESSION_TIMEOUT:
        case IPMI_ERR_MESSAGE_TIMEOUT:
        case IPMI_ERR_DRIVER_TIMEOUT:
            return ErrorKind::timeout;
        case IPMI_ERR_BMC_BUSY:
        case IPMI_ERR_DRIVER_BUSY:
            return ErrorKind::bmc_busy;
        case IPMI_ERR_AUTHENTICATION_TYPE_UNAVAILABLE:
        case IPMI_ERR_CIPHER_SUITE_ID_UNAVAILABLE:
        case IPMI_ERR_IPMI_2_0_UNAVAILABLE:
        case IPMI_ERR_COMMAND_INVALID_OR_UNSUPPORTED:
            return ErrorKind::unsupported;
        case IPMI_ERR_HOSTNAME_INVALID:
        case IPMI_ERR_PARAMETERS:
            return ErrorKind::config;
        case IPMI_ERR_BAD_COMPLETION_CODE:
        case IPMI_ERR_BAD_RMCPPLUS_STATUS_CODE:
        case IPMI_ERR_IPMI_ERROR:
            return ErrorKind::protocol;
        default:
            return ErrorKind::internal;
    }
}

namespace {

class IpmiDriver final : public Driver {
  public:
    explicit IpmiDriver(Settings settings) : m_settings(std::move(settings)) {}

    Result<void> on() override { return change(IPMI_CHASSIS_CONTROL_POWER_UP, PowerState::on); }
    Result<void> off() override { return change(IPMI_CHASSIS_CONTROL_POWER_DOWN, PowerState::off); }
    Result<void> soft() override { return change(IPMI_CHASSIS_CONTROL_INITIATE_SOFT_SHUTDOWN, PowerState::off); }

    // A cycle on a node that is off would do nothing on many BMCs: power it up.
    Result<void> cycle() override {
        Session session(m_settings);
        if (session.failed()) return std::unexpected(*session.failed());
        auto state = read_status(session);
        if (!state) return std::unexpected(state.error());
        return control(session,
                       *state == PowerState::on ? IPMI_CHASSIS_CONTROL_POWER_CYCLE : IPMI_CHASSIS_CONTROL_POWER_UP);
    }

    Result<PowerState> status() override {
        Session session(m_settings);
        if (session.failed()) return std::unexpected(*session.failed());
        return read_status(session);
    }

    [[nodiscard]] std::uint32_t capabilities() const override { return kGuid | kPowerReading | kSensors | kIdentity; }

    // Formatted as SMBIOS (dmidecode, /sys/class/dmi/id/product_uuid) reads
    // the same 16 bytes: first three fields little-endian, the rest in order.
    // Most BMCs return the host's SMBIOS UUID bytes, so the node's own UUID
    // and its BMC's GUID compare equal, and ipmitool prints the same text.
    Result<std::string> guid() override {
        Session session(m_settings);
        if (session.failed()) return std::unexpected(*session.failed());
        Response response(tmpl_cmd_get_system_guid_rs);
        if (ipmi_cmd_get_system_guid(session.ctx(), response.get()) < 0) {
            return std::unexpected(session.error("Get System GUID failed"));
        }
        std::array<std::uint8_t, 16> bytes{};
        if (fiid_obj_get_data(response.get(), "guid", bytes.data(), bytes.size()) != 16) {
            return fail(ErrorKind::protocol, "the GUID is not 16 bytes");
        }
        constexpr std::array<std::size_t, 16> kOrder{3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
        std::string text;
        for (std::size_t i = 0; i < kOrder.size(); ++i) {
            if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
            text += fmt::format("{:02x}", bytes[kOrder[i]]);
        }
        return text;
    }

    // Get Device ID, printed as ipmitool prints it ("1.05": minor in BCD).
    Result<Identity> identity() override {
        Session session(m_settings);
        if (session.failed()) return std::unexpected(*session.failed());
        Response response(tmpl_cmd_get_device_id_rs);
        if (ipmi_cmd_get_device_id(session.ctx(), response.get()) < 0) {
            return std::unexpected(session.error("Get Device ID failed"));
        }
        const auto manufacturer = response.field("manufacturer_id.id");
        const auto product = response.field("product_id");
        const auto major = response.field("firmware_revision1.major_revision");
        const auto minor = response.field("firmware_revision2.minor_revision");
        for (const auto* field : {&manufacturer, &product, &major, &minor}) {
            if (!*field) return std::unexpected(field->error());
        }
        return Identity{fmt::format("IANA {}", *manufacturer), fmt::format("product {:#06x}", *product),
                        fmt::format("{}.{:02x}", *major, *minor)};
    }

    Result<std::vector<SensorReading>> sensors() override {
        Session session(m_settings);
        if (session.failed()) return std::unexpected(*session.failed());
        return read_sensors(session);
    }

    Result<double> power_reading() override {
        Session session(m_settings);
        if (session.failed()) return std::unexpected(*session.failed());
        std::optional<Result<std::vector<SensorReading>>> sdr;
        return read_power(session, sdr);
    }

    // One session for the state, the power and the SDR's sensors: a BMC has
    // few session slots, and each login costs it a key exchange.
    Sample sample() override {
        Session session(m_settings);
        if (session.failed()) return {std::unexpected(*session.failed()), {}, {}};
        Sample result{read_status(session), {}, {}};
        if (!result.state && stops_conversation(result.state.error().kind)) return result;
        std::optional<Result<std::vector<SensorReading>>> sdr;
        result.watts = read_power(session, sdr);
        if (!*result.watts && stops_conversation(result.watts->error().kind)) return result;
        result.sensors = sdr ? std::move(*sdr) : read_sensors(session);
        return result;
    }

  private:
    // DCMI's reading where the BMC has DCMI and measures; else the first
    // sensor in Watts from its SDR (many BMCs have "PS1 Input Power" or
    // so), which is then kept in `sdr` for the caller.
    Result<double> read_power(const Session& session, std::optional<Result<std::vector<SensorReading>>>& sdr) const {
        Response dcmi(tmpl_cmd_dcmi_get_power_reading_rs);
        if (ipmi_cmd_dcmi_get_power_reading(session.ctx(), IPMI_DCMI_POWER_READING_MODE_SYSTEM_POWER_STATISTICS, 0,
                                            dcmi.get()) >= 0) {
            if (dcmi.field("power_reading_state.power_measurement").value_or(0) != 0) {
                auto watts = dcmi.field("current_power");
                if (!watts) return std::unexpected(watts.error());
                return static_cast<double>(*watts);
            }
        } else if (!session.command_unsupported()) {
            return std::unexpected(session.error("DCMI Get Power Reading failed"));
        }
        sdr = read_sensors(session);
        if (!*sdr) return std::unexpected(sdr->error());
        const auto watts = std::find_if((*sdr)->begin(), (*sdr)->end(), [](const auto& r) { return r.unit == "W"; });
        if (watts == (*sdr)->end()) {
            return fail(ErrorKind::unsupported, "the BMC measures no power: no DCMI reading, no sensor in Watts");
        }
        return watts->value;
    }

    Result<PowerState> read_status(const Session& session) const {
        Response response(tmpl_cmd_get_chassis_status_rs);
        if (ipmi_cmd_get_chassis_status(session.ctx(), response.get()) < 0) {
            return std::unexpected(session.error("Get Chassis Status failed"));
        }
        auto on = response.field("current_power_state.power_is_on");
        if (!on) return std::unexpected(on.error());
        return *on != 0 ? PowerState::on : PowerState::off;
    }

    Result<void> control(const Session& session, std::uint8_t command) const {
        Response response(tmpl_cmd_chassis_control_rs);
        if (ipmi_cmd_chassis_control(session.ctx(), command, response.get()) < 0) {
            return std::unexpected(session.error("Chassis Control failed"));
        }
        return {};
    }

    // Already in the wanted state: nothing to send (Slurm may ask twice).
    Result<void> change(std::uint8_t command, PowerState wanted) {
        Session session(m_settings);
        if (session.failed()) return std::unexpected(*session.failed());
        auto state = read_status(session);
        if (!state) return std::unexpected(state.error());
        if (*state == wanted) return {};
        return control(session, command);
    }

    Settings m_settings;
};

}  // namespace

Result<std::unique_ptr<Driver>> make(const TargetSettings& target) {
    Settings settings;
    settings.host = target.address;
    if (const auto* port = option_value<std::int64_t>(target.options, "port"); port != nullptr && *port != 623) {
        settings.host += fmt::format(":{}", *port);
    }
    if (target.username.empty()) {
        return fail(ErrorKind::config, fmt::format("{}: no user name for its BMC (credentials file)", target.name));
    }
    settings.username = target.username;
    settings.password = target.password;
    settings.k_g = target.k_g;
    if (const auto* suite = option_value<std::int64_t>(target.options, "cipher_suite")) {
        // xRC4 confidentiality (4, 5, 9, 10, 13, 14) is not in FreeIPMI.
        if (*suite < 0 || *suite > 255 || !IPMI_CIPHER_SUITE_ID_SUPPORTED(*suite)) {
            return fail(ErrorKind::config,
                        fmt::format("{}: cipher_suite {} is not one FreeIPMI can use: choose 0-3, 6-8, 11, 12 or "
                                    "15-17 (3 is the most common)",
                                    target.name, *suite));
        }
        settings.cipher_suite = static_cast<std::uint8_t>(*suite);
    }
    if (const auto* privilege = option_value<std::string>(target.options, "privilege")) {
        settings.privilege = *privilege == "user"       ? IPMI_PRIVILEGE_LEVEL_USER
                             : *privilege == "operator" ? IPMI_PRIVILEGE_LEVEL_OPERATOR
                                                        : IPMI_PRIVILEGE_LEVEL_ADMIN;
    }
    if (const auto* flags = option_value<std::vector<std::string>>(target.options, "workarounds")) {
        for (const std::string& flag : *flags) settings.workarounds |= workaround_flag(flag);
    }
    settings.policy = target.policy;
    return std::make_unique<IpmiDriver>(std::move(settings));
}

}  // namespace slumber::power::ipmi
