// HTTP for the drivers that speak it (smart plugs, Redfish), through libcurl:
// one request, bounded in time and in the size of the answer, its failures
// sorted into the power error kinds so that retries and messages work as they
// do for IPMI. A URL may carry a secret (Tasmota takes its password in the
// query), so errors name the device, never the URL.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "power/result.hpp"
#include "util/secret.hpp"

namespace slumber::power::http {

struct Request {
    std::string method = "GET";
    std::string url;
    std::string body;                  ///< sent as JSON when not empty
    std::vector<std::string> headers;  ///< "Name: value"
    std::chrono::milliseconds timeout{5000};
    std::string username;  ///< HTTP authentication, when not empty
    util::Secret password;
    /// Basic only (sent at once), or whichever of Basic and Digest the
    /// device asks for (one round trip more).
    bool digest_allowed = false;
    bool verify_tls = true;
    std::string ca_file;  ///< a certificate or bundle to trust besides the system's
};

struct Response {
    long status = 0;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  ///< names in lower case
    [[nodiscard]] std::string header(std::string_view name) const;
};

/// Answers larger than this are refused as garbage.
constexpr std::size_t kMaxAnswer = 1U << 20;

/// One libcurl handle kept across requests to the same device, so that they
/// share one TCP and TLS connection: a Redfish power-on is half a dozen
/// requests, and a BMC's TLS handshake is the slow part of each. Nothing of
/// one request (credentials included) carries over to the next but the
/// connection. For one thread at a time.
class Connection {
  public:
    Connection() = default;
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /// The libcurl handle (a CURL*), made on first use; for perform().
    void* handle();

  private:
    void* m_curl = nullptr;
};

/// Performs the request, over `connection` when given (else a connection of
/// its own). `device` names the target in errors ("plug 192.168.1.50"). Any
/// HTTP status is a response; only transport failures are errors.
Result<Response> perform(const Request& request, std::string_view device, Connection* connection = nullptr);

/// Percent-encodes a query value ("a b&c" -> "a%20b%26c").
std::string escape(std::string_view text);

}  // namespace slumber::power::http
