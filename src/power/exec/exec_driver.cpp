#include "power/exec/exec_driver.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "util/command.hpp"

namespace slumber::power::exec {
namespace {

// A command's last line of error output, for "the device said".
std::string last_line(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    const auto newline = text.rfind('\n');
    text = newline == std::string::npos ? text : text.substr(newline + 1);
    return text.size() > 200 ? text.substr(0, 200) + "…" : text;
}

// A command's success without its output.
Result<void> done(const Result<std::string>& ran) {
    if (!ran) return std::unexpected(ran.error());
    return {};
}

struct Settings {
    std::string name;
    std::string username;
    util::Secret password;
    CallPolicy policy;
    std::map<std::string, std::vector<std::string>, std::less<>> commands;  // verb -> words
};

class ExecDriver final : public Driver {
  public:
    explicit ExecDriver(Settings settings) : m_settings(std::move(settings)) {}

    Result<void> on() override { return switch_to(PowerState::on, "on"); }
    Result<void> off() override { return switch_to(PowerState::off, "off"); }
    Result<void> soft() override { return done(run("soft")); }
    Result<void> cycle() override { return done(run("cycle")); }

    Result<PowerState> status() override {
        auto out = run("status");
        if (!out) return std::unexpected(out.error());
        // The last word decides: "on", "ibswitch: on", "Chassis Power is on".
        std::string word = last_line(*out);
        word = word.substr(word.find_last_of(" \t:") == std::string::npos ? 0 : word.find_last_of(" \t:") + 1);
        std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::tolower(c); });
        if (word == "on") return PowerState::on;
        if (word == "off") return PowerState::off;
        return fail(ErrorKind::protocol,
                    fmt::format("{}: the status command printed neither on nor off", m_settings.name), last_line(*out));
    }

  private:
    // Idempotent like every driver: with a status command, a target already
    // in the wanted state is left alone.
    Result<void> switch_to(PowerState wanted, const char* verb) {
        if (m_settings.commands.contains("status")) {
            auto now = status();
            if (!now) return std::unexpected(now.error());
            if (*now == wanted) return {};
        }
        return done(run(verb));
    }

    Result<std::string> run(std::string_view verb) {
        const auto it = m_settings.commands.find(verb);
        if (it == m_settings.commands.end()) {
            return fail(ErrorKind::unsupported,
                        fmt::format("{}: no `{}` command in its exec settings", m_settings.name, verb));
        }
        std::string input;
        if (!m_settings.password.empty()) input = fmt::format("{}\n", m_settings.password.reveal());
        const util::CommandResult result = util::run_command(it->second, {}, m_settings.policy.timeout, input);
        const std::string& program = it->second.front();
        if (result.exit_code == 0) return result.out;
        if (result.exit_code == 127) {
            return fail(ErrorKind::config, fmt::format("{}: cannot run {}", m_settings.name, program),
                        last_line(result.err));
        }
        if (result.exit_code < 0) {
            return fail(ErrorKind::timeout, fmt::format("{}: {} did not finish in time", m_settings.name, program),
                        last_line(result.err));
        }
        return fail(ErrorKind::protocol,
                    fmt::format("{}: {} failed (exit {})", m_settings.name, program, result.exit_code),
                    last_line(result.err.empty() ? result.out : result.err));
    }

    Settings m_settings;
};

// {name} and {user} in each word; anything else in braces is a mistake.
std::expected<std::string, std::string> substitute(const std::string& word, const TargetSettings& target) {
    std::string out;
    for (std::size_t i = 0; i < word.size(); ++i) {
        if (word[i] != '{') {
            out += word[i];
            continue;
        }
        const auto close = word.find('}', i);
        const std::string field = close == std::string::npos ? word.substr(i) : word.substr(i + 1, close - i - 1);
        if (field == "name") {
            out += target.name;
        } else if (field == "user") {
            out += target.username;
        } else {
            return std::unexpected(
                fmt::format("unknown field {{{}}} (known: {{name}}, {{user}}; the password "
                            "comes on standard input)",
                            field));
        }
        i = close;
    }
    return out;
}

}  // namespace

std::expected<std::vector<std::string>, std::string> split_words(std::string_view text) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    char quote = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quote != 0) {
            if (c == quote) {
                quote = 0;
            } else if (c == '\\' && quote == '"' && i + 1 < text.size()) {
                word += text[++i];
            } else {
                word += c;
            }
        } else if (c == '\'' || c == '"') {
            quote = c;
            in_word = true;
        } else if (c == '\\' && i + 1 < text.size()) {
            word += text[++i];
            in_word = true;
        } else if (c == ' ' || c == '\t') {
            if (in_word) words.push_back(std::move(word));
            word.clear();
            in_word = false;
        } else {
            word += c;
            in_word = true;
        }
    }
    if (quote != 0)
        return std::unexpected(fmt::format("the {} quote is never closed", quote == '"' ? "double" : "single"));
    if (in_word) words.push_back(std::move(word));
    return words;
}

std::expected<void, std::string> check_template(std::string_view text) {
    auto words = split_words(text);
    if (!words) return std::unexpected(words.error());
    if (words->empty()) return std::unexpected("the command is empty");
    const TargetSettings any;
    for (const std::string& word : *words) {
        if (auto filled = substitute(word, any); !filled) return std::unexpected(filled.error());
    }
    return {};
}

Result<std::unique_ptr<Driver>> make(const TargetSettings& target) {
    Settings settings;
    settings.name = target.name;
    settings.username = target.username;
    settings.password = target.password;
    settings.policy = target.policy;
    for (const Action action : kActions) {
        const std::string verb(to_string(action));
        const auto* text = option_value<std::string>(target.options, verb);
        if (text == nullptr) continue;
        auto words = split_words(*text);
        if (!words) return fail(ErrorKind::config, fmt::format("{}: exec {}: {}", target.name, verb, words.error()));
        if (words->empty()) return fail(ErrorKind::config, fmt::format("{}: exec {} is empty", target.name, verb));
        for (std::string& word : *words) {
            auto filled = substitute(word, target);
            if (!filled)
                return fail(ErrorKind::config, fmt::format("{}: exec {}: {}", target.name, verb, filled.error()));
            word = std::move(*filled);
        }
        settings.commands.emplace(verb, std::move(*words));
    }
    if (settings.commands.empty()) {
        return fail(ErrorKind::config, fmt::format("{}: the exec driver needs at least one command "
                                                   "(on, off, soft, cycle, status)",
                                                   target.name));
    }
    return std::make_unique<ExecDriver>(std::move(settings));
}

}  // namespace slumber::power::exec
