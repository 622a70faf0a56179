// Lines of slurm.conf that Slurm refuses. slurmctld reads the file once at
// start and refuses all of it for one such line (Slurm 22.05.8: `Parse error
// in file /etc/slurm/slurm.conf line 46: "this is garbage"`, or `Parsing
// error at unrecognized key: NoSuchKey`, then "fatal: Unable to process
// configuration file"): it does not start, and the hooks' scontrol fails the
// same way. Keys are checked against conf_keys.hpp's lists.
#include <fmt/format.h>

#include "service/doctor_checks.hpp"
#include "slurm/conf_keys.hpp"
#include "util/safe_text.hpp"

namespace slumber::service::doctor {
namespace {

std::string_view line_name(slurm::ConfLineKind kind) {
    switch (kind) {
        case slurm::ConfLineKind::global:
            return "a setting's line";
        case slurm::ConfLineKind::node:
            return "a NodeName line";
        case slurm::ConfLineKind::partition:
            return "a PartitionName line";
        case slurm::ConfLineKind::node_set:
            return "a NodeSet line";
        case slurm::ConfLineKind::down_nodes:
            return "a DownNodes line";
        case slurm::ConfLineKind::frontend:
            return "a FrontendName line";
    }
    return "a line";
}

// The corrected line of a misspelt global key, for pasting, its value as
// written (quotes kept).
std::string corrected(const slurm::ConfLineFault& fault, const std::string& key) {
    if (fault.kind != slurm::ConfLineKind::global) return {};
    const auto equals = fault.line.find('=');
    if (equals == std::string::npos) return {};
    std::string_view value = slurm::trim(std::string_view(fault.line).substr(equals + 1));
    return fmt::format("{}={}", key, value);
}

}  // namespace

Finding refused_line(const slurm::ConfLineFault& fault) {
    Finding finding{Check::slurm_conf_syntax, {}, fault.place.file, fault.place.line, {}, {}, {}};
    const std::string refuses =
        "slurmctld refuses the whole file and does not start (nor do scontrol and slumber's hooks, which read it "
        "too)";
    if (!fault.unknown_key.empty()) {
        finding.check = Check::slurm_conf_unknown_key;
        const auto nearest = slurm::nearest_key(fault.kind, fault.unknown_key);
        finding.what = fmt::format(
            "{}: {} is no key Slurm knows on {} (slurm.conf(5) of 22.05 and 24.11): {} (\"Parsing error at "
            "unrecognized key: {}\")",
            shown(fault.line), shown(fault.unknown_key), line_name(fault.kind), refuses,
            util::safe_text(fault.unknown_key));
        finding.fix = nearest ? fmt::format("write {} (keys are read in any case), or remove the line", *nearest)
                              : std::string("correct the key as slurm.conf(5) spells it, or remove the line");
        if (nearest && fault.rest.empty()) finding.paste = util::safe_text(corrected(fault, *nearest));
        return finding;
    }
    const bool second_setting = fault.kind == slurm::ConfLineKind::global && fault.rest.size() < fault.line.size() &&
                                fault.rest.find('=') != std::string::npos;
    finding.what = fmt::format(
        "{}: Slurm cannot read {} as Key=Value{}: {} (\"Parse error in file {} line {}\")", shown(fault.line),
        shown(fault.rest),
        second_setting ? " (a setting's line holds one setting; only NodeName, PartitionName, NodeSet, DownNodes "
                         "and FrontendName lines hold several)"
                       : "",
        refuses, fault.place.file.string(), fault.place.line);
    finding.fix = second_setting ? std::string("put each setting on a line of its own")
                                 : std::string("write it as Key=Value, or make it a comment with #");
    return finding;
}

}  // namespace slumber::service::doctor
