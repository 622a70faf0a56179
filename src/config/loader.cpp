// Reading slumber.toml: the file, its sections, and the credentials it names.
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "config/config.hpp"
#include "config/sections.hpp"
#include "config/table_reader.hpp"
#include "power/catalog.hpp"
#include "util/suggest.hpp"

namespace slumber::config {
namespace {

constexpr std::size_t kMaxConfigBytes = 4U << 20;

using namespace std::string_view_literals;
constexpr std::array kSections{"slurm"sv,    "daemon"sv, "defaults"sv, "node"sv,   "device"sv, "dependency"sv,
                               "simulate"sv, "web"sv,    "thermal"sv,  "energy"sv, "doctor"sv};

// [[node]], [[device]] and [[dependency]] are arrays of tables.
const toml::array* table_array(const toml::table& root, std::string_view key, const std::string& file,
                               std::vector<ConfigError>& errors) {
    const toml::node* node = root.get(key);
    if (node == nullptr) return nullptr;
    const auto* array = node->as_array();
    if (array == nullptr || !array->is_array_of_tables()) {
        errors.push_back(ConfigError{file, line_of(*node), std::string(key), "must be a list of tables",
                                     fmt::format("write each entry as a [[{}]] section", key)});
        return nullptr;
    }
    return array;
}

void reject_unknown_sections(const toml::table& root, const std::string& file, std::vector<ConfigError>& errors) {
    for (const auto& [key, node] : root) {
        if (std::find(kSections.begin(), kSections.end(), key.str()) != kSections.end()) continue;
        std::string fix = fmt::format(
            "sections are [slurm], [daemon], [defaults], [[node]], [[device]], [[dependency]], "
            "[simulate], [web], [thermal], [energy] and [doctor]");
        if (auto near = util::closest_match(key.str(), kSections)) fix = fmt::format("did you mean \"{}\"?", *near);
        errors.push_back(
            ConfigError{file, line_of(node), std::string(key.str()), "unknown section or key", std::move(fix)});
    }
}

void read_simulate(const toml::node& node, const std::string& file, SimulationSettings& out,
                   std::vector<ConfigError>& errors) {
    if (const auto* table = node.as_table()) {
        read_simulate_section(*table, file, out, errors);
    } else {
        errors.push_back(ConfigError{file, line_of(node), "simulate", "must be a table", "write [simulate]"});
    }
}

std::expected<toml::table, std::vector<ConfigError>> parse(std::string_view text, const std::string& file) {
    try {
        return toml::parse(text, file);
    } catch (const toml::parse_error& e) {
        return std::unexpected(std::vector{ConfigError{file, static_cast<int>(e.source().begin.line), "",
                                                       fmt::format("not valid TOML: {}", e.description()), ""}});
    }
}

// The file's text, within the size limit.
std::expected<std::string, std::vector<ConfigError>> read_text(const std::filesystem::path& file) {
    const std::string name = file.string();
    // A directory opens and reads as empty (a "valid" file with no nodes),
    // and a FIFO blocks the reader: only a regular file is a configuration.
    std::error_code kind_error;
    const auto kind = std::filesystem::status(file, kind_error).type();
    if (!kind_error && kind != std::filesystem::file_type::regular) {
        return std::unexpected(std::vector{ConfigError{
            name, 0, "",
            kind == std::filesystem::file_type::directory ? "is a directory, not a file" : "is not a regular file",
            "pass the configuration file itself, e.g. --config /etc/slumber/slumber.toml"}});
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        std::error_code ec;
        const bool exists = std::filesystem::exists(file, ec);
        return std::unexpected(
            std::vector{ConfigError{name, 0, "", exists ? "cannot be read (permission denied?)" : "does not exist",
                                    exists ? "run slumber as a user that may read it"
                                           : "create it (a commented template is /usr/share/doc/slumber/examples/"
                                             "slumber.toml, or examples/slumber.toml in the source) or give another "
                                             "file with -c FILE"}});
    }
    // Read in pieces up to the limit: a 4 MiB buffer filled up front costs
    // the hooks more than the whole rest of reading a 1,000-node file.
    std::string text;
    std::array<char, 65536> piece{};
    while (text.size() <= kMaxConfigBytes && in.read(piece.data(), piece.size()).gcount() > 0) {
        text.append(piece.data(), static_cast<std::size_t>(in.gcount()));
    }
    if (text.size() > kMaxConfigBytes) {
        return std::unexpected(
            std::vector{ConfigError{name, 0, "", "is larger than 4 MiB", "is this the right file?"}});
    }
    return text;
}

// A BMC account (IPMI, Redfish) has a name; a plug's may not (Tasmota's
// default is admin). Said once per file, for the first target that needs it.
void check_username(const Config& config, const PowerTarget& target, const Credentials& credentials,
                    std::set<std::filesystem::path>& reported, std::vector<ConfigError>& errors) {
    const power::DriverInfo* driver = power::find_driver(target.driver);
    if (driver == nullptr || !driver->needs_credentials || !credentials.username.empty() || !target.credentials) {
        return;
    }
    if (!reported.insert(*target.credentials).second) return;
    errors.push_back(
        ConfigError{target.credentials->string(), 0,
                    fmt::format("credentials of {} (line {} of {})", target.name, target.line, config.file.string()),
                    fmt::format("has no username, which the {} driver needs to log in", driver->name),
                    "add the account's name to it: username = \"...\" (beside password = \"...\")"});
}

// Reads every credentials file once; the targets only keep the path.
void read_all_credentials(Config& config, std::vector<ConfigError>& errors, LoadOptions options) {
    const bool skip_unreadable = options.unreadable_credentials;
    std::set<std::filesystem::path> without_username;
    for (const auto& targets : {&config.nodes, &config.devices}) {
        for (const PowerTarget& target : *targets) {
            if (!target.credentials) continue;
            if (const auto known = config.credentials.find(*target.credentials); known != config.credentials.end()) {
                // A file that failed to read is stored empty and reported already.
                if (known->second.password.reveal().empty() && known->second.username.empty()) continue;
                check_username(config, target, known->second, without_username, errors);
                continue;
            }
            if (skip_unreadable && config.unreadable_credentials.contains(*target.credentials)) continue;
            if (skip_unreadable && ::access(target.credentials->c_str(), R_OK) != 0 && errno == EACCES) {
                config.unreadable_credentials.emplace(*target.credentials, std::strerror(errno));
                continue;
            }
            if (options.refused_credentials) {
                if (config.refused_credentials.contains(*target.credentials)) continue;
                struct stat status {};
                if (::lstat(target.credentials->c_str(), &status) == 0) {
                    if (auto refused = refuse_credentials_file(*target.credentials, status)) {
                        config.refused_credentials.emplace(*target.credentials, std::move(*refused));
                        continue;
                    }
                }
            }
            auto credentials = read_credentials(*target.credentials);
            if (!credentials) {
                ConfigError error = credentials.error();
                error.key =
                    fmt::format("credentials of {} (line {} of {})", target.name, target.line, config.file.string());
                errors.push_back(std::move(error));
                // Remember the failure so that the file is reported once.
                config.credentials.emplace(*target.credentials, Credentials{});
                continue;
            }
            check_username(config, target, *credentials, without_username, errors);
            config.credentials.emplace(*target.credentials, std::move(*credentials));
        }
    }
}

// [web] token_file as the daemon's web server reads it (read_token_file()):
// a file only its owner may read, not a link, holding one token.
void check_token_file(const Config& config, std::vector<ConfigError>& errors) {
    if (!config.web.enabled || !config.web.token_file) return;
    const std::filesystem::path& file = *config.web.token_file;
    const std::string key = fmt::format("[web] token_file of {}", config.file.string());
    struct stat status {};
    if (::lstat(file.c_str(), &status) == 0) {
        // Its mode is refused even when this user may not read it.
        if (auto refused = refuse_credentials_file(file, status)) {
            ConfigError error = token_file_error(file, std::move(*refused));
            error.key = key;
            errors.push_back(std::move(error));
            return;
        }
        if (::access(file.c_str(), R_OK) != 0) return;  // root's file, checked by another user
    } else if (errno == EACCES) {
        return;  // a directory closed to this user: the daemon's may see it
    }
    if (auto token = read_token_file(file); !token) {
        token.error().key = key;
        errors.push_back(std::move(token.error()));
    }
}

}  // namespace

std::expected<Config, std::vector<ConfigError>> load_text(std::string_view text, const std::filesystem::path& file,
                                                          LoadOptions options) {
    std::vector<ConfigError> errors;
    const std::string file_name = file.string();
    auto parsed = parse(text, file_name);
    if (!parsed) return std::unexpected(std::move(parsed.error()));
    const toml::table& root = *parsed;

    Config config;
    config.file = file;
    config.fingerprint = fingerprint(text);
    reject_unknown_sections(root, file_name, errors);
    if (const toml::node* slurm = root.get("slurm")) {
        if (const auto* table = slurm->as_table()) {
            read_slurm_section(*table, file_name, config.slurm, errors);
        } else {
            errors.push_back(ConfigError{file_name, line_of(*slurm), "slurm", "must be a table", "write [slurm]"});
        }
    }
    if (const toml::node* daemon = root.get("daemon")) {
        if (const auto* table = daemon->as_table()) {
            read_daemon_section(*table, file_name, config.daemon, errors);
        } else {
            errors.push_back(ConfigError{file_name, line_of(*daemon), "daemon", "must be a table", "write [daemon]"});
        }
    }
    if (const toml::node* simulate = root.get("simulate")) {
        read_simulate(*simulate, file_name, config.simulate, errors);
    }
    if (const toml::node* web = root.get("web")) {
        if (const auto* table = web->as_table()) {
            read_web_section(*table, file_name, config.web, errors);
        } else {
            errors.push_back(ConfigError{file_name, line_of(*web), "web", "must be a table", "write [web]"});
        }
    }
    if (const toml::node* thermal = root.get("thermal")) {
        if (const auto* table = thermal->as_table()) {
            read_thermal_section(*table, file_name, config.thermal, errors);
        } else {
            errors.push_back(
                ConfigError{file_name, line_of(*thermal), "thermal", "must be a table", "write [thermal]"});
        }
    }
    if (const toml::node* energy = root.get("energy")) {
        if (const auto* table = energy->as_table()) {
            read_energy_section(*table, file_name, config.energy, errors);
        } else {
            errors.push_back(ConfigError{file_name, line_of(*energy), "energy", "must be a table", "write [energy]"});
        }
    }
    if (const toml::node* doctor = root.get("doctor")) {
        if (const auto* table = doctor->as_table()) {
            read_doctor_section(*table, file_name, config.doctor, errors);
        } else {
            errors.push_back(ConfigError{file_name, line_of(*doctor), "doctor", "must be a table", "write [doctor]"});
        }
    }
    Defaults defaults;
    if (const toml::node* node = root.get("defaults")) {
        if (const auto* table = node->as_table()) {
            defaults = read_defaults_section(*table, file_name, errors);
        } else {
            errors.push_back(ConfigError{file_name, line_of(*node), "defaults", "must be a table", "write [defaults]"});
        }
    }
    if (const auto* groups = table_array(root, "node", file_name, errors)) {
        int index = 0;
        for (const toml::node& group : *groups) {
            read_node_group(*group.as_table(), ++index, defaults, file_name, config.nodes, errors);
        }
    }
    if (const auto* devices = table_array(root, "device", file_name, errors)) {
        int index = 0;
        for (const toml::node& device : *devices) {
            read_device(*device.as_table(), ++index, defaults, file_name, config.devices, errors);
        }
    }
    if (const auto* dependencies = table_array(root, "dependency", file_name, errors)) {
        int index = 0;
        for (const toml::node& dependency : *dependencies) {
            read_dependency(*dependency.as_table(), ++index, file_name, config.dependencies, errors);
        }
    }
    // Cross-section checks on a partly read file would report the nodes of a
    // broken group as "not defined": fix the local problems first.
    if (errors.empty()) check_consistency(config, errors);
    if (errors.empty() && options.credentials) read_all_credentials(config, errors, options);
    if (errors.empty() && options.web_token) check_token_file(config, errors);
    if (!errors.empty()) {
        std::ranges::stable_sort(errors, {}, &ConfigError::line);
        return std::unexpected(std::move(errors));
    }
    config.build_index();
    return config;
}

std::expected<Config, std::vector<ConfigError>> load(const std::filesystem::path& file, LoadOptions options) {
    auto text = read_text(file);
    if (!text) return std::unexpected(std::move(text.error()));
    return load_text(*text, file, options);
}

namespace {

// `state_dir = "/path"` on a line of its own under [daemon], for a file that
// toml++ cannot parse. nullopt: not found or not plain.
std::optional<std::filesystem::path> scan_state_dir(std::string_view text) {
    bool in_daemon = false;
    std::optional<std::filesystem::path> found;
    while (!text.empty()) {
        const auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        line.remove_prefix(std::min(line.find_first_not_of(" \t"), line.size()));
        if (line.starts_with('[')) {
            in_daemon = line.starts_with("[daemon]");
            continue;
        }
        if (!in_daemon || !line.starts_with("state_dir")) continue;
        line.remove_prefix(9);
        line.remove_prefix(std::min(line.find_first_not_of(" \t"), line.size()));
        if (!line.starts_with('=')) continue;
        line.remove_prefix(1);
        line.remove_prefix(std::min(line.find_first_not_of(" \t"), line.size()));
        const auto close = line.find('"', 1);
        if (!line.starts_with('"') || close == std::string_view::npos) return std::nullopt;
        found = std::filesystem::path(line.substr(1, close - 1));
    }
    return found;
}

}  // namespace

std::optional<std::filesystem::path> state_dir_of(const std::filesystem::path& file) {
    auto text = read_text(file);
    if (!text) return std::nullopt;
    std::optional<std::filesystem::path> dir;
    if (auto root = parse(*text, file.string())) {
        const toml::node* node = root->at_path("daemon.state_dir").node();
        if (node == nullptr) return DaemonSettings{}.state_dir;
        if (const auto* value = node->as_string()) dir = std::filesystem::path(value->get());
    } else if (text->find("state_dir") == std::string::npos) {
        return DaemonSettings{}.state_dir;
    } else {
        dir = scan_state_dir(*text);
    }
    if (!dir || !dir->is_absolute()) return std::nullopt;
    return dir;
}

std::expected<SimulationSettings, std::vector<ConfigError>> load_simulation_settings(
    const std::filesystem::path& file) {
    auto text = read_text(file);
    if (!text) return std::unexpected(std::move(text.error()));
    const std::string name = file.string();
    auto root = parse(*text, name);
    if (!root) return std::unexpected(std::move(root.error()));
    std::vector<ConfigError> errors;
    SimulationSettings settings;
    if (const toml::node* simulate = root->get("simulate")) read_simulate(*simulate, name, settings, errors);
    if (const toml::node* node = root->get("daemon"); node != nullptr && node->is_table()) {
        DaemonSettings daemon;
        read_daemon_section(*node->as_table(), name, daemon, errors);
        settings.max_booting = daemon.max_booting;
        settings.boots_per_minute = daemon.boots_per_minute;
    }
    if (!errors.empty()) return std::unexpected(std::move(errors));
    return settings;
}

}  // namespace slumber::config
