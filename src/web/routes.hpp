// What each URL of the web server answers (docs/web.md, "API"). Internal to
// src/web: server.cpp registers them with cpp-httplib.
#pragma once

#include <httplib.h>

#include <memory>

#include "web/collector.hpp"

namespace slumber::web {

/// GET /metrics, /api/nodes and /api/events, and JSON answers for the
/// requests that match none.
void add_read_routes(httplib::Server& server, std::shared_ptr<Collector> collector);

/// A JSON error answer {"error": words} with `status`.
void answer_error(httplib::Response& response, int status, std::string_view words);

}  // namespace slumber::web
