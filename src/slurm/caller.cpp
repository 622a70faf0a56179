#include "slurm/caller.hpp"

#include <pwd.h>
#include <unistd.h>

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <iterator>

namespace slumber::slurm {
namespace {

struct Ancestor {
    std::string name;
    pid_t parent = 0;
};

// /proc/PID/stat: "PID (NAME) STATE PPID …"; the name may hold anything.
std::optional<Ancestor> read_stat(pid_t pid) {
    std::ifstream in(fmt::format("/proc/{}/stat", pid));
    const std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto open = stat.find('(');
    const auto close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close + 4 > stat.size()) return std::nullopt;
    Ancestor ancestor{stat.substr(open + 1, close - open - 1), 0};
    const char* first = stat.data() + close + 4;  // past ") S "
    std::from_chars(first, stat.data() + stat.size(), ancestor.parent);
    return ancestor;
}

}  // namespace

bool run_by_slurm() {
    pid_t pid = ::getppid();
    for (int hops = 0; hops < 64 && pid > 1; ++hops) {
        const auto ancestor = read_stat(pid);
        if (!ancestor) return false;
        if (ancestor->name == "slurmctld" || ancestor->name == "slurmscriptd") return true;
        pid = ancestor->parent;
    }
    return false;
}

std::string user_name(uid_t uid) {
    const passwd* entry = ::getpwuid(uid);
    return entry != nullptr ? std::string(entry->pw_name) : std::to_string(uid);
}

}  // namespace slumber::slurm
