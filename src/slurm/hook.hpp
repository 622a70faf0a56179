// Slurm's three power-saving programs, as one table: slumber's subcommand
// (and hook file) name and the slurm.conf key that names the program.
#pragma once

#include <string_view>

namespace slumber::slurm {

enum class Hook { suspend, resume, resume_fail };

struct HookInfo {
    Hook hook;
    std::string_view name;      ///< "resume-fail": subcommand, file, slumber-<name> link
    std::string_view conf_key;  ///< "ResumeFailProgram"
};

inline constexpr HookInfo kHooks[] = {
    {Hook::suspend, "suspend", "SuspendProgram"},
    {Hook::resume, "resume", "ResumeProgram"},
    {Hook::resume_fail, "resume-fail", "ResumeFailProgram"},
};

constexpr const HookInfo& info(Hook hook) {
    for (const HookInfo& entry : kHooks) {
        if (entry.hook == hook) return entry;
    }
    return kHooks[0];
}
constexpr std::string_view to_string(Hook hook) { return info(hook).name; }

}  // namespace slumber::slurm
