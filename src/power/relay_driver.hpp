// What plugs and outlets have in common: one relay to read and to set. The
// actions every driver offers follow from those two: on and off leave a relay
// that is already there alone and read it back after switching (a device's
// answer to a command is not proof that the relay moved); cycle is off, a
// pause, on; soft is impossible (a relay cannot ask its load to shut down).
#pragma once

#include <string>

#include "power/driver.hpp"

namespace slumber::power {

class RelayDriver : public Driver {
  public:
    Result<void> on() override { return switch_to(PowerState::on); }
    Result<void> off() override { return switch_to(PowerState::off); }
    Result<void> soft() override;
    Result<void> cycle() override;
    Result<PowerState> status() override { return read_relay(); }

  protected:
    /// `device` names it in errors: "plug ibswitch (http://10.0.0.5)".
    explicit RelayDriver(std::string device) : m_device(std::move(device)) {}
    [[nodiscard]] const std::string& device() const { return m_device; }

    virtual Result<PowerState> read_relay() = 0;
    /// Sets the relay; returns the state the device answered with.
    virtual Result<PowerState> set_relay(PowerState wanted) = 0;

  private:
    Result<void> switch_to(PowerState wanted);
    std::string m_device;
};

}  // namespace slumber::power
