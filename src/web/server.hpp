// The daemon's HTTP server ([web], docs/web.md): Prometheus /metrics and the
// JSON API (the same schemas as `slumber status --json` and `slumber journal
// --json`), on threads of its own. Handlers read through the Collector and
// read-only journal connections: never the daemon loop's objects, and a
// slow client or a slow BMC never holds up the loop.
#pragma once

#include <expected>
#include <memory>
#include <string>
#include <thread>

#include "config/config.hpp"
#include "web/collector.hpp"

namespace slumber::web {

class WebServer {
  public:
    /// Binds `settings.listen`:`settings.port` and serves on a thread of its
    /// own until destroyed. Errors, in words: the token file is refused
    /// (Token::read), the address cannot be bound (in use, not this host's).
    static std::expected<std::unique_ptr<WebServer>, std::string> start(const config::WebSettings& settings,
                                                                        std::shared_ptr<Collector> collector);
    /// Stops serving and waits for the requests under way.
    ~WebServer();
    WebServer(const WebServer&) = delete;
    WebServer& operator=(const WebServer&) = delete;

    /// Reads [web] token_file again (the daemon's SIGHUP): a new token is in
    /// force at once; a file that can no longer be used (readable by others,
    /// empty, gone) leaves actions refused until a reload reads a good one.
    /// The error, in words, for the log.
    std::expected<void, std::string> reload_token();

    /// The port bound (settings.port, or the one the system chose for 0).
    [[nodiscard]] int port() const { return m_port; }

  private:
    struct Impl;
    explicit WebServer(std::unique_ptr<Impl> impl, int port);
    std::unique_ptr<Impl> m_impl;
    int m_port = 0;
    std::jthread m_thread;
};

}  // namespace slumber::web
