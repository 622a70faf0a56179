// What a reload of slumber.toml changes, in the words an admin edits it in:
// the daemon journals it, and refuses the changes it cannot apply while it
// runs (docs/config.md, "Reloading").
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace slumber::config {

struct ConfigChanges {
    std::vector<std::string> nodes_added;
    std::vector<std::string> nodes_removed;
    /// Same name, other driver, address, credentials (file or content),
    /// options or call policy.
    std::vector<std::string> nodes_changed;
    std::vector<std::string> devices_added;
    std::vector<std::string> devices_removed;
    std::vector<std::string> devices_changed;
    bool exclude_changed = false;
    std::string exclude_before;  ///< the expression as written; empty: none
    std::string exclude_after;
    /// Other settings that changed, each as "[daemon] max_booting 0 -> 2" or
    /// the section's name.
    std::vector<std::string> settings;
    /// Settings a running daemon cannot take: its journal, socket and lock
    /// ([daemon] state_dir) and its Slurm commands ([slurm] conf, bin_dir).
    std::vector<std::string> need_restart;

    [[nodiscard]] bool empty() const;
};

/// The differences from `before` to `after`, names in configuration order.
ConfigChanges diff(const Config& before, const Config& after);

/// One line for the journal: "nodes added vnode005; nodes removed
/// vnode[003-004]; exclude vnode001 (was none)"; "no change" when empty.
std::string describe(const ConfigChanges& changes);

}  // namespace slumber::config
