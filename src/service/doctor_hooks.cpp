// SuspendProgram, ResumeProgram and ResumeFailProgram as slurmctld will
// take them. Slurm's own test (src/slurmctld/power_save.c, _valid_prog(),
// 22.05 and 24.11): an absolute path, stat(2) finds a regular file, not
// writable by group or others; a program failing it turns power saving off
// with only a debug line in slurmctld's log. The program runs as SlurmUser
// (slurm.conf(5), SuspendProgram), so SlurmUser must be allowed to run it.
#include <sys/stat.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>

#include "service/doctor_checks.hpp"
#include "service/slurm_setup.hpp"
#include "slurm/hook.hpp"

namespace slumber::service::doctor {
namespace {

namespace fs = std::filesystem;

// Whether `text` names slumber's verb `name` as a program would run it:
// "slumber-resume" or "slumber resume", not followed by more of a word
// ("slumber resume" is not "slumber resume-fail").
bool names_verb(std::string_view text, std::string_view name) {
    for (const char separator : {'-', ' '}) {
        const std::string word = fmt::format("slumber{}{}", separator, name);
        for (auto at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) {
            const auto end = at + word.size();
            const char next = end < text.size() ? text[end] : ' ';
            if (next != '-' && std::isalnum(static_cast<unsigned char>(next)) == 0) return true;
        }
    }
    return false;
}

// A shell script without its comments (from a `#` at a line's start or
// after a blank to the line's end): a script that named `slumber suspend`
// only in a comment passed for slumber's hook (a tester's ran ipmitool).
std::string without_comments(std::string_view script) {
    std::string code;
    code.reserve(script.size());
    bool comment = false;
    for (std::size_t i = 0; i < script.size(); ++i) {
        const char c = script[i];
        if (c == '\n') comment = false;
        if (c == '#' && (i == 0 || std::isspace(static_cast<unsigned char>(script[i - 1])) != 0)) comment = true;
        if (!comment) code.push_back(c);
    }
    return code;
}

// The verbs a hook program runs: a link slumber-VERB to the slumber
// binary runs VERB (src/cli/main.cpp); a script runs those it names; the
// binary itself under another name runs none ("" in the result).
// The simple commands of a script without comments (split at newlines,
// ';', '&' and '|'), each with what is quoted blanked out, less those that
// only print or log: `echo "slumber suspend $1" >> log` runs no slumber (a
// tester's logging script passed for slumber's hook).
std::vector<std::string> commands_run(std::string_view code) {
    std::vector<std::string> commands(1);
    char quote = 0;
    for (const char c : code) {
        if (quote != 0) {
            if (c == quote) quote = 0;
            commands.back().push_back(c == '\n' ? '\n' : ' ');
        } else if (c == '\'' || c == '"') {
            quote = c;
            commands.back().push_back(' ');
        } else if (c == '\n' || c == ';' || c == '&' || c == '|') {
            commands.emplace_back();
        } else {
            commands.back().push_back(c);
        }
    }
    std::erase_if(commands, [](const std::string& command) {
        std::size_t at = command.find_first_not_of(" \t");
        // Variable assignments before the command: A=1 B=2 echo ...
        while (at != std::string::npos) {
            const std::size_t end = std::min(command.find_first_of(" \t", at), command.size());
            const std::string_view word = std::string_view(command).substr(at, end - at);
            if (word.find('=') == std::string_view::npos) {
                const std::string_view name =
                    word.substr(word.rfind('/') == std::string_view::npos ? 0 : word.rfind('/') + 1);
                return name == "echo" || name == "printf" || name == "logger" || name == ":" || name == "true";
            }
            at = command.find_first_not_of(" \t", end);
        }
        return true;
    });
    return commands;
}

std::vector<std::string_view> verbs_run(const fs::path& program, const std::string& head) {
    std::error_code error;
    const fs::path real = fs::canonical(program, error);
    std::vector<std::string_view> verbs;
    if (!error && real.filename() == "slumber") {
        for (const slurm::HookInfo& hook : slurm::kHooks) {
            if (program.filename() == fmt::format("slumber-{}", hook.name)) verbs.push_back(hook.name);
        }
        if (verbs.empty()) verbs.emplace_back("");
        return verbs;
    }
    if (!head.starts_with("#!")) return verbs;
    const std::vector<std::string> commands = commands_run(without_comments(head));
    for (const slurm::HookInfo& hook : slurm::kHooks) {
        const bool runs = std::any_of(commands.begin(), commands.end(),
                                      [&](const std::string& command) { return names_verb(command, hook.name); });
        if (runs) verbs.push_back(hook.name);
    }
    return verbs;
}

std::string first_bytes(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::string text(std::size_t{16} * 1024, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    return text;
}

// The configuration file a hook of slumber's loads: a link, the default
// (it gets no arguments of the site's own); a script, what follows its
// --config or -c, else the default; nothing when that is a shell
// variable or otherwise cannot be told.
std::optional<fs::path> config_loaded(const fs::path& program, const std::string& head) {
    if (!head.starts_with("#!")) return fs::path(config::kDefaultPath);
    for (const std::string_view option : {"--config", " -c"}) {
        const auto at = head.find(option);
        if (at == std::string::npos) continue;
        std::size_t start = at + option.size();
        if (start < head.size() && head[start] == '=') ++start;
        while (start < head.size() && (head[start] == ' ' || head[start] == '\t')) ++start;
        std::size_t end = start;
        while (end < head.size() && std::isspace(static_cast<unsigned char>(head[end])) == 0 && head[end] != ';') ++end;
        std::string value = head.substr(start, end - start);
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
            value = value.substr(1, value.size() - 2);
        }
        if (value.empty() || value.find_first_of("$`") != std::string::npos) return std::nullopt;
        return fs::path(value).is_absolute() ? fs::path(value) : program.parent_path() / value;
    }
    return fs::path(config::kDefaultPath);
}

bool same_file(const fs::path& a, const fs::path& b) {
    std::error_code error;
    const bool same = fs::equivalent(a, b, error);
    return error ? a.lexically_normal() == b.lexically_normal() : same;
}

// Where the hook for `hook` is when slumber is installed: /usr/sbin's
// links with the default configuration; with another file, the script
// `slumber slurm-config -c FILE` describes, beside FILE.
fs::path suggested_path(const Setup& setup, const slurm::HookInfo& hook) {
    if (setup.config_file == fs::path(config::kDefaultPath))
        return fs::path("/usr/sbin") / fmt::format("slumber-{}", hook.name);
    return hook_script(hook.name, own_directory(), setup.config_file).path;
}

// Whether `program` is slumber's hook for `verb` and this configuration
// file, as slurmctld would run it.
bool serves(const Setup& setup, const fs::path& program, std::string_view verb) {
    struct stat status {};
    if (!program.is_absolute() || ::stat(program.c_str(), &status) != 0 || !S_ISREG(status.st_mode)) return false;
    const std::string head = first_bytes(program);
    const auto verbs = verbs_run(program, head);
    if (std::find(verbs.begin(), verbs.end(), verb) == verbs.end()) return false;
    const auto loaded = config_loaded(program, head);
    return loaded && same_file(*loaded, setup.config_file);
}

// A hook of slumber's for `hook` and this configuration that exists beside
// one slurm.conf names: the name of a hook there with its verb replaced
// ($D/hooks/suspend beside $D/hooks/resume, slumber-suspend beside
// slumber-resume-fail).
std::optional<fs::path> known_hook(const Setup& setup, const slurm::HookInfo& hook) {
    for (const slurm::HookInfo& named : slurm::kHooks) {
        const slurm::ConfSetting* setting = setup.slurm_conf->find(named.conf_key);
        if (setting == nullptr || setting->value.empty() || fs::path(setting->value).is_relative()) continue;
        const fs::path program = setting->value;
        std::string name = program.filename().string();
        // The longest verb first: "resume-fail" holds "resume".
        for (const std::string_view verb : {"resume-fail", "suspend", "resume"}) {
            const auto at = name.rfind(verb);
            if (at == std::string::npos) continue;
            name.replace(at, verb.size(), hook.name);
            break;
        }
        const fs::path candidate = program.parent_path() / name;
        if (serves(setup, candidate, hook.name)) return candidate;
    }
    return std::nullopt;
}

// The program the line to paste names, and what its fix adds: a hook of
// slumber's for this verb and file where one is known, else where the hook
// belongs, with how to make it when it is not there.
struct HookToPaste {
    fs::path path;
    std::string create;  ///< "; X does not exist: create it, …", or empty
};

HookToPaste hook_to_paste(const Setup& setup, const slurm::HookInfo& hook) {
    const fs::path suggested = suggested_path(setup, hook);
    if (serves(setup, suggested, hook.name)) return {suggested, {}};
    if (auto known = known_hook(setup, hook)) return {std::move(*known), {}};
    std::error_code error;
    if (fs::exists(suggested, error) || error) return {suggested, {}};
    if (setup.config_file == fs::path(config::kDefaultPath)) {
        return {suggested, fmt::format("; {} does not exist: create it (ln -s {} {})", suggested.string(),
                                       (own_directory() / "slumber").string(), suggested.string())};
    }
    const HookScript script = hook_script(hook.name, own_directory(), setup.config_file);
    std::string lines;
    for (const std::string& line : script.lines) lines += fmt::format("{}`{}`", lines.empty() ? "" : " then ", line);
    return {script.path, fmt::format("; {} does not exist: create it, {}, whose lines are {}", script.path.string(),
                                     kHookScriptRule, lines)};
}

void check_hook(const Setup& setup, const slurm::HookInfo& hook, Findings& out) {
    const slurm::SlurmConf& conf = *setup.slurm_conf;
    const slurm::ConfSetting* setting = conf.find(hook.conf_key);
    const auto add = [&](Check check, std::string what, std::string fix, std::string paste = {}) {
        Finding finding{check, std::move(what), {}, 0, std::move(fix), std::move(paste), {}};
        place_at(finding, conf, setting);
        out.push_back(std::move(finding));
    };
    const HookToPaste to_paste = hook_to_paste(setup, hook);
    const std::string paste = fmt::format("{}={}", hook.conf_key, to_paste.path.string());
    const std::string& create = to_paste.create;
    if (setting == nullptr || setting->value.empty()) {
        const bool fail = hook.hook == slurm::Hook::resume_fail;
        add(fail ? Check::resume_fail_unset : Check::hook_unset,
            fail ? fmt::format("{} is not set: Slurm tells slumber nothing when a node misses ResumeTimeout, and "
                               "slumber notices only on its next look at Slurm's nodes",
                               hook.conf_key)
                 : fmt::format("{} is not set: Slurm has nothing to run, and slumber is never asked to {}",
                               hook.conf_key,
                               hook.hook == slurm::Hook::suspend ? "power a node off" : "power a node on"),
            "add the line (`slumber slurm-config` prints every line for this setup), then scontrol reconfigure" +
                create,
            paste);
        return;
    }
    const fs::path program = setting->value;
    if (program.is_relative()) {
        add(Check::hook_relative,
            fmt::format("{}={} is not an absolute path: slurmctld refuses it and power saving stays off", hook.conf_key,
                        shown(setting->value)),
            "name the program by its absolute path" + create, paste);
        return;
    }
    struct stat status {};
    if (::stat(program.c_str(), &status) != 0 || !S_ISREG(status.st_mode)) {
        add(Check::hook_missing,
            fmt::format("{}={}: {}, so slurmctld refuses it and power saving stays off", hook.conf_key,
                        shown(setting->value),
                        ::stat(program.c_str(), &status) != 0 ? "no such file" : "not a regular file"),
            "install slumber's hook there, or point the line at it" + create, paste);
        return;
    }
    if ((status.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        add(Check::hook_group_writable,
            fmt::format("{} is writable by its group or others (mode {:04o}): slurmctld refuses such a program and "
                        "power saving stays off",
                        shown(setting->value), status.st_mode & 07777),
            fmt::format("chmod go-w {}", shown(program.string())));
    }
    const std::string head = first_bytes(program);
    if (setup.slurm_user) {
        // A script is read by its interpreter as well as run.
        const int want = head.starts_with("#!") ? kRead + 1 : 1;
        const Access access = access_for(program, *setup.slurm_user, want);
        const bool root_cannot_run =
            setup.slurm_user->uid == 0 && (status.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0;
        if (!access.ok() || root_cannot_run) {
            add(Check::hook_not_executable,
                fmt::format("SlurmUser {} may not run {}: {}", setup.slurm_user->name, shown(setting->value),
                            access.where.empty() ? fmt::format("mode {:04o}", status.st_mode & 07777) : access.where),
                fmt::format("chmod 755 {} (and let SlurmUser search every directory above it)", program.string()));
        }
    }
    const auto verbs = verbs_run(program, head);
    if (std::find(verbs.begin(), verbs.end(), hook.name) != verbs.end()) {
        const auto loaded = config_loaded(program, head);
        if (loaded && !same_file(*loaded, setup.config_file)) {
            // The line to paste only when it would change the line: a
            // script already where the hook belongs is fixed in the script.
            const bool where_it_belongs = same_file(program, suggested_path(setup, hook));
            add(Check::hook_other_config,
                fmt::format("{}={} loads {}, not {}: what doctor checks is not what the hook reads", hook.conf_key,
                            shown(setting->value), shown(loaded->string()), setup.config_file.string()),
                where_it_belongs
                    ? fmt::format("make {} run slumber {} --config {} (`slumber slurm-config -c {}` prints the script)",
                                  program.string(), hook.name, setup.config_file.string(), setup.config_file.string())
                    : fmt::format("with a configuration file other than {}, make the hook a script that runs slumber "
                                  "{} --config {} (`slumber slurm-config -c {}` prints it)",
                                  config::kDefaultPath, hook.name, setup.config_file.string(),
                                  setup.config_file.string()),
                where_it_belongs ? std::string() : paste);
        }
        return;
    }
    if (verbs.empty()) {
        add(Check::hook_not_slumber,
            fmt::format("{}={} is not slumber's hook: what it does, slumber neither journals nor recovers",
                        hook.conf_key, shown(setting->value)),
            "use slumber's hook, or ignore this if the program calls it" + create, paste);
        return;
    }
    add(Check::hook_wrong_verb,
        fmt::format("{}={} runs slumber's {} instead of {}", hook.conf_key, shown(setting->value),
                    verbs.front().empty() ? std::string("command without a verb") : fmt::format("`{}`", verbs.front()),
                    fmt::format("`{}`", hook.name)),
        "point the line at slumber's hook for this program" + create, paste);
}

}  // namespace

void check_hooks(const Setup& setup, Findings& out) {
    for (const slurm::HookInfo& hook : slurm::kHooks) check_hook(setup, hook, out);
}

}  // namespace slumber::service::doctor
