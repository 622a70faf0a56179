#include "web/dashboard/assets.hpp"

#include <span>
#include <utility>

namespace slumber::web::dashboard {

// Defined in the source that cmake/EmbedAssets.cmake generates.
std::span<const std::pair<std::string_view, std::string_view>> embedded_assets();

namespace {

struct MediaType {
    std::string_view extension;
    std::string_view type;
};

constexpr MediaType kMediaTypes[] = {
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},  // RFC 9239
    {".png", "image/png"},
    {".svg", "image/svg+xml"},
};

std::string_view media_type(std::string_view path) {
    for (const MediaType& media : kMediaTypes) {
        if (path.ends_with(media.extension)) return media.type;
    }
    return "text/html; charset=utf-8";  // "/": the page
}

}  // namespace

std::optional<Asset> find_asset(std::string_view path) {
    if (path == "/index.html") path = "/";
    for (const auto& [served_at, body] : embedded_assets()) {
        if (served_at == path) return Asset{served_at, media_type(served_at), body};
    }
    return std::nullopt;
}

std::vector<Asset> assets() {
    std::vector<Asset> all;
    for (const auto& [served_at, body] : embedded_assets()) all.push_back({served_at, media_type(served_at), body});
    return all;
}

std::string_view content_security_policy() {
    return "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
           "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
}

}  // namespace slumber::web::dashboard
