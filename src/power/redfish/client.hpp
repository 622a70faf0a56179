// Talking to one Redfish service: HTTPS with the target's TLS settings,
// authentication by session (POST to the service's Sessions collection, then
// X-Auth-Token; logged in again once if the BMC forgot the session, logged
// out when done, since BMCs hold only a few) or by HTTP Basic on every
// request, and Redfish's error bodies turned into power errors in the BMC's
// own words.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "power/http/client.hpp"
#include "power/http/device.hpp"

namespace slumber::power::redfish {

struct ClientSettings {
    http::Device device;
    bool use_session = true;
    bool verify_tls = true;
    std::string ca_file;
};

class Client {
  public:
    explicit Client(ClientSettings settings) : m_settings(std::move(settings)) {}
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    /// The service root, which Redfish serves without credentials.
    Result<nlohmann::json> service_root();
    /// A resource by its @odata.id.
    Result<nlohmann::json> get(std::string_view path);
    /// An action; the answer's body, null when there is none (204).
    Result<nlohmann::json> post(std::string_view path, const nlohmann::json& body);

    [[nodiscard]] const std::string& device() const { return m_settings.device.device; }
    [[nodiscard]] const CallPolicy& policy() const { return m_settings.device.policy; }

  private:
    http::Request request(std::string_view method, std::string_view path) const;
    Result<nlohmann::json> call(std::string_view method, std::string_view path, const nlohmann::json* body);
    Result<void> log_in();
    void log_out();

    ClientSettings m_settings;
    http::Connection m_connection;                                   ///< one TLS connection for all the calls
    std::string m_sessions = "/redfish/v1/SessionService/Sessions";  ///< from the service root
    util::Secret m_token;
    std::string m_session;  ///< the session's own path, to end it
};

/// The BMC's words from a Redfish error body ({"error": {"message",
/// "@Message.ExtendedInfo": [{"Message"}]}}), or an excerpt of the body.
std::string said(std::string_view body);

}  // namespace slumber::power::redfish
