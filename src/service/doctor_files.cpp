// slumber's own files and daemon: who must reach what (docs/slurm.md).
// The hooks run as SlurmUser: they read slumber.toml and slurm.conf (for
// scontrol) and write the journal in the state directory; the daemon
// writes them too; credentials are the daemon's, and SlurmUser's only when
// no daemon runs and the hooks switch nodes themselves.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <grp.h>
#include <pwd.h>
#include <algorithm>
#include <charconv>

#include <cerrno>
#include <cstring>
#include <optional>
#include <set>

#include "hostlist/hostlist.hpp"
#include "operate/running_config.hpp"
#include "service/doctor_checks.hpp"
#include "service/slurm_setup.hpp"
#include "slurm/controllers.hpp"
#include "util/safe_text.hpp"

namespace slumber::service::doctor {
namespace {

namespace fs = std::filesystem;

// The name of `user`'s primary group, the journal's group, for a chgrp to
// paste: SlurmUser nobody's is nogroup on Debian (a tester's `chgrp nobody`
// failed: there is no such group); the number when it has no name.
std::string primary_group(const slurm::SlurmUser& user) {
    std::vector<char> buffer(4096);
    group entry{};
    group* found = nullptr;
    if (::getgrgid_r(user.gid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) {
        return found->gr_name;
    }
    return std::to_string(user.gid);
}

// Whether `path` is missing, as far as this user can tell: a directory
// above it that this user may not search says nothing either way.
bool missing(const fs::path& path, struct stat& status) {
    return ::lstat(path.c_str(), &status) != 0 && (errno == ENOENT || errno == ENOTDIR);
}
bool present(const fs::path& path) {
    struct stat status {};
    return ::lstat(path.c_str(), &status) == 0;
}
// Why this user cannot tell whether `path` exists (a directory above it it
// may not search), in the system's words; nothing when it can.
std::optional<std::string> unseen(const fs::path& path) {
    struct stat status {};
    if (::lstat(path.c_str(), &status) == 0 || errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    return std::strerror(errno);
}

// The user running doctor, for a not-checked finding.
std::string this_user() {
    const passwd* entry = ::getpwuid(::geteuid());
    return entry != nullptr ? entry->pw_name : fmt::format("uid {}", ::geteuid());
}

// A check that could not run because this user may not read what it needs:
// said, so that a run as another user never reads as a clean bill.
Finding not_checked(const Setup& setup, std::string what, std::vector<std::string> nodes = {}) {
    return {Check::not_checked,
            fmt::format("{} (doctor runs as {})", std::move(what), this_user()),
            setup.config_file,
            0,
            "run doctor as root (or as SlurmUser, who may read the state directory and the journal)",
            "",
            std::move(nodes)};
}

std::string denial(const Access& access) {
    return access.where.empty() ? std::string("not allowed by its mode") : access.where;
}

// The targets of each credentials file, in the order first named: a file
// shared by vnode[001-004] is one finding that names them all, at the
// first one's `credentials =` line.
struct CredentialsUse {
    fs::path file;
    int line = 0;
    std::vector<std::string> targets;
};

std::vector<CredentialsUse> credentials_uses(const config::Config& config) {
    std::vector<CredentialsUse> uses;
    for (const auto& targets : {&config.nodes, &config.devices}) {
        for (const config::PowerTarget& target : *targets) {
            if (!target.credentials) continue;
            auto use = std::find_if(uses.begin(), uses.end(),
                                    [&](const CredentialsUse& each) { return each.file == *target.credentials; });
            if (use == uses.end()) {
                use = uses.insert(
                    uses.end(),
                    {*target.credentials, target.credentials_line > 0 ? target.credentials_line : target.line, {}});
            }
            use->targets.push_back(target.name);
        }
    }
    return uses;
}

void check_credentials(const Setup& setup, Findings& out) {
    for (const CredentialsUse& use : credentials_uses(setup.config)) {
        const fs::path& file = use.file;
        const std::string of = hostlist::compress(use.targets, false).value_or(use.targets.front());
        struct stat status {};
        const auto add = [&](Check check, std::string what, std::string fix) {
            out.push_back({check, std::move(what), setup.config_file, use.line, std::move(fix), "", use.targets});
        };
        if (missing(file, status)) {
            add(Check::credentials_missing,
                fmt::format("credentials file {} (of {}) does not exist", file.string(), of),
                "create it with username = \"...\" and password = \"...\", then chmod 600 it");
            continue;
        }
        if (auto why = unseen(file)) {
            out.push_back(not_checked(setup,
                                      fmt::format("credentials file {} (of {}) cannot be looked at by this user "
                                                  "({}): credentials-missing and credentials-not-private were not "
                                                  "checked for it",
                                                  file.string(), of, *why),
                                      use.targets));
            continue;
        }
        // The fix names SlurmUser as slurm.conf sets it (it said "slurm"
        // whatever SlurmUser was).
        if (auto refusal = config::refuse_credentials_file(
                file, status, setup.slurm_user ? std::string_view(setup.slurm_user->name) : std::string_view())) {
            add(Check::credentials_not_private, fmt::format("{} (of {}) {}", file.string(), of, refusal->message),
                refusal->fix);
            continue;
        }
        if (const Access daemon = access_for(file, setup.daemon_user, kRead); !daemon.ok()) {
            add(Check::credentials_missing,
                fmt::format("the daemon's user {} may not read {} (of {}): {}", setup.daemon_user.name, file.string(),
                            of, denial(daemon)),
                fmt::format("chown {} {}", setup.daemon_user.name, file.string()));
        }
        if (setup.daemon_running || !setup.daemon_known || !setup.slurm_user) continue;
        if (const Access slurm = access_for(file, *setup.slurm_user, kRead, PathKind::credentials); !slurm.ok()) {
            add(Check::credentials_slurm_user,
                fmt::format("no daemon runs, so the hooks switch nodes themselves as SlurmUser {}, who may not read "
                            "{} (of {}): {}",
                            setup.slurm_user->name, file.string(), of, denial(slurm)),
                "start the daemon (systemctl enable --now slumberd), or make the file SlurmUser's: "
                "chown " +
                    setup.slurm_user->name + " " + file.string() + "; chmod 600 " + file.string());
        }
    }
}

// A state directory that does not exist yet is made by whoever opens the
// journal first: the daemon at start, or without a daemon the first hook, as
// SlurmUser. Where that user may not write the directory it would go in,
// every hook fails ("cannot create DIR: Permission denied"); doctor said
// nothing of it, as the directory was not there to check.
void check_state_dir_creatable(const Setup& setup, const slurm::SlurmUser& user, std::string_view who, Check check,
                               Findings& out) {
    const fs::path& state = setup.config.daemon.state_dir;
    fs::path parent = state.parent_path();
    while (!parent.empty() && !present(parent) && parent != parent.parent_path()) parent = parent.parent_path();
    if (parent.empty() || unseen(parent)) return;
    const Access access = access_for(parent, user, kReadWriteSearch);
    if (access.ok() || access.verdict == Access::Verdict::missing) return;
    // Made by root, the state directory would still be out of this user's
    // reach through a directory above it that it may not pass (the parent
    // itself included): that fix first, in the same finding (a tester
    // needed two runs of doctor).
    const Access through = access_for(state, user, kReadWriteSearch);
    out.push_back({check,
                   fmt::format("the state directory {} does not exist, and {} {} may not make it in {}: {}",
                               state.string(), who, user.name, parent.string(), denial(access)),
                   setup.config_file,
                   0,
                   fmt::format("{0}mkdir -p {1}; chgrp {2} {1}; chmod 2770 {1} (the daemon does this at start when "
                               "it runs as root: systemctl enable --now slumberd)",
                               through.verdict == Access::Verdict::unreachable ? through.fix + "; then " : "",
                               state.string(), primary_group(user)),
                   "",
                   {}});
}

// What SlurmUser (who runs the hooks) and the daemon's user must read and write.
void check_access(const Setup& setup, Findings& out) {
    const fs::path& state = setup.config.daemon.state_dir;
    const bool state_exists = present(state);
    const auto grant = [&](const slurm::SlurmUser& user, const fs::path& path, bool directory) {
        return directory
                   ? fmt::format("chgrp {0} {1}; chmod 2770 {1} (the daemon does this at start when it runs as root)",
                                 primary_group(user), path.string())
                   : fmt::format("chgrp {0} {1}; chmod 660 {1}", primary_group(user), path.string());
    };
    bool blind = false;  // this user may not look into the state directory
    const auto check_user = [&](const slurm::SlurmUser& user, std::string_view who, Check dir_check,
                                Check journal_check) {
        if (!state_exists) {
            check_state_dir_creatable(setup, user, who, dir_check, out);
            return;
        }
        if (const Access access = access_for(state, user, kReadWriteSearch); !access.ok()) {
            out.push_back({dir_check,
                           fmt::format("{} {} may not write the state directory {}: {}", who, user.name, state.string(),
                                       denial(access)),
                           setup.config_file,
                           0,
                           access.verdict == Access::Verdict::unreachable
                               ? fmt::format("{}; then run slumber doctor again", access.fix)
                               : grant(user, state, true),
                           "",
                           {}});
            return;
        }
        for (const char* suffix : {"", "-wal", "-shm"}) {
            const fs::path file = setup.config.daemon.journal().string() + suffix;
            if (unseen(file)) {
                blind = true;
                break;
            }
            if (!present(file)) continue;
            if (const Access access = access_for(file, user, kReadWrite); !access.ok()) {
                out.push_back({journal_check,
                               fmt::format("{} {} may not write the journal {}: {}", who, user.name, file.string(),
                                           denial(access)),
                               setup.config_file,
                               0,
                               grant(user, file, false),
                               "",
                               {}});
            }
        }
    };
    if (setup.slurm_user) {
        const slurm::SlurmUser& user = *setup.slurm_user;
        if (const Access access = access_for(setup.config_file, user, kRead);
            !access.ok() && access.verdict != Access::Verdict::missing) {
            out.push_back({Check::config_slurm_user,
                           fmt::format("SlurmUser {} may not read {}, which the hooks load: {}", user.name,
                                       setup.config_file.string(), denial(access)),
                           setup.config_file,
                           0,
                           fmt::format("chmod 644 {}", setup.config_file.string()),
                           "",
                           {}});
        }
        if (setup.slurm_conf != nullptr) {
            for (const fs::path& file : setup.slurm_conf->files) {
                if (const Access access = access_for(file, user, kRead); !access.ok()) {
                    out.push_back({Check::slurm_conf_unreadable,
                                   fmt::format("SlurmUser {} may not read {}, which slurmctld and the hooks' scontrol "
                                               "read: {}",
                                               user.name, file.string(), denial(access)),
                                   file,
                                   0,
                                   fmt::format("chmod 644 {}", file.string()),
                                   "",
                                   {}});
                }
            }
        }
        check_user(user, "SlurmUser", Check::state_dir_slurm_user, Check::journal_slurm_user);
    }
    if (!setup.slurm_user || setup.slurm_user->uid != setup.daemon_user.uid) {
        check_user(setup.daemon_user, "the daemon's user", Check::state_dir_daemon, Check::journal_daemon);
    }
    if (blind) {
        out.push_back(not_checked(
            setup,
            fmt::format("this user may not look into the state directory {} ({}): whether SlurmUser and the "
                        "daemon's user may write the journal (journal-slurm-user, journal-daemon) was not checked",
                        state.string(), unseen(setup.config.daemon.journal()).value_or("?"))));
    }
}

void check_token(const Setup& setup, Findings& out) {
    if (!setup.config.web.token_file) return;
    const fs::path& file = *setup.config.web.token_file;
    struct stat status {};
    if (missing(file, status)) {
        out.push_back({Check::token_file,
                       fmt::format("[web] token_file {} does not exist: the daemon does not start with [web] enabled",
                                   file.string()),
                       setup.config_file,
                       0,
                       fmt::format("head -c 32 /dev/urandom | base64 > {0}; chmod 600 {0}", file.string()),
                       "",
                       {}});
        return;
    }
    if (auto why = unseen(file)) {
        out.push_back(not_checked(
            setup, fmt::format("[web] token_file {} cannot be looked at by this user ({}): token-file was not checked",
                               file.string(), *why)));
        return;
    }
    if (auto refusal = config::refuse_credentials_file(file, status)) {
        out.push_back({Check::token_file,
                       fmt::format("[web] token_file {} {}", file.string(), refusal->message),
                       setup.config_file,
                       0,
                       fmt::format("chmod 600 {}", file.string()),
                       "",
                       {}});
    }
}

// Whether `port` is within a slurm.conf port setting: a port ("6817") or a
// range ("6817-6820", which SlurmctldPort may be).
bool in_port_setting(int port, std::string_view value) {
    const std::size_t dash = value.find('-');
    const auto number = [](std::string_view text) {
        int out = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
        return error == std::errc{} && end == text.data() + text.size() ? std::optional<int>(out) : std::nullopt;
    };
    const auto low = number(value.substr(0, dash));
    const auto high = dash == std::string_view::npos ? low : number(value.substr(dash + 1));
    return low && high && *low <= port && port <= *high;
}

// [web] port against the ports Slurm's daemons listen on (slurm.conf(5),
// 22.05 to 24.11: SlurmctldPort, 6817 by default, a range allowed;
// SlurmdPort, 6818). The daemon bound first keeps the port: a slumberd
// started before slurmctld stops slurmctld from starting (a tester's
// `config check` accepted port 6817).
void check_web_port(const Setup& setup, Findings& out) {
    if (!setup.config.web.enabled || setup.slurm_conf == nullptr) return;
    const int port = setup.config.web.port;
    struct SlurmPort {
        std::string_view key;
        std::string_view fallback;
        std::string_view daemon;
    };
    for (const SlurmPort slurm_port :
         {SlurmPort{"SlurmctldPort", "6817", "slurmctld"}, SlurmPort{"SlurmdPort", "6818", "slurmd"}}) {
        const slurm::ConfSetting* setting = setup.slurm_conf->find(slurm_port.key);
        const std::string_view value = setting != nullptr ? std::string_view(setting->value) : slurm_port.fallback;
        if (!in_port_setting(port, value)) continue;
        out.push_back(
            {Check::web_port_slurm,
             fmt::format("[web] port {} is {}'s ({} {}{}): whichever starts second cannot listen", port,
                         slurm_port.daemon, slurm_port.key, shown(value),
                         setting != nullptr ? "" : ", Slurm's default"),
             setup.config_file,
             0,
             fmt::format("set [web] port to a port no other service uses ({} by default)", config::WebSettings{}.port),
             "",
             {}});
    }
}

// With several SlurmctldHost lines, the daemon must know which controller
// it runs beside (docs/ha.md): one whose name is none of them refuses to
// start (daemon/controller_watch.hpp), which a tester found only then.
void check_controller(const Setup& setup, Findings& out) {
    if (setup.slurm_conf == nullptr) return;
    const std::vector<std::string> hosts = slurm::controller_hosts(*setup.slurm_conf);
    const bool named = !setup.config.daemon.controller.empty();
    if (hosts.size() < 2) return;
    if (named ? std::ranges::find(hosts, setup.config.daemon.controller) != hosts.end()
              : slurm::own_controller(hosts, setup.this_host).has_value()) {
        return;
    }
    const std::string& self = named ? setup.config.daemon.controller : setup.this_host;
    out.push_back({Check::daemon_controller_unknown,
                   fmt::format("{} names {} controllers ({}) and this daemon's, {} ({}), is none of them: slumberd "
                               "refuses to start",
                               setup.slurm_conf->files.front().string(), hosts.size(),
                               util::safe_text(fmt::format("{}", fmt::join(hosts, ", "))), shown(self),
                               named ? "[daemon] controller" : "this host's name up to its first dot"),
                   setup.config_file,
                   0,
                   "set [daemon] controller to the SlurmctldHost name of the controller this daemon runs beside "
                   "(docs/ha.md)",
                   "",
                   {}});
}

// Whether a datagram socket is bound at `socket`: connect(2) tells without
// sending anything (the hooks' wake-up is one datagram: util/wake_socket.cpp).
// Nothing when this user may not write to it, which cannot tell.
std::optional<bool> listening(const fs::path& socket) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string path = socket.string();
    if (path.size() >= sizeof(address.sun_path)) return false;
    std::copy(path.begin(), path.end(), address.sun_path);
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return std::nullopt;
    const int done = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
    const int error = errno;
    ::close(fd);
    if (done == 0) return true;
    if (error == EACCES || error == EPERM) return std::nullopt;
    return false;
}

void check_daemon(const Setup& setup, Findings& out) {
    if (!setup.daemon_known) {
        out.push_back(
            not_checked(setup, fmt::format("the daemon's lock {} cannot be opened by this user ({}): whether a "
                                           "daemon runs (daemon-not-running, daemon-not-answering, "
                                           "daemon-config-differs) was not checked",
                                           setup.config.daemon.lock().string(), setup.daemon_unknown_why)));
        return;
    }
    if (!setup.daemon_running) {
        out.push_back({Check::daemon_not_running,
                       fmt::format("no daemon holds {}: each hook then switches nodes itself, as SlurmUser, and no one "
                                   "recovers nodes that fail to boot",
                                   setup.config.daemon.lock().string()),
                       setup.config_file,
                       0,
                       "systemctl enable --now slumberd",
                       "",
                       {}});
        return;
    }
    if (const auto heard = listening(setup.config.daemon.socket()); heard && !*heard) {
        out.push_back({Check::daemon_not_answering,
                       fmt::format("a daemon holds {}, but nothing listens on {}: the hooks cannot wake it, and "
                                   "their requests wait for its next look at the journal",
                                   setup.config.daemon.lock().string(), setup.config.daemon.socket().string()),
                       setup.config_file,
                       0,
                       "restart the daemon (systemctl restart slumberd)",
                       "",
                       {}});
    }
    if (auto differs = operate::running_config_warning(setup.config)) {
        out.push_back({Check::daemon_config_differs,
                       *differs,
                       setup.config_file,
                       0,
                       "reload the daemon (systemctl reload slumberd)",
                       "",
                       {}});
    }
}

}  // namespace

Finding journal_not_read(const Setup& setup, bool contact) {
    return not_checked(
        setup, fmt::format("the journal {} cannot be read by this user ({}): the crossed BMC addresses the daemon saw "
                           "(crossed-suspected), blocked targets (target-blocked) and the measured boots ResumeTimeout "
                           "is held to (resume-timeout-short, resume-timeout-tight) were not checked{}",
                           setup.config.daemon.journal().string(), setup.journal_unreadable.value_or("?"),
                           contact ? ", and no BMC or device was contacted: doctor never contacts a target whose "
                                     "block it cannot read"
                                   : ""));
}

void check_files(const Setup& setup, Findings& out) {
    check_credentials(setup, out);
    check_access(setup, out);
    check_token(setup, out);
    check_web_port(setup, out);
    check_controller(setup, out);
    check_daemon(setup, out);
}

}  // namespace slumber::service::doctor
