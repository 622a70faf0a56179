// The thermal guard as the daemon runs it ([thermal], docs/energy.md): each
// pass it judges the latest temperature readings (engine::judge_temperature),
// journals when it starts and stops holding power-ons and when it cannot see,
// and tells the carrier why power-ons wait while it holds.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "engine/thermal.hpp"
#include "operate/clock.hpp"
#include "slurm/node_state.hpp"
#include "slurm/power_save.hpp"
#include "slurm/slurm_view.hpp"
#include "store/journal.hpp"

namespace slumber::operate {

/// The nodes to power down while the guard holds ([thermal] power_down_idle):
/// those slumber manages that Slurm shows IDLE with no flag but maybe
/// NOT_RESPONDING left out (so not powered down, powering up or down, drained,
/// reserved or in maintenance), no CPU allocated, and that neither [slurm]
/// exclude nor Slurm's power-saving exclusions keep on (keep_on_reason()).
std::vector<std::string> idle_to_power_down(const config::Config& config, const slurm::PowerSaveRules& rules,
                                            const std::vector<slurm::NodeState>& cluster);

/// Each target's latest temperature from the journal's readings (the
/// daemon's samples, [energy]); targets without one are left out.
std::vector<engine::Temperature> journal_temperatures(const store::Journal& journal);

class ThermalGuard {
  public:
    /// Each target's latest temperature reading, as the daemon sampled it.
    using Readings = std::function<std::vector<engine::Temperature>()>;

    ThermalGuard(store::Journal& journal, Clock& clock, Readings readings);

    /// One pass. `max_age_ms`: how old a reading may be and still count
    /// (three sampling intervals). With no `limit` the guard holds nothing and
    /// reads nothing.
    void update(const config::ThermalSettings& settings, std::int64_t max_age_ms);

    /// While the guard holds and [thermal] power_down_idle says so: asks
    /// Slurm to power down the nodes idle_to_power_down() names (Slurm then
    /// calls the SuspendProgram, so its view stays true), journaled. Returns
    /// what it asked, or why Slurm refused.
    std::expected<std::vector<std::string>, std::string> power_down_idle(const config::Config& config,
                                                                         const slurm::PowerSaveRules& rules,
                                                                         const std::vector<slurm::NodeState>& cluster,
                                                                         const slurm::SlurmView& slurm);

    /// Why power-ons wait, in words, while the guard holds; nullopt otherwise.
    [[nodiscard]] const std::optional<std::string>& hold() const { return m_hold; }
    /// The warmest fresh reading at the last pass, if any.
    [[nodiscard]] const std::optional<engine::Temperature>& warmest() const { return m_warmest; }

  private:
    void record(const std::string& text);

    store::Journal& m_journal;
    Clock& m_clock;
    Readings m_readings;
    std::optional<std::string> m_hold;
    std::optional<engine::Temperature> m_warmest;
    bool m_blind = false;  ///< said once that no reading is fresh
};

}  // namespace slumber::operate
