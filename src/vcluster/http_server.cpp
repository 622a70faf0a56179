#include "vcluster/http_server.hpp"

#include <chrono>

namespace slumber::vcluster {

void send_json(httplib::Response& response, const std::string& body, int status, HttpFault fault) {
    switch (fault) {
        case HttpFault::slow:
            std::this_thread::sleep_for(std::chrono::seconds(3));
            break;
        case HttpFault::garbage:
            response.set_content("<html><body>Device</body></html>", "text/html");
            return;
        case HttpFault::http_error:
            response.status = 500;
            response.set_content("Internal Server Error", "text/plain");
            return;
        case HttpFault::truncated:
            // Content-Length says the whole answer; half of it comes.
            response.set_content_provider(body.size(), "application/json",
                                          [body](std::size_t, std::size_t, httplib::DataSink& sink) {
                                              sink.write(body.data(), body.size() / 2);
                                              return false;
                                          });
            return;
        case HttpFault::hostile:
            // Shelly's and Redfish's error shapes at once; a newline, ESC
            // sequences (clear screen, window title), a C1 CSI and a byte
            // that is not UTF-8.
            response.status = 500;
            response.set_content(
                R"({"code": -1, "message": "off\n2026-11-30T08:00:00 node002: on\u001b[2J\u001b]0;owned\u0007\u009b31m\u00ff",)"
                R"( "error": {"code": "Base.1.0.GeneralError", "message": "off\n\u001b[2J"}})",
                "application/json");
            return;
        case HttpFault::none:
        case HttpFault::liar:
            break;
    }
    response.status = status;
    response.set_content(body, "application/json");
}

int serve(httplib::Server& server, const std::string& host, int port, std::thread& thread) {
    const int bound = port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
    if (bound <= 0) return -1;
    thread = std::thread([&server] { server.listen_after_bind(); });
    // Serving before this returns: a stop() that came first would not stop it.
    for (int i = 0; i < 1000 && !server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return server.is_running() ? bound : -1;
}

}  // namespace slumber::vcluster
