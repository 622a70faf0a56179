#include "web/routes.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include <nlohmann/json.hpp>

#include "hostlist/hostlist.hpp"
#include "service/journal_events.hpp"
#include "service/journal_json.hpp"
#include "service/node_view_json.hpp"
#include "util/duration.hpp"
#include "util/safe_text.hpp"

namespace slumber::web {
namespace {

constexpr std::string_view kJson = "application/json";
// An answer's events at most: the newest are kept. The dashboard asks for
// what came since its last look.
constexpr std::size_t kMaxEvents = 10'000;
// The most names one ?node= may give: ten times the largest cluster slumber
// is measured on (bench/scale.sh, 10,000 nodes).
constexpr std::size_t kMaxQueryNames = 100'000;

std::string dump(const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// ?node=HOSTLIST (or ?nodes=): the names, empty for all (no parameter, or
// an empty one); nothing after an answer of 400. Counted before they are written out: anyone who can reach
// the server may ask, and `n[1-4096][1-4096]` is 16 million names (a tester
// pinned a daemon's core and 2 GB with one GET).
std::optional<std::vector<std::string>> nodes_parameter(const httplib::Request& request, httplib::Response& response) {
    // ?node=a&node=b was read as a alone: one hostlist names them all.
    if (request.get_param_value_count("node") + request.get_param_value_count("nodes") > 1) {
        answer_error(response, 400, "node: give it once, as one hostlist (node=a,b or node=n[1-4])");
        return std::nullopt;
    }
    const char* given = request.has_param("node") ? "node" : request.has_param("nodes") ? "nodes" : nullptr;
    if (given == nullptr) return std::vector<std::string>{};
    const std::string text = request.get_param_value(given);
    // ?node= with nothing after it read as every node: a script that
    // builds the query from an empty variable got every node back.
    if (text.empty()) {
        answer_error(response, 400,
                     fmt::format("{}: empty; give a hostlist, or leave the parameter out for every node", given));
        return std::nullopt;
    }
    auto list = hostlist::Hostlist::parse(text);
    if (!list) {
        answer_error(response, 400, fmt::format("node: {}", hostlist::describe(list.error(), text)));
        return std::nullopt;
    }
    // "," is Slurm's empty hostlist: it names no node, and must not read as
    // the "every node" of a query without the parameter.
    if (list->empty()) {
        answer_error(response, 400,
                     fmt::format("node: \"{}\" names no node (leave the parameter out for every node)",
                                 util::safe_text(text.substr(0, 80))));
        return std::nullopt;
    }
    if (list->size() > kMaxQueryNames) {
        answer_error(response, 400,
                     fmt::format("node: {} names {} nodes; at most {} in one request",
                                 util::safe_text(text.substr(0, 80)), list->size(), kMaxQueryNames));
        return std::nullopt;
    }
    return list->names();
}

// ?since=DURATION (how far back, as `slumber journal --since`: "15m", "1d")
// or ?since_ms=UNIX_MS (after an event the client has: the dashboard's
// timeline); a day back when neither is given.
std::optional<store::TimeMs> since_parameter(const httplib::Request& request, httplib::Response& response,
                                             store::TimeMs now) {
    // Both, or one twice, was read as one of them, silently.
    if (request.get_param_value_count("since") + request.get_param_value_count("since_ms") > 1) {
        answer_error(response, 400, "since: give since (a duration) or since_ms (Unix milliseconds), once");
        return std::nullopt;
    }
    if (request.has_param("since_ms")) {
        const std::string text = request.get_param_value("since_ms");
        store::TimeMs since = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), since);
        if (error != std::errc{} || end != text.data() + text.size() || since < 0) {
            answer_error(response, 400,
                         fmt::format("since_ms: \"{}\" is not a time in Unix milliseconds", util::safe_text(text)));
            return std::nullopt;
        }
        return since;
    }
    const std::string text = request.has_param("since") ? request.get_param_value("since") : "1d";
    const auto back = util::parse_duration(text);
    if (!back) {
        answer_error(response, 400, fmt::format("since: {} (a duration such as 15m, 2h or 1d)", back.error()));
        return std::nullopt;
    }
    return now - back->count();
}

bool is_loopback(std::string_view address) {
    in_addr v4{};
    if (::inet_pton(AF_INET, std::string(address).c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    return ::inet_pton(AF_INET6, std::string(address).c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

// Whether a Host header (RFC 9110, 7.2: host[:port], an IPv6 literal in
// brackets) names this host's loopback: localhost (with or without the
// root's dot, any case), an address in 127.0.0.0/8, or [::1].
bool names_loopback(std::string_view host) {
    if (host.starts_with('[')) {
        const std::size_t end = host.find(']');
        if (end == std::string_view::npos) return false;
        const std::string_view rest = host.substr(end + 1);
        if (!rest.empty() && !rest.starts_with(':')) return false;
        return is_loopback(host.substr(1, end - 1));
    }
    if (const std::size_t colon = host.find(':'); colon != std::string_view::npos) host = host.substr(0, colon);
    if (host.ends_with('.')) host.remove_suffix(1);
    std::string lower(host);
    std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower == "localhost" || is_loopback(lower);
}

std::string compressed(const std::vector<std::string>& names) {
    return hostlist::compress(names, false).value_or(names.front());
}

void serve_metrics(Collector& collector, httplib::Response& response) {
    const auto snapshot = collector.snapshot();
    response.set_content(render_metrics(*snapshot), std::string(kExpositionContentType));
}

void serve_nodes(Collector& collector, const httplib::Request& request, httplib::Response& response) {
    if (!known_parameters(request, response, {"node", "nodes"})) return;
    const auto names = nodes_parameter(request, response);
    if (!names) return;
    const auto snapshot = collector.snapshot();
    service::ClusterView view = snapshot->nodes;
    if (!names->empty()) {
        const std::set<std::string> wanted(names->begin(), names->end());
        std::erase_if(view.nodes, [&](const service::NodeView& node) { return !wanted.contains(node.name); });
        // As `slumber status` does: an unknown name is an error, not [].
        std::set<std::string> known;
        for (const service::NodeView& node : view.nodes) known.insert(node.name);
        std::vector<std::string> unknown;
        for (const std::string& name : *names) {
            if (!known.contains(name)) unknown.push_back(name);
        }
        if (!unknown.empty()) {
            answer_error(response, 404, fmt::format("no such node: {}", util::safe_text(compressed(unknown))));
            return;
        }
    }
    response.set_content(dump(service::to_json(view)), std::string(kJson));
}

void serve_events(Collector& collector, const httplib::Request& request, httplib::Response& response) {
    if (!known_parameters(request, response, {"node", "nodes", "since", "since_ms"})) return;
    const auto names = nodes_parameter(request, response);
    if (!names) return;
    const auto since = since_parameter(request, response, operate::wall_clock_ms());
    if (!since) return;
    const config::SharedConfig config = collector.config();
    auto reader = store::JournalReader::open(config->daemon.journal());
    if (!reader) {
        answer_error(response, 503, fmt::format("the journal cannot be read: {}", reader.error()));
        return;
    }
    // As `slumber journal` does: a name neither the file nor the journal
    // knows is an error, not the cluster's own events.
    auto unknown = service::unknown_names(config.get(), **reader, *names);
    if (!unknown) {
        answer_error(response, 503, fmt::format("the journal cannot be read: {}", unknown.error()));
        return;
    }
    if (!unknown->empty()) {
        answer_error(response, 404,
                     fmt::format("no such node: {} (not configured, never in the journal)",
                                 util::safe_text(compressed(*unknown))));
        return;
    }
    auto events = (*reader)->events(*names, *since);
    if (!events) {
        answer_error(response, 503, fmt::format("the journal cannot be read: {}", events.error()));
        return;
    }
    nlohmann::json list = nlohmann::json::array();
    const std::size_t skip = events->size() > kMaxEvents ? events->size() - kMaxEvents : 0;
    for (std::size_t i = skip; i < events->size(); ++i) list.push_back(service::to_json((*events)[i]));
    response.set_content(dump(list), std::string(kJson));
}

// cpp-httplib's own refusals (0.11), made before any handler, in a
// sentence rather than "HTTP 414".
std::string refusal_words(const httplib::Request& request, int status) {
    switch (status) {
        case 400:
            return "the request could not be read: a malformed request line, header or body";
        case 404:
            return fmt::format("no such page: {} {}", util::safe_text(request.method), util::safe_text(request.path));
        case 413:
            return fmt::format("the body is larger than {} KiB: an action's is {{\"action\": \"on\"}} or {{}}",
                               kMaxBodyBytes / 1024);
        case 414:
            return "the request's URI is longer than 8192 characters, cpp-httplib's limit: give ?node= as a "
                   "hostlist's ranges (n[001-999]) rather than each name";
        default:
            return fmt::format("HTTP {}", status);
    }
}

}  // namespace

// `?nod=n1` was answered for every node, silently (a tester).
bool known_parameters(const httplib::Request& request, httplib::Response& response,
                      std::initializer_list<std::string_view> known) {
    for (const auto& [name, value] : request.params) {
        if (std::ranges::find(known, name) != known.end()) continue;
        answer_error(response, 400,
                     fmt::format("no parameter \"{}\" on {}: it takes {}", util::safe_text(name.substr(0, 80)),
                                 util::safe_text(request.path),
                                 known.size() == 0 ? std::string("none") : fmt::format("{}", fmt::join(known, ", "))));
        return false;
    }
    return true;
}

PreRouting answer_foreign_hosts(const std::string& listen) {
    if (!is_loopback(listen)) {
        return [](const httplib::Request&, httplib::Response&) { return httplib::Server::HandlerResponse::Unhandled; };
    }
    return [](const httplib::Request& request, httplib::Response& response) {
        if (!request.has_header("Host") || names_loopback(request.get_header_value("Host"))) {
            return httplib::Server::HandlerResponse::Unhandled;
        }
        answer_error(response, 403,
                     fmt::format("Host {} is not this server's name: it listens on a loopback address and answers "
                                 "only to localhost, 127.x.y.z or [::1] (a page that names another host here is a "
                                 "DNS rebinding attack); to reach it under another name set [web] listen",
                                 util::safe_text(request.get_header_value("Host").substr(0, 80))));
        return httplib::Server::HandlerResponse::Handled;
    };
}

void answer_error(httplib::Response& response, int status, std::string_view words) {
    response.status = status;
    response.set_content(dump(nlohmann::json{{"error", words}}), std::string(kJson));
}

PreRouting answer_other_methods(std::set<std::string, std::less<>> paths) {
    constexpr std::string_view kAllow = "GET, HEAD, OPTIONS";
    return [paths = std::move(paths), kAllow](const httplib::Request& request, httplib::Response& response) {
        if (request.method == "GET" || request.method == "HEAD" || !paths.contains(request.path)) {
            return httplib::Server::HandlerResponse::Unhandled;
        }
        response.set_header("Allow", std::string(kAllow));
        if (request.method == "OPTIONS") {
            response.status = 204;
        } else {
            answer_error(
                response, 405,
                fmt::format("{} takes GET, not {}", util::safe_text(request.path), util::safe_text(request.method)));
        }
        return httplib::Server::HandlerResponse::Handled;
    };
}

bool without_body(const httplib::Request& request) {
    const bool may_carry_one =
        request.method == "POST" || request.method == "PUT" || request.method == "PATCH" || request.method == "DELETE";
    return may_carry_one && !request.has_header("Content-Length") && !request.has_header("Transfer-Encoding");
}

void set_pre_routing(httplib::Server& server, std::vector<PreRouting> steps) {
    server.set_pre_routing_handler(
        [steps = std::move(steps)](const httplib::Request& request, httplib::Response& response) {
            for (const PreRouting& step : steps) {
                if (step(request, response) == httplib::Server::HandlerResponse::Handled) {
                    return httplib::Server::HandlerResponse::Handled;
                }
            }
            if (!without_body(request)) return httplib::Server::HandlerResponse::Unhandled;
            answer_error(
                response, 404,
                fmt::format("no such page: {} {}", util::safe_text(request.method), util::safe_text(request.path)));
            return httplib::Server::HandlerResponse::Handled;
        });
}

std::vector<std::string> read_paths() { return {"/metrics", "/api/nodes", "/api/events"}; }

void add_read_routes(httplib::Server& server, std::shared_ptr<Collector> collector) {
    server.Get("/metrics", [collector](const httplib::Request&, httplib::Response& response) {
        serve_metrics(*collector, response);
    });
    server.Get("/api/nodes", [collector](const httplib::Request& request, httplib::Response& response) {
        serve_nodes(*collector, request, response);
    });
    server.Get("/api/events", [collector](const httplib::Request& request, httplib::Response& response) {
        serve_events(*collector, request, response);
    });
    server.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
        if (!response.body.empty()) return;  // a handler's own answer
        answer_error(response, response.status, refusal_words(request, response.status));
    });
}

}  // namespace slumber::web
