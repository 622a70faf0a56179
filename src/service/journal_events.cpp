#include "service/journal_events.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "hostlist/hostlist.hpp"

namespace slumber::service {

store::DbResult<std::vector<std::string>> unknown_names(const config::Config* config, const store::Journal& journal,
                                                        const std::vector<std::string>& names) {
    std::vector<std::string> unknown;
    for (const std::string& name : names) {
        if (config != nullptr && config->find(name) != nullptr) continue;
        const std::vector<std::string> one{name};
        auto rows = journal.events(one, 0);
        if (!rows) return std::unexpected(rows.error());
        // events() gives the cluster's own rows (a daemon's start) too.
        if (std::ranges::none_of(*rows, [&](const store::Event& event) { return event.node == name; })) {
            unknown.push_back(name);
        }
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
