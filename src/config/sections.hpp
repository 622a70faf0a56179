// The sections of slumber.toml, each read into typed values with every
// problem collected. Internal to src/config.
#pragma once

#include <toml++/toml.h>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace slumber::config {

/// [defaults]: what a [[node]] or [[device]] inherits unless it says otherwise.
struct Defaults {
    std::optional<std::string> driver;
    std::optional<std::filesystem::path> credentials;
    int credentials_line = 0;  ///< where `credentials =` is in [defaults]
    CallPolicy policy;
    std::map<std::string, power::DriverOptions, std::less<>> driver_options;  ///< [defaults.<driver>]
};

void read_slurm_section(const toml::table& table, const std::string& file, SlurmSettings& out,
                        std::vector<ConfigError>& errors);
void read_daemon_section(const toml::table& table, const std::string& file, DaemonSettings& out,
                         std::vector<ConfigError>& errors);
void read_simulate_section(const toml::table& table, const std::string& file, SimulationSettings& out,
                           std::vector<ConfigError>& errors);
/// [thermal]: limit and resume in °C (0-80, resume below limit, limit - 3
/// when unset), power_down_idle.
void read_thermal_section(const toml::table& table, const std::string& file, ThermalSettings& out,
                          std::vector<ConfigError>& errors);
void read_web_section(const toml::table& table, const std::string& file, WebSettings& out,
                      std::vector<ConfigError>& errors);
void read_energy_section(const toml::table& table, const std::string& file, EnergySettings& out,
                         std::vector<ConfigError>& errors);
/// [doctor]: node_uuid_command, a template with no field but {node}.
void read_doctor_section(const toml::table& table, const std::string& file, DoctorSettings& out,
                         std::vector<ConfigError>& errors);
Defaults read_defaults_section(const toml::table& table, const std::string& file, std::vector<ConfigError>& errors);

/// One [[node]] group becomes one PowerTarget per name.
void read_node_group(const toml::table& table, int index, const Defaults& defaults, const std::string& file,
                     std::vector<PowerTarget>& out, std::vector<ConfigError>& errors);
void read_device(const toml::table& table, int index, const Defaults& defaults, const std::string& file,
                 std::vector<PowerTarget>& out, std::vector<ConfigError>& errors);
void read_dependency(const toml::table& table, int index, const std::string& file, std::vector<Dependency>& out,
                     std::vector<ConfigError>& errors);

/// Checks across sections: names defined twice, shared BMC addresses,
/// dependencies on devices or nodes that do not exist.
void check_consistency(const Config& config, std::vector<ConfigError>& errors);

}  // namespace slumber::config
