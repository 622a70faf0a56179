#include "web/actions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <regex>

#include "operate/blocks.hpp"
#include "operate/clock.hpp"
#include "service/power_action.hpp"
#include "service/power_json.hpp"
#include "service/slurm_power.hpp"
#include "service/unblock.hpp"
#include "slurm/scontrol.hpp"
#include "util/safe_text.hpp"
#include "util/wake_socket.hpp"
#include "web/routes.hpp"

namespace slumber::web {
namespace {

// The credentials of "Authorization: Bearer TOKEN": the scheme's name is
// case-insensitive (RFC 9110 11.1) and one or more spaces follow it (RFC
// 6750 2.1); nothing when the header is no bearer token.
std::optional<std::string_view> bearer_token(std::string_view header) {
    constexpr std::string_view kScheme = "bearer";
    if (header.size() <= kScheme.size() || header[kScheme.size()] != ' ') return std::nullopt;
    for (std::size_t i = 0; i < kScheme.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return std::nullopt;
    }
    header.remove_prefix(kScheme.size());
    while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
    return header;
}

}  // namespace

std::expected<void, std::string> TokenSlot::read(const std::optional<std::filesystem::path>& file) {
    std::optional<Token> token;
    std::string unusable;
    std::expected<void, std::string> done;
    if (file) {
        if (auto read = Token::read(*file)) {
            token = std::move(*read);
        } else {
            unusable = read.error();
            done = std::unexpected(read.error());
        }
    }
    const std::lock_guard lock(m_mutex);
    m_token = std::move(token);
    m_unusable = std::move(unusable);
    return done;
}

// Whether the request may act; else answered: 401 without a token, 403
// with a wrong one or when the server has none.
bool TokenSlot::authorized(const httplib::Request& request, httplib::Response& response) const {
    const std::lock_guard lock(m_mutex);
    const std::optional<Token>& token = m_token;
    // Why the file is unusable names its path and mode: the daemon logs it
    // when a reload reads the file, and no answer to whoever asks says it.
    if (!token && !m_unusable.empty()) {
        answer_error(response, 403,
                     "the API is read-only until a reload reads a usable [web] token_file (the daemon's log says why)");
        return false;
    }
    if (!token) {
        answer_error(response, 403, "the API is read-only: [web] token_file is not set");
        return false;
    }
    const std::string header = request.get_header_value("Authorization");
    const auto given = bearer_token(header);
    if (!given) {
        response.set_header("WWW-Authenticate", "Bearer realm=\"slumber\"");
        answer_error(response, 401, "an action needs the token of [web] token_file: Authorization: Bearer TOKEN");
        return false;
    }
    if (!token->matches(*given)) {
        answer_error(response, 403, "wrong token");
        return false;
    }
    return true;
}

namespace {

// The node named in the path, when slumber manages it; else answered 404.
const config::PowerTarget* configured_node(const config::Config& config, const std::string& name,
                                           httplib::Response& response) {
    const config::PowerTarget* target = config.find(name);
    if (target == nullptr || target->kind != config::TargetKind::node) {
        answer_error(response, 404, fmt::format("no node {} in the configuration", util::safe_text(name)));
        return nullptr;
    }
    return target;
}

// Slurm's view of the nodes, asked now (not from the shared look); else
// answered 503.
std::optional<std::vector<slurm::NodeState>> slurm_nodes(const slurm::SlurmView& slurm, const std::string& name,
                                                         httplib::Response& response) {
    auto nodes = slurm.nodes();
    if (!nodes) {
        answer_error(response, 503, fmt::format("Slurm cannot be asked about {}: {}", name, nodes.error()));
        return std::nullopt;
    }
    return std::move(*nodes);
}

const slurm::NodeState* find_node(const std::vector<slurm::NodeState>& nodes, const std::string& name) {
    const auto it = std::find_if(nodes.begin(), nodes.end(), [&](const auto& node) { return node.name == name; });
    return it == nodes.end() ? nullptr : &*it;
}

void answer_json(httplib::Response& response, const nlohmann::json& answer) {
    response.set_content(answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

// {"target", "action", "ok", "words"[, "slurm"]}, with the status of how it ended.
void answer_done(httplib::Response& response, const std::string& node, power::Action action,
                 const service::SlurmPowerDone& done) {
    response.status = done.status;
    nlohmann::json answer{
        {"target", node}, {"action", power::to_string(action)}, {"ok", done.ok}, {"words", done.words}};
    if (!done.slurm_call.empty()) answer["slurm"] = done.slurm_call;
    answer_json(response, answer);
}

// A node Slurm knows: asked of Slurm (service/slurm_power.hpp), whose
// hooks then journal and carry out the request.
void power_through_slurm(Collector& collector, const config::Config& config, const slurm::SlurmView& slurm,
                         const slurm::NodeState& node, power::Action action, httplib::Response& response) {
    auto journal = store::Journal::open(config.daemon.journal());
    store::Journal* const journaled = journal ? &*journal : nullptr;
    // Slurm's hook would refuse it: a blocked node (a refused password,
    // crossed BMC addresses) is refused here, before Slurm is asked and
    // left waiting for a power change that never comes (ResumeTimeout);
    // journaled and answered as the other refusals.
    operate::Blocks blocks(config, journaled, operate::Caller::automatic, operate::wall_clock_ms);
    if (const auto block = blocks.holding(node.name, action)) {
        const std::string words =
            fmt::format("{} is blocked: {}; lift it with `slumber unblock {}` (or the dashboard) once fixed", node.name,
                        util::safe_text(block->words), node.name);
        answer_done(
            response, node.name, action,
            service::refuse_power(journaled, node.name, action, "the web API", words, operate::wall_clock_ms()));
        return;
    }
    answer_done(response, node.name, action,
                service::power_through_slurm(slurm, journaled, node, action, config.excluded(node.name), "the web API",
                                             collector.thermal_hold(), operate::wall_clock_ms()));
}

// A node Slurm does not list (a test machine, a node not in slurm.conf
// yet): switched here, as `slumber power` switches, and journaled as a
// request of the web API's. A power-on waits while the thermal guard holds.
void power_directly(Collector& collector, const config::Config& config, const std::string& name, power::Action action,
                    httplib::Response& response) {
    if (const auto hold = collector.thermal_hold(); hold && action == power::Action::on) {
        auto journal = store::Journal::open(config.daemon.journal());
        answer_done(response, name, action,
                    service::refuse_power(journal ? &*journal : nullptr, name, action, "the web API",
                                          fmt::format("{}: the thermal guard holds power-ons: {}", name, *hold),
                                          operate::wall_clock_ms()));
        return;
    }
    auto targets = service::power_targets(config, {name});
    if (!targets) {
        answer_error(response, 404, fmt::format("no node {} in the configuration", name));
        return;
    }
    const auto outcomes = service::switch_power(
        *targets, {.action = action, .source = "the web API", .journal_as = store::RequestSource::web_api});
    nlohmann::json answer = service::to_json(action, outcomes.front());
    if (!outcomes.front().result) {
        response.status = 502;  // the controller failed: its words are in the answer
        answer["words"] = fmt::format("{}: {}", name, power::describe(outcomes.front().result.error()));
    } else {
        answer["words"] =
            fmt::format("{}: {} (Slurm does not know it: switched directly)", name, power::to_string(action));
    }
    answer_json(response, answer);
}

// The body of a power action as JSON, or a discarded value when it is none
// or holds anything but the one key "action".
nlohmann::json action_body(const std::string& text) {
    // nlohmann's parser takes a NUL byte for the end of its input, so that
    // {"action": "on"} followed by a NUL and anything at all would pass: a
    // JSON text holds no NUL byte, so such a body is not one.
    if (text.find('\0') != std::string::npos) return nlohmann::json(nlohmann::json::value_t::discarded);
    // It keeps the last of a key given twice: {"action": "on", "action":
    // "off"} was carried out as off (a tester). RFC 8259 leaves such an
    // object's meaning open, so it is refused, counted as it is read.
    std::size_t keys = 0;
    const nlohmann::json::parser_callback_t count = [&keys](int depth, nlohmann::json::parse_event_t event,
                                                            const nlohmann::json&) {
        if (event == nlohmann::json::parse_event_t::key && depth == 1) ++keys;
        return true;
    };
    nlohmann::json body = nlohmann::json::parse(text, count, false);
    if (!body.is_object() || keys != 1 || body.size() != 1) return nlohmann::json(nlohmann::json::value_t::discarded);
    return body;
}

void power(Collector& collector, const std::string& name, const httplib::Request& request,
           httplib::Response& response) {
    const nlohmann::json body = action_body(request.body);
    const auto field = body.is_object() ? body.find("action") : body.end();
    const auto action = field != body.end() && field->is_string()
                            ? power::action_from(field->get_ref<const std::string&>())
                            : std::nullopt;
    if (!action || (*action != power::Action::on && *action != power::Action::off)) {
        answer_error(response, 400, R"(the body must be {"action": "on"} or {"action": "off"})");
        return;
    }
    const config::SharedConfig config = collector.config();
    if (configured_node(*config, name, response) == nullptr) return;
    const slurm::Scontrol scontrol(config->slurm.bin_dir, config->slurm.conf);
    const auto nodes = slurm_nodes(scontrol, name, response);
    if (!nodes) return;
    if (const slurm::NodeState* node = find_node(*nodes, name)) {
        power_through_slurm(collector, *config, scontrol, *node, *action, response);
    } else {
        power_directly(collector, *config, name, *action, response);
    }
}

// Lifts the node's blocks and clears slumber's drain: 409 when there was
// nothing of slumber's to lift and the node is drained by someone else.
void unblock(Collector& collector, const std::string& name, httplib::Response& response) {
    const config::SharedConfig config = collector.config();
    if (configured_node(*config, name, response) == nullptr) return;
    const slurm::Scontrol scontrol(config->slurm.bin_dir, config->slurm.conf);
    const auto result = service::unblock(*config, scontrol, {name}, "the web API");
    if (!result) {
        answer_error(response, result.error().kind == service::UnblockError::Kind::unknown ? 404 : 503,
                     result.error().words);
        return;
    }
    // The daemon, woken, carries out a power-on journaled again and reads
    // the node's BMC at once, not at its next look (up to idle_poll later),
    // as after `slumber unblock`.
    if (result->woken || result->lifted) (void)util::wake_daemon(config->daemon.socket());
    const service::Unblocked& done = result->targets.front();
    response.status = done.ok ? 200 : done.drain_left ? 409 : 502;
    answer_json(response, {{"target", done.target}, {"words", done.words}, {"ok", done.ok}});
}

}  // namespace

std::expected<Token, std::string> Token::read(const std::filesystem::path& file) {
    auto secret = config::read_token_file(file);
    // One line: it goes into a log line and a JSON answer's sentence.
    if (!secret) return std::unexpected(config::format_line(secret.error()));
    return Token(std::move(*secret));
}

bool Token::matches(std::string_view presented) const {
    const std::string_view expected = m_secret.reveal();
    unsigned char differ = expected.size() == presented.size() ? 0 : 1;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const char got = i < presented.size() ? presented[i] : '\0';
        differ |= static_cast<unsigned char>(expected[i] ^ got);
    }
    return differ == 0;
}

namespace {

constexpr const char* kPower = R"(/api/nodes/([^/]+)/power)";
constexpr const char* kUnblock = R"(/api/nodes/([^/]+)/unblock)";

// The action a path names, with its node; nullopt for another path.
struct ActionPath {
    bool power = false;  ///< else unblock
    std::string node;
};
std::optional<ActionPath> action_path(const std::string& path) {
    static const std::regex power_path(kPower);
    static const std::regex unblock_path(kUnblock);
    std::smatch match;
    if (std::regex_match(path, match, power_path)) return ActionPath{true, match[1]};
    if (std::regex_match(path, match, unblock_path)) return ActionPath{false, match[1]};
    return std::nullopt;
}

void act(Collector& collector, const TokenSlot& token, const ActionPath& action, const httplib::Request& request,
         httplib::Response& response) {
    if (!token.authorized(request, response)) return;
    // docs/web.md: what to do is the body's alone. A query beside it
    // (`?action=off` with a body of "on") is a client's mistake, not a
    // request to act on whichever of the two wins.
    // The request target's, not request.params: cpp-httplib also fills those
    // from a form-encoded body, which is what `curl -d` sends.
    if (request.target.find('?') != std::string::npos) {
        answer_error(response, 400, "an action takes no query parameters: what to do goes in the body");
        return;
    }
    if (action.power) {
        power(collector, action.node, request, response);
        return;
    }
    // docs/web.md: the unblock action takes `{}` or no body; anything else
    // is a client's mistake, not a request to act on.
    const std::string_view body = request.body;
    const auto first = body.find_first_not_of(" \t\r\n");
    const auto last = body.find_last_not_of(" \t\r\n");
    if (first != std::string_view::npos && body.substr(first, last - first + 1) != "{}") {
        answer_error(response, 400, "the unblock action takes no body, or {}");
        return;
    }
    unblock(collector, action.node, response);
}

}  // namespace

void add_action_routes(httplib::Server& server, std::shared_ptr<Collector> collector,
                       std::shared_ptr<const TokenSlot> token) {
    server.Post(kPower, [collector, token](const httplib::Request& request, httplib::Response& response) {
        act(*collector, *token, {true, request.matches[1]}, request, response);
    });
    server.Post(kUnblock, [collector, token](const httplib::Request& request, httplib::Response& response) {
        act(*collector, *token, {false, request.matches[1]}, request, response);
    });
}

PreRouting answer_action_methods(std::shared_ptr<Collector> collector, std::shared_ptr<const TokenSlot> token) {
    return [collector, token](const httplib::Request& request, httplib::Response& response) {
        const auto action = action_path(request.path);
        if (!action) return httplib::Server::HandlerResponse::Unhandled;
        if (request.method == "OPTIONS") {
            response.set_header("Allow", "POST, OPTIONS");
            response.status = 204;
        } else if (request.method != "POST") {
            // An action asked with another method exists but is not done
            // so: 405 with the method that is, not "no such page".
            response.set_header("Allow", "POST");
            answer_error(
                response, 405,
                fmt::format("{} takes POST, not {}", util::safe_text(request.path), util::safe_text(request.method)));
        } else if (without_body(request)) {
            act(*collector, *token, *action, request, response);
        } else {
            return httplib::Server::HandlerResponse::Unhandled;  // its body is read, then the POST route acts
        }
        return httplib::Server::HandlerResponse::Handled;
    };
}

}  // namespace slumber::web
