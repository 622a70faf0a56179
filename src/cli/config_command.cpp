// `slumber config check [FILE]`: validate the configuration and show what
// slumber understood from it — every target, its driver, address and options.
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/exit_code.hpp"
#include "config/config.hpp"
#include "hostlist/hostlist.hpp"
#include "util/shown_url.hpp"

namespace slumber::cli {
namespace {

struct CheckOptions {
    std::string file{config::kDefaultPath};
    bool json = false;
};

std::string option_text(const power::OptionValue& value) {
    return std::visit(
        [](const auto& v) -> std::string {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::vector<std::string>>) {
                return fmt::format("{}", fmt::join(v, ","));
            } else if constexpr (std::is_same_v<T, std::chrono::milliseconds>) {
                return util::format_duration(v);
            } else {
                return fmt::format("{}", v);
            }
        },
        value);
}

nlohmann::json option_json(const power::OptionValue& value) {
    return std::visit(
        [](const auto& v) -> nlohmann::json {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::chrono::milliseconds>) {
                return v.count();
            } else {
                return v;
            }
        },
        value);
}

std::string credentials_text(const config::Config& config, const config::PowerTarget& target) {
    if (!target.credentials) return "-";
    const auto it = config.credentials.find(*target.credentials);
    if (it == config.credentials.end() || it->second.username.empty()) return target.credentials->string();
    return fmt::format("{} (user {})", target.credentials->string(), it->second.username);
}

std::string settings_text(const config::PowerTarget& target) {
    std::vector<std::string> parts;
    for (const auto& [key, value] : target.options) parts.push_back(fmt::format("{}={}", key, option_text(value)));
    parts.push_back(fmt::format("timeout={}", util::format_duration(target.policy.timeout)));
    parts.push_back(fmt::format("retries={}", target.policy.retries));
    if (target.settle.count() > 0) parts.push_back(fmt::format("settle={}", util::format_duration(target.settle)));
    return fmt::format("{}", fmt::join(parts, " "));
}

std::string count(std::size_t n, std::string_view one, std::string_view many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

void print_table(const config::Config& config) {
    fmt::print("{}: valid — {}, {}, {}\n\n", config.file.string(), count(config.nodes.size(), "node", "nodes"),
               count(config.devices.size(), "device", "devices"),
               count(config.dependencies.size(), "dependency", "dependencies"));
    std::vector<std::array<std::string, 6>> rows{{"NAME", "KIND", "DRIVER", "ADDRESS", "CREDENTIALS", "SETTINGS"}};
    for (const auto* targets : {&config.nodes, &config.devices}) {
        for (const config::PowerTarget& t : *targets) {
            rows.push_back({t.name, t.kind == config::TargetKind::node ? "node" : "device", t.driver,
                            t.address.empty() ? "-" : util::shown_url(t.address), credentials_text(config, t),
                            settings_text(t)});
        }
    }
    std::array<std::size_t, 6> widths{};
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    }
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i + 1 < row.size(); ++i) line += fmt::format("{:<{}}  ", row[i], widths[i]);
        line += row.back();
        fmt::print("{}\n", line);
    }
    fmt::print("\nnever powered off (slurm.exclude): {}\n",
               config.slurm.exclude.empty() ? "none" : config.slurm.exclude_expression);
    for (const config::Dependency& d : config.dependencies) {
        auto nodes = hostlist::compress(d.nodes, false);
        fmt::print("dependency: {} is on before any of {} boots, off {} after all are off\n", d.device,
                   nodes ? *nodes : "?", util::format_duration(d.off_after));
    }
}

nlohmann::json inventory_json(const config::Config& config) {
    nlohmann::json targets = nlohmann::json::array();
    for (const auto* list : {&config.nodes, &config.devices}) {
        for (const config::PowerTarget& t : *list) {
            nlohmann::json options = nlohmann::json::object();
            for (const auto& [key, value] : t.options) options[key] = option_json(value);
            nlohmann::json item{{"name", t.name},
                                {"kind", t.kind == config::TargetKind::node ? "node" : "device"},
                                {"driver", t.driver},
                                {"address", util::shown_url(t.address)},
                                {"options", options},
                                {"timeout_ms", t.policy.timeout.count()},
                                {"retries", t.policy.retries},
                                {"backoff_ms", t.policy.backoff.count()},
                                {"line", t.line}};
            item["credentials"] = t.credentials ? nlohmann::json(t.credentials->string()) : nlohmann::json(nullptr);
            if (t.kind == config::TargetKind::device) item["settle_ms"] = t.settle.count();
            targets.push_back(std::move(item));
        }
    }
    nlohmann::json dependencies = nlohmann::json::array();
    for (const config::Dependency& d : config.dependencies) {
        dependencies.push_back({{"device", d.device}, {"nodes", d.nodes}, {"off_after_ms", d.off_after.count()}});
    }
    return {{"file", config.file.string()},
            {"valid", true},
            {"slurm",
             {{"bin_dir", config.slurm.bin_dir.string()},
              {"conf", config.slurm.conf.string()},
              {"exclude", config.slurm.exclude}}},
            {"targets", targets},
            {"dependencies", dependencies}};
}

int run_check(const CheckOptions& options) {
    auto loaded = config::load(options.file, {.web_token = true});
    if (!loaded) {
        const auto& errors = loaded.error();
        if (options.json) {
            nlohmann::json list = nlohmann::json::array();
            for (const auto& e : errors) {
                list.push_back(
                    {{"file", e.file}, {"line", e.line}, {"key", e.key}, {"message", e.message}, {"fix", e.fix}});
            }
            fmt::print("{}\n", nlohmann::json{{"file", options.file}, {"valid", false}, {"errors", list}}.dump(2));
        } else {
            for (const auto& e : errors) fmt::print(stderr, "{}\n", config::format(e));
            fmt::print(stderr, "{}: invalid ({})\n", options.file, count(errors.size(), "problem", "problems"));
        }
        return to_int(ExitCode::config);
    }
    if (options.json) {
        fmt::print("{}\n", inventory_json(*loaded).dump(2));
    } else {
        print_table(*loaded);
    }
    return to_int(ExitCode::ok);
}

}  // namespace

void add_config_command(CLI::App& app, Outcome& outcome) {
    auto* command = app.add_subcommand("config", "Work with slumber's configuration file");
    command->require_subcommand(1);
    auto options = std::make_shared<CheckOptions>();
    auto* check = command->add_subcommand("check", "Validate the configuration and print what slumber will manage");
    check->add_option("file", options->file, "configuration file")->capture_default_str();
    check->add_flag("--json", options->json, "print the inventory (or the errors) as JSON");
    check->callback([options, &outcome] { outcome.exit_code = run_check(*options); });
}

}  // namespace slumber::cli
