// A controller's URL as slumber shows it anywhere (errors, the journal, logs,
// the web API, metrics' labels): where it points, never how it logs in.
#pragma once

#include <string>
#include <string_view>

namespace slumber::util {

/// `address` without what may hold a secret: a URL's userinfo
/// (`user:password@`, RFC 3986 section 3.2.1; everything up to the last '@'
/// before the query), its query (`?...`: Tasmota takes `user=` and
/// `password=` there) and its fragment. "https://admin:pw@10.0.0.5:8443/path?password=x" gives
/// "https://10.0.0.5:8443/path". Text without "://" (an IPMI host, a MAC
/// address, a command) comes back unchanged. Never throws.
std::string shown_url(std::string_view address);

/// Whether `address` is a URL with userinfo or a query or a fragment, which
/// shown_url() would drop.
bool url_has_hidden_parts(std::string_view address);

}  // namespace slumber::util
