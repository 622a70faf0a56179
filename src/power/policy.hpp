// How calls to one target are paced: a data value, set per target in the
// configuration, read by the executor.
#pragma once

#include <chrono>

namespace slumber::power {

struct CallPolicy {
    std::chrono::milliseconds timeout = std::chrono::seconds(5);  ///< per call, enforced by the driver
    int retries = 2;                                              ///< further attempts after a transient error
    std::chrono::milliseconds backoff = std::chrono::seconds(1);  ///< before the first retry; doubles after
};

}  // namespace slumber::power
