#include "config/sections.hpp"

#include <arpa/inet.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "config/addresses.hpp"
#include "config/table_reader.hpp"
#include "hostlist/hostlist.hpp"
#include "power/exec/exec_driver.hpp"
#include "sim/power_model.hpp"
#include "util/duration.hpp"
#include "util/safe_text.hpp"
#include "util/suggest.hpp"

namespace slumber::config {
namespace {

constexpr std::int64_t kMaxRetries = 10;

struct HostlistValue {
    std::string expression;
    std::vector<std::string> names;
};

// A hostlist-valued key, expanded; errors name the key and the character.
std::optional<HostlistValue> read_hostlist(TableReader& reader, std::string_view key, bool required) {
    auto text = reader.string(key, required);
    if (!text) return std::nullopt;
    auto list = hostlist::Hostlist::parse(*text);
    if (!list) {
        reader.error(key, hostlist::describe(list.error(), *text), "use Slurm's syntax, e.g. \"node[001-004,010]\"");
        return std::nullopt;
    }
    if (list->empty() && required) {
        reader.error(key, "names no hosts", "give at least one name, e.g. \"node[001-004]\"");
        return std::nullopt;
    }
    return HostlistValue{*text, list->names()};
}

std::optional<std::filesystem::path> read_absolute_path(TableReader& reader, std::string_view key) {
    auto text = reader.string(key);
    if (!text) return std::nullopt;
    std::filesystem::path path(*text);
    if (!path.is_absolute()) {
        reader.error(key, fmt::format("\"{}\" is a relative path", *text),
                     "use an absolute path: slumber runs from Slurm, whose working directory is not yours");
        return std::nullopt;
    }
    return path;
}

// A file the target needs (a certificate): absolute, and there now, so
// that a typo shows in `config check` rather than as a TLS failure later.
std::optional<std::filesystem::path> read_existing_file(TableReader& reader, std::string_view key) {
    auto path = read_absolute_path(reader, key);
    if (!path) return std::nullopt;
    std::error_code error;
    const auto status = std::filesystem::status(*path, error);
    if (status.type() == std::filesystem::file_type::not_found) {
        reader.error(key, fmt::format("\"{}\" does not exist", path->string()), "give the path of the file");
        return std::nullopt;
    }
    if (error) {
        reader.error(key, fmt::format("\"{}\" cannot be read: {}", path->string(), error.message()),
                     "check the path and its directories' permissions");
        return std::nullopt;
    }
    if (!std::filesystem::is_regular_file(status)) {
        reader.error(key, fmt::format("\"{}\" is not a file", path->string()), "give the path of the file");
        return std::nullopt;
    }
    return path;
}

const power::DriverInfo* read_driver(TableReader& reader, const std::optional<std::string>& fallback) {
    auto name = reader.string("driver");
    if (!name) name = fallback;
    if (!name) {
        reader.error("driver", "is missing",
                     "add driver = \"ipmi\" (or redfish, tasmota, shelly, wol, exec), or set it in [defaults]");
        return nullptr;
    }
    const power::DriverInfo* driver = power::find_driver(*name);
    if (driver == nullptr) {
        std::vector<std::string_view> names;
        for (const power::DriverInfo& known : power::drivers()) names.push_back(known.name);
        auto near = util::closest_match(*name, names);
        reader.error(
            "driver", fmt::format("unknown driver \"{}\"", *name),
            near ? fmt::format("did you mean \"{}\"?", *near) : fmt::format("drivers: {}", fmt::join(names, ", ")));
    }
    return driver;
}

std::optional<power::OptionValue> read_option(TableReader& reader, const power::OptionSpec& spec) {
    using power::OptionType;
    switch (spec.type) {
        case OptionType::integer:
            if (auto v = reader.integer(spec.key, spec.min, spec.max)) return *v;
            return std::nullopt;
        case OptionType::boolean:
            if (auto v = reader.boolean(spec.key)) return *v;
            return std::nullopt;
        case OptionType::duration:
            if (auto v = reader.duration(spec.key)) return *v;
            return std::nullopt;
        case OptionType::file:
            if (auto path = read_existing_file(reader, spec.key)) return path->string();
            return std::nullopt;
        case OptionType::command:
            if (auto text = reader.string(spec.key)) {
                if (auto checked = power::exec::check_template(*text); !checked) {
                    reader.error(spec.key, fmt::format("command template: {}", checked.error()),
                                 "it is split into words as a shell would (quotes, backslash), then {name} "
                                 "and {user} are filled in; see docs/power.md, exec");
                    return std::nullopt;
                }
                return *text;
            }
            return std::nullopt;
        case OptionType::string:
        case OptionType::string_list:
            break;
    }
    std::vector<std::string> values;
    if (spec.type == OptionType::string) {
        auto v = reader.string(spec.key);
        if (!v) return std::nullopt;
        values.push_back(*v);
    } else {
        auto v = reader.string_list(spec.key);
        if (!v) return std::nullopt;
        values = *v;
    }
    for (const std::string& value : values) {
        if (spec.choices.empty() || std::find(spec.choices.begin(), spec.choices.end(), value) != spec.choices.end()) {
            continue;
        }
        auto near = util::closest_match(value, spec.choices);
        reader.error(spec.key, fmt::format("\"{}\" is not a valid value", value),
                     near ? fmt::format("did you mean \"{}\"?", *near)
                          : fmt::format("use one of: {}", fmt::join(spec.choices, ", ")));
        return std::nullopt;
    }
    if (spec.type == OptionType::string) return values.front();
    return values;
}

// The driver's own keys, over the driver's [defaults.<driver>] values.
power::DriverOptions read_driver_options(TableReader& reader, const power::DriverInfo& driver,
                                         const power::DriverOptions* inherited) {
    power::DriverOptions options = inherited != nullptr ? *inherited : power::DriverOptions{};
    for (const power::OptionSpec& spec : driver.options) {
        if (auto value = read_option(reader, spec)) options.insert_or_assign(std::string(spec.key), *value);
    }
    return options;
}

CallPolicy read_policy(TableReader& reader, const CallPolicy& inherited) {
    CallPolicy policy = inherited;
    if (auto timeout = reader.duration("timeout")) policy.timeout = *timeout;
    if (auto retries = reader.integer("retries", 0, kMaxRetries)) policy.retries = static_cast<int>(*retries);
    if (auto backoff = reader.duration("backoff")) policy.backoff = *backoff;
    if (auto confirm = reader.duration("confirm_timeout")) policy.confirm = *confirm;
    return policy;
}

// What every [[node]] and [[device]] has besides names and addresses.
struct CommonSettings {
    const power::DriverInfo* driver = nullptr;
    std::optional<std::filesystem::path> credentials;
    int credentials_line = 0;
    CallPolicy policy;
    power::DriverOptions options;
};

CommonSettings read_common(TableReader& reader, const Defaults& defaults) {
    CommonSettings common;
    common.driver = read_driver(reader, defaults.driver);
    common.credentials = read_absolute_path(reader, "credentials");
    if (common.credentials) common.credentials_line = reader.line_of("credentials");
    common.policy = read_policy(reader, defaults.policy);
    if (common.driver == nullptr) return common;
    // [defaults] credentials are for BMC logins; a plug without a password
    // must not be sent the BMC account.
    if (!reader.has("credentials") && common.driver->needs_credentials) {
        common.credentials = defaults.credentials;
        common.credentials_line = defaults.credentials_line;
    }
    const auto inherited = defaults.driver_options.find(common.driver->name);
    common.options = read_driver_options(reader, *common.driver,
                                         inherited != defaults.driver_options.end() ? &inherited->second : nullptr);
    if (common.driver->needs_credentials && !common.credentials && !reader.has("credentials")) {
        reader.error("credentials", fmt::format("is missing: the {} driver logs in to the BMC", common.driver->name),
                     "add credentials = \"/etc/slumber/<file>.secret\" here or in [defaults]");
    }
    return common;
}

PowerTarget make_target(std::string name, TargetKind kind, const CommonSettings& common, std::string address,
                        int line) {
    PowerTarget target;
    target.name = std::move(name);
    target.kind = kind;
    target.driver = std::string(common.driver->name);
    target.address = std::move(address);
    target.credentials = common.credentials;
    target.credentials_line = common.credentials_line;
    target.options = common.options;
    target.policy = common.policy;
    target.line = line;
    return target;
}

}  // namespace

void read_slurm_section(const toml::table& table, const std::string& file, SlurmSettings& out,
                        std::vector<ConfigError>& errors) {
    TableReader reader(table, "[slurm]", file, errors);
    if (auto bin_dir = read_absolute_path(reader, "bin_dir")) out.bin_dir = *bin_dir;
    if (auto conf = read_absolute_path(reader, "conf")) {
        out.conf = *conf;
        out.conf_line = reader.line_of("conf");
    }
    if (auto exclude = read_hostlist(reader, "exclude", false)) {
        out.exclude_expression = std::move(exclude->expression);
        out.exclude = std::move(exclude->names);
        out.exclude_line = reader.line_of("exclude");
    }
    reader.reject_unknown_keys();
}

void read_daemon_section(const toml::table& table, const std::string& file, DaemonSettings& out,
                         std::vector<ConfigError>& errors) {
    TableReader reader(table, "[daemon]", file, errors);
    if (auto dir = read_absolute_path(reader, "state_dir")) out.state_dir = *dir;
    if (auto booting = reader.integer("max_booting", 0, 100000)) out.max_booting = static_cast<int>(*booting);
    if (auto rate = reader.integer("boots_per_minute", 0, 100000)) out.boots_per_minute = static_cast<int>(*rate);
    if (auto failures = reader.integer("max_failures", 1, 100)) out.max_failures = static_cast<int>(*failures);
    if (auto fanout = reader.integer("fanout", 1, 4096)) out.fanout = static_cast<int>(*fanout);
    if (auto grace = reader.duration("late_boot_grace")) out.late_boot_grace = *grace;
    if (auto grace = reader.duration("late_off_grace")) out.late_off_grace = *grace;
    if (auto keep = reader.boolean("keep_drained_on")) out.keep_drained_on = *keep;
    if (auto window = reader.duration("power_loss_window")) out.power_loss_window = *window;
    if (auto deadline = reader.duration("boot_deadline")) out.boot_deadline = *deadline;
    if (auto keep = reader.duration("journal_keep")) out.journal_keep = *keep;
    if (auto poll = reader.duration("idle_poll")) {
        // Below the busy pace it means nothing; above 10 min, a node that
        // rebooted by itself would wait that long for its recovery.
        if (*poll < std::chrono::seconds(2) || *poll > std::chrono::minutes(10)) {
            reader.error("idle_poll", fmt::format("{} is outside 2s to 10m", util::format_duration(*poll)),
                         "use e.g. \"30s\" (the default)");
        } else {
            out.idle_poll = *poll;
        }
    }
    if (auto controller = reader.string("controller")) {
        // A host name as slurm.conf's SlurmctldHost gives it.
        const bool name =
            !controller->empty() && controller->size() <= 255 && std::ranges::all_of(*controller, [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
            });
        if (name) {
            out.controller = *controller;
        } else {
            reader.error("controller", fmt::format("\"{}\" is no host name", util::safe_text(*controller)),
                         "give the name of this controller's SlurmctldHost line in slurm.conf");
        }
    }
    reader.reject_unknown_keys();
}

void read_web_section(const toml::table& table, const std::string& file, WebSettings& out,
                      std::vector<ConfigError>& errors) {
    TableReader reader(table, "[web]", file, errors);
    if (auto enabled = reader.boolean("enabled")) out.enabled = *enabled;
    if (auto listen = reader.string("listen")) {
        // An address, not a name: what the server binds must not depend on
        // a resolver, and "localhost" may resolve to more than loopback.
        in6_addr any{};
        if (::inet_pton(AF_INET, listen->c_str(), &any) == 1 || ::inet_pton(AF_INET6, listen->c_str(), &any) == 1) {
            out.listen = *listen;
        } else {
            reader.error("listen", fmt::format("\"{}\" is not an IPv4 or IPv6 address", *listen),
                         "give an address, e.g. \"127.0.0.1\" (the default), \"::1\" or \"0.0.0.0\" for every one");
        }
    }
    if (auto port = reader.integer("port", 1, 65535)) out.port = static_cast<int>(*port);
    if (auto token = read_absolute_path(reader, "token_file")) out.token_file = *token;
    reader.reject_unknown_keys();
}

void read_thermal_section(const toml::table& table, const std::string& file, ThermalSettings& out,
                          std::vector<ConfigError>& errors) {
    TableReader reader(table, "[thermal]", file, errors);
    // What an inlet or ambient sensor can read and a room can stand.
    out.limit = reader.number("limit", 0, 80);
    const auto resume = reader.number("resume", 0, 80);
    if (!out.limit) {
        if (resume)
            reader.error("resume", "resume without limit", "set limit (°C), the temperature that holds power-ons");
    } else if (resume && *resume >= *out.limit) {
        reader.error("resume", fmt::format("resume {} °C is not below limit {} °C", *resume, *out.limit),
                     "power-ons go again below resume: make it a few degrees below limit");
    } else {
        out.resume = resume.value_or(*out.limit - 3);
    }
    if (auto down = reader.boolean("power_down_idle")) out.power_down_idle = *down;
    reader.reject_unknown_keys();
}

void read_simulate_section(const toml::table& table, const std::string& file, SimulationSettings& out,
                           std::vector<ConfigError>& errors) {
    TableReader reader(table, "[simulate]", file, errors);
    if (auto nodes = reader.integer("nodes", 1, 10'000'000)) out.nodes = static_cast<int>(*nodes);
    if (auto cores = reader.integer("cores_per_node", 1, 1'000'000)) out.cores_per_node = static_cast<int>(*cores);
    if (auto allocation = reader.string("allocation")) {
        if (*allocation == "whole-nodes" || *allocation == "processors") {
            out.whole_nodes = *allocation == "whole-nodes";
        } else {
            reader.error("allocation", fmt::format("\"{}\" is not an allocation", *allocation),
                         "use \"whole-nodes\" or \"processors\"");
        }
    }
    constexpr double kMaxWatts = 1e6;  // a node, not a data centre
    out.off_watts = reader.number("off_watts", 0, kMaxWatts);
    out.idle_watts = reader.number("idle_watts", 0, kMaxWatts);
    out.busy_watts = reader.number("busy_watts", 0, kMaxWatts);
    out.boot_time = reader.duration("boot_time");
    out.boot_joules = reader.number("boot_energy", 0, 1e9);
    out.shutdown_time = reader.duration("shutdown_time");
    out.shutdown_joules = reader.number("shutdown_energy", 0, 1e9);
    // A boot's and a shutdown's draw is their energy over their whole
    // seconds (slumber simulate, and the energy model of slumber report
    // and /metrics): under a second, that energy would vanish and a boot
    // or shutdown would draw 0 W.
    const auto spread_over_time = [&](const char* time_key, const std::optional<util::Duration>& time,
                                      const char* energy_key, const std::optional<double>& joules,
                                      double default_joules) {
        const double energy = joules.value_or(default_joules);
        if (!time || *time >= std::chrono::seconds(1) || energy <= 0) return;
        reader.error(time_key,
                     fmt::format("{} is under a second, so the {} J of {} would be drawn in no time (0 W)",
                                 util::format_duration(*time), energy, energy_key),
                     fmt::format("give the time it takes (at least 1s), or {} = 0", energy_key));
    };
    const sim::PowerModel defaults;
    if (reader.error_count() == 0) {
        spread_over_time("boot_time", out.boot_time, "boot_energy", out.boot_joules, defaults.boot_joules);
        spread_over_time("shutdown_time", out.shutdown_time, "shutdown_energy", out.shutdown_joules,
                         defaults.shutdown_joules);
    }
    // Switching off must save something, or no policy can.
    const double off = out.off_watts.value_or(defaults.off_watts);
    const double idle = out.idle_watts.value_or(defaults.idle_watts);
    if (reader.error_count() == 0 && off >= idle) {
        reader.error(out.off_watts ? "off_watts" : "idle_watts",
                     fmt::format("a node that draws {} W off and {} W idle saves nothing by sleeping", off, idle),
                     "off_watts must be below idle_watts");
    }
    reader.reject_unknown_keys();
}

void read_energy_section(const toml::table& table, const std::string& file, EnergySettings& out,
                         std::vector<ConfigError>& errors) {
    TableReader reader(table, "[energy]", file, errors);
    if (auto interval = reader.duration("interval")) {
        if (interval->count() != 0 && *interval < std::chrono::seconds(5)) {
            reader.error("interval", "a BMC asked more often than every 5 s is hammered",
                         "use \"5s\" or more, or \"0s\" to read no meters");
        } else {
            out.interval = *interval;
        }
    }
    if (auto price = reader.number("price_per_kwh", 0, 1e6)) out.price_per_kwh = *price;
    if (auto currency = reader.string("currency")) out.currency = *currency;
    if (auto sensor = reader.string("temperature_sensor")) out.temperature_sensor = *sensor;
    reader.reject_unknown_keys();
}

void read_doctor_section(const toml::table& table, const std::string& file, DoctorSettings& out,
                         std::vector<ConfigError>& errors) {
    TableReader reader(table, "[doctor]", file, errors);
    if (auto command = reader.string("node_uuid_command")) {
        const auto words = power::exec::split_words(*command);
        std::string problem;
        if (!words) {
            problem = words.error();
        } else if (words->empty()) {
            problem = "it has no words";
        } else {
            for (const std::string& word : *words) {
                std::string rest = word;
                for (auto at = rest.find("{node}"); at != std::string::npos; at = rest.find("{node}")) {
                    rest.erase(at, 6);
                }
                if (rest.find_first_of("{}") != std::string::npos) {
                    problem = fmt::format("\"{}\" has a field other than {{node}}", word);
                    break;
                }
            }
        }
        if (problem.empty()) {
            out.node_uuid_command = *command;
        } else {
            reader.error("node_uuid_command", problem,
                         "a command that prints the node's SMBIOS UUID, e.g. \"ssh {node} cat "
                         "/sys/class/dmi/id/product_uuid\"");
        }
    }
    reader.reject_unknown_keys();
}

Defaults read_defaults_section(const toml::table& table, const std::string& file, std::vector<ConfigError>& errors) {
    TableReader reader(table, "[defaults]", file, errors);
    Defaults defaults;
    if (auto driver = reader.string("driver")) {
        if (power::find_driver(*driver) != nullptr) {
            defaults.driver = *driver;
        } else {
            read_driver(reader, std::nullopt);  // reports the unknown name
        }
    }
    defaults.credentials = read_absolute_path(reader, "credentials");
    if (defaults.credentials) defaults.credentials_line = reader.line_of("credentials");
    defaults.policy = read_policy(reader, CallPolicy{});
    for (const power::DriverInfo& driver : power::drivers()) {
        const toml::table* options = reader.subtable(driver.name);
        if (options == nullptr) continue;
        TableReader option_reader(*options, fmt::format("[defaults.{}]", driver.name), file, errors);
        defaults.driver_options[std::string(driver.name)] = read_driver_options(option_reader, driver, nullptr);
        option_reader.reject_unknown_keys();
    }
    reader.reject_unknown_keys();
    return defaults;
}

void read_node_group(const toml::table& table, int index, const Defaults& defaults, const std::string& file,
                     std::vector<PowerTarget>& out, std::vector<ConfigError>& errors) {
    TableReader reader(table, fmt::format("[[node]] #{}", index), file, errors);
    const std::size_t errors_before = reader.error_count();
    auto group = read_hostlist(reader, "names", true);
    const CommonSettings common = read_common(reader, defaults);
    auto addresses = reader.string_or_list("bmc");
    auto pattern = reader.string("bmc_pattern");
    if (common.driver == nullptr) return;  // its keys cannot be checked; the driver error says why
    reader.reject_unknown_keys();
    if (!group) return;
    const std::vector<std::string>* names = &group->names;

    std::vector<std::string> bmcs;
    if (addresses && pattern) {
        reader.error("bmc_pattern", "is given together with bmc", "keep one of the two");
        return;
    }
    if (addresses) {
        bmcs = expand_addresses(reader, *addresses, *names);
    } else if (pattern) {
        bmcs = apply_pattern(reader, *pattern, *names);
    } else if (common.driver->address != power::AddressKind::none) {
        reader.error("bmc",
                     fmt::format("is missing: the {} driver needs a {} per node", common.driver->name,
                                 power::to_string(common.driver->address)),
                     "add bmc = \"<hostlist in step with names>\" or bmc_pattern = \"{name}-bmc\"");
        return;
    }
    if (reader.error_count() != errors_before) return;
    for (std::size_t i = 0; i < names->size(); ++i) {
        std::string address = bmcs.empty() ? std::string() : bmcs[i];
        if (!address.empty()) {
            if (auto problem = check_address(common.driver->address, address)) {
                reader.error(addresses ? "bmc" : "bmc_pattern", fmt::format("{}: {}", (*names)[i], *problem),
                             address_fix(common.driver->address));
                continue;
            }
        }
        out.push_back(make_target((*names)[i], TargetKind::node, common, std::move(address), reader.line()));
    }
}

void read_device(const toml::table& table, int index, const Defaults& defaults, const std::string& file,
                 std::vector<PowerTarget>& out, std::vector<ConfigError>& errors) {
    TableReader reader(table, fmt::format("[[device]] #{}", index), file, errors);
    auto name = reader.string("name", true);
    const CommonSettings common = read_common(reader, defaults);
    auto address = reader.string("address");
    auto settle = reader.duration("settle");
    if (common.driver == nullptr) return;
    reader.reject_unknown_keys();
    if (!name) return;
    if (name->empty() || name->find_first_of("[], \t") != std::string::npos) {
        reader.error("name", fmt::format("\"{}\" is not a single device name", *name),
                     "use one plain name per [[device]], e.g. \"ibswitch\"");
        return;
    }
    if (!address && common.driver->address != power::AddressKind::none) {
        reader.error("address", fmt::format("is missing: the {} driver needs a {}", common.driver->name,
                                            power::to_string(common.driver->address)));
        return;
    }
    if (address) {
        if (auto problem = check_address(common.driver->address, *address)) {
            reader.error("address", *problem, address_fix(common.driver->address));
            return;
        }
    }
    PowerTarget target = make_target(*name, TargetKind::device, common, address.value_or(""), reader.line());
    if (settle) target.settle = *settle;
    out.push_back(std::move(target));
}

void read_dependency(const toml::table& table, int index, const std::string& file, std::vector<Dependency>& out,
                     std::vector<ConfigError>& errors) {
    TableReader reader(table, fmt::format("[[dependency]] #{}", index), file, errors);
    Dependency dependency;
    auto device = reader.string("device", true);
    auto nodes = read_hostlist(reader, "nodes", true);
    if (auto off_after = reader.duration("off_after")) dependency.off_after = *off_after;
    reader.reject_unknown_keys();
    if (!device || !nodes) return;
    dependency.device = *device;
    dependency.nodes = std::move(nodes->names);
    dependency.line = reader.line();
    out.push_back(std::move(dependency));
}

}  // namespace slumber::config
