#include "power/wol/wol_driver.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "power/exec/exec_driver.hpp"
#include "util/probe.hpp"

namespace slumber::power::wol {
namespace {

constexpr int kDefaultPort = 9;        // "discard", where WoL packets usually go
constexpr int kDefaultProbePort = 22;  // SSH: what a Linux node answers on once up
constexpr int kCopies = 3;             // UDP may drop one

int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

struct Settings {
    std::string name;
    std::array<std::uint8_t, 6> mac{};
    std::string broadcast = "255.255.255.255";
    int port = kDefaultPort;
    std::string probe_host;
    int probe_port = kDefaultProbePort;
    CallPolicy policy;
    std::unique_ptr<Driver> off;  ///< the off_command, as an exec driver; none without one
};

class WolDriver final : public Driver {
  public:
    explicit WolDriver(Settings settings) : m_settings(std::move(settings)) {}

    Result<void> on() override {
        auto now = status();
        if (!now) return std::unexpected(now.error());
        if (*now == PowerState::on) return {};
        return send_magic_packet();
    }
    Result<void> off() override { return shut_down(); }
    Result<void> soft() override { return shut_down(); }
    Result<void> cycle() override {
        return fail(ErrorKind::unsupported, fmt::format("{}: Wake-on-LAN cannot power-cycle", m_settings.name));
    }

    Result<PowerState> status() override {
        const util::ProbeResult probe =
            util::probe_tcp(m_settings.probe_host, m_settings.probe_port, m_settings.policy.timeout);
        switch (probe.reach) {
            case util::Reach::open:
            case util::Reach::refused:  // its kernel answered: it is up
                return PowerState::on;
            case util::Reach::silent:
                return PowerState::off;
            case util::Reach::unresolved:
                return fail(ErrorKind::config,
                            fmt::format("{}: probe host {} does not resolve", m_settings.name, m_settings.probe_host),
                            probe.detail);
            case util::Reach::error:
                break;
        }
        return fail(
            ErrorKind::unreachable,
            fmt::format("{}: cannot probe {}:{}", m_settings.name, m_settings.probe_host, m_settings.probe_port),
            probe.detail);
    }

  private:
    Result<void> shut_down() {
        if (!m_settings.off) {
            return fail(ErrorKind::unsupported,
                        fmt::format("{}: Wake-on-LAN cannot switch off; set off_command", m_settings.name));
        }
        return m_settings.off->off();
    }

    Result<void> send_magic_packet() {
        addrinfo hints{};
        hints.ai_family = AF_INET;
        hints.ai_socktype = SOCK_DGRAM;
        addrinfo* found = nullptr;
        const std::string port = std::to_string(m_settings.port);
        if (const int rc = ::getaddrinfo(m_settings.broadcast.c_str(), port.c_str(), &hints, &found); rc != 0) {
            return fail(ErrorKind::config,
                        fmt::format("{}: broadcast address {} does not resolve", m_settings.name, m_settings.broadcast),
                        ::gai_strerror(rc));
        }
        const std::unique_ptr<addrinfo, void (*)(addrinfo*)> owner(found, ::freeaddrinfo);
        const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return fail(ErrorKind::internal, "cannot open a UDP socket", std::strerror(errno));
        const int yes = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &yes, sizeof yes);
        const auto packet = magic_packet(m_settings.mac);
        int sent = 0;
        std::string error;
        for (int i = 0; i < kCopies; ++i) {
            if (::sendto(fd, packet.data(), packet.size(), 0, found->ai_addr, found->ai_addrlen) ==
                static_cast<ssize_t>(packet.size())) {
                ++sent;
            } else {
                error = std::strerror(errno);
            }
        }
        ::close(fd);
        if (sent == 0) {
            return fail(ErrorKind::unreachable,
                        fmt::format("{}: cannot send the magic packet to {}", m_settings.name, m_settings.broadcast),
                        error);
        }
        return {};
    }

    Settings m_settings;
};

}  // namespace

std::optional<std::array<std::uint8_t, 6>> parse_mac(std::string_view text) {
    if (text.size() != 17) return std::nullopt;
    std::array<std::uint8_t, 6> mac{};
    for (std::size_t i = 0; i < 6; ++i) {
        const int high = hex(text[i * 3]);
        const int low = hex(text[i * 3 + 1]);
        if (high < 0 || low < 0 || (i < 5 && text[i * 3 + 2] != ':' && text[i * 3 + 2] != '-')) return std::nullopt;
        mac[i] = static_cast<std::uint8_t>(high * 16 + low);
    }
    return mac;
}

std::array<std::uint8_t, 102> magic_packet(const std::array<std::uint8_t, 6>& mac) {
    std::array<std::uint8_t, 102> packet{};
    for (std::size_t i = 0; i < 6; ++i) packet[i] = 0xFF;
    for (std::size_t copy = 0; copy < 16; ++copy) {
        for (std::size_t i = 0; i < 6; ++i) packet[6 + copy * 6 + i] = mac[i];
    }
    return packet;
}

Result<std::unique_ptr<Driver>> make(const TargetSettings& target) {
    Settings settings;
    settings.name = target.name;
    const auto mac = parse_mac(target.address);
    if (!mac) {
        return fail(ErrorKind::config, fmt::format("{}: \"{}\" is not a MAC address", target.name, target.address));
    }
    settings.mac = *mac;
    if (const auto* broadcast = option_value<std::string>(target.options, "broadcast")) settings.broadcast = *broadcast;
    if (const auto* port = option_value<std::int64_t>(target.options, "port")) settings.port = static_cast<int>(*port);
    settings.probe_host = target.name;
    if (const auto* probe = option_value<std::string>(target.options, "probe")) {
        const auto colon = probe->rfind(':');
        int port = 0;
        const char* end = probe->data() + probe->size();
        if (colon == std::string::npos || colon == 0 ||
            std::from_chars(probe->data() + colon + 1, end, port).ptr != end || port < 1 || port > 65535) {
            return fail(ErrorKind::config, fmt::format("{}: probe \"{}\" is not host:port", target.name, *probe));
        }
        settings.probe_host = probe->substr(0, colon);
        settings.probe_port = port;
    }
    settings.policy = target.policy;
    if (const auto* command = option_value<std::string>(target.options, "off_command")) {
        // The off_command is an exec driver's `off`, with the same safety.
        TargetSettings off = target;
        off.options.clear();
        off.options["off"] = *command;
        auto driver = exec::make(off);
        if (!driver) return std::unexpected(driver.error());
        settings.off = std::move(*driver);
    }
    return std::make_unique<WolDriver>(std::move(settings));
}

}  // namespace slumber::power::wol
