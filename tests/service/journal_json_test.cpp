// The journal's events as JSON (`slumber journal --json`, the HTTP API):
// the same keys, with the optional ones only when the event has them.
#include "service/journal_json.hpp"

#include <gtest/gtest.h>

namespace slumber::service {
namespace {

TEST(JournalJson, AnEventWithEveryColumn) {
    store::Event event{.id = 7,
                       .time = 1'700'000'000'123,
                       .node = "n1",
                       .request = 42,
                       .kind = store::EventKind::power_on,
                       .detail = "on after 1 attempt(s)",
                       .outcome = store::OutcomeKind::ok,
                       .action = power::Action::on,
                       .step = store::StepKind::power_cycle};
    const nlohmann::json expected{
        {"time_ms", 1'700'000'000'123},      {"node", "n1"},    {"request", 42},  {"kind", "power-on"},
        {"detail", "on after 1 attempt(s)"}, {"outcome", "ok"}, {"action", "on"}, {"step", "power-cycle"}};
    EXPECT_EQ(to_json(event), expected);
}

TEST(JournalJson, TheClustersOwnEventHasANullRequestAndNoOptionalKeys) {
    const store::Event event{.id = 1,
                             .time = 5,
                             .node = "",
                             .request = std::nullopt,
                             .kind = store::EventKind::daemon_start,
                             .detail = "slumberd started"};
    const nlohmann::json json = to_json(event);
    EXPECT_EQ(json["node"], "");
    EXPECT_TRUE(json["request"].is_null());
    EXPECT_EQ(json["kind"], "daemon-start");
    EXPECT_FALSE(json.contains("outcome"));
    EXPECT_FALSE(json.contains("action"));
    EXPECT_FALSE(json.contains("step"));
}

}  // namespace
}  // namespace slumber::service
