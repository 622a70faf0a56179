// How an emulated HTTP device (plug, Redfish BMC) misbehaves on request, as
// devices on a poor network or with poor firmware do.
#pragma once

namespace slumber::vcluster {

enum class HttpFault {
    none,
    slow,        ///< answers after 3 s
    truncated,   ///< sends half of its answer, then closes the connection
    garbage,     ///< answers with HTML instead of JSON
    http_error,  ///< HTTP 500 with no JSON
    liar,        ///< does not switch, and says it did
    hostile,     ///< HTTP 500 with a JSON error whose words forge a log line and hold terminal controls
};

}  // namespace slumber::vcluster
