// The dashboard's page as the daemon serves it: the files of
// src/web/dashboard/ compiled into the binary (cmake/EmbedAssets.cmake), and
// the headers that go with them.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace slumber::web::dashboard {

/// One file of the page.
struct Asset {
    std::string_view path;          ///< the URL path it is served at: "/", "/dashboard.js" …
    std::string_view content_type;  ///< its media type with charset, from its extension
    std::string_view body;          ///< its bytes, as in the source tree
};

/// The file served at `path` (the query string already removed), or
/// nothing: a path outside the page, which the server answers with 404.
/// "/" and "/index.html" are the page itself.
std::optional<Asset> find_asset(std::string_view path);

/// Every file of the page, the page itself first.
std::vector<Asset> assets();

/// The Content-Security-Policy sent with every file of the page: scripts,
/// styles and requests from the daemon itself only, no inline script or
/// style attribute, no plugin, no framing (W3C CSP Level 3). Text from
/// Slurm or a BMC that reached the page as markup by mistake could then
/// still not run.
std::string_view content_security_policy();

}  // namespace slumber::web::dashboard
