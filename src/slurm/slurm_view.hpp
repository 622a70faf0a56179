// What the daemon's core (the carrier, the reconciler) asks of Slurm: its view
// of the nodes, state changes, its release and its power-saving rules.
// Scontrol is the real one; unit tests give their own, so that the core is
// tested without a cluster.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "slurm/dialect.hpp"
#include "slurm/node_state.hpp"
#include "slurm/power_save.hpp"
#include "slurm/reservations.hpp"

namespace slumber::slurm {

class SlurmView {
  public:
    virtual ~SlurmView() = default;

    /// Every node as `scontrol show node` shows it; an error (in words) when
    /// slurmctld cannot be asked or its answer cannot be parsed.
    [[nodiscard]] virtual std::expected<std::vector<NodeState>, std::string> nodes() const = 0;
    /// Every advance reservation as `scontrol show reservation` shows it
    /// (slurm/reservations.hpp); an error (in words) as for nodes().
    [[nodiscard]] virtual std::expected<std::vector<Reservation>, std::string> reservations() const = 0;
    /// `scontrol update NodeName=HOSTLIST State=STATE [Reason=…]`: RESUME,
    /// POWER_DOWN, POWER_UP, DRAIN, UNDRAIN.
    [[nodiscard]] virtual std::expected<void, std::string> update(const std::string& hostlist, const std::string& state,
                                                                  const std::string& reason = {}) const = 0;
    /// Any call (the arguments after "scontrol", e.g. from still_up_calls()).
    [[nodiscard]] virtual std::expected<void, std::string> call(const ScontrolCall& arguments) const = 0;
    /// The release of Slurm slumber talks to.
    [[nodiscard]] virtual std::expected<Version, std::string> version() const = 0;
    /// The power-saving rules in force (SuspendExc*, max_powered_nodes, …);
    /// an error only when they cannot be read at all.
    [[nodiscard]] virtual std::expected<PowerSaveRules, std::string> power_save_rules() const = 0;

    /// The release's words for a power request (slurm::power_call()),
    /// `kOldestSupported`'s when the version cannot be read.
    [[nodiscard]] std::expected<void, std::string> power(PowerRequest request, const std::string& hostlist) const {
        return call(power_call(version().value_or(kOldestSupported), request, hostlist));
    }

  protected:
    SlurmView() = default;
    SlurmView(const SlurmView&) = default;
    SlurmView& operator=(const SlurmView&) = default;
};

}  // namespace slumber::slurm
