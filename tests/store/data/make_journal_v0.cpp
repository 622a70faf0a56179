// Makes journal-v0.db, the fixture of journal_migration_test.cpp: a journal
// as slumber wrote it before schema versions (main at 455ab64), through that
// version's own store::Journal, and prints what its recovery queries found,
// which the migrated journal must still find. Not built with the project (it
// needs the old API); rebuilt by hand, from a checkout of that commit:
//   g++ -std=c++23 -Isrc make_journal_v0.cpp src/store/{journal,sqlite,sharing}.cpp \
//     src/util/safe_text.cpp src/power/{result,executor}.cpp <util library> -lfmt -lsqlite3
#include <fmt/format.h>

#include <string>
#include <vector>

#include "store/journal.hpp"

using namespace slumber;
using store::Event;

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    auto journal = store::Journal::open(argv[1]);
    if (!journal) return 1;
    auto& j = *journal;
    const std::vector<std::string> n1{"n1"}, n2{"n2"}, n3{"n3"}, n4{"n4"}, n5{"n5"};
    (void)j.record({0, 100, "", std::nullopt, "daemon-start", "slumberd started (pid 42)"});
    // n1: a resume that worked and registered; a power-off that failed at
    // its BMC, then one refused (not counted as a failed off).
    (void)j.add_requests(n1, power::Action::on, "slurm-resume", 1000);
    auto taken = j.take_pending();
    if (!taken || taken->empty()) return 3;
    (void)j.finish_all(
        std::vector<store::Finished>{{(*taken)[0].id, true, "on",
                                      Event{0, 1030, "n1", (*taken)[0].id, "power-on",
                                            "on by the daemon for slurm-resume: on after 1 attempt(s), 30 ms"},
                                      1000}});
    (void)j.boot_registered("n1", 61000);
    (void)j.record({0, 61000, "n1", std::nullopt, "registered", "slurmd registered 60.0 s after power-on (idle)"});
    (void)j.add_requests(n1, power::Action::off, "slurm-suspend", 5000000);
    taken = j.take_pending();
    if (!taken || taken->empty()) return fmt::print("nothing taken at line {}\n", __LINE__), 3;
    (void)j.finish_with(
        (*taken)[0].id, false, "error: no answer from the controller",
        {0, 5000100, "n1", (*taken)[0].id, "power-off",
         "off by the daemon for slurm-suspend: error: no answer from the controller after 3 attempt(s), "
         "9000 ms"});
    (void)j.add_requests(n1, power::Action::soft, "slurm-suspend", 5100000);
    taken = j.take_pending();
    if (!taken || taken->empty()) return fmt::print("nothing taken at line {}\n", __LINE__), 3;
    (void)j.finish_with((*taken)[0].id, false, "refused: no driver for n1",
                        {0, 5100010, "n1", (*taken)[0].id, "refused", "soft refused by the daemon: no driver for n1"});
    // n2: registered once, then a power-on that failed and a resume Slurm gave up on.
    (void)j.record({0, 500, "n2", std::nullopt, "registered", "slurmd registered 50.0 s after power-on (idle)"});
    (void)j.add_requests(n2, power::Action::on, "slurm-resume", 2000);
    taken = j.take_pending();
    if (!taken || taken->empty()) return fmt::print("nothing taken at line {}\n", __LINE__), 3;
    (void)j.finish_with((*taken)[0].id, false, "error: authentication failed: bad password",
                        {0, 2100, "n2", (*taken)[0].id, "power-on",
                         "on by the daemon for slurm-resume: error: authentication failed: bad password after 1 "
                         "attempt(s), 100 ms"});
    (void)j.record({0, 400000, "n2", std::nullopt, "resume-failed", "ResumeFailProgram: n2"});
    (void)j.add_requests(n2, power::Action::cycle, "recovery", 410000, "boot failed");
    taken = j.take_pending();
    if (!taken || taken->empty()) return fmt::print("nothing taken at line {}\n", __LINE__), 3;
    (void)j.finish_all(
        std::vector<store::Finished>{{(*taken)[0].id, true, "on",
                                      Event{0, 411000, "n2", (*taken)[0].id, "power-cycle",
                                            "cycle by the daemon for recovery: on after 1 attempt(s), 1000 ms"},
                                      410000}});
    // n3: power lost twice, drained for it.
    (void)j.record({0, 7000000, "n3", std::nullopt, "power-lost", "power down: BMC off while Slurm shows it idle"});
    (void)j.record({0, 7100000, "n3", std::nullopt, "power-lost", "drain: slumber: power lost again within 60 min"});
    // n4: drained by recovery, then returned by an admin.
    (void)j.record({0, 8000000, "n4", std::nullopt, "recovery", "drain: slumber: 3 failed resumes"});
    (void)j.record({0, 8100000, "n4", std::nullopt, "returned", "drained by slumber, now idle: returned to service"});
    (void)j.record({0, 8200000, "n4", std::nullopt, "recovery", "drain failed (exit 1): slumber: again"});
    // n5: a request still pending.
    (void)j.add_requests(n5, power::Action::on, "cli", 9000000);
    (void)j.add_block(
        {"n6", power::Action::on, power::ErrorKind::auth_failed, "authentication failed", 9100000, "", "cli"});
    (void)j.record({0, 9200000, "", std::nullopt, "slurm-view", "power-saving rules: SuspendTime=300"});

    const auto streaks = j.failure_streaks();
    const auto drains = j.slumber_drains();
    const auto losses = j.power_losses(7050000);
    const auto offs = j.failed_offs();
    const auto open = j.open_requests();
    const auto boots = j.boots({});
    for (const auto& [node, s] : *streaks)
        fmt::print("streak {} {} {} [{}]\n", node, s.failed_resumes, s.failed_at, s.last_failure);
    for (const auto& [node, t] : *drains) fmt::print("drain {} {}\n", node, t);
    for (const auto& [node, p] : *losses) fmt::print("losses {} {} {}\n", node, p.recent, p.latest);
    for (const auto& [node, f] : *offs) fmt::print("offs {} {} {} [{}]\n", node, f.count, f.last, f.last_error);
    for (const auto& node : *open) fmt::print("open {}\n", node);
    for (const auto& b : *boots) fmt::print("boot {} {} {}\n", b.node, b.powered_on, b.registered.value_or(-1));
    fmt::print("events {} requests {}\n", j.events({}, 0)->size(), j.requests({}, 0)->size());
    return 0;
}
