#include "service/journal_events.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>

#include "hostlist/hostlist.hpp"

namespace slumber::service {

store::DbResult<std::vector<std::string>> unknown_names(const config::Config* config, const store::Journal& journal,
                                                        const std::vector<std::string>& names) {
    std::vector<std::string> unknown;
    // One pass over the journal for all of them, not one per name: a web
    // client's hostlist may name a hundred thousand.
    std::optional<std::set<std::string>> journaled;
    for (const std::string& name : names) {
        if (config != nullptr && config->find(name) != nullptr) continue;
        if (!journaled) {
            auto nodes = journal.nodes_in_events();
            if (!nodes) return std::unexpected(nodes.error());
            journaled = std::move(*nodes);
        }
        if (!journaled->contains(name)) unknown.push_back(name);
    }
    return unknown;
}

std::expected<JournalEvents, JournalEventsError> journal_events(const std::filesystem::path& file,
                                                                const std::vector<std::string>& nodes,
                                                                store::TimeMs since) {
    JournalNotes notes;
    config::DaemonSettings settings;
    std::optional<config::Config> config;
    if (auto loaded = config::load(file, {.credentials = false})) {
        settings = loaded->daemon;
        config = std::move(*loaded);
    } else if (auto state_dir = config::state_dir_of(file)) {
        notes.fallback = JournalNotes::Fallback{loaded.error().front(), *state_dir};
        settings.state_dir = *state_dir;
    } else {
        return std::unexpected(JournalEventsError{std::move(loaded.error()), {}, {}});
    }
    auto journal = store::JournalReader::open(settings.journal());
    if (!journal) return std::unexpected(JournalEventsError{{}, journal.error(), std::move(notes)});
    notes.missing = journal->missing();
    auto unknown = unknown_names(config ? &*config : nullptr, **journal, nodes);
    if (!unknown) return std::unexpected(JournalEventsError{{}, "journal: " + unknown.error(), std::move(notes)});
    if (!unknown->empty()) {
        return std::unexpected(JournalEventsError{
            {},
            fmt::format("{}: not in {} and never in its journal",
                        hostlist::compress(*unknown, false).value_or(unknown->front()), file.string()),
            std::move(notes),
            true});
    }
    auto events = (*journal)->events(nodes, since);
    if (!events) return std::unexpected(JournalEventsError{{}, "journal: " + events.error(), std::move(notes)});
    return JournalEvents{std::move(*events), std::move(notes)};
}

}  // namespace slumber::service
