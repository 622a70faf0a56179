// The API's actions (docs/web.md, "Actions"): power a node on or off (asked
// of Slurm for a node it knows: service/slurm_power.hpp; never off while it
// runs a job), lift its blocks and clear slumber's drain (which returns a
// node slumber drained to service, and makes slumber ask its BMC again).
// Each needs the bearer token of [web] token_file.
#pragma once

#include <httplib.h>

#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <mutex>

#include "util/secret.hpp"
#include "web/collector.hpp"
#include "web/routes.hpp"

namespace slumber::web {

/// The token an action's request must carry (Authorization: Bearer, RFC 6750).
class Token {
  public:
    /// Reads `file` as config::read_token_file() does (refused when its
    /// group or others may read it, when it is a symbolic link, or when its
    /// content is not one line of a token). Errors in one line of words
    /// ("FILE: [web] token_file: …; fix: …"), never with the file's content.
    static std::expected<Token, std::string> read(const std::filesystem::path& file);
    explicit Token(util::Secret secret) : m_secret(std::move(secret)) {}
    /// Whether `presented` is the token, compared in time that does not
    /// depend on where they differ.
    [[nodiscard]] bool matches(std::string_view presented) const;

  private:
    util::Secret m_secret;
};

/// The token in force: read at the daemon's start and again at each reload
/// (SIGHUP), since an admin who rotates the token or finds its file exposed
/// expects the change to count without a restart. Shared by the handlers.
class TokenSlot {
  public:
    /// `file`'s token from now on; none when `file` is nullopt. A file
    /// that cannot be used (Token::read's errors) leaves no token in force:
    /// every action is refused, saying why, until a reload reads a good one.
    std::expected<void, std::string> read(const std::optional<std::filesystem::path>& file);
    /// 401/403 answered unless `presented` (the Authorization header's
    /// value) carries the token in force.
    bool authorized(const httplib::Request& request, httplib::Response& response) const;

  private:
    mutable std::mutex m_mutex;
    std::optional<Token> m_token;
    std::string m_unusable;  ///< why the file in [web] token_file gives no token
};

/// POST /api/nodes/NODE/power {"action": "on"|"off"} and POST
/// /api/nodes/NODE/unblock. Without a token, every action is refused (403).
void add_action_routes(httplib::Server& server, std::shared_ptr<Collector> collector,
                       std::shared_ptr<const TokenSlot> token);

/// The actions' requests that cpp-httplib (0.11) would answer with a bare
/// 400, answered before it routes them or reads a body: a method other
/// than POST is 405 with `Allow: POST` (RFC 9110, 15.5.6; cpp-httplib has
/// no handler kind for TRACE or CONNECT), OPTIONS is 204; a POST without a
/// body (without_body(), routes.hpp) is the action with an empty body.
PreRouting answer_action_methods(std::shared_ptr<Collector> collector, std::shared_ptr<const TokenSlot> token);

}  // namespace slumber::web
