#include "operate/clock.hpp"

#include <chrono>

namespace slumber::operate {
namespace {

class SystemClock final : public Clock {
  public:
    store::TimeMs wall_ms() override { return wall_clock_ms(); }
    time_point now() override { return power::steady_clock().now(); }
    void sleep_for(std::chrono::milliseconds duration) override { power::steady_clock().sleep_for(duration); }
};

}  // namespace

store::TimeMs wall_clock_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Clock& system_clock() {
    static SystemClock clock;
    return clock;
}

}  // namespace slumber::operate
