#include "vcluster/bmc.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>
#include <array>
#include <fstream>
#include <sstream>

#include "util/probe.hpp"
#include "vcluster/files.hpp"
#include "vcluster/machine.hpp"
#include "vcluster/render.hpp"

namespace slumber::vcluster {
namespace {

namespace fs = std::filesystem;

fs::path record_file(const RunDir& dir, std::string_view node) { return dir.pid_dir() / fmt::format("bmc.{}", node); }

// /proc/net/udp prints the local address as the IPv4 address in host byte
// order and the port, both in hex: 127.1.0.2:623 is 0200017F:026F.
std::string proc_net_address(std::string_view address, int port) {
    std::array<unsigned, 4> octets{};
    std::istringstream in{std::string(address)};
    char dot = 0;
    in >> octets[0] >> dot >> octets[1] >> dot >> octets[2] >> dot >> octets[3];
    return fmt::format("{:02X}{:02X}{:02X}{:02X}:{:04X}", octets[3], octets[2], octets[1], octets[0], port);
}

std::unexpected<std::string> not_listening(const Spec& spec, const RunDir& dir, int index) {
    const std::string node = spec.node_name(index);
    return std::unexpected(fmt::format("the BMC of {} did not start listening on {}:{}; see {}", node,
                                       spec.bmc_address(index), spec.bmc_port_of(index),
                                       (dir.log_dir() / fmt::format("bmc.{}.log", node)).string()));
}

// Starts a node's BMC process, records it where `down` and the faults find
// it, and returns once it listens.
std::expected<Process, std::string> launch(const Spec& spec, const RunDir& dir, int index,
                                           std::vector<std::string> argv) {
    const std::string node = spec.node_name(index);
    auto process = spawn_detached(
        {.argv = std::move(argv), .log = dir.log_dir() / fmt::format("bmc.{}.log", node), .cgroup = std::nullopt});
    if (!process) return std::unexpected(fmt::format("cannot start the BMC of {}: {}", node, process.error()));
    if (auto ok = write_record(record_file(dir, node), *process); !ok) return std::unexpected(ok.error());
    const bool up = wait_until([&] { return bmc_listening(spec, index) || !alive(*process); }, std::chrono::seconds{10},
                               std::chrono::milliseconds{20});
    if (!up || !alive(*process)) return not_listening(spec, dir, index);
    return *process;
}

// The node's Redfish BMC: `slumber-vcluster redfish-bmc`, its password in a
// file of its own (never on its command line).
std::expected<Process, std::string> start_redfish_bmc(const Spec& spec, const RunDir& dir, int index,
                                                      std::string_view password) {
    const std::string node = spec.node_name(index);
    if (auto ok = write_file(dir.bmc_dir(node) / "password", std::string(password) + "\n", kPrivateFile); !ok) {
        return std::unexpected(ok.error());
    }
    return launch(spec, dir, index, {self_executable(), "redfish-bmc", dir.root.string(), node});
}

}  // namespace

std::expected<std::string, std::string> read_password(const RunDir& dir) {
    std::ifstream in(dir.password_file());
    std::string password;
    if (!std::getline(in, password) || password.empty()) {
        return std::unexpected(fmt::format("cannot read the BMC password from {}", dir.password_file().string()));
    }
    return password;
}

bool bmc_listening(const Spec& spec, int index) {
    if (spec.redfish_bmc(index)) {
        return util::probe_tcp(spec.bmc_address(index), spec.redfish_port, std::chrono::milliseconds{200}).reach ==
               util::Reach::open;
    }
    return udp_unread_bytes(spec.bmc_address(index), spec.bmc_port).has_value();
}

std::optional<long> udp_unread_bytes(std::string_view address, int port) {
    // "sl local_address rem_address st tx_queue:rx_queue …", the queues in hex.
    const std::string wanted = proc_net_address(address, port);
    std::ifstream udp("/proc/net/udp");
    std::string line;
    while (std::getline(udp, line)) {
        std::istringstream fields(line);
        std::string slot;
        std::string local;
        std::string remote;
        std::string state;
        std::string queues;
        if (!(fields >> slot >> local >> remote >> state >> queues) || local != wanted) continue;
        const auto colon = queues.find(':');
        if (colon == std::string::npos) return 0;
        return std::strtol(queues.c_str() + colon + 1, nullptr, 16);
    }
    return std::nullopt;
}

std::optional<Process> bmc_process(const RunDir& dir, std::string_view node) {
    return read_record(record_file(dir, node));
}

std::expected<Process, std::string> start_bmc(const Spec& spec, const RunDir& dir, int index, std::string_view password,
                                              bool log_logins) {
    const std::string node = spec.node_name(index);
    const fs::path bmc = dir.bmc_dir(node);
    std::error_code error;
    fs::create_directories(bmc / "state", error);
    if (error) return std::unexpected(fmt::format("cannot create {}: {}", bmc.string(), error.message()));
    const int port = spec.bmc_port_of(index);
    if (bmc_listening(spec, index)) {
        return std::unexpected(fmt::format("{}:{} is already taken: another virtual cluster (try --bmc-subnet)",
                                           spec.bmc_address(index), port));
    }
    if (spec.redfish_bmc(index)) return start_redfish_bmc(spec, dir, index, password);
    const int machine = spec.index_of(crossed_with(dir, node).value_or(node));
    if (machine < 0) return std::unexpected(fmt::format("{}: crossed with a node this cluster does not have", node));
    if (auto ok =
            write_file(bmc / "lan.conf",
                       render_lan_conf(spec, index, machine, password, dir.chassis_program().string()), kPrivateFile);
        !ok) {
        return std::unexpected(ok.error());
    }
    if (auto ok = write_file(bmc / "node.emu", render_bmc_emu(spec, dir, machine), kPrivateFile); !ok) {
        return std::unexpected(ok.error());
    }
    if (!log_logins) {
        return launch(spec, dir, index,
                      {"ipmi_sim", "-n", "-c", (bmc / "lan.conf").string(), "-f", (bmc / "node.emu").string(), "-s",
                       (bmc / "state").string()});
    }
    // ipmi_sim prints one "Activate session" line per session it opens, but
    // only with -d and its console: -n sends its messages to syslog. The
    // console is a FIFO opened read-write, which never reaches end-of-file
    // (a console at EOF makes ipmi_sim abort).
    const fs::path console = bmc / "console";
    if (!fs::exists(console, error) && ::mkfifo(console.c_str(), 0600) != 0) {
        return std::unexpected(fmt::format("cannot create {}: {}", console.string(), std::strerror(errno)));
    }
    return launch(
        spec, dir, index,
        {"/bin/sh", "-c", "exec ipmi_sim -d -c \"$1\" -f \"$2\" -s \"$3\" <>\"$4\"", "ipmi_sim",
         (bmc / "lan.conf").string(), (bmc / "node.emu").string(), (bmc / "state").string(), console.string()});
}

std::expected<void, std::string> restart_bmc(const Spec& spec, const RunDir& dir, int index, std::string_view password,
                                             bool log_logins) {
    const std::string node = spec.node_name(index);
    if (auto old = bmc_process(dir, node)) terminate(*old, std::chrono::seconds{2});
    wait_until([&] { return !bmc_listening(spec, index); }, std::chrono::seconds{5}, std::chrono::milliseconds{20});
    auto started = start_bmc(spec, dir, index, password, log_logins);
    if (!started) return std::unexpected(started.error());
    return {};
}

std::optional<std::string> crossed_with(const RunDir& dir, std::string_view node) {
    std::ifstream in(dir.bmc_dir(node) / "crossed-with");
    std::string other;
    if (!std::getline(in, other) || other.empty()) return std::nullopt;
    return other;
}

int failed_logins(const RunDir& dir, std::string_view node) {
    std::ifstream log(dir.log_dir() / fmt::format("bmc.{}.log", node));
    std::string line;
    int count = 0;
    while (std::getline(log, line)) count += line.find(kLoginLine) != std::string::npos ? 1 : 0;
    return count;
}

}  // namespace slumber::vcluster
