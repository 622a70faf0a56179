// Crossed BMC addresses the daemon saw from behaviour (operate/crossed_watch.hpp):
// read from the journal's blocks, so said with --no-contact too, and whether
// or not Slurm answers.
#include <fmt/format.h>

#include <map>

#include "service/doctor_checks.hpp"
#include "store/journal.hpp"
#include "util/safe_text.hpp"

namespace slumber::service::doctor {

void check_crossed(const Setup& setup, Findings& out) {
    if (setup.journal_unreadable) return;  // a not-checked finding says so
    auto journal = store::JournalReader::open(setup.config.daemon.journal());
    if (!journal) return;
    const auto blocks = (*journal)->blocks();
    if (!blocks) return;
    std::map<std::string, std::size_t> said;  // a pair's words -> its finding in `out`
    for (const store::Block& block : *blocks) {
        if (block.kind != power::ErrorKind::crossed) continue;
        // Both nodes of a pair carry the same words: one finding per pair.
        if (const auto partner = said.find(block.words); partner != said.end()) {
            out[partner->second].nodes.push_back(block.target);
            continue;
        }
        said.emplace(block.words, out.size());
        const config::PowerTarget* target = setup.config.find(block.target);
        out.push_back({Check::crossed_suspected,
                       fmt::format("{} saw it: {}", block.source.empty() ? "the daemon" : util::safe_text(block.source),
                                   util::safe_text(block.words)),
                       setup.config_file,
                       target != nullptr ? target->line : 0,
                       "check which machine each of these BMC addresses drives (`slumber power info` shows each "
                       "BMC's GUID, even while blocked; compare it with each machine's own SMBIOS UUID), correct "
                       "them in slumber.toml, have the daemon load it (`systemctl reload slumberd`), then `slumber "
                       "unblock` both, which also returns them to service in Slurm: until then slumber does "
                       "nothing to either node by itself, a new credentials file does not lift it, and the daemon "
                       "drains both again after an `scontrol update state=resume`. When each GUID is its own "
                       "machine's, it was a coincidence (a failed boot beside a node that woke or crashed by "
                       "itself): leave the addresses as they are and `slumber unblock` both",
                       "",
                       {block.target}});
    }
}

}  // namespace slumber::service::doctor
