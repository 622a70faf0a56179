// How calls to one target are paced: a data value, set per target in the
// configuration, read by the executor.
#pragma once

#include <chrono>

namespace slumber::power {

struct CallPolicy {
    std::chrono::milliseconds timeout = std::chrono::seconds(5);  ///< per call, enforced by the driver
    int retries = 2;                                              ///< further attempts after a transient error
    std::chrono::milliseconds backoff = std::chrono::seconds(1);  ///< before the first retry; doubles after
    /// How long an action the target accepted may take to show in its power
    /// state (a Redfish task, a PowerState that lags): drivers that watch
    /// their actions watch this long, and after a failure that may have
    /// reached the target a retry waits this long for the change before it
    /// sends the action again.
    std::chrono::milliseconds confirm = std::chrono::seconds(30);
};

}  // namespace slumber::power
