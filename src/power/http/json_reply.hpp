// An HTTP request whose answer should be JSON: transport failures, refused
// credentials and answers that are not JSON become power errors here, once
// for every HTTP driver; what a status code means beyond that is the
// driver's to say.
#pragma once

#include <nlohmann/json.hpp>

#include "power/http/client.hpp"

namespace slumber::power::http {

struct JsonReply {
    long status = 0;
    nlohmann::json body;
};

/// 401 and 403 are auth_failed; a body that is not JSON is bmc_busy for a
/// 5xx (an overloaded device answers with a plain error page), comes back
/// as a JSON string holding its excerpt for another 4xx (the status is the
/// driver's to read), and is protocol otherwise.
Result<JsonReply> get_json(const Request& request, std::string_view device);

/// The device's own words, shortened and printable, for error messages.
std::string excerpt(std::string_view body);

/// `object[key]` if `object` is an object and that member a string, else
/// empty: unlike json::value(), never throws on a device's odd answer.
std::string text(const nlohmann::json& object, std::string_view key);

}  // namespace slumber::power::http
