// What every HTTP driver knows about its target, taken from the target's
// settings the same way for all of them: where it is, what to call it in
// errors, whose credentials to send and how long to wait.
#pragma once

#include <string>
#include <string_view>

#include "power/factory.hpp"

namespace slumber::power::http {

struct Device {
    std::string device;    ///< "plug ibswitch (http://10.0.0.5)", for errors
    std::string base_url;  ///< without a trailing slash
    std::string username;
    util::Secret password;
    CallPolicy policy;
};

/// `kind` names the device in errors ("plug", "Redfish BMC"); `base_url` is
/// the address as a URL; `default_user` is the account the firmware ships
/// with, used when the credentials file names none.
Device describe(const TargetSettings& target, std::string_view kind, std::string base_url,
                std::string_view default_user);

}  // namespace slumber::power::http
