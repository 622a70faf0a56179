// What each URL of the web server answers (docs/web.md, "API"). Internal to
// src/web: server.cpp registers them with cpp-httplib.
#pragma once

#include <httplib.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "web/collector.hpp"

namespace slumber::web {

/// GET /metrics, /api/nodes and /api/events, and JSON answers for the
/// requests that match none.
void add_read_routes(httplib::Server& server, std::shared_ptr<Collector> collector);

/// The pages and API that only GET reads (`paths`, exact): another method
/// is answered 405 with `Allow` (RFC 9110, 15.5.6) before any body is
/// read, and OPTIONS with the methods allowed.
void answer_other_methods(httplib::Server& server, std::set<std::string, std::less<>> paths);

/// The paths add_read_routes() serves.
std::vector<std::string> read_paths();

/// A JSON error answer {"error": words} with `status`.
void answer_error(httplib::Response& response, int status, std::string_view words);

}  // namespace slumber::web
