// Time as the daemon's core sees it, injected so that tests control it: the
// journal's wall time, and the executor's steady time and sleeping (retries,
// waiting for a change to show) from the same source, so that a test's clock
// moves both together and nothing waits for real time.
#pragma once

#include <functional>

#include "power/clock.hpp"
#include "store/journal.hpp"

namespace slumber::operate {

/// The journal's clock: Unix milliseconds.
using Now = std::function<store::TimeMs()>;
store::TimeMs wall_clock_ms();

class Clock : public power::Clock {
  public:
    /// Unix milliseconds: the time of every event, outcome and boot journaled.
    virtual store::TimeMs wall_ms() = 0;
    /// wall_ms() as a Now, for what takes one (Blocks, dependencies); it
    /// refers to this clock, which must outlive it.
    Now wall() {
        return [this] { return wall_ms(); };
    }
};

/// The system's clocks: wall_clock_ms(), std::chrono::steady_clock and a
/// real sleep.
Clock& system_clock();

}  // namespace slumber::operate
