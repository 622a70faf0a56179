#include "power/redfish/client.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

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

std::string message_id(std::string_view body) {
    const json parsed = json::parse(body, nullptr, false);
    if (!parsed.is_object() || !parsed.contains("error") || !parsed["error"].is_object()) return {};
    const json& error = parsed["error"];
    const auto extended = error.find("@Message.ExtendedInfo");
    if (extended != error.end() && extended->is_array() && !extended->empty()) {
        if (std::string id = http::text((*extended)[0], "MessageId"); !id.empty()) return id;
    }
    return http::text(error, "code");
}

namespace {

// Location may be absolute ("https://bmc/redfish/v1/…"): the path is kept.
std::string path_of(std::string location) {
    if (const auto at = location.find("/redfish/"); at != std::string::npos) location.erase(0, at);
    return location;
}

// Retry-After in seconds (DSP0266 allows it on a 202 and a 503); an HTTP
// date or anything else reads as none.
std::chrono::seconds retry_after(const std::string& value) {
    int seconds = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc{} || end != value.data() + value.size() || seconds < 0) return std::chrono::seconds(0);
    return std::chrono::seconds(std::min(seconds, 3600));
}

}  // namespace

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

Result<json> Client::service_root() { return get("/redfish/v1/"); }

Result<json> Client::get(std::string_view path) {
    auto reply = send("GET", path, nullptr);
    if (!reply) return std::unexpected(reply.error());
    if (!reply->body.is_object()) {
        return fail(ErrorKind::protocol, fmt::format("{}: {} is not a JSON object", device(), path),
                    http::excerpt(reply->body.dump()));
    }
    return std::move(reply->body);
}

Result<json> Client::post(std::string_view path, const json& body) {
    auto reply = send("POST", path, &body);
    if (!reply) return std::unexpected(reply.error());
    return std::move(reply->body);
}

Result<Reply> Client::send(std::string_view method, std::string_view path, const json* body, bool missing_ok) {
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
        // Base registry ResourceInUse: "the resource is in use or in
        // transition" (bmcweb answers a Reset with it, HTTP 503, while a
        // power change is under way).
        if (status >= 400 && message_id(response->body).ends_with(".ResourceInUse")) {
            return fail(ErrorKind::in_progress,
                        fmt::format("{}: {} {}: a change is in progress (HTTP {})", device, method, path, status),
                        said(response->body));
        }
        if (status >= 500) {
            return fail(ErrorKind::bmc_busy, fmt::format("{}: {} {}: HTTP {}", device, method, path, status),
                        said(response->body));
        }
        if (status == 404 && !missing_ok) {
            return fail(ErrorKind::protocol, fmt::format("{}: no resource at {}", device, path), said(response->body));
        }
        if (status >= 300 && status != 404) {
            return fail(ErrorKind::protocol, fmt::format("{}: {} {}: HTTP {}", device, method, path, status),
                        said(response->body));
        }
        Reply reply{status, nullptr, path_of(response->header("Location")),
                    retry_after(response->header("Retry-After"))};
        if (status == 404 || status == 204 || (method != "GET" && response->body.empty())) return reply;
        reply.body = json::parse(response->body, nullptr, false);
        if (reply.body.is_discarded() || !reply.body.is_object()) {
            return fail(ErrorKind::protocol, fmt::format("{}: {} is not a JSON object", device, path),
                        http::excerpt(response->body));
        }
        return reply;
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
    m_session = path_of(response->header("Location"));
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
