// The daemon's web server on the virtual cluster (real slurmctld, slurmd and
// ipmi_sim, slumber's hooks and daemon): /metrics scraped over HTTP passes
// Prometheus' own `promtool check metrics`, and its series follow a node as
// Slurm powers it down and a job wakes it; the JSON API answers with the
// schemas of --json and refuses what it must.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fmt/format.h>
#include <algorithm>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include <csignal>
#include <filesystem>

#include "store/journal.hpp"
#include "test_cluster.hpp"
#include "vcluster/process.hpp"

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
    // A node name that is neither configured nor journaled is refused,
    // named, as `slumber status` and `slumber journal` refuse it.
    for (const std::string request : {"/api/nodes?node=nosuch", "/api/events?node=nosuch"}) {
        auto unknown = web.Get(request);
        ASSERT_TRUE(unknown) << request;
        EXPECT_EQ(unknown->status, 404) << request;
        EXPECT_NE(unknown->body.find("nosuch"), std::string::npos) << unknown->body;
    }
    // The read pages take GET: another method is 405 with what is allowed.
    auto posted = web.Post("/metrics", "", "text/plain");
    ASSERT_TRUE(posted);
    EXPECT_EQ(posted->status, 405) << posted->body;
    EXPECT_EQ(posted->get_header_value("Allow"), "GET, HEAD, OPTIONS");
    auto options = web.Options("/api/nodes");
    ASSERT_TRUE(options);
    EXPECT_EQ(options->status, 204);
    EXPECT_EQ(options->get_header_value("Allow"), "GET, HEAD, OPTIONS");

    const std::string path = fmt::format("/api/nodes/{}/power", cluster->node(1));
    EXPECT_EQ(web.Post(path, R"({"action":"off"})", "application/json")->status, 401) << "no token";
    httplib::Headers wrong{{"Authorization", "Bearer not-the-token"}};
    EXPECT_EQ(web.Post(path, wrong, R"({"action":"off"})", "application/json")->status, 403);
    httplib::Headers right{{"Authorization", "Bearer " + token()}};
    EXPECT_EQ(web.Post(path, right, R"({"action":"reboot"})", "application/json")->status, 400);
    httplib::Headers lower{{"Authorization", "bearer  " + token()}};
    EXPECT_EQ(web.Post(path, lower, R"({"action":"reboot"})", "application/json")->status, 400)
        << "the scheme's name is case-insensitive (RFC 9110), spaces may follow it";
    EXPECT_EQ(web.Post("/api/nodes/nosuchnode/power", right, R"({"action":"on"})", "application/json")->status, 404);
    auto got = web.Get(path);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->status, 405) << "an action, asked with GET";
    EXPECT_EQ(got->get_header_value("Allow"), "POST");
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
    // `slumber power off` refuses it too, says why, exits 1, and the job lives on.
    const std::string config = cluster->dir() + "/slumber.toml";
    for (const char* action : {"off", "cycle"}) {
        const auto by_hand = cluster->slumber({"power", action, cluster->node(1), "-c", config});
        ASSERT_FALSE(by_hand) << "slumber power " << action << " of a node running a job: " << *by_hand;
        EXPECT_TRUE(by_hand.error().starts_with(cluster->node(1) + ": refused: Slurm shows it running a job ("))
            << action << ": " << by_hand.error();
    }
    EXPECT_TRUE(cluster->bmc_says(1, "on"));
    EXPECT_EQ(cluster->job_state(id), "RUNNING");
    (void)cluster->run({"scancel", id});

    // Idle again: the API's power-off is asked of Slurm, which powers the
    // node down through slumber's suspend hook (idle~), and the journal
    // calls it slumber's power-off, not a power lost behind its back.
    ASSERT_TRUE(cluster->wait_for([&] { return cluster->state(1) == "idle"; }, seconds{60})) << cluster->states();
    const auto asked_at =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    auto off = web.Post(path, right, R"({"action":"off"})", "application/json");
    ASSERT_TRUE(off);
    EXPECT_EQ(off->status, 202) << off->body;
    // State=POWER_DOWN before Slurm 24.05, `scontrol power down` from it.
    EXPECT_TRUE(off->body.find("POWER_DOWN") != std::string::npos ||
                off->body.find("scontrol power down") != std::string::npos)
        << off->body;
    EXPECT_TRUE(
        cluster->wait_for([&] { return cluster->state(1) == "idle~" && cluster->bmc_says(1, "off"); }, seconds{60}))
        << cluster->states();
    // Past a daemon pass or two that reads the silent node's BMC.
    std::this_thread::sleep_for(seconds{8});
    auto journal = store::Journal::open(cluster->dir() + "/slumber-state/journal.db");
    ASSERT_TRUE(journal) << journal.error();
    const std::vector<std::string> node{cluster->node(1)};
    const auto requests = journal->requests(node, asked_at);
    ASSERT_TRUE(requests) << requests.error();
    EXPECT_TRUE(std::any_of(requests->begin(), requests->end(), [](const store::Request& request) {
        return request.action == power::Action::off && request.source == store::RequestSource::slurm_suspend &&
               request.state == store::RequestState::done;
    })) << "the suspend hook journaled and carried out the power-off";
    const auto journaled = journal->events(node, asked_at);
    ASSERT_TRUE(journaled) << journaled.error();
    for (const store::Event& event : *journaled) {
        EXPECT_NE(event.kind, store::EventKind::power_lost) << event.detail;
    }
    for (const auto& answer : {nodes->body, events->body, refused->body}) {
        EXPECT_EQ(answer.find(cluster->password()), std::string::npos) << "no secret in an answer";
        EXPECT_EQ(answer.find(token()), std::string::npos) << "no token in an answer";
    }
}

// A node's energy over [since, until), worked out here from the journal's
// rows and the model figures, without slumber's engine: the phases from the
// events as docs/energy.md describes them; between two readings at most
// `gap` apart, a line when both were taken in the phase of the stretch,
// the one reading held up to the phase change when only one was, the model
// when neither was; the model elsewhere. The model learns from the
// readings: a phase is charged [simulate]'s figure (`simulated`) until the
// node's first reading in that phase and the mean of its readings from
// there; the span is cut at each phase's first reading, and each part is
// charged at the means of the readings taken before the part's end.
// `readings` are all of the node's, from the journal's start.
struct ByHand {
    std::map<std::string, double> phase_ms;
    double joules = 0, measured_joules = 0, never_off_joules = 0;
    std::map<std::string, std::pair<double, int>> readings;  ///< phase -> (sum of watts, readings) taken in it
};

// A request refused, or whose call could not be made (a `failed` event),
// changes nothing: as if it had never been asked (docs/slurm.md, "Power
// phase"). A refusal of no journaled request changes nothing either.
bool not_carried_out(const store::Event& event) {
    using store::EventKind;
    return event.kind == EventKind::refused || event.kind == EventKind::failed ||
           (event.outcome == store::OutcomeKind::refused && event.kind != EventKind::requested);
}

std::optional<std::string> phase_after(const store::Event& event, const std::optional<std::string>& now) {
    using store::EventKind;
    const bool on = event.action == power::Action::on || event.action == power::Action::cycle;
    const bool off = event.action == power::Action::off || event.action == power::Action::soft;
    const auto carried = [&](std::string worked) -> std::optional<std::string> {
        if (event.outcome == store::OutcomeKind::error) return "failed";
        return worked;
    };
    switch (event.kind) {
        case EventKind::requested:
            if (event.action == power::Action::on && (now == "booting" || now == "up")) return now;
            if (off && now == "off") return now;
            return on ? "powering-on" : off ? "powering-off" : now;
        case EventKind::power_on:
        case EventKind::power_cycle:
            return carried("booting");
        case EventKind::power_off:
        case EventKind::shutdown:
            return carried("off");
        case EventKind::resume_failed:
            return "failed";
        case EventKind::registered:
            return "up";
        case EventKind::power_lost:
            return "off";
        case EventKind::first_seen:
            return on ? "up" : off ? "off" : now;
        default:
            return now;
    }
}

ByHand energy_by_hand(const std::vector<store::Event>& events, const std::vector<store::Reading>& readings,
                      const nlohmann::json& simulated, store::TimeMs since, store::TimeMs until, store::TimeMs gap) {
    std::set<std::int64_t> withdrawn;
    for (const store::Event& event : events) {
        if (event.request && not_carried_out(event)) withdrawn.insert(*event.request);
    }
    std::vector<std::pair<store::TimeMs, std::string>> changes;
    std::optional<std::string> now;
    for (const store::Event& event : events) {
        if (not_carried_out(event) || (event.request && withdrawn.contains(*event.request))) continue;
        auto next = phase_after(event, now);
        if (next && next != now) changes.emplace_back(event.time, *next);
        now = next;
    }
    const auto phase_at = [&](store::TimeMs t) -> std::string {
        std::string phase = "unknown";
        for (const auto& [at, name] : changes) {
            if (at <= t) phase = name;
        }
        return phase;
    };
    // The phase a reading teaches its draw: none for one taken within 5 s
    // of a switch-off (a BMC's reading is an average of the seconds
    // before: engine::kOffSettleMs).
    const auto teaches = [&](store::TimeMs t) -> std::string {
        std::string phase = "unknown";
        store::TimeMs since_change = 0;
        for (const auto& [at, name] : changes) {
            if (at <= t) {
                phase = name;
                since_change = at;
            }
        }
        return phase == "off" && t - since_change < 5000 ? "settling" : phase;
    };
    ByHand out;
    std::vector<std::pair<store::TimeMs, double>> samples;
    for (const store::Reading& reading : readings) {
        if (!reading.watts) continue;
        samples.emplace_back(reading.time, *reading.watts);
        if (reading.time >= until) continue;
        auto& [sum, count] = out.readings[teaches(reading.time)];
        sum += *reading.watts;
        ++count;
    }
    // Where the model learnt something: each phase's first reading in the
    // span, if it had none before.
    std::set<store::TimeMs> learnt{until};
    std::set<std::string> known;
    for (const auto& [at, _] : samples) {
        const std::string phase = teaches(at);
        if (at >= until || phase == "unknown" || phase == "settling" || !known.insert(phase).second) continue;
        if (at > since) learnt.insert(at);
    }
    // A phase's figure over a part of the span that ends at `end`: the mean
    // of its readings before `end`, or [simulate]'s. Powering on draws what
    // off does, failed what up does (docs/energy.md).
    const auto figure = [&](const std::string& phase, store::TimeMs end) {
        if (phase == "unknown") return 0.0;  // before any row: only readings count
        const std::map<std::string, std::pair<std::string, std::string>> source{
            {"off", {"off", "off_watts"}},          {"powering-on", {"off", "off_watts"}},
            {"booting", {"booting", "boot_watts"}}, {"powering-off", {"powering-off", "shutdown_watts"}},
            {"up", {"up", "idle_watts"}},           {"failed", {"up", "idle_watts"}}};
        const auto& [taught_by, name] = source.at(phase);
        double sum = 0;
        int count = 0;
        for (const auto& [at, watts] : samples) {
            if (at < end && teaches(at) == taught_by) {
                sum += watts;
                ++count;
            }
        }
        return count > 0 ? sum / count : simulated[name].get<double>();
    };
    std::set<store::TimeMs> cuts{since, until};
    for (const auto& change : changes) {
        if (change.first > since && change.first < until) cuts.insert(change.first);
    }
    for (const auto& sample : samples) {
        if (sample.first > since && sample.first < until) cuts.insert(sample.first);
    }
    // The stretch of one phase that holds t: from the change that began it
    // to the next one (the journal's ends are open).
    const auto stretch_of = [&](store::TimeMs t) {
        std::pair<store::TimeMs, store::TimeMs> stretch{std::numeric_limits<store::TimeMs>::min(),
                                                        std::numeric_limits<store::TimeMs>::max()};
        for (const auto& change : changes) {
            if (change.first <= t) stretch.first = change.first;
            if (change.first > t) {
                stretch.second = change.first;
                break;
            }
        }
        return stretch;
    };
    for (auto it = cuts.begin(); std::next(it) != cuts.end(); ++it) {
        const store::TimeMs a = *it, b = *std::next(it);
        const std::string phase = phase_at(a);
        const auto [stretch_start, stretch_end] = stretch_of(a);
        const double span_s = static_cast<double>(b - a) / 1000;
        const store::TimeMs part_end = *learnt.upper_bound(a);
        out.phase_ms[phase] += static_cast<double>(b - a);
        // The readings on either side of [a, b), if close enough to measure it.
        const auto after = std::find_if(samples.begin(), samples.end(), [&](const auto& s) { return s.first >= b; });
        double used = figure(phase, part_end) * span_s;
        if (after != samples.end() && after != samples.begin()) {
            const auto& [t0, w0] = *std::prev(after);
            const auto& [t1, w1] = *after;
            const bool first_here = t0 >= stretch_start;
            const bool second_here = t1 < stretch_end;
            if (t0 <= a && t1 - t0 <= gap && (first_here || second_here)) {
                const auto at = [&](store::TimeMs t) {
                    if (!second_here) return w0;
                    if (!first_here) return w1;
                    return t1 == t0 ? w0 : w0 + (w1 - w0) * static_cast<double>(t - t0) / static_cast<double>(t1 - t0);
                };
                used = (at(a) + at(b)) / 2 * span_s;
                out.measured_joules += used;
            }
        }
        out.joules += used;
        const bool asleep = phase == "off" || phase == "powering-on" || phase == "booting" || phase == "powering-off";
        out.never_off_joules += asleep ? figure("up", part_end) * span_s : used;
    }
    return out;
}

// The daemon samples the BMCs' power sensors: /metrics shows each node's
// draw and its energy counters, and `slumber report` over the cluster's
// life agrees with the journal's phases, its readings and the model,
// worked out here by hand.
TEST_F(WebMetrics, EnergyIsSampledAndTheReportAgreesWithTheJournal) {
    const auto counted = [](const std::string& page, const std::string& node) {
        const std::string key = fmt::format(R"(slumber_node_energy_joules_total{{node="{}"}} )", node);
        const auto at = page.find("\n" + key);
        return at != std::string::npos && std::stod(page.substr(at + 1 + key.size())) > 0;
    };
    auto journal = store::Journal::open(cluster->dir() + "/slumber-state/journal.db");
    ASSERT_TRUE(journal) << journal.error();
    // Two rounds (a minute apart, the first as the daemon started) measure
    // the time between them.
    const auto sampled_twice = [&](const std::string& node) {
        const std::vector<std::string> one{node};
        return journal->readings(one, 0, std::numeric_limits<store::TimeMs>::max())
                   .value_or(std::vector<store::Reading>{})
                   .size() >= 2;
    };
    // A round after the suite's last switch of a node (the API's power-off
    // above) reads its state again: "unknown" until then.
    const auto read_since_switched = [&](const std::string& page, int i) {
        return !has_line(page, series("slumber_node_bmc_power_state", cluster->node(i), "unknown", 1));
    };
    ASSERT_TRUE(cluster->wait_for(
        [&] {
            const std::string page = metrics();
            return sampled_twice(cluster->node(0)) && sampled_twice(cluster->node(1)) &&
                   counted(page, cluster->node(0)) && counted(page, cluster->node(1)) && read_since_switched(page, 0) &&
                   read_since_switched(page, 1);
        },
        seconds{150}))
        << metrics();
    const std::string page = metrics();
    for (int i = 0; i < 2; ++i) {
        EXPECT_NE(page.find(fmt::format(R"(slumber_node_power_watts{{node="{}"}} )", cluster->node(i))),
                  std::string::npos)
            << page;
        // The rounds read each node's power too: known, not "unknown", while
        // nothing switches it. Read again until the page and the BMC agree:
        // Slurm may suspend an idle node between the two reads (a failure
        // in CI's 24.11 run on a loaded machine).
        EXPECT_TRUE(cluster->wait_for(
            [&] {
                const std::string power = cluster->bmc_says(i, "on") ? "on" : "off";
                return has_line(metrics(), series("slumber_node_bmc_power_state", cluster->node(i), power, 1));
            },
            seconds{60}))
            << metrics();
    }

    auto text = cluster->slumber({"report", "--json", "--since", "30m", "-c", cluster->dir() + "/slumber.toml"});
    ASSERT_TRUE(text) << text.error();
    const auto report = nlohmann::json::parse(*text, nullptr, false);
    ASSERT_TRUE(report.is_object()) << *text;
    const store::TimeMs since = report["since_ms"], until = report["until_ms"];
    constexpr store::TimeMs kGap = 3 * 60'000;  // three [energy] intervals of 1 min
    for (const auto& node : report["nodes"]) {
        const std::string name = node["node"];
        SCOPED_TRACE(name);
        const std::vector<std::string> one{name};
        const auto events = journal->events(one, 0);
        const auto readings = journal->readings(one, 0, until + kGap);
        ASSERT_TRUE(events && readings);
        ASSERT_GE(readings->size(), 2U) << "sampled once a minute";
        const ByHand hand = energy_by_hand(*events, *readings, report["model"], since, until, kGap);
        // The node's model: [simulate]'s figures, or the mean of the
        // readings taken in a phase once there is one.
        for (const auto& [figure, phase] : std::map<std::string, std::string>{{"off_watts", "off"},
                                                                              {"idle_watts", "up"},
                                                                              {"boot_watts", "booting"},
                                                                              {"shutdown_watts", "powering-off"}}) {
            const auto it = hand.readings.find(phase);
            const double expected = it != hand.readings.end() && it->second.second >= 1
                                        ? it->second.first / it->second.second
                                        : report["model"][figure].get<double>();
            EXPECT_NEAR(node["model"][figure].get<double>(), expected, 1e-9) << figure;
        }
        for (const auto& [phase, ms] : hand.phase_ms) {
            if (phase == "unknown") {
                EXPECT_NEAR(node["unknown_hours"].get<double>(), ms / 3.6e6, 1e-9);
            } else {
                EXPECT_NEAR(node["hours"][phase].get<double>(), ms / 3.6e6, 1e-9) << phase;
            }
        }
        EXPECT_NEAR(node["used_kwh"].get<double>(), hand.joules / 3.6e6, 1e-9);
        EXPECT_NEAR(node["measured_kwh"].get<double>(), hand.measured_joules / 3.6e6, 1e-9);
        EXPECT_NEAR(node["never_off_kwh"].get<double>(), hand.never_off_joules / 3.6e6, 1e-9);
        EXPECT_NEAR(node["saved_kwh"].get<double>(), (hand.never_off_joules - hand.joules) / 3.6e6, 1e-9);
        EXPECT_GT(hand.measured_joules, 0) << "the BMC's power sensor measured part of it";
    }
}

// The thermal guard end to end: the virtual room's air, which every BMC's
// inlet sensor reads, is heated past [thermal] limit; the daemon's sampling
// sees it, power-ons wait (the job's node stays off at its BMC), and once
// the room cools below the resume temperature the node boots and the job
// runs. Last in the suite: it changes the daemon's configuration, and puts
// it back.
TEST_F(WebMetrics, AHotRoomHoldsPowerOnsUntilItCools) {
    const std::string file = cluster->dir() + "/slumber.toml";
    std::string original;
    {
        std::ifstream in(file);
        original.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    const auto reload = [&](const std::string& text) {
        std::ofstream(file + ".new", std::ios::trunc) << text;
        std::filesystem::rename(file + ".new", file);
        auto daemon = vcluster::read_record(cluster->dir() + "/pids/slumberd");
        ASSERT_TRUE(daemon && vcluster::alive(*daemon)) << "the daemon runs";
        ASSERT_EQ(::kill(daemon->pid, SIGHUP), 0);
    };
    const auto thermal_events = [&](const std::string& text) {
        auto out = cluster->slumber({"journal", "--json", "--since", "1h", "-c", file});
        const auto all = nlohmann::json::parse(out.value_or("[]"), nullptr, false);
        int count = 0;
        for (const auto& event : all.is_array() ? all : nlohmann::json::array()) {
            count += event["kind"] == "thermal" && event["detail"].get<std::string>().find(text) != std::string::npos;
        }
        return count;
    };
    const std::string node = cluster->node(0);
    ASSERT_TRUE(
        cluster->wait_for([&] { return cluster->state(0) == "idle~" && cluster->bmc_says(0, "off"); }, seconds{150}))
        << cluster->states();

    ASSERT_TRUE(cluster->rig({"room", "--dir", cluster->dir(), "35"}));
    reload(original + "\n[energy]\ninterval = \"5s\"\n\n[thermal]\nlimit = 30\nresume = 27\n");
    ASSERT_TRUE(cluster->wait_for([&] { return thermal_events("at or above the thermal limit 30") >= 1; }, seconds{60}))
        << "the guard holds once a reading of the hot room is in";

    auto job =
        cluster->run({"sbatch", "--parsable", "--nodelist", node, "--output", "/dev/null", "--wrap", "srun /bin/true"});
    ASSERT_TRUE(job) << job.error();
    const std::string id = job->substr(0, job->find_first_of(";\n"));
    EXPECT_FALSE(cluster->wait_for([&] { return cluster->bmc_says(0, "on"); }, seconds{20}))
        << "powered on while the room was too hot";
    EXPECT_NE(cluster->job_state(id), "COMPLETED");
    // Monitoring and the dashboard see the hold.
    EXPECT_TRUE(has_line(metrics(), "slumber_thermal_hold 1")) << metrics();
    auto overview = client().Get("/api/overview");
    ASSERT_TRUE(overview && overview->status == 200);
    const auto shown = nlohmann::json::parse(overview->body, nullptr, false);
    ASSERT_TRUE(shown.is_object() && shown["thermal_hold"].is_string()) << overview->body;
    EXPECT_NE(shown["thermal_hold"].get<std::string>().find("thermal limit 30"), std::string::npos) << overview->body;

    ASSERT_TRUE(cluster->rig({"room", "--dir", cluster->dir(), "20"}));
    EXPECT_TRUE(cluster->wait_for([&] { return cluster->job_state(id) == "COMPLETED"; }, seconds{150}))
        << cluster->job_state(id) << "; " << cluster->states();
    EXPECT_EQ(thermal_events("power-ons go again"), 1);
    EXPECT_TRUE(cluster->wait_for([&] { return has_line(metrics(), "slumber_thermal_hold 0"); }, seconds{10}));
    EXPECT_EQ(thermal_events("at or above the thermal limit"), 1) << "one hold, journaled once";

    reload(original);
    ASSERT_TRUE(cluster->rig({"room", "--dir", cluster->dir(), "22"}));
}

}  // namespace
}  // namespace slumber::testing
