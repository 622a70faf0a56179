// One ComputerSystem of the emulated Redfish BMC: its power, and changes of
// it that take time as real systems' do. DSP0268's Resource.PowerState
// values name what it reports: On, Off, PoweringOn and PoweringOff while a
// change is under way (or the old state, for a BMC whose PowerState lags),
// Paused. A graceful shutdown can hang in PoweringOff, as one whose OS never
// finishes does, until it is forced off. Private to the emulator; not
// thread-safe (the BMC holds its lock around every call).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace slumber::vcluster {

/// How a system's power changes behave.
struct PowerTiming {
    /// How long a change takes; 0: at once.
    std::chrono::milliseconds transition{0};
    /// During a change, PowerState says PoweringOn or PoweringOff; false: it
    /// still says the old state (a BMC whose PowerState lags).
    bool report_transitions = true;
    /// A graceful shutdown stays in PoweringOff until ForceOff.
    bool shutdown_hangs = false;
};

class SystemPower {
  public:
    using Clock = std::chrono::steady_clock;

    /// `read_power` and `on_power` connect it to what it powers (the virtual
    /// node's machine); without them it keeps its own state.
    SystemPower(std::string id, PowerTiming timing, std::function<bool()> read_power = {},
                std::function<void(bool on, bool graceful)> on_power = {});

    [[nodiscard]] const std::string& id() const { return m_id; }
    /// Powered now (a change under way has not yet taken effect).
    [[nodiscard]] bool powered();
    /// A change is under way.
    [[nodiscard]] bool changing();
    /// Its PowerState value: "On", "Off", "PoweringOn", "PoweringOff", "Paused".
    [[nodiscard]] std::string power_state();
    /// The serial number of the change under way (0: none); a finished change
    /// never comes back, so a task can tell that its change has ended.
    [[nodiscard]] int change_serial();

    /// Starts a change to `on`: done at once, or after the transition time.
    /// A change under way is replaced.
    void change_to(bool on, bool graceful);
    /// Switches now, ending any change under way (ForceOff, set_power()).
    void force(bool on, bool graceful);
    void pause() { m_paused = powered(); }
    void resume() { m_paused = false; }
    [[nodiscard]] PowerTiming& timing() { return m_timing; }

  private:
    struct Change {
        bool on = false;
        bool graceful = false;
        bool hangs = false;
        Clock::time_point done_at;
        int serial = 0;
    };
    void advance();  // finishes a change whose time has come
    void apply(bool on, bool graceful);

    std::string m_id;
    PowerTiming m_timing;
    std::function<bool()> m_read_power;
    std::function<void(bool, bool)> m_on_power;
    bool m_powered = false;
    bool m_paused = false;
    std::optional<Change> m_change;
    int m_serial = 0;
};

}  // namespace slumber::vcluster
