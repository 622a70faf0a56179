// A Tasmota smart plug, emulated for tests and the virtual cluster: no package
// provides one. It follows Tasmota's documented HTTP command API — `/cm?cmnd=`
// with Power, Power<n> (on, off, toggle, 1, 0, 2), Status 2 and Status 8 —
// including its habits: a single relay is called "POWER", a missing or wrong
// password gets HTTP 200 with {"WARNING":"Need user=…"}, an unknown command
// {"Command":"Unknown"}. Faults make it misbehave as real plugs on Wi-Fi do.
#pragma once

#include <functional>
#include <memory>
#include <string>

namespace slumber::vcluster {

struct PlugSettings {
    std::string address = "127.0.0.1";
    int port = 0;  ///< 0: the kernel picks one (see TasmotaPlug::port())
    int relays = 1;
    std::string password;  ///< Tasmota's WebPassword; empty: none asked
    double watts = 0;      ///< draw while a relay is on; 0: no energy monitor
    /// Called when a relay changes (relay from 1), e.g. to power what it feeds.
    std::function<void(int relay, bool on)> on_switch;
};

enum class PlugFault {
    none,
    slow,        ///< answers after 3 s
    truncated,   ///< sends half of its answer, then closes the connection
    garbage,     ///< answers with HTML instead of JSON
    http_error,  ///< HTTP 500
    liar,        ///< does not switch, and reports the state it was asked for
};

class TasmotaPlug {
  public:
    explicit TasmotaPlug(PlugSettings settings);
    ~TasmotaPlug();
    TasmotaPlug(const TasmotaPlug&) = delete;
    TasmotaPlug& operator=(const TasmotaPlug&) = delete;

    /// Listens and serves on its own thread; false if it cannot listen.
    bool start();
    void stop();
    [[nodiscard]] int port() const;
    [[nodiscard]] bool relay_on(int relay) const;
    void set_relay(int relay, bool on);
    void set_fault(PlugFault fault);
    void set_password(std::string password);

  private:
    struct State;
    std::unique_ptr<State> m_state;
};

}  // namespace slumber::vcluster
