#include "service/journal_events.hpp"

namespace slumber::service {

std::expected<JournalEvents, JournalEventsError> journal_events(const std::filesystem::path& file,
                                                                const std::vector<std::string>& nodes,
                                                                store::TimeMs since) {
    JournalNotes notes;
    config::DaemonSettings settings;
    if (auto loaded = config::load(file, {.credentials = false})) {
        settings = loaded->daemon;
    } else if (auto state_dir = config::state_dir_of(file)) {
        notes.fallback = JournalNotes::Fallback{loaded.error().front(), *state_dir};
        settings.state_dir = *state_dir;
    } else {
        return std::unexpected(JournalEventsError{std::move(loaded.error()), {}, {}});
    }
    auto journal = store::JournalReader::open(settings.journal());
    if (!journal) return std::unexpected(JournalEventsError{{}, journal.error(), std::move(notes)});
    notes.missing = journal->missing();
    auto events = (*journal)->events(nodes, since);
    if (!events) return std::unexpected(JournalEventsError{{}, "journal: " + events.error(), std::move(notes)});
    return JournalEvents{std::move(*events), std::move(notes)};
}

}  // namespace slumber::service
