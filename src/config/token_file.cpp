// [web] token_file: the bearer token the web API's actions need. It is read
// as a credentials file is (owner only, not a link), and its content must be
// able to work as a token: a file with two lines, a "Bearer " prefix or a
// short word was taken as it was, and every request then got "wrong token"
// with nothing saying why.
#include <fmt/format.h>

#include <algorithm>

#include "config/config.hpp"

namespace slumber::config {
namespace {

// 16 is the least a guess should have to cover (64 bits of hex);
// `openssl rand -hex 32`, which the docs suggest, gives 64.
constexpr std::size_t kMinTokenChars = 16;

constexpr std::string_view kKey = "[web] token_file";

std::string make_token(const std::filesystem::path& file) {
    return fmt::format("openssl rand -hex 32 > {0} && chmod 600 {0}", file.string());
}

// What an Authorization header can carry and a person can copy: printable
// ASCII without the space (RFC 9110's visible characters, VCHAR).
bool token_character(char c) { return c > ' ' && c < '\x7f'; }

}  // namespace

std::optional<std::string> refuse_token(std::string_view text) {
    if (text.ends_with('\n')) text.remove_suffix(1);
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        return "is empty: the web server's actions need a token in it";
    }
    if (text.find('\n') != std::string_view::npos) {
        return "holds more than one line: the token is the file's one line (a trailing newline is fine), and a "
               "request could only ever match one";
    }
    if (text.find(' ') != std::string_view::npos) {
        return "holds a space: write the token alone (not \"Bearer TOKEN\"; clients send that header, the file "
               "holds only what follows \"Bearer \")";
    }
    if (!std::ranges::all_of(text, token_character)) {
        return "holds a character that is not printable ASCII (a tab, a carriage return, a control character or a "
               "non-ASCII letter): an Authorization header could not carry it";
    }
    if (text.size() < kMinTokenChars) {
        return fmt::format("holds a token shorter than {} characters, which could be guessed", kMinTokenChars);
    }
    return std::nullopt;
}

ConfigError token_file_error(const std::filesystem::path& file, ConfigError error) {
    error.key = std::string(kKey);
    // The credentials' advice speaks of username and password, and of hooks
    // that read them as SlurmUser: only the daemon reads the token.
    if (error.message.starts_with("cannot open credentials file")) {
        error.message.replace(0, std::string_view("cannot open credentials file").size(), "cannot be opened");
    }
    if (error.fix.starts_with("create it")) error.fix = make_token(file);
    if (error.fix.starts_with("chmod 600")) error.fix = fmt::format("chmod 600 {}", file.string());
    if (error.fix.starts_with("point credentials at")) error.fix = "point [web] token_file at the file itself";
    return error;
}

std::expected<util::Secret, ConfigError> read_token_file(const std::filesystem::path& file) {
    auto text = read_private_file(file);
    if (!text) return std::unexpected(token_file_error(file, std::move(text.error())));
    if (auto refused = refuse_token(*text)) {
        return std::unexpected(ConfigError{file.string(), 0, std::string(kKey), std::move(*refused), make_token(file)});
    }
    if (text->ends_with('\n')) text->pop_back();
    return util::Secret(std::move(*text));
}

}  // namespace slumber::config
