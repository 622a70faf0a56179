#include "power/catalog.hpp"

#include <array>

#include "power/exec/exec_driver.hpp"
#include "power/ipmi/ipmi_driver.hpp"
#include "power/ipmi/workarounds.hpp"
#include "power/redfish/redfish_driver.hpp"
#include "power/shelly/shelly_driver.hpp"
#include "power/tasmota/tasmota_driver.hpp"
#include "power/wol/wol_driver.hpp"

namespace slumber::power {
namespace {

using namespace std::string_view_literals;

constexpr std::array kPrivileges{"user"sv, "operator"sv, "admin"sv};

constexpr std::array kIpmiOptions{
    OptionSpec{"port", OptionType::integer, "UDP port of the BMC (default 623)", 1, 65535, {}},
    OptionSpec{"cipher_suite", OptionType::integer, "IPMI 2.0 cipher suite ID (default 3)", 0, 17, {}},
    OptionSpec{"privilege", OptionType::string, "session privilege level (default admin)", 0, 0, kPrivileges},
    OptionSpec{"workarounds", OptionType::string_list, "FreeIPMI workaround flags", 0, 0, ipmi::kWorkaroundNames},
};

constexpr std::array kRedfishAuth{"session"sv, "basic"sv};
constexpr std::array kRedfishOptions{
    OptionSpec{"verify_tls", OptionType::boolean, "check the BMC's certificate (default true)", 0, 0, {}},
    OptionSpec{"ca_file", OptionType::file, "CA bundle or self-signed certificate to trust", 0, 0, {}},
    OptionSpec{"auth", OptionType::string, "session (default) or basic authentication", 0, 0, kRedfishAuth},
    OptionSpec{"system", OptionType::string, "the ComputerSystem's Id, where a BMC manages several", 0, 0, {}},
};

constexpr std::array kTasmotaOptions{
    OptionSpec{"relay", OptionType::integer, "relay number on multi-relay devices (default 1)", 1, 8, {}},
};

constexpr std::array kShellyOptions{
    OptionSpec{"generation", OptionType::integer, "API generation: 1, or 2 for Gen2+ RPC (default 2)", 1, 2, {}},
    OptionSpec{"channel", OptionType::integer, "switch channel (default 0)", 0, 7, {}},
};

constexpr std::array kWolOptions{
    OptionSpec{"broadcast", OptionType::string, "broadcast address for the magic packet", 0, 0, {}},
    OptionSpec{"port", OptionType::integer, "UDP port for the magic packet (default 9)", 1, 65535, {}},
    OptionSpec{"off_command", OptionType::command, "command that shuts the node down (WoL cannot)", 0, 0, {}},
    OptionSpec{
        "probe", OptionType::string, "host:port whose TCP answer means on (default the name, port 22)", 0, 0, {}},
};

constexpr std::array kExecOptions{
    OptionSpec{"on", OptionType::command, "command that powers the target on", 0, 0, {}},
    OptionSpec{"off", OptionType::command, "command that powers it off hard", 0, 0, {}},
    OptionSpec{"soft", OptionType::command, "command that shuts it down cleanly", 0, 0, {}},
    OptionSpec{"cycle", OptionType::command, "command that power-cycles it", 0, 0, {}},
    OptionSpec{"status", OptionType::command, "command that prints on or off", 0, 0, {}},
};

constexpr std::array kIpmiTarget{"port"sv};
constexpr std::array kRedfishTarget{"system"sv};
constexpr std::array kTasmotaTarget{"relay"sv};
constexpr std::array kShellyTarget{"channel"sv};

constexpr std::array kDrivers{
    DriverInfo{"ipmi", "IPMI 2.0 over LAN (RMCP+)", AddressKind::host, true, kIpmiOptions, kIpmiTarget, ipmi::make},
    DriverInfo{"redfish", "Redfish ComputerSystem over HTTPS", AddressKind::host, true, kRedfishOptions, kRedfishTarget,
               redfish::make},
    DriverInfo{"tasmota", "Tasmota smart plug (HTTP)", AddressKind::url, false, kTasmotaOptions, kTasmotaTarget,
               tasmota::make},
    DriverInfo{"shelly", "Shelly smart plug (HTTP)", AddressKind::url, false, kShellyOptions, kShellyTarget,
               shelly::make},
    DriverInfo{"wol", "Wake-on-LAN magic packet", AddressKind::mac, false, kWolOptions, {}, wol::make},
    DriverInfo{"exec", "site commands per action", AddressKind::none, false, kExecOptions, {}, exec::make},
};

}  // namespace

std::span<const DriverInfo> drivers() { return kDrivers; }

const DriverInfo* find_driver(std::string_view name) {
    for (const DriverInfo& driver : kDrivers) {
        if (driver.name == name) return &driver;
    }
    return nullptr;
}

const OptionSpec* find_option(const DriverInfo& driver, std::string_view key) {
    for (const OptionSpec& option : driver.options) {
        if (option.key == key) return &option;
    }
    return nullptr;
}

std::string_view to_string(AddressKind kind) {
    switch (kind) {
        case AddressKind::host:
            return "host[:port]";
        case AddressKind::url:
            return "http(s) URL";
        case AddressKind::mac:
            return "MAC address";
        case AddressKind::none:
            return "none";
    }
    return "?";
}

std::string_view to_string(OptionType type) {
    switch (type) {
        case OptionType::integer:
            return "an integer";
        case OptionType::boolean:
            return "true or false";
        case OptionType::string:
            return "a string";
        case OptionType::string_list:
            return "a list of strings";
        case OptionType::duration:
            return "a duration such as \"30s\"";
        case OptionType::file:
            return "the absolute path of a file";
        case OptionType::command:
            return "a command, split into words as a shell would, with {name} and {user}";
    }
    return "?";
}

}  // namespace slumber::power
