// The journal's vocabularies: each word stands for one value and reads back
// as it; the words are the journal's stored text and must not change.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "store/vocabulary.hpp"

namespace slumber::store {
namespace {

// Every value of an enum whose last value is `last` has a word of its own
// that `parse` reads back as that value.
template <typename Enum, typename Parse>
void expect_words_read_back(Enum last, Parse parse) {
    std::set<std::string_view> words;
    for (int i = 0; i <= static_cast<int>(last); ++i) {
        const auto value = static_cast<Enum>(i);
        const std::string_view word = to_string(value);
        EXPECT_NE(word, "?") << i;
        EXPECT_TRUE(words.insert(word).second) << word << " twice";
        EXPECT_EQ(parse(word), value) << word;
    }
}

TEST(VocabularyTest, EveryEventKindHasOneWordThatReadsBack) {
    expect_words_read_back(EventKind::unknown, event_kind_from);
    EXPECT_EQ(event_kind_from("no-such-kind"), std::nullopt);
}

TEST(VocabularyTest, EveryRequestSourceHasOneWordThatReadsBack) {
    expect_words_read_back(RequestSource::unknown, request_source_from);
    // A word this version does not know: one a newer version wrote, or
    // "cli", which only tests ever wrote.
    EXPECT_EQ(request_source_from("cli"), std::nullopt);
    EXPECT_EQ(request_source_from("Slurm-Resume"), std::nullopt);
    EXPECT_EQ(request_source_from(""), std::nullopt);
}

TEST(VocabularyTest, StoredWordsStayAsTheyWere) {
    // Journals already written hold these words (schema version 0).
    EXPECT_EQ(to_string(EventKind::resume_failed), "resume-failed");
    EXPECT_EQ(to_string(EventKind::power_lost), "power-lost");
    EXPECT_EQ(to_string(EventKind::slurm_view), "slurm-view");
    EXPECT_EQ(to_string(EventKind::reload_refused), "reload-refused");
    EXPECT_EQ(to_string(OutcomeKind::refused), "refused");
    std::string sources;
    for (int i = 0; i <= static_cast<int>(RequestSource::unknown); ++i) {
        sources += fmt::format("{} ", to_string(static_cast<RequestSource>(i)));
    }
    EXPECT_EQ(sources,
              "slurm-resume slurm-suspend slurm-reboot hand-resume hand-suspend recovery unblock slumber-power web-api "
              "unknown ");
}

TEST(VocabularyTest, ACarriedOutActionHasItsEvent) {
    EXPECT_EQ(event_kind(power::Action::on), EventKind::power_on);
    EXPECT_EQ(event_kind(power::Action::off), EventKind::power_off);
    EXPECT_EQ(event_kind(power::Action::soft), EventKind::shutdown);
    EXPECT_EQ(event_kind(power::Action::cycle), EventKind::power_cycle);
    EXPECT_EQ(event_kind(power::Action::status), EventKind::status);
}

TEST(VocabularyTest, OutcomesAndActionsReadBack) {
    for (const OutcomeKind kind : {OutcomeKind::ok, OutcomeKind::error, OutcomeKind::refused}) {
        EXPECT_EQ(outcome_kind_from(to_string(kind)), kind);
    }
    for (const power::Action action : power::kActions) EXPECT_EQ(power::action_from(power::to_string(action)), action);
    EXPECT_EQ(power::action_from("reboot"), std::nullopt);
    EXPECT_EQ(outcome_kind_from(""), std::nullopt);
}

}  // namespace
}  // namespace slumber::store
