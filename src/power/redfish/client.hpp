// Talking to one Redfish service: HTTPS with the target's TLS settings,
// authentication by session (POST to the service's Sessions collection, then
// X-Auth-Token; logged in again once if the BMC forgot the session, logged
// out when done, since BMCs hold only a few) or by HTTP Basic on every
// request, and Redfish's error bodies turned into power errors in the BMC's
// own words.
#pragma once

#include <chrono>
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

/// A Redfish answer that is not an error: its status (200, 201, 202, 204),
/// its JSON body (null when there is none) and the headers an asynchronous
/// operation carries (DSP0266: Location names the task monitor of a 202;
/// Retry-After, in seconds, when to look again).
struct Reply {
    long status = 0;
    nlohmann::json body;
    std::string location;  ///< a path ("/redfish/v1/…"), also when the BMC sent an absolute URL
    std::chrono::seconds retry_after{0};
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
    /// A request whose status and headers matter (an action that may be
    /// asynchronous, a task monitor). Errors as for get(); a 404 is
    /// returned as a Reply when `missing_ok` (a task monitor that is gone).
    Result<Reply> send(std::string_view method, std::string_view path, const nlohmann::json* body,
                       bool missing_ok = false);

    [[nodiscard]] const std::string& device() const { return m_settings.device.device; }
    [[nodiscard]] const CallPolicy& policy() const { return m_settings.device.policy; }

  private:
    http::Request request(std::string_view method, std::string_view path) const;
    Result<void> log_in();
    void log_out();

    ClientSettings m_settings;
    http::Connection m_connection;                                   ///< one TLS connection for all the calls
    std::string m_sessions = "/redfish/v1/SessionService/Sessions";  ///< from the service root
    util::Secret m_token;
    std::string m_session;  ///< the session's own path, to end it
};

/// The MessageId of a Redfish error body's first extended message (else its
/// code): "Base.1.8.ResourceInUse"; empty when there is none.
std::string message_id(std::string_view body);

/// The BMC's words from a Redfish error body ({"error": {"message",
/// "@Message.ExtendedInfo": [{"Message"}]}}), or an excerpt of the body.
std::string said(std::string_view body);

}  // namespace slumber::power::redfish
