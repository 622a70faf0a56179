// The web server keeps answering while slow clients hold connections open
// (a tester's ten clients, one header line every 3 s, stalled /metrics for
// half a minute with cpp-httplib's default pool of 8).
#include "web/server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <expected>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "../support/temp_dir.hpp"
#include "store/journal.hpp"
#include "util/wake_socket.hpp"
#include "web/collector.hpp"

namespace slumber::web {
namespace {

// A connection to 127.0.0.1:port that has sent `text`; -1 when it fails.
int connect_and_send(int port, std::string_view text) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::send(fd, text.data(), text.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(text.size())) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// What the server answers to `request`, sent as it is on a connection of
// its own (the head and body, up to the server's closing it), and how long
// it took; empty when nothing came within 5 s.
struct RawAnswer {
    std::string text;
    std::chrono::milliseconds took{0};
    [[nodiscard]] int status() const { return text.size() > 12 ? std::atoi(text.substr(9, 3).c_str()) : 0; }
    [[nodiscard]] std::string body() const {
        const std::size_t end = text.find("\r\n\r\n");
        return end == std::string::npos ? "" : text.substr(end + 4);
    }
};
RawAnswer raw_request(int port, std::string_view request) {
    const auto start = std::chrono::steady_clock::now();
    const int fd = connect_and_send(port, request);
    if (fd < 0) return {};
    timeval wait{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    RawAnswer answer;
    char buffer[4096];
    for (ssize_t got = 0; (got = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) answer.text.append(buffer, got);
    ::close(fd);
    answer.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    return answer;
}

// A web server on a port the system chooses, for the configuration
// `toml` (the directory's name in it as {0}), with `token` as its
// [web] token_file if given.
std::expected<std::unique_ptr<WebServer>, std::string> serve(const std::string& toml, const std::filesystem::path& dir,
                                                             std::optional<std::filesystem::path> token = {},
                                                             int port = 0) {
    auto loaded = config::load_text(fmt::format(fmt::runtime(toml), dir.string()), "test.toml");
    if (!loaded) return std::unexpected(config::format(loaded.error().front()));
    const config::SharedConfig config = std::make_shared<const config::Config>(std::move(*loaded));
    auto collector = std::make_shared<Collector>(config, "1.0", EnergySource{}, std::chrono::seconds(5));
    config::WebSettings web;
    web.enabled = true;
    web.port = port;  // 0: the system's choice
    web.token_file = std::move(token);
    return WebServer::start(web, collector);
}

// No Slurm in bin_dir: /metrics says slumber_slurm_up 0, at once.
constexpr const char* kNoSlurm = "[daemon]\nstate_dir = \"{0}/state\"\n[slurm]\nbin_dir = \"{0}\"\n";

// serve(), with `kToken` in a token file of dir's that only its owner reads.
constexpr std::string_view kToken = "a-token-of-twenty-chars";
std::expected<std::unique_ptr<WebServer>, std::string> serve_with_token(const std::filesystem::path& dir) {
    const std::filesystem::path token = dir / "web.token";
    std::ofstream(token) << kToken << "\n";
    ::chmod(token.c_str(), 0600);
    return serve(kNoSlurm, dir, token);
}

// cpp-httplib's stop() is a no-op until its listening loop has begun: a
// server destroyed at once after it started kept listening, and its
// destructor waited for that thread for ever.
TEST(WebServer, StopsWhenDestroyedAtOnceAfterItStarted) {
    slumber::testing::TempDir dir("slumber-web-server");
    for (int round = 0; round < 50; ++round) {
        auto server = serve(kNoSlurm, dir.path());
        ASSERT_TRUE(server) << server.error();
    }
}

// cpp-httplib 0.11 (Debian 12) binds with SO_REUSEPORT, so a second daemon
// on the same [web] port started without a word and the kernel shared the
// connections between the two: every other scrape and action went to the
// wrong daemon.
TEST(WebServer, RefusesAPortAnotherServerListensOn) {
    slumber::testing::TempDir dir("slumber-web-server");
    auto first = serve(kNoSlurm, dir.path());
    ASSERT_TRUE(first) << first.error();
    auto second = serve(kNoSlurm, dir.path(), std::nullopt, (*first)->port());
    ASSERT_FALSE(second) << "a second server listens on port " << (*first)->port() << " too";
    EXPECT_NE(second.error().find("cannot listen"), std::string::npos) << second.error();
}

TEST(WebServer, AnswersMetricsWhileSlowClientsTrickleTheirRequests) {
    slumber::testing::TempDir dir("slumber-web-server");
    auto server = serve(kNoSlurm, dir.path());
    ASSERT_TRUE(server) << server.error();
    const int port = (*server)->port();

    // More slow clients than cpp-httplib's default pool has threads, each
    // sending a header line every second, within the read timeout: none
    // of them is ever done with its request's head while this test runs.
    constexpr int kSlowClients = 16;
    std::vector<int> slow;
    for (int i = 0; i < kSlowClients; ++i) {
        const int fd = connect_and_send(port, "GET /metrics HTTP/1.1\r\nHost: localhost\r\n");
        ASSERT_GE(fd, 0) << "slow client " << i;
        slow.push_back(fd);
    }
    std::atomic<bool> done = false;
    std::jthread trickle([&] {
        for (int line = 0; !done && line < 20; ++line) {
            std::this_thread::sleep_for(std::chrono::milliseconds(900));
            for (const int fd : slow) (void)::send(fd, "X-Slow: 1\r\n", 11, MSG_NOSIGNAL);
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // every slow client accepted and reading

    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(5, 0);
    client.set_read_timeout(5, 0);  // generous: the slow clients trickle for 18 s
    const auto answer = client.Get("/metrics");
    done = true;
    ASSERT_TRUE(answer) << "no answer while " << kSlowClients
                        << " slow clients held connections: " << httplib::to_string(answer.error());
    EXPECT_EQ(answer->status, 200);
    EXPECT_NE(answer->body.find("slumber_build_info"), std::string::npos);
    for (const int fd : slow) ::close(fd);
}

// A tester's one GET with `?node=n[1-4096][1-4096]` (16 million names)
// pinned a core and grew the daemon to 2 GB: the names are counted first.
TEST(WebServer, RefusesAHostlistOfMoreNamesThanAnyClusterHas) {
    slumber::testing::TempDir dir("slumber-web-server");
    auto server = serve(kNoSlurm, dir.path());
    ASSERT_TRUE(server) << server.error();
    httplib::Client client("127.0.0.1", (*server)->port());
    client.set_read_timeout(10, 0);
    // Beyond what any hostlist may name (hostlist::kMaxNames): the parser's refusal.
    for (const char* path :
         {"/api/nodes?node=n%5B1-4096%5D%5B1-4096%5D", "/api/events?node=n%5B1-4096%5D%5B1-4096%5D"}) {
        const auto answer = client.Get(path);
        ASSERT_TRUE(answer) << path << ": " << httplib::to_string(answer.error());
        EXPECT_EQ(answer->status, 400) << path;
        EXPECT_NE(answer->body.find("names more than 1048576 hosts"), std::string::npos) << answer->body;
    }
    // A valid hostlist, but more names than one request may ask for.
    for (const char* path : {"/api/nodes?nodes=n%5B1-3%5D%5B1-50000%5D", "/api/events?node=n%5B1-3%5D%5B1-50000%5D"}) {
        const auto answer = client.Get(path);
        ASSERT_TRUE(answer) << path << ": " << httplib::to_string(answer.error());
        EXPECT_EQ(answer->status, 400) << path;
        EXPECT_NE(answer->body.find("at most 100000 in one request"), std::string::npos) << answer->body;
    }
    // Many names within the limit are answered too (404: none is known), not
    // one journal scan per name.
    const auto many = client.Get("/api/events?node=n%5B1-2%5D%5B1-50000%5D");
    ASSERT_TRUE(many) << httplib::to_string(many.error());
    EXPECT_EQ(many->status, 404);
}

// Each GET of `paths` is answered 400, its error saying `words`.
void expect_bad_requests(httplib::Client& client, std::initializer_list<const char*> paths, std::string_view words) {
    for (const char* path : paths) {
        const auto answer = client.Get(path);
        ASSERT_TRUE(answer) << path << ": " << httplib::to_string(answer.error());
        EXPECT_EQ(answer->status, 400) << path;
        EXPECT_NE(answer->body.find(words), std::string::npos) << answer->body;
    }
}

// "," is Slurm's empty hostlist: as ?node= it names no node, and is
// refused rather than read as every node (the parameter left out).
TEST(WebServer, RefusesAHostlistThatNamesNoNode) {
    slumber::testing::TempDir dir("slumber-web-server");
    auto server = serve(kNoSlurm, dir.path());
    ASSERT_TRUE(server) << server.error();
    httplib::Client client("127.0.0.1", (*server)->port());
    client.set_read_timeout(10, 0);
    expect_bad_requests(client, {"/api/nodes?node=%2C", "/api/events?nodes=%2C%20%2C"}, "names no node");
}

// A tester's ?nod=n1 and ?node= were each answered for every node.
TEST(WebServer, RefusesAParameterItDoesNotTakeAndAnEmptyHostlist) {
    slumber::testing::TempDir dir("slumber-web-server");
    auto server = serve(kNoSlurm, dir.path());
    ASSERT_TRUE(server) << server.error();
    httplib::Client client("127.0.0.1", (*server)->port());
    client.set_read_timeout(10, 0);
    expect_bad_requests(client, {"/api/nodes?nod=n1"}, R"(no parameter \"nod\" on /api/nodes: it takes node, nodes)");
    expect_bad_requests(client, {"/api/events?since=1h&sinse_ms=5"},
                        R"(no parameter \"sinse_ms\" on /api/events: it takes node, nodes, since, since_ms)");
    expect_bad_requests(client, {"/api/nodes?node=", "/api/events?nodes="}, "empty; give a hostlist");
    const auto all = client.Get("/api/nodes");
    ASSERT_TRUE(all) << httplib::to_string(all.error());
    EXPECT_EQ(all->status, 200) << "no parameter: every node";
}

// /api/overview takes no parameter: a tester's ?x=1 was answered 200 where
// every other page of the API refuses what it does not take.
TEST(WebServer, TheOverviewTakesNoParameter) {
    slumber::testing::TempDir dir("slumber-web-server");
    auto server = serve(kNoSlurm, dir.path());
    ASSERT_TRUE(server) << server.error();
    httplib::Client client("127.0.0.1", (*server)->port());
    client.set_read_timeout(10, 0);
    expect_bad_requests(client, {"/api/overview?x=1"}, R"(no parameter \"x\" on /api/overview: it takes none)");
    const auto plain = client.Get("/api/overview");
    ASSERT_TRUE(plain) << httplib::to_string(plain.error());
    EXPECT_EQ(plain->status, 200);
}

// On a loopback address the server answers only to loopback names: a page
// of another site whose name resolves to 127.0.0.1 (DNS rebinding) sends
// its own name as Host, and a tester read /api/nodes with Host: evil.example.
TEST(WebServer, OnLoopbackItAnswersOnlyToLoopbackNames) {
    slumber::testing::TempDir dir("slumber-web-server");
    auto server = serve(kNoSlurm, dir.path());
    ASSERT_TRUE(server) << server.error();
    const int port = (*server)->port();
    const auto with_host = [port](std::string_view host) {
        return raw_request(port, fmt::format("GET /api/nodes HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", host));
    };
    for (const std::string_view host : {"localhost", "LOCALHOST:8817", "localhost.", "127.0.0.1", "127.0.0.1:8817",
                                        "127.8.9.10:1", "[::1]", "[::1]:8817"}) {
        EXPECT_EQ(with_host(host).status(), 200) << host;
    }
    for (const std::string_view host : {"evil.example", "evil.example:8817", "localhost.evil.example",
                                        "127.0.0.1.evil.example", "[::2]", "[::1]x", "10.0.0.1"}) {
        const RawAnswer answer = with_host(host);
        EXPECT_EQ(answer.status(), 403) << host;
        EXPECT_NE(answer.body().find("is not this server's name"), std::string::npos) << answer.body();
    }
    const RawAnswer old = raw_request(port, "GET /api/nodes HTTP/1.0\r\n\r\n");
    EXPECT_EQ(old.status(), 200) << "no Host (HTTP/1.0): no browser's";
}

// A tester's ?node=a&node=b answered for a alone, and ?since=…&since_ms=…
// went by since_ms, silently: a parameter given twice is refused.
TEST(WebServer, RefusesAParameterGivenTwice) {
    slumber::testing::TempDir dir("slumber-web-server");
    auto server = serve(kNoSlurm, dir.path());
    ASSERT_TRUE(server) << server.error();
    httplib::Client client("127.0.0.1", (*server)->port());
    client.set_read_timeout(10, 0);
    expect_bad_requests(client, {"/api/nodes?node=n1&node=n2", "/api/events?node=n1&nodes=n2"},
                        "give it once, as one hostlist");
    expect_bad_requests(client, {"/api/events?since=1h&since_ms=5", "/api/events?since=1h&since=2h"},
                        "give since (a duration) or since_ms");
}

// A tester rotated the token and made its file readable by others, then
// sent SIGHUP: the old token still worked. The reload reads it again.
TEST(WebServer, AReloadReadsTheTokenAgain) {
    slumber::testing::TempDir dir("slumber-web-server");
    const std::filesystem::path token = dir.path() / "web.token";
    const auto write_token = [&](std::string_view text, mode_t mode) {
        std::ofstream(token) << text << "\n";
        ::chmod(token.c_str(), mode);
    };
    write_token("first-token-0123456789", 0600);
    auto server = serve(kNoSlurm, dir.path(), token);
    ASSERT_TRUE(server) << server.error();
    httplib::Client client("127.0.0.1", (*server)->port());
    // Past the token, the node is unknown: 404. Refused by it: 401 or 403.
    const auto status_with = [&](const std::string& presented) {
        const httplib::Headers headers{{"Authorization", "Bearer " + presented}};
        const auto answer = client.Post("/api/nodes/n1/power", headers, R"({"action":"on"})", "application/json");
        return answer ? answer->status : -1;
    };
    EXPECT_EQ(status_with("first-token-0123456789"), 404);
    write_token("second-token-0123456789", 0600);
    EXPECT_EQ(status_with("first-token-0123456789"), 404) << "in force until the reload";
    ASSERT_TRUE((*server)->reload_token());
    EXPECT_EQ(status_with("first-token-0123456789"), 403);
    EXPECT_EQ(status_with("second-token-0123456789"), 404);
    write_token("second-token-0123456789", 0644);
    const auto exposed = (*server)->reload_token();
    ASSERT_FALSE(exposed);
    EXPECT_EQ(status_with("second-token-0123456789"), 403) << "an exposed token acts no more";
    // Why, in one clean sentence (it held a literal "\\n    fix:"), for the
    // daemon's log; the 403 says only that the file is unusable: a tester
    // read the file's path and mode in an answer to a request without any
    // token.
    EXPECT_EQ(exposed.error(), token.string() +
                                   ": [web] token_file: is accessible by group or others (mode 0644); slumber refuses "
                                   "to use it; fix: chmod 600 " +
                                   token.string());
    const httplib::Headers headers{{"Authorization", "Bearer second-token-0123456789"}};
    for (const httplib::Headers& sent : {headers, httplib::Headers{}}) {
        const auto why = client.Post("/api/nodes/n1/power", sent, R"({"action":"on"})", "application/json");
        ASSERT_TRUE(why);
        EXPECT_EQ(why->status, 403);
        EXPECT_EQ(nlohmann::json::parse(why->body, nullptr, false).value("error", ""),
                  "the API is read-only until a reload reads a usable [web] token_file (the daemon's log says why)")
            << why->body;
    }
    // Gone at a reload: the token's advice, not a credentials file's.
    std::filesystem::remove(token);
    const auto gone = (*server)->reload_token();
    ASSERT_FALSE(gone);
    EXPECT_NE(gone.error().find("fix: openssl rand -hex 32 > " + token.string()), std::string::npos) << gone.error();
    EXPECT_EQ(gone.error().find("password"), std::string::npos) << gone.error();
    EXPECT_EQ(status_with("second-token-0123456789"), 403);
    // Two tokens in the file: refused at the reload, not "wrong token" for both.
    write_token("second-token-0123456789\nthird-token-0123456789", 0600);
    const auto two = (*server)->reload_token();
    ASSERT_FALSE(two);
    EXPECT_NE(two.error().find("more than one line"), std::string::npos) << two.error();
    EXPECT_EQ(status_with("second-token-0123456789"), 403);
    const auto options = client.Options("/api/nodes/n1/power");
    ASSERT_TRUE(options);
    EXPECT_EQ(options->status, 204);
    EXPECT_EQ(options->get_header_value("Allow"), "POST, OPTIONS");
}

// A tester's POST on an action without a body (no Content-Length, as
// `curl -X POST` sends it) got cpp-httplib's bare 400 {"error":"HTTP 400"}
// after its read timeout, and PUT, PATCH and TRACE without a body 400
// instead of 405. RFC 9112 6.3: a request without Content-Length or
// Transfer-Encoding has an empty body; it is answered as documented, at once.
TEST(WebServer, AnActionWithoutABodyIsAnsweredAsDocumentedAtOnce) {
    slumber::testing::TempDir dir("slumber-web-server");
    auto server = serve_with_token(dir.path());
    ASSERT_TRUE(server) << server.error();
    const int port = (*server)->port();
    const auto ask = [&](std::string_view method, std::string_view path, std::string_view headers = "") {
        return raw_request(port, fmt::format("{} {} HTTP/1.1\r\nHost: localhost\r\n{}Connection: close\r\n\r\n", method,
                                             path, headers));
    };
    const RawAnswer no_token = ask("POST", "/api/nodes/n1/power");
    EXPECT_EQ(no_token.status(), 401) << no_token.text;
    EXPECT_NE(no_token.body().find("Authorization: Bearer TOKEN"), std::string::npos) << no_token.text;
    EXPECT_LT(no_token.took, std::chrono::milliseconds(1500)) << "not after the read timeout";
    const RawAnswer with_token =
        ask("POST", "/api/nodes/n1/unblock", "Authorization: Bearer a-token-of-twenty-chars\r\n");
    EXPECT_EQ(with_token.status(), 404) << "past the token, the node is unknown: " << with_token.text;
    // The unblock action takes no body, or {} (docs/web.md); a tester's
    // "junk" was acted on.
    httplib::Client client("127.0.0.1", port);
    const httplib::Headers bearer{{"Authorization", "Bearer a-token-of-twenty-chars"}};
    const auto junk = client.Post("/api/nodes/n1/unblock", bearer, "junk", "text/plain");
    ASSERT_TRUE(junk);
    EXPECT_EQ(junk->status, 400) << junk->body;
    EXPECT_NE(junk->body.find("the unblock action takes no body, or {}"), std::string::npos) << junk->body;
    const auto empty_object = client.Post("/api/nodes/n1/unblock", bearer, " {} ", "application/json");
    ASSERT_TRUE(empty_object);
    EXPECT_EQ(empty_object->status, 404) << empty_object->body;
    // What to do is the body's alone: a query beside it is refused.
    const auto query = client.Post("/api/nodes/n1/power?action=off", bearer, R"({"action": "on"})", "application/json");
    ASSERT_TRUE(query);
    EXPECT_EQ(query->status, 400) << query->body;
    EXPECT_NE(query->body.find("an action takes no query parameters"), std::string::npos) << query->body;
    const RawAnswer bare_query =
        ask("POST", "/api/nodes/n1/unblock?force", "Authorization: Bearer a-token-of-twenty-chars\r\n");
    EXPECT_EQ(bare_query.status(), 400) << bare_query.text;
    // curl -d sends a form's Content-Type, whose body cpp-httplib reads into
    // the parameters: still the body alone, no query (a tester's 400).
    const auto form =
        client.Post("/api/nodes/n1/power", bearer, R"({"action": "on"})", "application/x-www-form-urlencoded");
    ASSERT_TRUE(form);
    EXPECT_EQ(form->status, 404) << "past the checks, the node is unknown: " << form->body;
    const RawAnswer no_action = ask("POST", "/api/nodes/n1/power", "Authorization: Bearer a-token-of-twenty-chars\r\n");
    EXPECT_EQ(no_action.status(), 400) << no_action.text;
    EXPECT_NE(no_action.body().find(R"(the body must be {\"action\": \"on\"})"), std::string::npos) << no_action.text;
    for (const std::string_view method : {"PUT", "PATCH", "TRACE", "DELETE", "GET"}) {
        const RawAnswer other = ask(method, "/api/nodes/n1/power");
        EXPECT_EQ(other.status(), 405) << method << ": " << other.text;
        EXPECT_NE(other.text.find("Allow: POST\r\n"), std::string::npos) << method << ": " << other.text;
        EXPECT_LT(other.took, std::chrono::milliseconds(1500)) << method;
    }
    const RawAnswer nowhere = ask("POST", "/api/nowhere");
    EXPECT_EQ(nowhere.status(), 404) << nowhere.text;
    EXPECT_LT(nowhere.took, std::chrono::milliseconds(1500));
    // cpp-httplib's own refusals, before any handler, in a sentence.
    const RawAnswer long_uri = ask("GET", "/api/nodes?node=" + std::string(9000, 'n'));
    EXPECT_EQ(long_uri.status(), 414) << long_uri.text;
    EXPECT_NE(long_uri.body().find("longer than 8192"), std::string::npos) << long_uri.text;
}

// A tester's {"action": "on"} followed by a NUL byte and more was taken as
// {"action": "on"} (nlohmann's parser stops at a NUL): a body that is not a
// JSON text is refused before the node is looked up.
TEST(WebServer, APowerActionWhoseBodyHoldsANulByteIsABadRequest) {
    slumber::testing::TempDir dir("slumber-web-server");
    auto server = serve_with_token(dir.path());
    ASSERT_TRUE(server) << server.error();
    const std::string body("{\"action\": \"on\"}\0{\"action\": \"off\"}", 34);
    const RawAnswer answer =
        raw_request((*server)->port(), fmt::format("POST /api/nodes/n1/power HTTP/1.1\r\nHost: localhost\r\n"
                                                   "Authorization: Bearer a-token-of-twenty-chars\r\n"
                                                   "Content-Length: {}\r\nConnection: close\r\n\r\n{}",
                                                   body.size(), body));
    EXPECT_EQ(answer.status(), 400) << answer.text;
    EXPECT_NE(answer.body().find(R"(the body must be {\"action\": \"on\"})"), std::string::npos) << answer.text;
}

// {"action": "on", "action": "off"} was carried out as off (the parser
// keeps a key's last value), and keys beside "action" passed unread: the
// body is the one key, once.
TEST(WebServer, APowerActionWhoseBodyGivesAKeyTwiceOrAnotherKeyIsABadRequest) {
    slumber::testing::TempDir dir("slumber-web-server");
    auto server = serve_with_token(dir.path());
    ASSERT_TRUE(server) << server.error();
    httplib::Client client("127.0.0.1", (*server)->port());
    client.set_read_timeout(10, 0);
    const httplib::Headers headers{{"Authorization", "Bearer a-token-of-twenty-chars"}};
    for (const char* body : {R"({"action":"on","action":"off"})", R"({"action":"on","force":true})",
                             R"({"action":"on","x":{"action":"off"}})", R"({})", R"(["action","on"])"}) {
        const auto answer = client.Post("/api/nodes/n1/power", headers, body, "application/json");
        ASSERT_TRUE(answer) << httplib::to_string(answer.error());
        EXPECT_EQ(answer->status, 400) << body << ": " << answer->body;
        EXPECT_NE(answer->body.find(R"(the body must be {\"action\": \"on\"})"), std::string::npos) << answer->body;
    }
}

// A site of one IPMI node, n1, idle and powered down in Slurm: its
// slurm.conf, an scontrol that answers for n1 and writes each call it is
// given to `calls`, n1's credentials and the web token. kBlockedNodeSite is
// its slumber.toml, for serve(); the test blocks n1 in the journal.
void write_blocked_node_site(const std::filesystem::path& root) {
    std::filesystem::create_directories(root / "state");
    std::ofstream(root / "slurm.conf") << "ClusterName=c\nNodeName=n1\n";
    std::ofstream(root / "scontrol")
        << "#!/bin/sh\necho \"$@\" >> '" << (root / "calls").string()
        << "'\ncase \"$*\" in\n  *'show node'*) echo 'NodeName=n1 CPUAlloc=0 "
           "State=IDLE+POWERED_DOWN BootTime=None' ;;\n  --version) echo 'slurm 22.05.8' ;;\n"
           "esac\n";
    ::chmod((root / "scontrol").c_str(), 0755);
    std::ofstream(root / "ipmi.secret") << "username = \"admin\"\npassword = \"secret\"\n";
    ::chmod((root / "ipmi.secret").c_str(), 0600);
    std::ofstream(root / "web.token") << "a-token-of-twenty-chars\n";
    ::chmod((root / "web.token").c_str(), 0600);
}
constexpr const char* kBlockedNodeSite =
    "[slurm]\nbin_dir = \"{0}\"\nconf = \"{0}/slurm.conf\"\n[daemon]\nstate_dir = \"{0}/state\"\n"
    "[[node]]\nnames = \"n1\"\ndriver = \"ipmi\"\nbmc = \"b1\"\ncredentials = \"{0}/ipmi.secret\"\n";

// A tester's web power-on of a node blocked for crossed BMC addresses was
// 202: Slurm was asked, the hook refused, and Slurm waited out ResumeTimeout.
// It is 409 now, and Slurm is not asked.
TEST(WebServer, APowerActionOnABlockedNodeIsRefusedBeforeSlurmIsAsked) {
    slumber::testing::TempDir dir("slumber-web-server");
    const std::filesystem::path root = dir.path();
    write_blocked_node_site(root);
    {
        auto journal = store::Journal::open(root / "state" / "journal.db");
        ASSERT_TRUE(journal) << journal.error();
        ASSERT_TRUE(journal->add_block({"n1",
                                        std::nullopt,
                                        power::ErrorKind::crossed,
                                        "BMC addresses of n1 and n2 look crossed: a test",
                                        1,
                                        {},
                                        "the daemon"}));
    }
    auto server = serve(kBlockedNodeSite, root, root / "web.token");
    ASSERT_TRUE(server) << server.error();
    httplib::Client client("127.0.0.1", (*server)->port());
    client.set_read_timeout(20, 0);
    const httplib::Headers headers{{"Authorization", "Bearer a-token-of-twenty-chars"}};
    const auto answer = client.Post("/api/nodes/n1/power", headers, R"({"action":"on"})", "application/json");
    ASSERT_TRUE(answer) << httplib::to_string(answer.error());
    EXPECT_EQ(answer->status, 409) << answer->body;
    EXPECT_NE(answer->body.find("n1 is blocked: BMC addresses of n1 and n2 look crossed"), std::string::npos)
        << answer->body;
    EXPECT_NE(answer->body.find("slumber unblock n1"), std::string::npos) << answer->body;
    // Answered, journaled and counted as every other refusal: a tester's
    // blocked node got {"error": …} and nothing in the journal or metrics.
    const nlohmann::json body = nlohmann::json::parse(answer->body, nullptr, false);
    EXPECT_EQ(body.value("target", ""), "n1") << answer->body;
    EXPECT_EQ(body.value("action", ""), "on") << answer->body;
    EXPECT_EQ(body.value("ok", true), false) << answer->body;
    EXPECT_FALSE(body.contains("error")) << answer->body;
    {
        auto journal = store::Journal::open(root / "state" / "journal.db");
        ASSERT_TRUE(journal) << journal.error();
        const auto events = journal->events(std::vector<std::string>{"n1"}, 0);
        ASSERT_TRUE(events) << events.error();
        const auto refused = std::ranges::find(*events, store::EventKind::refused, &store::Event::kind);
        ASSERT_NE(refused, events->end()) << "journaled";
        EXPECT_EQ(refused->outcome, store::OutcomeKind::refused);
        EXPECT_EQ(refused->action, power::Action::on);
        EXPECT_NE(refused->detail.find("on refused, asked by the web API: n1 is blocked"), std::string::npos)
            << refused->detail;
        JournalCounter counter(0);
        ASSERT_TRUE(counter.update(*journal));
        EXPECT_EQ(counter.counts().action_failures.at({"on", "refused"}), 1)
            << "slumber_power_action_failures_total{kind=\"refused\"}";
    }
    std::ifstream calls(root / "calls");
    const std::string called{std::istreambuf_iterator<char>(calls), std::istreambuf_iterator<char>()};
    EXPECT_EQ(called.find("power"), std::string::npos) << called;
    EXPECT_EQ(called.find("update"), std::string::npos) << called;
}

// The dashboard's unblock lifted the block but left the daemon asleep: it
// read the node's BMC, and carried out a power-on journaled again, only at
// its next look, up to idle_poll (30 s) later. It is woken now, as
// `slumber unblock` wakes it.
TEST(WebServer, AnUnblockWakesTheDaemon) {
    slumber::testing::TempDir dir("slumber-web-server");
    const std::filesystem::path root = dir.path();
    write_blocked_node_site(root);
    {
        auto journal = store::Journal::open(root / "state" / "journal.db");
        ASSERT_TRUE(journal) << journal.error();
        ASSERT_TRUE(journal->add_block(
            {"n1", std::nullopt, power::ErrorKind::auth_failed, "password refused", 1, {}, "the daemon"}));
    }
    auto daemon = util::WakeSocket::bind(root / "state" / "slumberd.sock");  // the daemon's end
    ASSERT_TRUE(daemon) << daemon.error();
    auto server = serve(kBlockedNodeSite, root, root / "web.token");
    ASSERT_TRUE(server) << server.error();
    EXPECT_FALSE(daemon->wait(std::chrono::milliseconds(0))) << "nothing woke it yet";
    httplib::Client client("127.0.0.1", (*server)->port());
    client.set_read_timeout(20, 0);
    const auto answer = client.Post("/api/nodes/n1/unblock", {{"Authorization", "Bearer a-token-of-twenty-chars"}}, "",
                                    "application/json");
    ASSERT_TRUE(answer) << httplib::to_string(answer.error());
    EXPECT_EQ(answer->status, 200) << answer->body;
    EXPECT_TRUE(daemon->wait(std::chrono::milliseconds(0))) << "woken by the lifted block";
}

}  // namespace
}  // namespace slumber::web
