// The dashboard's routes (docs/dashboard.md): its page, style sheet and
// script at /, each with the Content-Security-Policy that forbids inline
// script, and GET /api/overview. Internal to src/web: server.cpp registers
// them beside the read routes.
#pragma once

#include <httplib.h>

#include <memory>

#include "web/collector.hpp"

namespace slumber::web {

void add_page_routes(httplib::Server& server, const std::shared_ptr<Collector>& collector);

}  // namespace slumber::web
