#include "scontrol.hpp"

#include <fmt/format.h>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace slumber::testing {
namespace {

constexpr const char* kMarker = "@@slumber-end-";

const char* verb(HostlistQuery query) {
    switch (query) {
        case HostlistQuery::hostnames:
            return "hostnames";
        case HostlistQuery::hostlist:
            return "hostlist";
        case HostlistQuery::hostlistsorted:
            return "hostlistsorted";
    }
    return "";
}

std::filesystem::path make_workdir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "slumber-parity-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    const std::filesystem::path dir(pattern);
    std::ofstream(dir / "slurm.conf") << "ClusterName=parity\nSlurmctldHost=localhost\n"
                                         "NodeName=n1 CPUs=1\nPartitionName=p Nodes=n1\n";
    return dir;
}

}  // namespace

std::optional<std::string> find_scontrol() {
    if (const char* path = std::getenv("SLUMBER_SCONTROL")) return std::string(path);
    if (std::filesystem::exists("/usr/bin/scontrol")) return std::string("/usr/bin/scontrol");
    return std::nullopt;
}

// Interactive scontrol echoes each command after a "scontrol: " prompt; a
// "show hostnames <marker>" after every question delimits the answers.
std::vector<ScontrolAnswer> ask_scontrol(const std::string& scontrol,
                                         const std::vector<std::pair<HostlistQuery, std::string>>& questions) {
    const std::filesystem::path dir = make_workdir();
    {
        std::ofstream script(dir / "commands");
        for (std::size_t i = 0; i < questions.size(); ++i) {
            script << "show " << verb(questions[i].first) << ' ' << questions[i].second << '\n';
            script << "show hostnames " << kMarker << i << '\n';
        }
    }
    const std::string command = fmt::format("SLURM_CONF='{}' '{}' < '{}' 2>/dev/null", (dir / "slurm.conf").string(),
                                            scontrol, (dir / "commands").string());
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("cannot run scontrol");

    std::vector<ScontrolAnswer> answers(questions.size());
    std::size_t current = 0;
    std::string line;
    char buffer[65536];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
        line += buffer;
        if (line.empty() || line.back() != '\n') continue;
        line.pop_back();
        if (line.starts_with("scontrol: ")) {
            line.clear();
            continue;
        }
        if (line.starts_with(kMarker)) {
            ++current;
        } else if (current < answers.size()) {
            answers[current].lines.push_back(line);
        }
        line.clear();
    }
    // "Invalid hostlist" goes to stderr, which would arrive out of order;
    // every valid non-empty question gets at least one line instead.
    for (std::size_t i = 0; i < answers.size(); ++i) {
        answers[i].valid = !answers[i].lines.empty() || questions[i].second.empty();
    }
    const int status = ::pclose(pipe);
    std::filesystem::remove_all(dir);
    if (status != 0 || current != questions.size()) {
        throw std::runtime_error(
            fmt::format("scontrol answered {} of {} questions (status {})", current, questions.size(), status));
    }
    return answers;
}

}  // namespace slumber::testing
