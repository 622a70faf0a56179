#include "util/shown_url.hpp"

namespace slumber::util {
namespace {

// Where the authority begins, or npos for text that is not a URL.
std::size_t authority_begin(std::string_view address) {
    const std::size_t scheme = address.find("://");
    return scheme == std::string_view::npos ? std::string_view::npos : scheme + 3;
}

}  // namespace

std::string shown_url(std::string_view address) {
    const std::size_t host = authority_begin(address);
    if (host == std::string_view::npos) return std::string(address);
    // The query and the fragment go first: an '@' in them is no userinfo.
    address = address.substr(0, address.find_first_of("?#", host));
    // The last '@' even in the path: a password with an unencoded '/' (which
    // RFC 3986 forbids, and people write) must not show either.
    const std::size_t at = address.rfind('@');
    if (at == std::string_view::npos || at < host) return std::string(address);
    return std::string(address.substr(0, host)).append(address.substr(at + 1));
}

bool url_has_hidden_parts(std::string_view address) {
    return authority_begin(address) != std::string_view::npos && shown_url(address).size() != address.size();
}

}  // namespace slumber::util
