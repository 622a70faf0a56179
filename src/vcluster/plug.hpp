// A smart plug, emulated for tests and the virtual cluster: no package
// provides one. It speaks one of three documented HTTP APIs, with their
// habits:
// - Tasmota: `/cm?cmnd=` with Power, Power<n> (on, off, toggle, 1, 0, 2),
//   Status 2 and Status 8; a single relay is called "POWER"; a missing or
//   wrong password gets HTTP 200 with {"WARNING":"Need user=…"}; an unknown
//   command {"Command":"Unknown"}.
// - Shelly Gen1: `/relay/<n>[?turn=on|off|toggle]`, `/status` (meters),
//   `/shelly`; HTTP Basic authentication, 401 when it fails.
// - Shelly Gen2+: RPC over GET, `/rpc/Switch.Set?id=<n>&on=true|false`,
//   `/rpc/Switch.GetStatus?id=<n>`, `/rpc/Shelly.GetDeviceInfo`; HTTP Digest
//   authentication with SHA-256 as user "admin"; errors as {"code","message"}.
// Faults make it misbehave as real plugs on Wi-Fi do.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "vcluster/http_fault.hpp"

namespace slumber::vcluster {

enum class PlugApi { tasmota, shelly_gen1, shelly_gen2 };

struct PlugSettings {
    PlugApi api = PlugApi::tasmota;
    std::string address = "127.0.0.1";
    int port = 0;  ///< 0: the kernel picks one (see Plug::port())
    int relays = 1;
    std::string password;  ///< empty: none asked
    double watts = 0;      ///< draw while a relay is on; 0: no energy monitor
    /// Called when a relay changes (relay from 0), e.g. to power what it feeds.
    std::function<void(int relay, bool on)> on_switch;
};

/// Faults: slow, truncated, garbage, http_error, liar (it does not switch
/// and reports the state it was asked for).
using PlugFault = HttpFault;

class Plug {
  public:
    explicit Plug(PlugSettings settings);
    ~Plug();
    Plug(const Plug&) = delete;
    Plug& operator=(const Plug&) = delete;

    /// Listens and serves on its own thread; false if it cannot listen.
    bool start();
    void stop();
    [[nodiscard]] int port() const;
    /// Relays count from 0 (Shelly's channel; Tasmota's relay 1 is relay 0).
    [[nodiscard]] bool relay_on(int relay) const;
    void set_relay(int relay, bool on);
    void set_fault(PlugFault fault);
    void set_password(std::string password);
    /// Requests whose credentials it refused (a Digest challenge to a request
    /// that sent none is not one): what a lockout policy would count.
    [[nodiscard]] int refused_logins() const;

  private:
    struct State;
    std::unique_ptr<State> m_state;
};

}  // namespace slumber::vcluster
