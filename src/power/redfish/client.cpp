#include "power/redfish/client.hpp"

#include <fmt/format.h>

#include "power/http/json_reply.hpp"

namespace slumber::power::redfish {

using nlohmann::json;

std::string said(std::string_view body) {
    const json parsed = json::parse(body, nullptr, false);
    if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
        const json& error = parsed["error"];
        // The extended messages are the specific ones; "message" is often
        // "A general error has occurred. See ExtendedInfo".
        const auto extended = error.find("@Message.ExtendedInfo");
        if (extended != error.end() && extended->is_array() && !extended->empty() && (*extended)[0].is_object() &&
            (*extended)[0].contains("Message") && (*extended)[0]["Message"].is_string()) {
            return (*extended)[0]["Message"].get<std::string>();
        }
        if (error.contains("message") && error["message"].is_string()) return error["message"].get<std::string>();
    }
    return http::excerpt(body);
}

Client::~Client() { log_out(); }

http::Request Client::request(std::string_view method, std::string_view path) const {
    http::Request request;
    request.method = std::string(method);
    request.url = m_settings.device.base_url + std::string(path);
    request.timeout = m_settings.device.policy.timeout;
    request.verify_tls = m_settings.verify_tls;
    request.ca_file = m_settings.ca_file;
    request.headers.emplace_back("Accept: application/json");
    request.headers.emplace_back("OData-Version: 4.0");
    return request;
}

Result<json> Client::service_root() { return call("GET", "/redfish/v1/", nullptr); }

Result<json> Client::get(std::string_view path) { return call("GET", path, nullptr); }

Result<json> Client::post(std::string_view path, const json& body) { return call("POST", path, &body); }

Result<json> Client::call(std::string_view method, std::string_view path, const json* body) {
    const std::string& device = m_settings.device.device;
    const bool public_resource = path == "/redfish/v1/" || path == "/redfish/v1";
    for (int attempt = 0;; ++attempt) {
        if (!public_resource && m_settings.use_session && m_token.empty()) {
            if (auto logged_in = log_in(); !logged_in) return std::unexpected(logged_in.error());
        }
        http::Request request = this->request(method, path);
        if (body != nullptr) request.body = body->dump();
        if (!public_resource) {
            if (m_settings.use_session) {
                request.headers.push_back(fmt::format("X-Auth-Token: {}", m_token.reveal()));
            } else {
                request.username = m_settings.device.username;
                request.password = m_settings.device.password;
            }
        }
        auto response = http::perform(request, device, &m_connection);
        if (!response) return std::unexpected(response.error());
        const long status = response->status;
        // A session the BMC has dropped (timed out, BMC reset): log in anew, once.
        if (status == 401 && m_settings.use_session && !m_token.empty() && attempt == 0) {
            m_token = util::Secret();
            m_session.clear();
            continue;
        }
        if (status == 401 || status == 403) {
            return fail(status == 401 ? ErrorKind::auth_failed : ErrorKind::permission,
                        fmt::format("{}: {} {} refused ({})", device, method, path,
                                    status == 401 ? "credentials" : "the account's privilege"),
                        said(response->body));
        }
        if (status >= 500) {
            return fail(ErrorKind::bmc_busy, fmt::format("{}: {} {}: HTTP {}", device, method, path, status),
                        said(response->body));
        }
        if (status == 404) {
            return fail(ErrorKind::protocol, fmt::format("{}: no resource at {}", device, path), said(response->body));
        }
        if (status >= 300) {
            return fail(ErrorKind::protocol, fmt::format("{}: {} {}: HTTP {}", device, method, path, status),
                        said(response->body));
        }
        if (status == 204 || (method != "GET" && response->body.empty())) return json(nullptr);
        json parsed = json::parse(response->body, nullptr, false);
        if (parsed.is_discarded() || !parsed.is_object()) {
            return fail(ErrorKind::protocol, fmt::format("{}: {} is not a JSON object", device, path),
                        http::excerpt(response->body));
        }
        return parsed;
    }
}

Result<void> Client::log_in() {
    const std::string& device = m_settings.device.device;
    // The sessions collection is named by the service root; the usual path
    // is the fallback when the root says nothing.
    auto root = service_root();
    if (!root) return std::unexpected(root.error());
    if (const auto links = root->find("Links"); links != root->end() && links->is_object()) {
        const json sessions = links->value("Sessions", json::object());
        if (sessions.is_object() && sessions.contains("@odata.id") && sessions["@odata.id"].is_string()) {
            m_sessions = sessions["@odata.id"].get<std::string>();
        }
    }
    http::Request request = this->request("POST", m_sessions);
    request.body =
        json{{"UserName", m_settings.device.username}, {"Password", std::string(m_settings.device.password.reveal())}}
            .dump();
    auto response = http::perform(request, device, &m_connection);
    request.body.assign(request.body.size(), '\0');  // the password was in it
    if (!response) return std::unexpected(response.error());
    if (response->status == 401 || response->status == 403) {
        return fail(ErrorKind::auth_failed,
                    fmt::format("{}: {}", device,
                                m_settings.device.password.empty() ? "it wants a password (credentials file)"
                                                                   : "it refused the user name or password"),
                    said(response->body));
    }
    if (response->status >= 500) {
        return fail(ErrorKind::bmc_busy, fmt::format("{}: no session (HTTP {})", device, response->status),
                    said(response->body));
    }
    const std::string token = response->header("X-Auth-Token");
    if (response->status >= 300 || token.empty()) {
        return fail(ErrorKind::protocol,
                    fmt::format("{}: logging in gave HTTP {} and {}", device, response->status,
                                token.empty() ? "no X-Auth-Token" : "a token"),
                    said(response->body));
    }
    m_token = util::Secret(token);
    std::string location = response->header("Location");
    // Location may be absolute ("https://bmc/redfish/v1/…"): keep the path.
    if (const auto at = location.find("/redfish/"); at != std::string::npos) location.erase(0, at);
    m_session = location;
    return {};
}

void Client::log_out() {
    if (m_token.empty() || m_session.empty()) return;
    http::Request request = this->request("DELETE", m_session);
    request.headers.push_back(fmt::format("X-Auth-Token: {}", m_token.reveal()));
    request.timeout = std::min(request.timeout, std::chrono::milliseconds(2000));
    (void)http::perform(request, m_settings.device.device, &m_connection);  // the BMC expires it otherwise
    m_token = util::Secret();
    m_session.clear();
}

}  // namespace slumber::power::redfish
