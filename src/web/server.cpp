#include "web/server.hpp"

#include <fmt/format.h>

#include "web/actions.hpp"
#include "web/page_routes.hpp"
#include "web/routes.hpp"

namespace slumber::web {
namespace {

// Timeouts of a connection: a client that stalls holds one of the pool's
// threads this long at most.
constexpr time_t kReadTimeoutSeconds = 5;
constexpr time_t kWriteTimeoutSeconds = 10;
// The API takes no large bodies: actions carry none.
constexpr std::size_t kMaxBodyBytes = 64 * 1024;

}  // namespace

struct WebServer::Impl {
    httplib::Server server;
};

WebServer::WebServer(std::unique_ptr<Impl> impl, int port) : m_impl(std::move(impl)), m_port(port) {
    m_thread = std::jthread([server = &m_impl->server] { server->listen_after_bind(); });
}

WebServer::~WebServer() {
    m_impl->server.stop();
    if (m_thread.joinable()) m_thread.join();
}

std::expected<std::unique_ptr<WebServer>, std::string> WebServer::start(const config::WebSettings& settings,
                                                                        std::shared_ptr<Collector> collector) {
    std::optional<Token> token;
    if (settings.token_file) {
        auto read = Token::read(*settings.token_file);
        if (!read) return std::unexpected(read.error());
        token = std::move(*read);
    }
    auto impl = std::make_unique<Impl>();
    httplib::Server& server = impl->server;
    server.set_read_timeout(kReadTimeoutSeconds, 0);
    server.set_write_timeout(kWriteTimeoutSeconds, 0);
    server.set_payload_max_length(kMaxBodyBytes);
    add_page_routes(server, collector);
    add_read_routes(server, collector);
    add_action_routes(server, std::move(collector), std::move(token));
    int port = settings.port;
    if (port == 0) {
        port = server.bind_to_any_port(settings.listen);
    } else if (!server.bind_to_port(settings.listen, port)) {
        port = -1;
    }
    if (port < 0) {
        return std::unexpected(
            fmt::format("[web] cannot listen on {}:{} (in use by another program, or not an "
                        "address of this host); set [web] listen and port, or enabled = false",
                        settings.listen, settings.port));
    }
    return std::unique_ptr<WebServer>(new WebServer(std::move(impl), port));
}

}  // namespace slumber::web
