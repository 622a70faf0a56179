#include "web/metrics.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "web/collector.hpp"

namespace slumber::web {
namespace {

bool has_line(const std::string& page, const std::string& line) {
    return page.find("\n" + line + "\n") != std::string::npos;
}

service::NodeView node(std::string name, service::PowerReading::Kind kind, std::optional<power::PowerState> state,
                       std::vector<std::string> flags) {
    service::NodeView view;
    view.name = std::move(name);
    view.power.kind = kind;
    view.power.state = state;
    if (!flags.empty()) {
        slurm::NodeState slurm;
        slurm.name = view.name;
        slurm.base = "IDLE";
        slurm.flags = std::move(flags);
        view.slurm = slurm;
    }
    return view;
}

TEST(Metrics, OneSeriesPerStateWithTheCurrentOneAtOne) {
    MetricsSnapshot snapshot;
    snapshot.version = "1.2.3";
    snapshot.slurm_up = true;
    snapshot.nodes.nodes.push_back(
        node("n1", service::PowerReading::Kind::off, power::PowerState::off, {"POWERED_DOWN"}));
    snapshot.nodes.nodes.push_back(node("n2", service::PowerReading::Kind::error, std::nullopt, {"NOT_RESPONDING"}));
    snapshot.failed_resumes["n2"] = 2;
    const std::string page = render_metrics(snapshot);
    EXPECT_TRUE(has_line(page, R"(slumber_build_info{version="1.2.3"} 1)"));
    EXPECT_TRUE(has_line(page, "slumber_slurm_up 1"));
    EXPECT_TRUE(has_line(page, "slumber_journal_up 0"));
    EXPECT_TRUE(has_line(page, "slumber_thermal_hold 0"));
    snapshot.thermal_hold = "too warm";
    EXPECT_TRUE(has_line(render_metrics(snapshot), "slumber_thermal_hold 1"));
    EXPECT_TRUE(has_line(page, R"(slumber_node_bmc_power_state{node="n1",state="off"} 1)"));
    EXPECT_TRUE(has_line(page, R"(slumber_node_bmc_power_state{node="n1",state="on"} 0)"));
    EXPECT_TRUE(has_line(page, R"(slumber_node_bmc_power_state{node="n2",state="error"} 1)"));
    EXPECT_TRUE(has_line(page, R"(slumber_node_slurm_power_state{node="n1",state="powered_down"} 1)"));
    EXPECT_TRUE(has_line(page, R"(slumber_node_slurm_power_state{node="n1",state="none"} 0)"));
    EXPECT_TRUE(has_line(page, R"(slumber_node_slurm_power_state{node="n2",state="none"} 1)"));
    EXPECT_TRUE(has_line(page, R"(slumber_node_failed_resumes{node="n1"} 0)"));
    EXPECT_TRUE(has_line(page, R"(slumber_node_failed_resumes{node="n2"} 2)"));
}

TEST(Metrics, SlurmsPowerFlagsAsStates) {
    slurm::NodeState state;
    state.flags = {"POWER_DOWN", "POWERING_DOWN"};
    const auto states = slurm_power_states(state);
    ASSERT_EQ(states.size(), 6U);
    EXPECT_EQ(states[0], (std::pair<std::string_view, bool>{"powered_down", false}));
    EXPECT_EQ(states[2], (std::pair<std::string_view, bool>{"powering_down", true}));
    EXPECT_EQ(states[3], (std::pair<std::string_view, bool>{"power_down_requested", true}));
    EXPECT_EQ(states[4], (std::pair<std::string_view, bool>{"power_up_requested", false}));
    EXPECT_EQ(states[5], (std::pair<std::string_view, bool>{"none", false}));
    // A power-up queued: the node still shows POWERED_DOWN.
    state.flags = {"POWER_UP", "POWERED_DOWN"};
    const auto queued = slurm_power_states(state);
    EXPECT_TRUE(queued[0].second && queued[4].second && !queued[5].second);
}

TEST(Metrics, UntrustedNamesStayInsideTheirLabel) {
    MetricsSnapshot snapshot;
    snapshot.info.push_back({"evil\"} 1\nslumber_slurm_up 1", "10.0.0.1", "ipmi"});
    const std::string page = render_metrics(snapshot);
    EXPECT_TRUE(
        has_line(page, R"(slumber_node_info{node="evil\"} 1\\nslumber_slurm_up 1",bmc="10.0.0.1",driver="ipmi"} 1)"))
        << page;
    EXPECT_TRUE(has_line(page, "slumber_slurm_up 0"));
    EXPECT_FALSE(has_line(page, "slumber_slurm_up 1"));
}

TEST(Metrics, EnergySeriesCome) {
    MetricsSnapshot snapshot;
    snapshot.energy.push_back({"n1", 95.5, 3600, 7200, 250});
    snapshot.energy.push_back({"n2", std::nullopt, 10, 0});
    const std::string page = render_metrics(snapshot);
    EXPECT_TRUE(has_line(page, R"(slumber_node_power_watts{node="n1"} 95.5)"));
    EXPECT_EQ(page.find(R"(slumber_node_power_watts{node="n2"})"), std::string::npos) << "no reading, no sample";
    EXPECT_TRUE(has_line(page, R"(slumber_node_energy_joules_total{node="n2"} 10)"));
    EXPECT_TRUE(has_line(page, R"(slumber_node_energy_saved_joules_total{node="n1"} 7200)"));
    EXPECT_TRUE(has_line(page, R"(slumber_node_energy_switching_cost_joules_total{node="n1"} 250)"));
    EXPECT_TRUE(has_line(page, "# TYPE slumber_node_energy_switching_cost_joules_total counter"));
}

TEST(Metrics, ErrorKindFromAFailuresWords) {
    EXPECT_EQ(error_kind_in("on by the daemon for slurm: error: authentication failed: RAKP"), "auth_failed");
    EXPECT_EQ(error_kind_in("on by the daemon for slurm: error: no answer from the controller"), "unreachable");
    EXPECT_EQ(error_kind_in("something else"), "unknown");
}

class JournalCounts : public ::testing::Test {
  protected:
    void SetUp() override {
        m_dir = std::filesystem::temp_directory_path() /
                ("slumber-metrics-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(m_dir);
        auto opened = store::Journal::open(m_dir / "journal.db");
        ASSERT_TRUE(opened) << opened.error();
        m_journal.emplace(std::move(*opened));
    }
    void TearDown() override {
        m_journal.reset();
        std::filesystem::remove_all(m_dir);
    }
    void record(store::TimeMs time, store::EventKind kind, std::optional<power::Action> action,
                std::optional<store::OutcomeKind> outcome, std::string detail = "",
                std::optional<store::StepKind> step = std::nullopt) {
        ASSERT_TRUE(m_journal->record({0, time, "n1", std::nullopt, kind, std::move(detail), outcome, action, step}));
    }
    std::filesystem::path m_dir;
    std::optional<store::Journal> m_journal;
};

TEST_F(JournalCounts, CountsActionsFailuresAndStepsSinceTheStartOnce) {
    using store::EventKind;
    using store::OutcomeKind;
    record(500, EventKind::power_on, power::Action::on, OutcomeKind::ok);  // before the start: not counted
    JournalCounter counter(1000);
    record(1000, EventKind::power_on, power::Action::on, OutcomeKind::ok);
    record(1100, EventKind::power_on, power::Action::on, OutcomeKind::error,
           "on by the daemon for slurm: error: authentication failed");
    record(1200, EventKind::refused, power::Action::off, OutcomeKind::refused, "runs a job");
    record(1300, EventKind::recovery, std::nullopt, OutcomeKind::ok, "resume", store::StepKind::slurm_resume);
    record(1300, EventKind::requested, power::Action::on, std::nullopt);  // a request, not an action
    ASSERT_TRUE(counter.update(*m_journal));
    ASSERT_TRUE(counter.update(*m_journal)) << "a second look counts nothing twice";
    record(1400, EventKind::power_off, power::Action::off, OutcomeKind::ok);
    ASSERT_TRUE(m_journal->boot_started("n1", 2000));
    ASSERT_TRUE(m_journal->boot_registered("n1", 47000));
    ASSERT_TRUE(counter.update(*m_journal));
    const auto& counts = counter.counts();
    EXPECT_EQ(counts.actions.at("on"), 2);
    EXPECT_EQ(counts.actions.at("off"), 2);
    EXPECT_EQ((counts.action_failures.at({"on", "auth_failed"})), 1);
    EXPECT_EQ((counts.action_failures.at({"off", "refused"})), 1);
    EXPECT_EQ(counts.action_failures.size(), 2U);
    EXPECT_EQ(counts.steps.at("resume"), 1);
    EXPECT_TRUE(counts.step_failures.empty());
    EXPECT_EQ(counts.boot_seconds, std::vector<double>{45.0});
    EXPECT_EQ(counter.last_boots().at("n1"), 45.0);
}

}  // namespace
}  // namespace slumber::web
