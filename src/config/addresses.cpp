#include "config/addresses.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <algorithm>
#include <cctype>
#include <charconv>

#include "hostlist/hostlist.hpp"
#include "util/shown_url.hpp"

namespace slumber::config {
namespace {

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// An address as an error shows it: configuration errors reach the log of a
// reload, so what may be a password ("admin:pw@host") is left out.
std::string shown(std::string_view address) {
    if (address.find("://") != std::string_view::npos) return util::shown_url(address);
    const std::size_t at = address.rfind('@');
    return std::string(at == std::string_view::npos ? address : address.substr(at + 1));
}

// A host that inet_aton(3) reads is an IPv4 address to the resolver
// (glibc's getaddrinfo), read as inet_aton reads it: "010" is octal 8,
// "0x0a" is 10, and "10.1" is 10.0.0.1. A BMC address written
// "10.0.0.010" (a pattern's {suffix} keeps a name's zeros) would reach
// 10.0.0.8, another node's BMC. Only the dotted quad as inet_ntop(3) writes
// it is taken; `host` is without brackets and port.
std::optional<std::string> check_ipv4(std::string_view host) {
    const std::string text(host);
    in_addr v4{};
    if (::inet_aton(text.c_str(), &v4) == 0) {
        // Digits and dots that are no address: a DNS name cannot be all
        // numeric (RFC 1123 2.1), so it is a mistyped address.
        const bool numeric = !text.empty() && text.find_first_not_of("0123456789.") == std::string::npos;
        if (!numeric) return std::nullopt;
        return fmt::format(
            "\"{}\" is not an IPv4 address: give four decimal numbers from 0 to 255 without leading zeros, like "
            "10.0.0.10",
            text);
    }
    char canonical[INET_ADDRSTRLEN] = {};
    if (::inet_ntop(AF_INET, &v4, canonical, sizeof canonical) == nullptr || text == canonical) return std::nullopt;
    return fmt::format(
        "\"{}\" is read as {} by the resolver (a leading 0 makes a number octal, 0x hexadecimal, and missing parts "
        "are filled in); write the address as four decimal numbers without leading zeros (in a bmc_pattern, "
        "{{number}} drops a name's zeros, {{suffix}} keeps them)",
        text, canonical);
}

// An IPv6 address (without brackets; a zone after '%' aside) that
// inet_pton(3) does not take: a mistyped one, or an IPv4 tail the resolver
// would not read ("::ffff:10.0.0.010"), would fail only at the first call.
std::optional<std::string> check_ipv6(std::string_view host) {
    const std::string text(host.substr(0, host.find('%')));
    in6_addr v6{};
    if (::inet_pton(AF_INET6, text.c_str(), &v6) == 1) return std::nullopt;
    return fmt::format("\"{}\" is not an IPv6 address{}", shown(std::string(host)),
                       text.find('.') == std::string::npos
                           ? ""
                           : " (an IPv4 part must be four decimal numbers without leading zeros)");
}

std::optional<std::string> check_host(const std::string& address) {
    if (address.find("://") != std::string::npos) {
        return fmt::format("\"{}\" is a URL; this driver wants a host name or IP address", shown(address));
    }
    if (address.find('@') != std::string::npos) {
        return fmt::format(
            "\"{}\" with a user name before '@': credentials go in the credentials file, never in "
            "slumber.toml, which others may read",
            shown(address));
    }
    if (address.find_first_of(" \t/?#") != std::string::npos) {
        return fmt::format("\"{}\" is not a host name or IP address", shown(address));
    }
    // "[v6]" or "[v6]:port"; else one colon separates a port, and more than
    // one is an IPv6 address.
    std::size_t colon = address.find(':');
    if (address.starts_with('[')) {
        const std::size_t close = address.find(']');
        if (close == std::string::npos) return fmt::format("\"{}\": an IPv6 address without its ']'", address);
        if (auto problem = check_ipv6(std::string_view(address).substr(1, close - 1))) return problem;
        if (close + 1 == address.size()) return std::nullopt;
        if (address[close + 1] != ':') return fmt::format("\"{}\": after ']' only ':' and a port may follow", address);
        colon = close + 1;
    } else if (colon == std::string::npos || address.find(':', colon + 1) != std::string::npos) {
        return colon == std::string::npos ? check_ipv4(address) : check_ipv6(address);
    } else if (colon == 0) {
        return fmt::format("\"{}\" has a port but no host", address);
    } else if (auto problem = check_ipv4(std::string_view(address).substr(0, colon))) {
        return problem;
    }
    int port = 0;
    const char* first = address.data() + colon + 1;
    const char* last = address.data() + address.size();
    const auto [end, ec] = std::from_chars(first, last, port);
    if (ec != std::errc{} || end != last || port < 1 || port > 65535) {
        return fmt::format("\"{}\": the port after ':' must be a number from 1 to 65535", address);
    }
    return std::nullopt;
}

// A plug's base URL: the driver adds the path of each call (Tasmota's
// /cm?cmnd=..., Shelly's /rpc/...), and the credentials file gives the
// login. A password in the URL itself would sit in slumber.toml, which others
// may read, and travel into every error that names the device.
std::optional<std::string> check_url(const std::string& address) {
    const bool http = address.starts_with("http://") || address.starts_with("https://");
    if (!http || address.size() <= address.find("://") + 3 || address.find_first_of(" \t") != std::string::npos) {
        return fmt::format("\"{}\" is not an http:// or https:// URL", shown(address));
    }
    const std::size_t end = address.find_first_of("?#");
    if (address.substr(0, end).find('@') != std::string::npos) {
        return fmt::format(
            "\"{}\" with a user name before '@': credentials go in the credentials file "
            "(credentials = \"/etc/slumber/...\"), never in slumber.toml, which others may read",
            shown(address));
    }
    if (end != std::string::npos) {
        return fmt::format(
            "\"{}\" has a query or fragment ({}...): give the device's base URL; credentials go in "
            "the credentials file",
            shown(address), address[end]);
    }
    const std::size_t authority = address.find("://") + 3;
    const std::string_view host_port =
        std::string_view(address).substr(authority, address.find('/', authority) - authority);
    if (!host_port.starts_with('[')) return check_ipv4(host_port.substr(0, host_port.find(':')));
    const std::size_t close = host_port.find(']');
    if (close == std::string_view::npos) return fmt::format("\"{}\": an IPv6 host without its ']'", shown(address));
    return check_ipv6(host_port.substr(1, close - 1));
}

std::optional<std::string> check_mac(const std::string& address) {
    bool ok = address.size() == 17;
    for (std::size_t i = 0; ok && i < address.size(); ++i) {
        ok = i % 3 == 2 ? (address[i] == ':' || address[i] == '-') : is_hex(address[i]);
    }
    if (ok) return std::nullopt;
    return fmt::format("\"{}\" is not a MAC address like aa:bb:cc:dd:ee:ff", shown(address));
}

std::string_view trailing_digits(std::string_view name) {
    std::size_t begin = name.size();
    while (begin > 0 && name[begin - 1] >= '0' && name[begin - 1] <= '9') --begin;
    return name.substr(begin);
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// A host name or an IP address (IPv6 maybe in brackets), one way.
std::string host_identity(std::string_view host) {
    const bool bracketed = host.size() > 2 && host.front() == '[' && host.back() == ']';
    const std::string bare(bracketed ? host.substr(1, host.size() - 2) : host);
    in_addr v4{};
    if (!bracketed && ::inet_aton(bare.c_str(), &v4) != 0) {
        char text[INET_ADDRSTRLEN] = {};
        if (::inet_ntop(AF_INET, &v4, text, sizeof text) != nullptr) return text;
    }
    in6_addr v6{};
    if (::inet_pton(AF_INET6, bare.c_str(), &v6) == 1) {
        char text[INET6_ADDRSTRLEN] = {};
        if (::inet_ntop(AF_INET6, &v6, text, sizeof text) != nullptr) return fmt::format("[{}]", text);
    }
    std::string name = lower(bare);
    if (name.size() > 1 && name.back() == '.') name.pop_back();
    return name;
}

// host, host:port, [v6]:port or a bare IPv6 address: the host and the port
// (with its ':') as written.
std::pair<std::string_view, std::string_view> split_port(std::string_view address) {
    if (address.starts_with('[')) {
        const std::size_t close = address.find(']');
        if (close == std::string_view::npos) return {address, {}};
        return {address.substr(0, close + 1), address.substr(close + 1)};
    }
    const std::size_t colon = address.find(':');
    if (colon == std::string_view::npos || address.find(':', colon + 1) != std::string_view::npos) return {address, {}};
    return {address.substr(0, colon), address.substr(colon)};
}

}  // namespace

std::string address_identity(power::AddressKind kind, const std::string& address) {
    switch (kind) {
        case power::AddressKind::host: {
            const auto [host, port] = split_port(address);
            return host_identity(host) + std::string(port);
        }
        case power::AddressKind::url: {
            // scheme://authority/path: the path as written, less a final '/'.
            const std::size_t scheme_end = address.find("://");
            if (scheme_end == std::string::npos) return address;
            const std::size_t authority = scheme_end + 3;
            const std::size_t path = std::min(address.find('/', authority), address.size());
            const auto [host, port] = split_port(std::string_view(address).substr(authority, path - authority));
            std::string rest = address.substr(path);
            while (!rest.empty() && rest.back() == '/') rest.pop_back();
            return lower(std::string_view(address).substr(0, authority)) + host_identity(host) + std::string(port) +
                   rest;
        }
        case power::AddressKind::mac: {
            std::string mac = lower(address);
            std::replace(mac.begin(), mac.end(), '-', ':');
            return mac;
        }
        case power::AddressKind::none:
            break;
    }
    return address;
}

std::vector<std::string> expand_addresses(TableReader& reader, const std::vector<std::string>& items,
                                          const std::vector<std::string>& names) {
    std::vector<std::string> addresses;
    for (const std::string& item : items) {
        // An IPv6 literal in brackets ("[fe80::1]:623", "http://[::1]:8080")
        // is one address: a hostlist's brackets never hold a ':' (a tester
        // could not write one).
        const std::size_t open = item.find('[');
        if (open != std::string::npos && item.find(':', open) < item.find(']', open)) {
            addresses.push_back(item);
            continue;
        }
        auto list = hostlist::Hostlist::parse(item);
        if (!list) {
            reader.error("bmc", hostlist::describe(list.error(), item),
                         "for names like node001-ipmi use bmc_pattern = \"{name}-ipmi\"");
            return {};
        }
        for (std::string& name : list->names()) addresses.push_back(std::move(name));
    }
    if (addresses.size() != names.size()) {
        reader.error("bmc", fmt::format("{} addresses for {} node names", addresses.size(), names.size()),
                     "give one BMC address per name, in the same order as names");
        return {};
    }
    return addresses;
}

std::vector<std::string> apply_pattern(TableReader& reader, const std::string& pattern,
                                       const std::vector<std::string>& names) {
    std::vector<std::string> out;
    out.reserve(names.size());
    for (const std::string& name : names) {
        const std::string_view digits = trailing_digits(name);
        std::string address;
        std::size_t pos = 0;
        while (pos < pattern.size()) {
            const std::size_t open = pattern.find('{', pos);
            address.append(pattern, pos, open == std::string::npos ? std::string::npos : open - pos);
            if (open == std::string::npos) break;
            const std::size_t close = pattern.find('}', open);
            const std::string_view field =
                std::string_view(pattern).substr(open + 1, close == std::string::npos ? 0 : close - open - 1);
            if (close == std::string::npos || (field != "name" && field != "number" && field != "suffix")) {
                reader.error("bmc_pattern",
                             fmt::format("\"{}\": unknown or unclosed field at character {}", pattern, open + 1),
                             "use {name}, {number} or {suffix}");
                return {};
            }
            if (field != "name" && digits.empty()) {
                reader.error("bmc_pattern", fmt::format("{{{}}} needs a number at the end of the node name, "
                                                        "and \"{}\" has none",
                                                        field, name));
                return {};
            }
            if (field == "name") {
                address += name;
            } else if (field == "suffix") {
                address += digits;
            } else {
                const std::size_t nonzero = digits.find_first_not_of('0');
                address += nonzero == std::string_view::npos ? "0" : digits.substr(nonzero);
            }
            pos = close + 1;
        }
        out.push_back(std::move(address));
    }
    return out;
}

std::optional<std::string> check_address(power::AddressKind kind, const std::string& address) {
    if (address.empty()) return "is empty";
    switch (kind) {
        case power::AddressKind::host:
            return check_host(address);
        case power::AddressKind::url:
            return check_url(address);
        case power::AddressKind::mac:
            return check_mac(address);
        case power::AddressKind::none:
            return "this driver takes no address (remove it)";
    }
    return std::nullopt;
}

std::string address_fix(power::AddressKind kind) {
    switch (kind) {
        case power::AddressKind::host:
            return "give a host name, an IPv4 address as four decimal numbers (10.0.0.10, 10.0.0.10:623) or an IPv6 "
                   "address ([fe80::1]:623 with a port)";
        case power::AddressKind::url:
            return "give the device's base URL, http:// or https://, e.g. http://10.0.0.5 or http://[fe80::5]:8080";
        case power::AddressKind::mac:
            return "give the node's MAC address, e.g. 00:11:22:33:44:55";
        case power::AddressKind::none:
            return "remove the address";
    }
    return {};
}

}  // namespace slumber::config
