#include "power/http/device.hpp"

#include <fmt/format.h>

#include "util/shown_url.hpp"

namespace slumber::power::http {

Device describe(const TargetSettings& target, std::string_view kind, std::string base_url,
                std::string_view default_user) {
    Device device;
    while (base_url.ends_with('/')) base_url.pop_back();
    // Errors name the device: they reach the journal, the log and the web
    // API, so never with the login a URL may carry.
    device.device = fmt::format("{} {} ({})", kind, target.name, util::shown_url(base_url));
    device.base_url = std::move(base_url);
    device.username = target.username.empty() ? std::string(default_user) : target.username;
    device.password = target.password;
    device.policy = target.policy;
    return device;
}

}  // namespace slumber::power::http
