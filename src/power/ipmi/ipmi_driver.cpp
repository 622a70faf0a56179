#include "power/ipmi/ipmi_driver.hpp"

#include <freeipmi/freeipmi.h>

#include <fmt/format.h>
#include <array>
#include <cstring>
#include <optional>

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

struct Settings {
    std::string host;  // with ":port" when not 623
    std::string username;
    util::Secret password;
    util::Secret k_g;
    std::uint8_t privilege = IPMI_PRIVILEGE_LEVEL_ADMIN;
    std::uint8_t cipher_suite = 3;
    unsigned workarounds = 0;
    CallPolicy policy;
};

// The FreeIPMI workaround flags for IPMI 2.0 sessions, by their ipmipower -W
// names; the IPMI 1.5-only ones have no effect on lanplus sessions.
unsigned workaround_flag(std::string_view name) {
    if (name == "authcap") return IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_AUTHENTICATION_CAPABILITIES;
    if (name == "intel20") return IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_INTEL_2_0_SESSION;
    if (name == "supermicro20") return IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_SUPERMICRO_2_0_SESSION;
    if (name == "sun20") return IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_SUN_2_0_SESSION;
    if (name == "opensesspriv") return IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE;
    if (name == "integritycheckvalue") return IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_NON_EMPTY_INTEGRITY_CHECK_VALUE;
    if (name == "nochecksumcheck") return IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_NO_CHECKSUM_CHECK;
    return 0;
}

// One RMCP+ session: opened in the constructor, closed in the destructor.
class Session {
  public:
    explicit Session(const Settings& settings) : m_ctx(ipmi_ctx_create()) {
        if (m_ctx == nullptr) {
            m_error = PowerError{ErrorKind::internal, "cannot create an IPMI context", {}};
            return;
        }
        const auto timeout = static_cast<unsigned>(settings.policy.timeout.count());
        // Retransmit several times within the call's timeout, as ipmipower does.
        const unsigned retransmission = std::max(100U, timeout / 5);
        const std::string password(settings.password.reveal());
        const std::string k_g(settings.k_g.reveal());
        const int opened =
            ipmi_ctx_open_outofband_2_0(m_ctx, settings.host.c_str(), settings.username.c_str(), password.c_str(),
                                        k_g.empty() ? nullptr : reinterpret_cast<const unsigned char*>(k_g.data()),
                                        static_cast<unsigned>(k_g.size()), settings.privilege, settings.cipher_suite,
                                        timeout, retransmission, settings.workarounds, IPMI_FLAGS_DEFAULT);
        if (opened < 0) m_error = error("cannot open a session with " + settings.host);
    }
    ~Session() {
        if (m_ctx == nullptr) return;
        if (!m_error) ipmi_ctx_close(m_ctx);
        ipmi_ctx_destroy(m_ctx);
    }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    [[nodiscard]] const std::optional<PowerError>& failed() const { return m_error; }
    [[nodiscard]] ipmi_ctx_t ctx() const { return m_ctx; }

    PowerError error(std::string what) const {
        const int errnum = ipmi_ctx_errnum(m_ctx);
        const char* said = ipmi_ctx_errormsg(m_ctx);
        return PowerError{error_kind(errnum), std::move(what), said != nullptr ? said : ""};
    }

  private:
    ipmi_ctx_t m_ctx;
    std::optional<PowerError> m_error;
};

// A response object for one command, freed on scope exit.
class Response {
  public:
    explicit Response(fiid_template_t tmpl) : m_obj(fiid_obj_create(tmpl)) {}
    ~Response() {
        if (m_obj != nullptr) fiid_obj_destroy(m_obj);
    }
    Response(const Response&) = delete;
    Response& operator=(const Response&) = delete;
    [[nodiscard]] fiid_obj_t get() const { return m_obj; }

    Result<std::uint64_t> field(const char* name) const {
        std::uint64_t value = 0;
        if (m_obj == nullptr || fiid_obj_get(m_obj, name, &value) <= 0) {
            return fail(ErrorKind::protocol, fmt::format("the answer has no {}", name));
        }
        return value;
    }

  private:
    fiid_obj_t m_obj;
};

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

    [[nodiscard]] std::uint32_t capabilities() const override { return kGuid; }

    // As ipmitool prints it: IPMI sends the GUID least significant byte first.
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
        std::string text;
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
            text += fmt::format("{:02x}", bytes[bytes.size() - 1 - i]);
        }
        return text;
    }

  private:
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

template <typename T>
const T* option(const DriverOptions& options, std::string_view key) {
    const auto it = options.find(key);
    return it == options.end() ? nullptr : std::get_if<T>(&it->second);
}

}  // namespace

Result<std::unique_ptr<Driver>> make(const TargetSettings& target) {
    Settings settings;
    settings.host = target.address;
    if (const auto* port = option<std::int64_t>(target.options, "port"); port != nullptr && *port != 623) {
        settings.host += fmt::format(":{}", *port);
    }
    if (target.username.empty()) {
        return fail(ErrorKind::config, fmt::format("{}: no user name for its BMC (credentials file)", target.name));
    }
    settings.username = target.username;
    settings.password = target.password;
    settings.k_g = target.k_g;
    if (const auto* suite = option<std::int64_t>(target.options, "cipher_suite")) {
        settings.cipher_suite = static_cast<std::uint8_t>(*suite);
    }
    if (const auto* privilege = option<std::string>(target.options, "privilege")) {
        settings.privilege = *privilege == "user"       ? IPMI_PRIVILEGE_LEVEL_USER
                             : *privilege == "operator" ? IPMI_PRIVILEGE_LEVEL_OPERATOR
                                                        : IPMI_PRIVILEGE_LEVEL_ADMIN;
    }
    if (const auto* flags = option<std::vector<std::string>>(target.options, "workarounds")) {
        for (const std::string& flag : *flags) settings.workarounds |= workaround_flag(flag);
    }
    settings.policy = target.policy;
    return std::make_unique<IpmiDriver>(std::move(settings));
}

}  // namespace slumber::power::ipmi
