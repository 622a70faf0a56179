#include "web/page_routes.hpp"

#include "slurm/slurm_conf.hpp"
#include "web/dashboard/assets.hpp"
#include "web/overview.hpp"
#include "web/routes.hpp"

namespace slumber::web {
namespace {

// Beside the policy: no guessing of types, no referrer to other sites, and
// a page that is fetched anew (it is small, and a new slumber brings a new one).
void page_headers(httplib::Response& response) {
    response.set_header("Content-Security-Policy", std::string(dashboard::content_security_policy()));
    response.set_header("X-Content-Type-Options", "nosniff");
    response.set_header("Referrer-Policy", "no-referrer");
    response.set_header("Cache-Control", "no-cache");
}

void serve_asset(const httplib::Request& request, httplib::Response& response) {
    const auto asset = dashboard::find_asset(request.path);
    if (!asset) {
        response.status = 404;
        return;
    }
    page_headers(response);
    response.set_content(asset->body.data(), asset->body.size(), std::string(asset->content_type));
}

void serve_overview(Collector& collector, httplib::Response& response) {
    const auto snapshot = collector.snapshot();
    const config::SharedConfig config = collector.config();
    const nlohmann::json overview = overview_json(*config, *snapshot, slurm::resume_timeout(config->slurm.conf));
    response.set_content(overview.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

}  // namespace

void add_page_routes(httplib::Server& server, const std::shared_ptr<Collector>& collector) {
    for (const dashboard::Asset& asset : dashboard::assets()) server.Get(std::string(asset.path), serve_asset);
    server.Get("/index.html", serve_asset);
    server.Get("/api/overview", [collector](const httplib::Request& request, httplib::Response& response) {
        if (known_parameters(request, response, {})) serve_overview(*collector, response);
    });
}

}  // namespace slumber::web
