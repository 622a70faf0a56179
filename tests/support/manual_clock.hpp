// A clock that moves only when a test moves it, or when the code under test
// sleeps (the executor's backoff and waiting): wall time and steady time go
// forward together, and no test waits for real time.
#pragma once

#include <chrono>
#include <mutex>

#include "operate/clock.hpp"

namespace slumber::testing {

class ManualClock final : public operate::Clock {
  public:
    explicit ManualClock(store::TimeMs wall = 1'000'000) : m_wall(wall) {}

    store::TimeMs wall_ms() override {
        const std::lock_guard lock(m_guard);
        return m_wall;
    }
    time_point now() override {
        const std::lock_guard lock(m_guard);
        return time_point{} + m_moved;
    }
    void sleep_for(std::chrono::milliseconds duration) override { advance(duration); }

    /// Moves both clocks forward.
    void advance(std::chrono::milliseconds duration) {
        const std::lock_guard lock(m_guard);
        m_wall += duration.count();
        m_moved += duration;
    }
    /// Sets the wall time (forward or back); steady time moves by as much
    /// forward, never back.
    void set_wall(store::TimeMs wall) {
        const std::lock_guard lock(m_guard);
        if (wall > m_wall) m_moved += std::chrono::milliseconds(wall - m_wall);
        m_wall = wall;
    }

  private:
    std::mutex m_guard;
    store::TimeMs m_wall;
    std::chrono::milliseconds m_moved{0};
};

}  // namespace slumber::testing
