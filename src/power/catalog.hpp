// The power drivers slumber knows, with the options each accepts and the
// function that builds each. One table serves configuration checking and
// driver construction (make_driver, factory.hpp), so that adding a driver
// touches one place: its row in catalog.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "power/result.hpp"

namespace slumber::power {

class Driver;
struct TargetSettings;

/// What a target's address is for this driver.
enum class AddressKind {
    host,  ///< host name or IP address, optionally ":port" (IPMI, Redfish)
    url,   ///< http:// or https:// URL (smart plugs)
    mac,   ///< Ethernet address aa:bb:cc:dd:ee:ff (Wake-on-LAN)
    none,  ///< no address (exec: the command knows)
};

enum class OptionType {
    integer,
    boolean,
    string,
    string_list,
    duration,
    file,     ///< the absolute path of a file that exists (a certificate): a relative one depends on who runs slumber
    command,  ///< a command template (power/exec/exec_driver.hpp), checked when the file is read, not when it runs
};

struct OptionSpec {
    std::string_view key;
    OptionType type;
    std::string_view help;
    std::int64_t min = 0;                       ///< integers only
    std::int64_t max = 0;                       ///< integers only
    std::span<const std::string_view> choices;  ///< strings and lists: allowed values, if limited
};

/// Builds one target's driver from its settings, or says why it cannot
/// (ErrorKind::config: a setting the driver refuses).
using MakeDriver = Result<std::unique_ptr<Driver>> (*)(const TargetSettings& settings);

struct DriverInfo {
    std::string_view name;
    std::string_view summary;
    AddressKind address;
    bool needs_credentials;
    std::span<const OptionSpec> options;
    /// The options that pick one target among several behind one address
    /// (a blade chassis' systems, a power strip's relays, BMCs on one host's
    /// ports): a target is its address and these.
    std::span<const std::string_view> target_options;
    MakeDriver make;
};

using OptionValue = std::variant<std::int64_t, bool, std::string, std::vector<std::string>, std::chrono::milliseconds>;
using DriverOptions = std::map<std::string, OptionValue, std::less<>>;

/// Every driver, in the order `slumber config check` lists them.
std::span<const DriverInfo> drivers();
const DriverInfo* find_driver(std::string_view name);
const OptionSpec* find_option(const DriverInfo& driver, std::string_view key);

/// A target's option of type T, if it is set.
template <typename T>
const T* option_value(const DriverOptions& options, std::string_view key) {
    const auto it = options.find(key);
    return it == options.end() ? nullptr : std::get_if<T>(&it->second);
}

std::string_view to_string(AddressKind kind);
std::string_view to_string(OptionType type);

}  // namespace slumber::power
