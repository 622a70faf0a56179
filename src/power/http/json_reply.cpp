#include "power/http/json_reply.hpp"

#include <fmt/format.h>

namespace slumber::power::http {

std::string excerpt(std::string_view body) {
    std::string out;
    for (const char c : body.substr(0, 80)) out += c >= ' ' && c < 127 ? c : '?';
    return body.size() > 80 ? out + "…" : out;
}

std::string text(const nlohmann::json& object, std::string_view key) {
    if (!object.is_object()) return {};
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<JsonReply> get_json(const Request& request, std::string_view device) {
    auto response = perform(request, device);
    if (!response) return std::unexpected(response.error());
    if (response->status == 401 || response->status == 403) {
        return fail(ErrorKind::auth_failed,
                    fmt::format("{}: {}", device,
                                request.password.empty() ? "it wants a password (credentials file)"
                                                         : "it refused the user name or password"),
                    excerpt(response->body));
    }
    JsonReply reply{response->status, nlohmann::json::parse(response->body, nullptr, false)};
    // A 404 (or other 4xx) page is often plain text or HTML; what it means is
    // the driver's to say (a Shelly's 404 is a path of the other generation).
    if (reply.body.is_discarded() && reply.status >= 400 && reply.status < 500) {
        reply.body = excerpt(response->body);
        return reply;
    }
    if (reply.body.is_discarded()) {
        return fail(response->status >= 500 ? ErrorKind::bmc_busy : ErrorKind::protocol,
                    fmt::format("{}: HTTP {}, and the answer is not JSON", device, response->status),
                    excerpt(response->body));
    }
    return reply;
}

}  // namespace slumber::power::http
