#include "power/http/device.hpp"

#include <fmt/format.h>

namespace slumber::power::http {

Device describe(const TargetSettings& target, std::string_view kind, std::string base_url,
                std::string_view default_user) {
    Device device;
    while (base_url.ends_with('/')) base_url.pop_back();
    device.device = fmt::format("{} {} ({})", kind, target.name, base_url);
    device.base_url = std::move(base_url);
    device.username = target.username.empty() ? std::string(default_user) : target.username;
    device.password = target.password;
    device.policy = target.policy;
    return device;
}

}  // namespace slumber::power::http
