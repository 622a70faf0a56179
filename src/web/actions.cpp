#include "web/actions.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "service/power_action.hpp"
#include "service/power_json.hpp"
#include "service/unblock.hpp"
#include "slurm/scontrol.hpp"
#include "util/safe_text.hpp"
#include "web/routes.hpp"

namespace slumber::web {
namespace {

constexpr std::string_view kBearer = "Bearer ";

// Whether the request may act; else answered: 401 without a token, 403
// with a wrong one or when the server has none.
bool authorized(const std::optional<Token>& token, const httplib::Request& request, httplib::Response& response) {
    if (!token) {
        answer_error(response, 403, "the API is read-only: [web] token_file is not set");
        return false;
    }
    const std::string header = request.get_header_value("Authorization");
    if (!header.starts_with(kBearer)) {
        response.set_header("WWW-Authenticate", "Bearer realm=\"slumber\"");
        answer_error(response, 401, "an action needs the token of [web] token_file: Authorization: Bearer TOKEN");
        return false;
    }
    if (!token->matches(std::string_view(header).substr(kBearer.size()))) {
        answer_error(response, 403, "wrong token");
        return false;
    }
    return true;
}

// The node named in the path, when slumber manages it and Slurm does not
// show it running a job (asked now, not from the shared look); else
// answered: 404, 409, or 503 when Slurm cannot be asked.
const config::PowerTarget* actionable_node(const config::Config& config, const std::string& name,
                                           httplib::Response& response) {
    const config::PowerTarget* target = config.find(name);
    if (target == nullptr || target->kind != config::TargetKind::node) {
        answer_error(response, 404, fmt::format("no node {} in the configuration", util::safe_text(name)));
        return nullptr;
    }
    const slurm::Scontrol scontrol(config.slurm.bin_dir, config.slurm.conf);
    const auto nodes = scontrol.nodes();
    if (!nodes) {
        answer_error(response, 503,
                     fmt::format("Slurm cannot be asked whether {} runs a job: {}", name, nodes.error()));
        return nullptr;
    }
    for (const slurm::NodeState& state : *nodes) {
        if (state.name == name && state.running_jobs()) {
            answer_error(
                response, 409,
                fmt::format("{} runs a job ({}): slumber acts on no node that does", name, state.state_text()));
            return nullptr;
        }
    }
    return target;
}

void power(Collector& collector, const std::string& name, const httplib::Request& request,
           httplib::Response& response) {
    const auto body = nlohmann::json::parse(request.body, nullptr, false);
    const auto field = body.is_object() ? body.find("action") : body.end();
    const auto action = field != body.end() && field->is_string()
                            ? power::action_from(field->get_ref<const std::string&>())
                            : std::nullopt;
    if (!action || (*action != power::Action::on && *action != power::Action::off)) {
        answer_error(response, 400, R"(the body must be {"action": "on"} or {"action": "off"})");
        return;
    }
    const config::SharedConfig config = collector.config();
    if (actionable_node(*config, name, response) == nullptr) return;
    auto targets = service::power_targets(*config, {name});
    if (!targets) {
        answer_error(response, 404, fmt::format("no node {} in the configuration", name));
        return;
    }
    const auto outcomes = service::switch_power(*targets, {.action = *action, .source = "the web API"});
    nlohmann::json answer = service::to_json(*action, outcomes.front());
    if (!outcomes.front().result) {
        response.status = 502;  // the controller failed: its words are in the answer
        answer["words"] = fmt::format("{}: {}", name, power::describe(outcomes.front().result.error()));
    } else {
        answer["words"] = fmt::format("{}: {}", name, power::to_string(*action));
    }
    response.set_content(answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void unblock(Collector& collector, const std::string& name, httplib::Response& response) {
    const config::SharedConfig config = collector.config();
    if (actionable_node(*config, name, response) == nullptr) return;
    const auto result = service::unblock(*config, {name}, "the web API");
    if (!result) {
        answer_error(response, result.error().kind == service::UnblockError::Kind::unknown ? 404 : 503,
                     result.error().words);
        return;
    }
    const service::Unblocked& done = result->targets.front();
    response.status = done.ok ? 200 : 502;
    const nlohmann::json answer{{"target", done.target}, {"words", done.words}, {"ok", done.ok}};
    response.set_content(answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

}  // namespace

std::expected<Token, std::string> Token::read(const std::filesystem::path& file) {
    auto text = config::read_private_file(file);
    if (!text) {
        config::ConfigError error = text.error();
        // The credentials' fix speaks of hooks that read them as SlurmUser;
        // only the daemon reads the token.
        if (error.fix.starts_with("chmod 600")) error.fix = fmt::format("chmod 600 {}", file.string());
        return std::unexpected(fmt::format("[web] token_file: {}", config::format(error)));
    }
    const std::size_t first = text->find_first_not_of(" \t\r\n");
    const std::size_t last = text->find_last_not_of(" \t\r\n");
    if (first == std::string::npos) {
        return std::unexpected(
            fmt::format("[web] token_file {} is empty: write a long random token in it, e.g. "
                        "`openssl rand -hex 32 > {}`",
                        file.string(), file.string()));
    }
    return Token(util::Secret(text->substr(first, last - first + 1)));
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

void add_action_routes(httplib::Server& server, std::shared_ptr<Collector> collector, std::optional<Token> token) {
    auto shared = std::make_shared<const std::optional<Token>>(std::move(token));
    constexpr const char* kPower = R"(/api/nodes/([^/]+)/power)";
    constexpr const char* kUnblock = R"(/api/nodes/([^/]+)/unblock)";
    server.Post(kPower, [collector, shared](const httplib::Request& request, httplib::Response& response) {
        if (authorized(*shared, request, response)) power(*collector, request.matches[1], request, response);
    });
    server.Post(kUnblock, [collector, shared](const httplib::Request& request, httplib::Response& response) {
        if (authorized(*shared, request, response)) unblock(*collector, request.matches[1], response);
    });
    // An action asked with another method exists but is not done so: 405
    // with the method that is (RFC 9110, 15.5.6), not "no such page".
    const auto post_only = [](const httplib::Request& request, httplib::Response& response) {
        response.set_header("Allow", "POST");
        answer_error(
            response, 405,
            fmt::format("{} takes POST, not {}", util::safe_text(request.path), util::safe_text(request.method)));
    };
    for (const char* action : {kPower, kUnblock}) {
        server.Get(action, post_only);
        server.Put(action, post_only);
        server.Patch(action, post_only);
        server.Delete(action, post_only);
    }
}

}  // namespace slumber::web
