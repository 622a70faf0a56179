// `slumber simulate` end to end on a two-job trace whose figures are worked
// out by hand: one node, jobs of 100 s at 0 and at 1000, the published power
// model (idle 95 W, off 9.75 W, busy 190.7 W, boot 152 s / 19,030 J,
// shutdown 6 s / 620 J).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace {

struct Ran {
    int exit_code = -1;
    std::string out;
};

Ran simulate(const std::string& arguments) {
    Ran run;
    FILE* pipe = ::popen(fmt::format("{} simulate {} 2>&1", SLUMBER_BINARY, arguments).c_str(), "r");
    if (pipe == nullptr) return run;
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) run.out += buffer;
    const int status = ::pclose(pipe);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

class Simulate : public ::testing::Test {
  protected:
    void SetUp() override {
        dir = std::filesystem::temp_directory_path() / fmt::format("slumber-simulate-{}", ::getpid());
        std::filesystem::create_directories(dir);
        std::ofstream(dir / "two.swf") << "; MaxProcs: 1\n"
                                          "1 0 0 100 1 -1 -1 1 100 -1 1 1 1 -1 1 -1 -1 -1\n"
                                          "2 1000 0 100 1 -1 -1 1 100 -1 1 1 1 -1 1 -1 -1 -1\n";
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
    std::filesystem::path dir;
};

TEST_F(Simulate, ComparesAPolicyWithNeverAndTheOracle) {
    const Ran run = simulate(fmt::format("{} --policy suspend-time=300s --json", (dir / "two.swf").string()));
    ASSERT_EQ(run.exit_code, 0) << run.out;
    const auto report = nlohmann::json::parse(run.out);
    ASSERT_EQ(report.size(), 3U);
    const auto& never = report[0];
    const auto& policy = report[1];
    const auto& oracle = report[2];
    EXPECT_EQ(policy["policy"], "suspend-time=300s");
    // Both accounted until 1252, when the policy's second job ends (boot
    // 1000-1152, run 1152-1252). Never: busy 200 s, idle 1052 s:
    // 38,140 + 99,940 = 138,080 J.
    EXPECT_NEAR(never["energy_kwh"].get<double>(), 138'080 / 3.6e6, 1e-9);
    // The policy: busy 38,140; idle 300 s 28,500; shutdown 620; off 594 s
    // 5,791.5; boot 19,030: 92,081.5 J, so 45,998.5 J saved (33.31 %).
    EXPECT_NEAR(policy["energy_kwh"].get<double>(), 92'081.5 / 3.6e6, 1e-9);
    EXPECT_NEAR(policy["saved_percent"].get<double>(), 100 * 45'998.5 / 138'080, 1e-6);
    // The oracle sleeps through the one gap longer than the break-even
    // (212 s): 100-1000. 900 s x 95 = 85,500 J awake, against 19,650 J of
    // transitions and 742 s x 9.75 = 7,234.5 J off: 58,615.5 J saved.
    EXPECT_NEAR(oracle["saved_kwh"].get<double>(), 58'615.5 / 3.6e6, 1e-9);
    EXPECT_NEAR(policy["oracle_share_percent"].get<double>(), 100 * 45'998.5 / 58'615.5, 1e-6);
    // Waits 0 and 152 s: mean 76 s, all of it added; bounded slowdowns 1
    // and (152 + 100) / 100.
    EXPECT_DOUBLE_EQ(policy["mean_wait_s"].get<double>(), 76);
    EXPECT_DOUBLE_EQ(policy["added_delay_s"].get<double>(), 76);
    EXPECT_DOUBLE_EQ(policy["mean_bounded_slowdown"].get<double>(), (1 + 2.52) / 2);
    EXPECT_DOUBLE_EQ(policy["cycles_per_node"].get<double>(), 1);
    EXPECT_DOUBLE_EQ(policy["waited_for_boot_percent"].get<double>(), 50);
    EXPECT_DOUBLE_EQ(oracle["added_delay_s"].get<double>(), 0);
}

TEST_F(Simulate, ASweepAndATable) {
    const Ran run = simulate(fmt::format("{} --sweep suspend-time=1m,5m,1h", (dir / "two.swf").string()));
    ASSERT_EQ(run.exit_code, 0) << run.out;
    for (const char* policy : {"never", "suspend-time=1m", "suspend-time=5m", "suspend-time=1h", "oracle"}) {
        EXPECT_NE(run.out.find(fmt::format("\n{} ", policy)), std::string::npos) << policy << " in\n" << run.out;
    }
    EXPECT_NE(run.out.find("2 jobs on 1 nodes"), std::string::npos) << run.out;
}

TEST_F(Simulate, BadLinesAreNamedThenSkippedOrRefused) {
    std::ofstream(dir / "two.swf", std::ios::app) << "3 2000 0 100 x -1 -1 1 100 -1 1 1 1 -1 1 -1 -1 -1\n";
    const std::string file = (dir / "two.swf").string();
    const Ran skipped = simulate(file);
    EXPECT_EQ(skipped.exit_code, 0) << skipped.out;
    EXPECT_NE(skipped.out.find("two.swf:4: skipped: field 5 is \"x\", not a number"), std::string::npos) << skipped.out;
    const Ran refused = simulate(file + " --bad-lines refuse");
    EXPECT_NE(refused.exit_code, 0);
    EXPECT_NE(refused.out.find("two.swf:4: field 5"), std::string::npos) << refused.out;
    const Ran policy = simulate(file + " --policy suspend-time=soon");
    EXPECT_EQ(policy.exit_code, 2) << policy.out;
    EXPECT_NE(policy.out.find("suspend-time=soon"), std::string::npos) << policy.out;
}

TEST_F(Simulate, JobsLargerThanTheClusterAreSkippedOrRefusedLikeBadLines) {
    std::ofstream(dir / "big.swf") << "; MaxProcs: 8\n"
                                      "1 0 0 100 1 -1 -1 1 100 -1 1 1 1 -1 1 -1 -1 -1\n"
                                      "2 10 0 100 4 -1 -1 4 100 -1 1 1 1 -1 1 -1 -1 -1\n"
                                      "3 1000 0 100 1 -1 -1 1 100 -1 1 1 1 -1 1 -1 -1 -1\n";
    const std::string file = (dir / "big.swf").string();
    const Ran skipped = simulate(file + " --nodes 2 --json");
    ASSERT_EQ(skipped.exit_code, 0) << skipped.out;
    EXPECT_NE(skipped.out.find("big.swf:3: skipped: job 2 needs 4 nodes; the cluster has 2"), std::string::npos)
        << skipped.out;
    const Ran refused = simulate(file + " --nodes 2 --bad-lines refuse");
    EXPECT_NE(refused.exit_code, 0);
    EXPECT_NE(refused.out.find("big.swf:3: job 2 needs 4 nodes; the cluster has 2"), std::string::npos) << refused.out;
    // Sharing nodes of 2 cores, it fits.
    EXPECT_EQ(simulate(file + " --nodes 2 --cores-per-node 2 --allocation processors --bad-lines refuse").exit_code, 0);
}

TEST_F(Simulate, ASitesOwnHistoryFromSacct) {
    std::ofstream(dir / "sacct.txt")
        << "JobIDRaw|Submit|Start|End|NNodes|NCPUS|Timelimit|State\n"
           "1|2026-01-01T00:00:00|2026-01-01T00:00:00|2026-01-01T00:01:40|1|8|10|COMPLETED\n"
           "1.batch|2026-01-01T00:00:00|2026-01-01T00:00:00|2026-01-01T00:01:40|1|8||"
           "COMPLETED\n"
           "2|2026-01-01T00:16:40|2026-01-01T00:16:40|2026-01-01T00:18:20|1|8|10|COMPLETED\n";
    const std::string file = (dir / "sacct.txt").string();
    const Ran unsized = simulate(file);
    EXPECT_NE(unsized.exit_code, 0);
    EXPECT_NE(unsized.out.find("give --nodes"), std::string::npos) << unsized.out;
    // The same two jobs as two.swf (0 and 1000 s, 100 s each), one node.
    const Ran ran = simulate(file + " --nodes 1 --policy suspend-time=300s --json");
    ASSERT_EQ(ran.exit_code, 0) << ran.out;
    const auto report = nlohmann::json::parse(ran.out);
    EXPECT_NEAR(report[1]["energy_kwh"].get<double>(), 92'081.5 / 3.6e6, 1e-9);
}

TEST_F(Simulate, ReplicasAreJitteredAveragedAndTheSameEveryTime) {
    const std::string command =
        fmt::format("{} --policy suspend-time=300s --replicas 4 --jitter 60s", (dir / "two.swf").string());
    const Ran run = simulate(command + " --json");
    ASSERT_EQ(run.exit_code, 0) << run.out;
    const auto report = nlohmann::json::parse(run.out);
    EXPECT_EQ(report[1]["replicas"], 4);
    // Whatever the jitter, the second job arrives to a sleeping node and
    // waits for its 152 s boot: the same in every replica.
    EXPECT_DOUBLE_EQ(report[1]["mean_wait_s"].get<double>(), 76);
    EXPECT_DOUBLE_EQ(report[1]["bounded_slowdown_change_percent"].get<double>(), 100 * ((1 + 2.52) / 2 - 1));
    EXPECT_DOUBLE_EQ(report[1]["bounded_slowdown_change_sd"].get<double>(), 0);
    EXPECT_EQ(simulate(command + " --json").out, run.out) << "bit for bit";
    const Ran table = simulate(command);
    EXPECT_NE(table.out.find("means of 4 runs, submissions moved by up to 60s"), std::string::npos) << table.out;
    EXPECT_NE(table.out.find("+76.0±0.0%"), std::string::npos) << table.out;
}

TEST_F(Simulate, TheClusterOverTimeAsCsvAndAsAPlot) {
    const std::string csv = (dir / "series.csv").string();
    const std::string svg = (dir / "plot.svg").string();
    const std::string jobs = (dir / "jobs.csv").string();
    const Ran run =
        simulate(fmt::format("{} --policy suspend-time=300s --policy keep-warm=0,5m --every 100s "
                             "--csv {} --plot {} --jobs-csv {}",
                             (dir / "two.swf").string(), csv, svg, jobs));
    ASSERT_EQ(run.exit_code, 0) << run.out;
    // Each job under each policy: the second waits 152 s, all of it for the
    // boot, so its bounded slowdown is (152 + 100) / 100.
    std::ifstream job_rows(jobs);
    std::vector<std::string> placed;
    for (std::string line; std::getline(job_rows, line);) placed.push_back(line);
    ASSERT_EQ(placed.size(), 1 + 3 * 2U);
    EXPECT_EQ(placed[0], "policy,job,submit,start,wait,boot_wait,run,nodes,processors,bounded_slowdown");
    EXPECT_EQ(placed[2], "never,2,1000,1000,0,0,100,1,1,1.000");
    EXPECT_EQ(placed[4], "suspend-time=300s,2,1000,1152,152,152,100,1,1,2.520");
    std::ifstream in(csv);
    std::vector<std::string> rows;
    for (std::string line; std::getline(in, line);) rows.push_back(line);
    // A sample every 100 s from 0 to 1200 (the span ends at 1252) for each
    // of the three simulated runs; the oracle has no schedule of its own.
    ASSERT_EQ(rows.size(), 1 + 3 * 13U);
    EXPECT_EQ(rows[0], "policy,seconds,days,powered_on,off,booting,idle,allocated,busy,shutting_down,watts,kwh");
    EXPECT_EQ(rows[1], "never,0,0.0000,1,0,0,0,0,1,0,190.70,0.000000");
    // At 400 the node is shutting down (620 J over 6 s), having used busy
    // 19,070 + idle 28,500 = 47,570 J. At 500 it is off, having used
    // another 620 + 94 x 9.75 = 1,536.5 J. At 1100 it is booting for the
    // second job (19,030 J over 152 s), having been off until 1000 (another
    // 4,875 J) and booting for 100 s (12,519.7 J): 66,501.2 J in all.
    EXPECT_EQ(rows[14 + 4], "suspend-time=300s,400,0.0046,1,0,0,0,0,0,1,103.33,0.013214");
    EXPECT_EQ(rows[14 + 5], "suspend-time=300s,500,0.0058,0,1,0,0,0,0,0,9.75,0.013641");
    EXPECT_EQ(rows[14 + 11], "suspend-time=300s,1100,0.0127,1,0,1,0,0,0,0,125.20,0.018473");
    EXPECT_EQ(rows[27 + 5].substr(0, 21), "\"keep-warm=0,5m\",500,") << "quoted: it has a comma";

    // The plot is well-formed SVG that a real renderer draws: three lines
    // (powered-on nodes, power, energy saved) for each run.
    EXPECT_EQ(std::system(fmt::format("xmllint --noout {}", svg).c_str()), 0);
    EXPECT_EQ(std::system(fmt::format("rsvg-convert -o {}.png {}", svg, svg).c_str()), 0);
    EXPECT_GT(std::filesystem::file_size(svg + ".png"), 10'000U);
    std::ifstream plot(svg);
    const std::string text((std::istreambuf_iterator<char>(plot)), std::istreambuf_iterator<char>());
    int lines = 0;
    for (auto at = text.find("<polyline"); at != std::string::npos; at = text.find("<polyline", at + 1)) ++lines;
    EXPECT_EQ(lines, 9);
    EXPECT_NE(text.find(">suspend-time=300s<"), std::string::npos);
}

TEST_F(Simulate, TheClusterAndItsPowerFromTheConfiguration) {
    // One node drawing 100 W idle that boots in 100 s for 10,000 J. Never:
    // busy 200 s (38,140 J) and idle 1000 s (100,000 J) until 1200. The
    // policy: busy 38,140 + idle 300 s 30,000 + shutdown 620 + off 594 s
    // 5,791.5 + boot 10,000 = 84,551.5 J; the second job waits 100 s.
    std::ofstream(dir / "slumber.toml") << "[simulate]\n"
                                           "nodes = 1\n"
                                           "idle_watts = 100\n"
                                           "boot_time = \"100s\"\n"
                                           "boot_energy = 10000\n"
                                           "allocation = \"processors\"\n";
    const Ran run = simulate(fmt::format("{} --config {} --policy suspend-time=300s --json", (dir / "two.swf").string(),
                                         (dir / "slumber.toml").string()));
    ASSERT_EQ(run.exit_code, 0) << run.out;
    const auto report = nlohmann::json::parse(run.out);
    EXPECT_NEAR(report[0]["energy_kwh"].get<double>(), 138'140 / 3.6e6, 1e-9);
    EXPECT_NEAR(report[1]["energy_kwh"].get<double>(), 84'551.5 / 3.6e6, 1e-9);
    EXPECT_DOUBLE_EQ(report[1]["mean_wait_s"].get<double>(), 50);

    // The daemon's pacing applies: two jobs of 2 nodes on a cluster of 2,
    // both asleep at 1000 (SuspendTime 300 s); one boot at a time makes the
    // second job wait two boots (1000-1152-1304).
    std::ofstream(dir / "paced.swf") << "; MaxProcs: 2\n"
                                        "1 0 0 100 2 -1 -1 2 100 -1 1 1 1 -1 1 -1 -1 -1\n"
                                        "2 1000 0 100 2 -1 -1 2 100 -1 1 1 1 -1 1 -1 -1 -1\n";
    std::ofstream(dir / "slumber.toml") << "[daemon]\nmax_booting = 1\n";
    const Ran paced = simulate(fmt::format("{} --config {} --policy suspend-time=300s --json",
                                           (dir / "paced.swf").string(), (dir / "slumber.toml").string()));
    ASSERT_EQ(paced.exit_code, 0) << paced.out;
    EXPECT_DOUBLE_EQ(nlohmann::json::parse(paced.out)[1]["mean_wait_s"].get<double>(), 304 / 2.0);
    const Ran unpaced = simulate(fmt::format("{} --config {} --max-booting 0 --policy suspend-time=300s --json",
                                             (dir / "paced.swf").string(), (dir / "slumber.toml").string()));
    EXPECT_DOUBLE_EQ(nlohmann::json::parse(unpaced.out)[1]["mean_wait_s"].get<double>(), 152 / 2.0);

    std::ofstream(dir / "slumber.toml") << "[simulate]\n"
                                           "idle_wats = 100\n"
                                           "busy_watts = \"lots\"\n";
    const Ran wrong =
        simulate(fmt::format("{} --config {}", (dir / "two.swf").string(), (dir / "slumber.toml").string()));
    EXPECT_EQ(wrong.exit_code, 2) << wrong.out;
    EXPECT_NE(wrong.out.find("idle_wats"), std::string::npos) << wrong.out;
    EXPECT_NE(wrong.out.find("did you mean \"idle_watts\""), std::string::npos) << wrong.out;
    EXPECT_NE(wrong.out.find("slumber.toml:3"), std::string::npos) << wrong.out;
}

}  // namespace
