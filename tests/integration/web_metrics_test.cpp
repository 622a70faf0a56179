// The daemon's web server on the virtual cluster (real slurmctld, slurmd and
// ipmi_sim, slumber's hooks and daemon): /metrics scraped over HTTP passes
// Prometheus' own `promtool check metrics`, and its series follow a node as
// Slurm powers it down and a job wakes it; the JSON API answers with the
// schemas of --json and refuses what it must.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "test_cluster.hpp"

namespace slumber::testing {
namespace {

using std::chrono::seconds;

constexpr int kWebPort = 30290;

class WebMetrics : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        cluster = std::make_unique<TestCluster>(
            ClusterOptions{"web-metrics",
                           76,
                           30200,
                           {"--hooks", "slumber", "--daemon", "--web", std::to_string(kWebPort), "--suspend-time",
                            "10s", "--suspend-timeout", "5s", "--resume-timeout", "90s"},
                           2});
    }
    static void TearDownTestSuite() { cluster.reset(); }
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "the virtual cluster needs root";
        ASSERT_TRUE(cluster->ready()) << cluster->failure();
    }

    static httplib::Client client() {
        httplib::Client web("127.0.0.1", kWebPort);
        web.set_read_timeout(30, 0);
        return web;
    }
    static std::string metrics() {
        auto answer = client().Get("/metrics");
        return answer && answer->status == 200 ? answer->body : std::string();
    }
    static bool has_line(const std::string& page, const std::string& line) {
        return page.find("\n" + line + "\n") != std::string::npos;
    }
    static std::string series(const std::string& name, const std::string& node, const std::string& state, int value) {
        return fmt::format(R"({}{{node="{}",state="{}"}} {})", name, node, state, value);
    }
    static std::string token() {
        std::ifstream in(cluster->dir() + "/web.token");
        std::string text;
        in >> text;
        return text;
    }

    static inline std::unique_ptr<TestCluster> cluster;
};

TEST_F(WebMetrics, PromtoolAcceptsTheMetrics) {
    auto answer = client().Get("/metrics");
    ASSERT_TRUE(answer) << httplib::to_string(answer.error());
    ASSERT_EQ(answer->status, 200);
    EXPECT_EQ(answer->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    const std::string page = cluster->dir() + "/metrics.txt";
    std::ofstream(page, std::ios::trunc) << answer->body;
    auto checked = cluster->run({"sh", "-c", fmt::format("promtool check metrics < '{}' 2>&1", page)});
    EXPECT_TRUE(checked) << "promtool check metrics (Debian's prometheus package, scripts/setup): " << checked.error()
                         << "\n"
                         << answer->body;
    EXPECT_TRUE(has_line(answer->body, "slumber_slurm_up 1")) << answer->body;
    EXPECT_TRUE(has_line(answer->body, "slumber_journal_up 1")) << answer->body;
    EXPECT_TRUE(has_line(answer->body, fmt::format(R"(slumber_node_info{{node="{}",bmc="{}",driver="ipmi"}} 1)",
                                                   cluster->node(0), cluster->bmc(0))))
        << answer->body;
    EXPECT_EQ(answer->body.find(cluster->password()), std::string::npos) << "no secret in /metrics";
}

TEST_F(WebMetrics, SeriesFollowANodeDownAndUp) {
    const std::string node = cluster->node(0);
    // Idle, Slurm suspends it: slumber powers it off. The web server shows
    // only the daemon's own BMC reads, and none is due so soon after the
    // power-off: the BMC's power is not shown as on.
    ASSERT_TRUE(cluster->wait_for(
        [&] {
            const std::string page = metrics();
            return has_line(page, series("slumber_node_slurm_power_state", node, "powered_down", 1)) &&
                   page.find(R"(slumber_power_actions_total{action="off"} )") != std::string::npos &&
                   cluster->bmc_says(0, "off");
        },
        seconds{120}))
        << cluster->states() << "\n"
        << metrics();
    const std::string asleep = metrics();
    EXPECT_TRUE(has_line(asleep, series("slumber_node_slurm_power_state", node, "none", 0)));
    EXPECT_TRUE(has_line(asleep, series("slumber_node_bmc_power_state", node, "on", 0)));
    EXPECT_NE(asleep.find(R"(slumber_power_actions_total{action="off"} )"), std::string::npos) << asleep;

    // A job on it wakes it: on at the BMC, registered, and a boot measured.
    auto job =
        cluster->run({"sbatch", "--parsable", "--nodelist", node, "--output", "/dev/null", "--wrap", "srun /bin/true"});
    ASSERT_TRUE(job) << job.error();
    ASSERT_TRUE(cluster->wait_for(
        [&] {
            const std::string page = metrics();
            return has_line(page, series("slumber_node_slurm_power_state", node, "powered_down", 0)) &&
                   cluster->bmc_says(0, "on") &&
                   !has_line(page, series("slumber_node_bmc_power_state", node, "off", 1)) &&
                   page.find(fmt::format(R"(slumber_node_last_boot_duration_seconds{{node="{}"}} )", node)) !=
                       std::string::npos;
        },
        seconds{150}))
        << cluster->states() << "\n"
        << metrics();
    const std::string awake = metrics();
    EXPECT_NE(awake.find(R"(slumber_power_actions_total{action="on"} )"), std::string::npos) << awake;
    EXPECT_EQ(awake.find("slumber_boot_duration_seconds_count 0\n"), std::string::npos) << awake;
}

TEST_F(WebMetrics, TheJsonApiAndItsRefusals) {
    auto web = client();
    auto nodes = web.Get("/api/nodes");
    ASSERT_TRUE(nodes && nodes->status == 200);
    const auto list = nlohmann::json::parse(nodes->body, nullptr, false);
    ASSERT_TRUE(list.is_array()) << nodes->body;
    EXPECT_EQ(list.size(), 2U) << nodes->body;
    EXPECT_EQ(list.front().value("node", ""), cluster->node(0));
    auto events = web.Get("/api/events?since=1h");
    ASSERT_TRUE(events && events->status == 200);
    EXPECT_NE(events->body.find("daemon-start"), std::string::npos) << events->body;
    EXPECT_EQ(web.Get("/api/events?since=yesterday")->status, 400);
    EXPECT_EQ(web.Get("/api/nodes?node=vnode[1")->status, 400);
    EXPECT_EQ(web.Get("/nothing-here")->status, 404);

    const std::string path = fmt::format("/api/nodes/{}/power", cluster->node(1));
    EXPECT_EQ(web.Post(path, R"({"action":"off"})", "application/json")->status, 401) << "no token";
    httplib::Headers wrong{{"Authorization", "Bearer not-the-token"}};
    EXPECT_EQ(web.Post(path, wrong, R"({"action":"off"})", "application/json")->status, 403);
    httplib::Headers right{{"Authorization", "Bearer " + token()}};
    EXPECT_EQ(web.Post(path, right, R"({"action":"reboot"})", "application/json")->status, 400);
    EXPECT_EQ(web.Post("/api/nodes/nosuchnode/power", right, R"({"action":"on"})", "application/json")->status, 404);
    // A job holds the node: no action on it.
    auto job = cluster->run(
        {"sbatch", "--parsable", "--nodelist", cluster->node(1), "--output", "/dev/null", "--wrap", "sleep 300"});
    ASSERT_TRUE(job) << job.error();
    const std::string id = job->substr(0, job->find_first_of(";\n"));
    ASSERT_TRUE(cluster->wait_for([&] { return cluster->job_state(id) == "RUNNING"; }, seconds{150}))
        << cluster->job_state(id) << "; " << cluster->states();
    auto refused = web.Post(path, right, R"({"action":"off"})", "application/json");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 409) << refused->body;
    EXPECT_TRUE(cluster->bmc_says(1, "on"));
    (void)cluster->run({"scancel", id});
    for (const auto& answer : {nodes->body, events->body, refused->body}) {
        EXPECT_EQ(answer.find(cluster->password()), std::string::npos) << "no secret in an answer";
        EXPECT_EQ(answer.find(token()), std::string::npos) << "no token in an answer";
    }
}

}  // namespace
}  // namespace slumber::testing
