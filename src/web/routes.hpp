// What each URL of the web server answers (docs/web.md, "API"). Internal to
// src/web: server.cpp registers them with cpp-httplib.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "web/collector.hpp"

namespace slumber::web {

/// The largest request body taken: the API takes no large bodies (an
/// action's is {"action": "on"} or {}).
inline constexpr std::size_t kMaxBodyBytes = 64 * 1024;

/// GET /metrics, /api/nodes and /api/events, and JSON answers for the
/// requests that match none.
void add_read_routes(httplib::Server& server, std::shared_ptr<Collector> collector);

/// A step before cpp-httplib routes a request and reads its body: Handled
/// when it answered the request.
using PreRouting = std::function<httplib::Server::HandlerResponse(const httplib::Request&, httplib::Response&)>;

/// The pages and API that only GET reads (`paths`, exact): another method
/// is answered 405 with `Allow` (RFC 9110, 15.5.6) before any body is
/// read, and OPTIONS with the methods allowed.
PreRouting answer_other_methods(std::set<std::string, std::less<>> paths);

/// Whether `request` has no body though cpp-httplib waits for one: a POST,
/// PUT, PATCH or DELETE with neither Content-Length nor Transfer-Encoding,
/// whose body is empty (RFC 9112, 6.3), which cpp-httplib 0.11 reads until
/// the client closes or its read timeout, then answers a bare 400.
bool without_body(const httplib::Request& request);

/// Runs `steps` in order before routing, the first that handles a request
/// answering it; a request without_body() that none handled is 404 at
/// once, since only an action's POST takes one (actions.hpp).
void set_pre_routing(httplib::Server& server, std::vector<PreRouting> steps);

/// Whether every query parameter of `request` is one the page takes
/// (`known`, possibly none); answers 400 naming the first that is not.
bool known_parameters(const httplib::Request& request, httplib::Response& response,
                      std::initializer_list<std::string_view> known);

/// With `listen` a loopback address (127.0.0.0/8, ::1), a request whose Host
/// header names anything but this host's loopback (localhost, 127.x.y.z,
/// [::1], with any port) is answered 403: a web page elsewhere whose name
/// an attacker points at 127.0.0.1 (DNS rebinding) would otherwise read the
/// API through the browser of a person on this host. A request without
/// Host (HTTP/1.0, not a browser's) and any request on another address
/// (the admin's choice, often behind a proxy that sets Host) pass.
PreRouting answer_foreign_hosts(const std::string& listen);

/// The paths add_read_routes() serves.
std::vector<std::string> read_paths();

/// A JSON error answer {"error": words} with `status`.
void answer_error(httplib::Response& response, int status, std::string_view words);

}  // namespace slumber::web
