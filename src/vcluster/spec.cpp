#include "vcluster/spec.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace slumber::vcluster {
namespace {

int name_width(int nodes) { return std::max(3, static_cast<int>(std::to_string(nodes).size())); }

// The fields of a Spec, listed once for saving and loading.
template <typename Visit>
void fields(Spec& spec, Visit&& visit) {
    visit("nodes", spec.nodes);
    visit("name_prefix", spec.name_prefix);
    visit("boot_delay_ms", spec.boot_delay);
    visit("slurmctld_port", spec.slurmctld_port);
    visit("bmc_subnet", spec.bmc_subnet);
    visit("bmc_port", spec.bmc_port);
    visit("suspend_time_ms", spec.suspend_time);
    visit("suspend_timeout_ms", spec.suspend_timeout);
    visit("resume_timeout_ms", spec.resume_timeout);
    visit("slurmd_timeout_ms", spec.slurmd_timeout);
    visit("return_to_service", spec.return_to_service);
    visit("hooks", spec.hooks);
    visit("daemon", spec.daemon);
    visit("deployment", spec.deployment);
    visit("fabric_switch", spec.fabric_switch);
    visit("switch_off_after_ms", spec.switch_off_after);
    visit("energy_interval_ms", spec.energy_interval);
    visit("web_port", spec.web_port);
    visit("redfish_nodes", spec.redfish_nodes);
    visit("redfish_port", spec.redfish_port);
    visit("suspend_program", spec.suspend_program);
    visit("resume_program", spec.resume_program);
    visit("resume_fail_program", spec.resume_fail_program);
    visit("installed", spec.installed);
    visit("controllers", spec.controllers);
    visit("slurmctld_timeout_ms", spec.slurmctld_timeout);
}

}  // namespace

std::string Spec::node_name(int index) const {
    return fmt::format("{}{:0{}}", name_prefix, index + 1, name_width(nodes));
}

std::vector<std::string> Spec::node_names() const {
    std::vector<std::string> names;
    names.reserve(static_cast<std::size_t>(nodes));
    for (int i = 0; i < nodes; ++i) names.push_back(node_name(i));
    return names;
}

std::string Spec::node_hostlist() const {
    if (nodes == 1) return node_name(0);
    const int width = name_width(nodes);
    return fmt::format("{}[{:0{}}-{:0{}}]", name_prefix, 1, width, nodes, width);
}

// 254 BMCs per /24, skipping .0 and .255.
std::string Spec::bmc_address(int index) const {
    return fmt::format("127.{}.{}.{}", bmc_subnet, index / 254, index % 254 + 1);
}

int Spec::index_of(std::string_view node) const {
    for (int i = 0; i < nodes; ++i) {
        if (node_name(i) == node) return i;
    }
    return -1;
}

std::string Spec::controller_name(int index) const {
    return controllers == 1 ? std::string("localhost") : fmt::format("vctl{}", index + 1);
}

std::string Spec::controller_address(int index) const { return fmt::format("127.0.0.{}", index + 1); }

int Spec::controller_index(std::string_view name) const {
    for (int i = 0; i < controllers; ++i) {
        if (controller_name(i) == name) return i;
    }
    return -1;
}

std::filesystem::path slumber_conf_of(const Spec& spec, const RunDir& dir, int index) {
    return spec.high_availability() ? dir.slumber_conf(spec.controller_name(index)) : dir.slumber_conf();
}

std::filesystem::path slumber_state_of(const Spec& spec, const RunDir& dir, int index) {
    return spec.high_availability() ? dir.slumber_state_dir(spec.controller_name(index)) : dir.slumber_state_dir();
}

std::expected<void, std::string> validate(const Spec& spec) {
    auto fail = [](std::string message) { return std::unexpected(std::move(message)); };
    if (spec.nodes < 1 || spec.nodes > 4000) return fail(fmt::format("--nodes {}: give 1 to 4000", spec.nodes));
    if (spec.slurmctld_port < 1024 || spec.slurmctld_port + spec.nodes > 65535) {
        return fail(fmt::format("--port {}: the port and the {} after it must lie in 1024-65535", spec.slurmctld_port,
                                spec.nodes));
    }
    if (spec.bmc_subnet < 1 || spec.bmc_subnet > 254) {
        return fail(fmt::format("--bmc-subnet {}: give 1 to 254 (BMCs answer on 127.<subnet>.x.y)", spec.bmc_subnet));
    }
    if (spec.bmc_port < 1 || spec.bmc_port > 65535)
        return fail(fmt::format("--bmc-port {}: not a port", spec.bmc_port));
    if (spec.boot_delay < Duration{0}) return fail("--boot-delay cannot be negative");
    if (spec.return_to_service < 0 || spec.return_to_service > 2) {
        return fail(fmt::format("--return-to-service {}: Slurm accepts 0, 1 or 2", spec.return_to_service));
    }
    for (const auto& [option, value] : {std::pair{"--suspend-time", spec.suspend_time},
                                        {"--suspend-timeout", spec.suspend_timeout},
                                        {"--resume-timeout", spec.resume_timeout},
                                        {"--slurmd-timeout", spec.slurmd_timeout}}) {
        if (value < std::chrono::seconds{1})
            return fail(fmt::format("{}: Slurm counts in seconds; give at least 1s", option));
    }
    if (spec.hooks != "ipmitool" && spec.hooks != "slumber") {
        return fail(fmt::format("--hooks {}: give ipmitool or slumber", spec.hooks));
    }
    if (spec.daemon != 0 && spec.hooks != "slumber") return fail("--daemon needs --hooks slumber");
    if (spec.web_port != 0 && spec.daemon == 0) return fail("--web needs --daemon");
    if (spec.energy_interval.count() != 0 && spec.energy_interval < std::chrono::seconds(5)) {
        // slumber refuses a shorter [energy] interval: it would hammer the BMCs.
        return fail("--energy-interval: give 0 or at least 5s");
    }
    if (spec.web_port < 0 || spec.web_port > 65535)
        return fail(fmt::format("--web {}: give a TCP port", spec.web_port));
    if (spec.controllers < 1 || spec.controllers > kMaxControllers) {
        return fail(
            fmt::format("--controllers {}: give 1 (one slurmctld) or 2 (a primary and a backup slurmctld, Slurm's high "
                        "availability)",
                        spec.controllers));
    }
    // Slurm counts SlurmctldTimeout in whole seconds; 22.05 takes 0 too, which
    // leaves the backup no time at all before it takes control.
    if (spec.slurmctld_timeout < std::chrono::seconds{1} || spec.slurmctld_timeout > std::chrono::seconds{65533}) {
        return fail("--slurmctld-timeout: give 1s to 65533s (slurm.conf(5): \"May not exceed 65533\")");
    }
    // With two controllers, the backup's daemon serves on the port after the primary's.
    if (spec.web_port != 0 && spec.web_port + spec.controllers - 1 > 65535) {
        return fail(fmt::format("--web {}: the daemons of {} controllers serve on it and the port after it",
                                spec.web_port, spec.controllers));
    }
    if (spec.deployment != "root" && spec.deployment != "site") {
        return fail(fmt::format("--deployment {}: give root or site", spec.deployment));
    }
    if (spec.redfish_nodes < 0 || spec.redfish_nodes > spec.nodes) {
        return fail(fmt::format("--redfish-nodes {}: give 0 to {}", spec.redfish_nodes, spec.nodes));
    }
    if (spec.redfish_nodes > 0 && spec.hooks != "slumber") {
        return fail("--redfish-nodes needs --hooks slumber (the ipmitool hooks speak only IPMI)");
    }
    if (!spec.installed.empty() && !std::filesystem::path(spec.installed).is_absolute()) {
        return fail(fmt::format("--installed {}: give an absolute prefix such as /usr", spec.installed));
    }
    if (!spec.installed.empty() && spec.hooks != "slumber") return fail("--installed needs --hooks slumber");
    for (const auto& [option, path] : {std::pair{"--suspend-program", &spec.suspend_program},
                                       {"--resume-program", &spec.resume_program},
                                       {"--resume-fail-program", &spec.resume_fail_program}}) {
        if (!path->empty() && !std::filesystem::path(*path).is_absolute()) {
            return fail(fmt::format("{} {}: Slurm needs an absolute path", option, *path));
        }
    }
    return {};
}

std::filesystem::path default_run_dir() {
    if (const char* dir = std::getenv("SLUMBER_VCLUSTER_DIR"); dir != nullptr && *dir != '\0') return dir;
    return "/tmp/slumber-vcluster";
}

std::expected<void, std::string> save(const Spec& spec, const RunDir& dir) {
    toml::table table;
    Spec copy = spec;
    fields(copy, [&](const char* key, auto& value) {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, Duration>) {
            table.insert(key, static_cast<std::int64_t>(value.count()));
        } else {
            table.insert(key, value);
        }
    });
    std::ofstream out(dir.spec_file());
    out << "# Written by `slumber-vcluster up`; read by its helpers. Do not edit.\n" << table << '\n';
    if (!out.flush()) return std::unexpected(fmt::format("cannot write {}", dir.spec_file().string()));
    return {};
}

std::expected<Spec, std::string> load(const RunDir& dir) {
    toml::table table;
    try {
        table = toml::parse_file(dir.spec_file().string());
    } catch (const toml::parse_error& error) {
        return std::unexpected(fmt::format("{}: {}", dir.spec_file().string(), error.description()));
    }
    Spec spec;
    std::string missing;  // the first field not found
    fields(spec, [&](const char* key, auto& value) {
        using T = std::decay_t<decltype(value)>;
        bool found = true;
        if constexpr (std::is_same_v<T, Duration>) {
            auto v = table[key].value<std::int64_t>();
            found = v.has_value();
            if (found) value = Duration{*v};
        } else if constexpr (std::is_same_v<T, int>) {
            auto v = table[key].value<std::int64_t>();
            found = v.has_value();
            if (found) value = static_cast<int>(*v);
        } else {
            auto v = table[key].value<std::string>();
            found = v.has_value();
            if (found) value = *v;
        }
        // A run directory from an older slumber lacks the fields added
        // since; they keep their defaults. Without a node count it is not
        // a cluster description at all.
        if (!found && missing.empty() && std::string_view(key) == "nodes") missing = key;
    });
    if (!missing.empty()) return std::unexpected(fmt::format("{}: no {}", dir.spec_file().string(), missing));
    if (auto ok = validate(spec); !ok)
        return std::unexpected(fmt::format("{}: {}", dir.spec_file().string(), ok.error()));
    return spec;
}

}  // namespace slumber::vcluster
