// What the emulated HTTP devices (plugs, Redfish BMCs) share: serving on a
// thread of their own, and answering with the fault they were given.
// Private to the emulators: it brings cpp-httplib along.
#pragma once

#include <httplib.h>

#include <string>
#include <thread>

#include "vcluster/http_fault.hpp"

namespace slumber::vcluster {

/// Sets `body` (JSON) as the answer, or misbehaves as `fault` says.
void send_json(httplib::Response& response, const std::string& body, int status, HttpFault fault);

/// Binds `server` to host:port (0: any free port) and serves it on `thread`;
/// the port it got, or -1.
int serve(httplib::Server& server, const std::string& host, int port, std::thread& thread);

}  // namespace slumber::vcluster
