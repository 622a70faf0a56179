#include "web/server.hpp"

#include <sys/socket.h>

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "web/actions.hpp"
#include "web/dashboard/assets.hpp"
#include "web/page_routes.hpp"
#include "web/routes.hpp"

namespace slumber::web {
namespace {

// cpp-httplib (0.11, Debian's) serves each connection on one thread of a
// fixed pool, from its request's first byte to its last kept-alive
// request, and has no deadline for a request's head as a whole: a client
// that sends a header line every few seconds holds its thread as long as
// it likes. Its default pool (8 threads on a small head node) was used up
// by ten such clients, and /metrics waited behind them. So: a pool that a
// handful of slow or idle clients cannot fill, a connection closed after
// 2 s without a byte (a request's head comes in one packet from Prometheus,
// curl or a browser), and an idle kept-alive one after 2 s. docs/web.md
// says the limits.
constexpr std::size_t kConnections = 64;
constexpr time_t kReadTimeoutSeconds = 2;
constexpr time_t kKeepAliveSeconds = 2;
constexpr time_t kWriteTimeoutSeconds = 10;

// cpp-httplib 0.11 (Debian 12) binds with SO_REUSEPORT: a second daemon
// configured with the same [web] port bound it too, said it was serving,
// and the kernel shared the connections between the two, so scrapes and
// actions went to either daemon at random. SO_REUSEADDR alone still lets
// a restarted daemon bind while its old connections are in TIME_WAIT, and
// makes a port that a server listens on a bind error.
void reuse_address_only(socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
}

}  // namespace

struct WebServer::Impl {
    httplib::Server server;
    std::atomic<bool> listen_returned = false;
    std::shared_ptr<TokenSlot> token = std::make_shared<TokenSlot>();
    std::optional<std::filesystem::path> token_file;
};

// cpp-httplib's stop() does nothing until its listening loop has begun
// (0.11 checks is_running(), set by that loop): a server stopped right
// after it started listened on for ever and the destructor's join never
// returned. So the constructor returns once the loop runs (or has ended).
WebServer::WebServer(std::unique_ptr<Impl> impl, int port) : m_impl(std::move(impl)), m_port(port) {
    m_thread = std::jthread([state = m_impl.get()] {
        state->server.listen_after_bind();
        state->listen_returned = true;
    });
    while (!m_impl->server.is_running() && !m_impl->listen_returned) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

std::expected<void, std::string> WebServer::reload_token() { return m_impl->token->read(m_impl->token_file); }

WebServer::~WebServer() {
    m_impl->server.stop();
    if (m_thread.joinable()) m_thread.join();
}

std::expected<std::unique_ptr<WebServer>, std::string> WebServer::start(const config::WebSettings& settings,
                                                                        std::shared_ptr<Collector> collector) {
    auto impl = std::make_unique<Impl>();
    impl->token_file = settings.token_file;
    if (auto read = impl->token->read(settings.token_file); !read) return std::unexpected(read.error());
    httplib::Server& server = impl->server;
    server.new_task_queue = [] { return new httplib::ThreadPool(kConnections); };
    server.set_read_timeout(kReadTimeoutSeconds, 0);
    server.set_keep_alive_timeout(kKeepAliveSeconds);
    server.set_write_timeout(kWriteTimeoutSeconds, 0);
    server.set_payload_max_length(kMaxBodyBytes);
    server.set_socket_options(reuse_address_only);
    std::set<std::string, std::less<>> get_only{"/index.html", "/api/overview"};
    for (const dashboard::Asset& asset : dashboard::assets()) get_only.emplace(asset.path);
    for (std::string& path : read_paths()) get_only.insert(std::move(path));
    set_pre_routing(server, {answer_foreign_hosts(settings.listen), answer_other_methods(std::move(get_only)),
                             answer_action_methods(collector, impl->token)});
    add_page_routes(server, collector);
    add_read_routes(server, collector);
    add_action_routes(server, std::move(collector), impl->token);
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
