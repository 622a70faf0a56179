#include "power/http/client.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

namespace slumber::power::http {
namespace {

// libcurl's global state, set up once before the first handle (it is not
// thread-safe to do it concurrently).
void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Collected {
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* collected = static_cast<Collected*>(user);
    const std::size_t bytes = size * count;
    if (collected->body.size() + bytes > kMaxAnswer) {
        collected->too_large = true;
        return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
    }
    collected->body.append(data, bytes);
    return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* collected = static_cast<Collected*>(user);
    const std::string_view line(data, size * count);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) {
        std::string name(line.substr(0, colon));
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
            value.remove_suffix(1);
        }
        collected->headers.emplace_back(std::move(name), std::string(value));
    }
    return size * count;
}

PowerError transport_error(CURLcode code, std::string_view device, const char* detail) {
    const std::string said = util::safe_text(detail != nullptr && *detail != '\0' ? detail : curl_easy_strerror(code));
    switch (code) {
        case CURLE_COULDNT_RESOLVE_HOST:
            return {ErrorKind::unreachable, fmt::format("{}: the name does not resolve", device), said};
        case CURLE_COULDNT_CONNECT:
            return {ErrorKind::unreachable, fmt::format("{}: no connection", device), said};
        case CURLE_OPERATION_TIMEDOUT:
            return {ErrorKind::timeout, fmt::format("{}: no complete answer in time", device), said};
        case CURLE_SSL_CONNECT_ERROR:
            // OpenSSL's words when the other end answered the TLS hello with
            // something else, such as a plain-HTTP server's "400 Bad Request".
            for (const std::string_view plain :
                 {"wrong version number", "packet length too long", "record layer failure", "unexpected eof"}) {
                if (said.find(plain) == std::string::npos) continue;
                return {ErrorKind::config,
                        fmt::format("{}: the server does not speak TLS (plain HTTP on that port?); check the "
                                    "address and port",
                                    device),
                        said};
            }
            [[fallthrough]];
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CACERT_BADFILE:
            return {
                ErrorKind::config,
                fmt::format("{}: TLS failed (a self-signed certificate needs ca_file, or verify_tls = false)", device),
                said};
        case CURLE_GOT_NOTHING:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_PARTIAL_FILE:
            return {ErrorKind::timeout, fmt::format("{}: the connection broke off", device), said};
        default:
            return {ErrorKind::protocol, fmt::format("{}: HTTP failed", device), said};
    }
}

}  // namespace

std::string Response::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (key.size() == name.size() && std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
                return a == std::tolower(static_cast<unsigned char>(b));
            })) {
            return value;
        }
    }
    return {};
}

Connection::~Connection() {
    if (m_curl != nullptr) curl_easy_cleanup(static_cast<CURL*>(m_curl));
}

void* Connection::handle() {
    if (m_curl == nullptr) {
        global_init();
        m_curl = curl_easy_init();
    }
    return m_curl;
}

Result<Response> perform(const Request& request, std::string_view device, Connection* connection) {
    global_init();
    Connection own;
    CURL* handle = static_cast<CURL*>(connection != nullptr ? connection->handle() : own.handle());
    if (handle == nullptr) return fail(ErrorKind::internal, "cannot start an HTTP client");
    // Every option from scratch: the last request's (its password too) must
    // not leak into this one. The connection and TLS session survive a reset.
    curl_easy_reset(handle);
    Collected collected;
    char detail[CURL_ERROR_SIZE] = {};

    curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for timeouts
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, detail);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &collected);
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, &collected);
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, request.verify_tls ? 1L : 0L);
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, request.verify_tls ? 2L : 0L);
    if (!request.ca_file.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, request.ca_file.c_str());
    // libcurl copies these strings; the secret leaves its wrapper only here.
    const std::string password(request.password.reveal());
    if (!request.username.empty()) {
        curl_easy_setopt(handle, CURLOPT_HTTPAUTH,
                         request.digest_allowed ? CURLAUTH_BASIC | CURLAUTH_DIGEST : CURLAUTH_BASIC);
        curl_easy_setopt(handle, CURLOPT_USERNAME, request.username.c_str());
        curl_easy_setopt(handle, CURLOPT_PASSWORD, password.c_str());
    }
    curl_slist* headers = nullptr;
    for (const std::string& header : request.headers) headers = curl_slist_append(headers, header.c_str());
    if (!request.body.empty()) {
        headers = curl_slist_append(headers, "Content-Type: application/json");
        curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.c_str());
        curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
    }
    const std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_list(headers, curl_slist_free_all);
    if (headers != nullptr) curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);

    const CURLcode code = curl_easy_perform(handle);
    if (collected.too_large) {
        return fail(ErrorKind::protocol, fmt::format("{}: an answer larger than {} KiB", device, kMaxAnswer / 1024));
    }
    if (code == CURLE_OPERATION_TIMEDOUT && request.url.starts_with("https:")) {
        // No TLS session in time: the BMC is down or busy, or the port
        // speaks plain HTTP and waits for the end of a request line. OpenSSL
        // 3.5 (Debian 13) sends a ClientHello such a server never answers,
        // where 3.0's drew its "400 Bad Request"; curl 8 counts the TLS
        // handshake as part of connecting, so only "no session" is certain.
        curl_off_t tls_done = 0;
        curl_easy_getinfo(handle, CURLINFO_APPCONNECT_TIME_T, &tls_done);
        if (tls_done == 0) {
            return fail(ErrorKind::timeout,
                        fmt::format("{}: no TLS session in time (the BMC is down or busy, or plain HTTP on that "
                                    "port?)",
                                    device),
                        util::safe_text(detail));
        }
    }
    if (code != CURLE_OK) return std::unexpected(transport_error(code, device, detail));
    Response response;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response.status);
    response.body = std::move(collected.body);
    response.headers = std::move(collected.headers);
    return response;
}

std::string escape(std::string_view text) {
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (std::isalnum(byte) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
            out += c;
        } else {
            out += fmt::format("%{:02X}", byte);
        }
    }
    return out;
}

}  // namespace slumber::power::http
