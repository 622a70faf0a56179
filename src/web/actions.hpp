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

#include "util/secret.hpp"
#include "web/collector.hpp"

namespace slumber::web {

/// The token an action's request must carry (Authorization: Bearer, RFC 6750).
class Token {
  public:
    /// Reads `file` as a credentials file is read (config::read_private_file:
    /// refused when its group or others may read it, or when it is a
    /// symbolic link); its text less surrounding white space. Errors in
    /// words, never with the file's content; an empty token is one.
    static std::expected<Token, std::string> read(const std::filesystem::path& file);
    explicit Token(util::Secret secret) : m_secret(std::move(secret)) {}
    /// Whether `presented` is the token, compared in time that does not
    /// depend on where they differ.
    [[nodiscard]] bool matches(std::string_view presented) const;

  private:
    util::Secret m_secret;
};

/// POST /api/nodes/NODE/power {"action": "on"|"off"} and POST
/// /api/nodes/NODE/unblock. Without a token, every action is refused (403).
void add_action_routes(httplib::Server& server, std::shared_ptr<Collector> collector, std::optional<Token> token);

}  // namespace slumber::web
