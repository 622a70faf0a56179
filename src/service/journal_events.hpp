// The journal's events for a reader (`slumber journal`, next the HTTP API
// and the dashboard): opened read-only, and found through a configuration
// file that does not load too, since the journal is where an admin learns
// why a reload was refused. journal_json.hpp writes their JSON.
#pragma once

#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "store/journal.hpp"

namespace slumber::service {

/// What a reader is told besides the events, in this order.
struct JournalNotes {
    /// When the file did not load but its state_dir could be made out
    /// (config::state_dir_of): its first error, and where the journal was
    /// read instead.
    struct Fallback {
        config::ConfigError error;
        std::filesystem::path state_dir;
    };
    std::optional<Fallback> fallback;
    std::optional<std::string> missing;  ///< store::JournalReader::missing(): no journal there yet
};

struct JournalEvents {
    std::vector<store::Event> events;  ///< oldest first
    JournalNotes notes;
};

struct JournalEventsError {
    /// The file does not load and names no state_dir: every problem.
    std::vector<config::ConfigError> config;
    /// Else why the journal could not be opened or read, in words.
    std::string words;
    JournalNotes notes;  ///< what was learned before it failed
    /// The nodes asked for that neither the file nor its journal knows (a
    /// usage error: words names them).
    bool unknown_nodes = false;
};

/// Of `names`, those that `config` (its nodes and devices; nullptr: a file
/// that does not load) does not name and `journal` has no row of: names a
/// reader must be told are unknown, rather than shown nothing (`slumber
/// journal`, `report`, the API's ?node=). A node removed from the file is
/// known by its journal. Errors: the journal's.
store::DbResult<std::vector<std::string>> unknown_names(const config::Config* config, const store::Journal& journal,
                                                        const std::vector<std::string>& names);

/// The events of `nodes` (every node's and the cluster's own when empty)
/// since `since` (Unix ms), from the journal of the configuration `file`,
/// which is loaded without credentials (reading needs no BMC password).
/// The journal is opened read-only: never made, migrated or locked here.
/// A node neither the file nor the journal knows is an error
/// (unknown_nodes).
std::expected<JournalEvents, JournalEventsError> journal_events(const std::filesystem::path& file,
                                                                const std::vector<std::string>& nodes,
                                                                store::TimeMs since);

}  // namespace slumber::service
