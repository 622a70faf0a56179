// Can a TCP service be reached? One connection attempt, bounded in time,
// telling apart the answers an admin acts on differently: the name does not
// resolve, the host answers but nothing listens (refused), nothing answers
// at all (silent), or the port is open.
#pragma once

#include <chrono>
#include <string>

namespace slumber::util {

enum class Reach { open, refused, silent, unresolved, error };

struct ProbeResult {
    Reach reach = Reach::error;
    std::string detail;  ///< the system's words, e.g. "Connection refused"
};

ProbeResult probe_tcp(const std::string& host, int port, std::chrono::milliseconds timeout);

}  // namespace slumber::util
