// Time as the executor sees it: injected, so that tests of retries and
// waiting run instantly and deterministically.
#pragma once

#include <chrono>

namespace slumber::power {

class Clock {
  public:
    using time_point = std::chrono::steady_clock::time_point;
    virtual ~Clock() = default;
    virtual time_point now() = 0;
    virtual void sleep_for(std::chrono::milliseconds duration) = 0;
};

/// The real steady clock.
Clock& steady_clock();

}  // namespace slumber::power
