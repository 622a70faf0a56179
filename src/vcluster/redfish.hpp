// A Redfish BMC, emulated for tests and the virtual cluster: no package
// provides one that changes state. It serves HTTPS with a self-signed
// certificate and follows DMTF's Redfish specification (DSP0266) and schema
// (DSP0268) where drivers depend on it:
// - the service root (/redfish/v1/, readable without credentials) links to
//   the Systems, Chassis and Managers collections, the TaskService and the
//   sessions;
// - a ComputerSystem at a path chosen per emulated vendor (Systems/1,
//   Systems/Self, Systems/System.Embedded.1 …), or several behind the one
//   manager, as a blade chassis has them, each with its own power, PowerState
//   and UUID and the ComputerSystem.Reset action (or none: a read-only
//   system); its ResetTypes are listed inline
//   (ResetType@Redfish.AllowableValues) or in an ActionInfo resource;
// - power changes that take time (PoweringOn, PoweringOff, or a PowerState
//   that lags), a graceful shutdown that can hang in PoweringOff, Paused;
// - Reset answered at once (204) or as an asynchronous operation: 202
//   Accepted, a Task in the body and its task monitor in Location, which
//   answers 202 while the task runs and the operation's 204 once done;
//   a Reset during a change refused with 503 and the Base registry's
//   ResourceInUse, as bmcweb does;
// - sessions: POST SessionService/Sessions gives X-Auth-Token and Location,
//   DELETE ends one, and the BMC holds only a few at a time, as real ones do;
//   HTTP Basic authentication works too; anything else gets 401;
// - power readings in the chassis' legacy Power resource or in the newer
//   EnvironmentMetrics (with or without PowerWatts), or none;
// - errors in Redfish's {"error": {"code", "message",
//   "@Message.ExtendedInfo"}} form.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "vcluster/http_fault.hpp"
#include "vcluster/redfish_system.hpp"

namespace slumber::vcluster {

enum class RedfishMetrics {
    legacy_power,
    environment_metrics,
    /// EnvironmentMetrics with a temperature but no PowerWatts; the power
    /// draw only in the legacy Power resource, which the chassis links too
    environment_without_watts,
    none,
};

struct RedfishSettings {
    std::string address = "127.0.0.1";
    int port = 0;                       ///< 0: the kernel picks one (see RedfishBmc::port())
    std::filesystem::path certificate;  ///< PEM; made with its key when missing
    std::filesystem::path key;
    std::string username = "root";
    std::string password;
    std::string system_id = "1";  ///< "Self", "System.Embedded.1", …
    std::vector<std::string> reset_types{"On", "ForceOff", "GracefulShutdown", "ForceRestart", "PowerCycle"};
    bool reset_action_info = false;  ///< list ResetTypes in an ActionInfo resource
    bool reset_action = true;        ///< false: no ComputerSystem.Reset at all (a read-only system)
    /// Further ComputerSystems behind the same manager (blades), by Id; each
    /// has its own power, starting off.
    std::vector<std::string> more_systems;
    PowerTiming timing;  ///< how long power changes take, and how they show
    /// Reset is an asynchronous operation: 202 Accepted with a Task.
    bool async_reset = false;
    /// A Reset other than ForceOff while a change is under way is refused
    /// (503, ResourceInUse).
    bool refuse_while_changing = false;
    RedfishMetrics metrics = RedfishMetrics::legacy_power;
    double watts_on = 180;
    double watts_off = 8;
    int max_sessions = 4;
    std::string uuid = "8b4d7e2a-3f61-4c0e-9a57-2d1c6e9b0f13";
    /// Called when the system's power changes, e.g. to start or stop what it
    /// powers. `graceful` for a shutdown the OS would carry out.
    std::function<void(bool on, bool graceful)> on_power;
    /// Where the power really is, when something else decides (the virtual
    /// node's machine): PowerState follows it rather than the last action.
    std::function<bool()> read_power;
    /// What the inlet sensor reads (°C), when something else decides (the
    /// virtual cluster's room); else 26 on and 22 off.
    std::function<double()> read_inlet;
};

class RedfishBmc {
  public:
    explicit RedfishBmc(RedfishSettings settings);
    ~RedfishBmc();
    RedfishBmc(const RedfishBmc&) = delete;
    RedfishBmc& operator=(const RedfishBmc&) = delete;

    /// Listens and serves on its own thread; why not, if it cannot.
    [[nodiscard]] std::string start();
    void stop();
    [[nodiscard]] int port() const;
    /// The first system's power, or the named one's.
    [[nodiscard]] bool powered(const std::string& system = {}) const;
    void set_power(bool on);
    /// Its PowerState as it reports it ("PoweringOff" …).
    [[nodiscard]] std::string power_state(const std::string& system = {}) const;
    /// Pauses the first system (it stays powered, PowerState Paused).
    void pause();
    void set_fault(HttpFault fault);
    void set_password(std::string password);
    /// TCP connections served so far (each client address and port).
    [[nodiscard]] int connections() const;
    /// Sessions open now.
    [[nodiscard]] int sessions() const;
    /// Forgets every session, as a BMC does when it resets or times them out.
    void end_sessions();
    /// Every ResetType asked for, in order (of the named system only, if given).
    [[nodiscard]] std::vector<std::string> resets(const std::string& system = {}) const;

  private:
    struct State;
    std::unique_ptr<State> m_state;
};

}  // namespace slumber::vcluster
