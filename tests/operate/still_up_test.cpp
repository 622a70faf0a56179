// After a refused power-off the carrier tells Slurm the node is still up
// (slurm::still_up_calls()). From 23.11 `scontrol reconfigure` restarts
// slurmctld, so the daemon calls it at most once per five minutes and owes
// the next one (24.11.5: a restart after every refused suspend held a job
// CONFIGURING). A script stands in for scontrol and logs each call.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "../support/manual_clock.hpp"
#include "../support/temp_dir.hpp"
#include "operate/carrier.hpp"
#include "slurm/scontrol.hpp"

namespace slumber::operate {
namespace {

namespace fs = std::filesystem;

class StillUp : public ::testing::Test {
  protected:
    void SetUp() override {
        fs::create_directories(m_dir / "state");
        std::ofstream(m_dir / "slurm.conf");  // scontrol is given one, as on a controller
        std::ofstream(m_dir / "slumber.toml")
            << "[slurm]\nexclude = \"n1\"\n[daemon]\nstate_dir = \"" << (m_dir / "state").string()
            << "\"\n[[node]]\nnames = \"n1\"\ndriver = \"tasmota\"\nbmc_pattern = \"http://{name}\"\n";
    }

    // scontrol of `release`, showing n1 as Slurm does while it suspends it.
    void fake_scontrol(const std::string& release) const {
        const fs::path program = m_dir / "scontrol";
        std::ofstream(program) << "#!/bin/sh\necho \"$@\" >> '" << (m_dir / "calls").string()
                               << "'\ncase \"$1\" in\n  --version) echo 'slurm " << release
                               << "' ;;\n  --oneliner) echo 'NodeName=n1 State=IDLE+POWERING_DOWN CPUAlloc=0' ;;\n"
                                  "esac\n";
        ::chmod(program.c_str(), 0755);
    }
    [[nodiscard]] int reconfigures() const {
        std::ifstream in(m_dir / "calls");
        int count = 0;
        for (std::string line; std::getline(in, line);) count += line == "reconfigure" ? 1 : 0;
        return count;
    }
    // Slurm suspends n1 again; the carrier refuses at `now`.
    void refuse_at(Carrier& carrier, store::Journal& journal, store::TimeMs now) {
        m_clock.set_wall(now);
        const std::vector<std::string> node{"n1"};
        ASSERT_TRUE(journal.add_requests(node, power::Action::off, store::RequestSource::slurm_suspend, now));
        auto batches = carrier.take();
        ASSERT_TRUE(batches) << batches.error();
        EXPECT_TRUE(batches->empty()) << "an excluded node is never switched off";
    }

    slumber::testing::TempDir m_temp{"slumber-still-up"};
    std::filesystem::path m_dir = m_temp.path();
    slumber::testing::ManualClock m_clock{1'000'000};
};

TEST_F(StillUp, FromSlurm2311ReconfigureIsSpacedAndTheNextOneOwed) {
    fake_scontrol("24.11.5");
    auto config = config::load(m_dir / "slumber.toml");
    ASSERT_TRUE(config);
    config->slurm.bin_dir = m_dir;
    auto journal = store::Journal::open(config->daemon.journal());
    ASSERT_TRUE(journal) << journal.error();
    const slurm::Scontrol slurm(m_dir, m_dir / "slurm.conf");
    Carrier carrier(*config, *journal, slurm, "daemon", false, m_clock);

    refuse_at(carrier, *journal, 1'000'000);
    EXPECT_EQ(reconfigures(), 1);
    refuse_at(carrier, *journal, 1'060'000);
    EXPECT_EQ(reconfigures(), 1) << "a minute later: postponed";
    m_clock.set_wall(1'200'000);
    ASSERT_TRUE(carrier.take());
    EXPECT_EQ(reconfigures(), 1);
    m_clock.set_wall(1'301'000);
    ASSERT_TRUE(carrier.take());
    EXPECT_EQ(reconfigures(), 2) << "the owed one, once five minutes have passed";
    m_clock.set_wall(1'700'000);
    ASSERT_TRUE(carrier.take());
    EXPECT_EQ(reconfigures(), 2) << "owed once, called once";
}

// Without a daemon each suspend hook starts a carrier of its own (a new
// process): the spacing and the owed reconfigure live in the journal, not in
// a carrier's memory. 24.11.5, no daemon: slurmctld restarted at every
// refused suspend, six times in four minutes.
TEST_F(StillUp, EachHooksCarrierIsANewProcessAndTheSpacingHolds) {
    fake_scontrol("24.11.5");
    auto config = config::load(m_dir / "slumber.toml");
    ASSERT_TRUE(config);
    const slurm::Scontrol slurm(m_dir, m_dir / "slurm.conf");
    const auto hook_carrier_refuses_at = [&](store::TimeMs now) {
        auto journal = store::Journal::open(config->daemon.journal());
        ASSERT_TRUE(journal) << journal.error();
        Carrier carrier(*config, *journal, slurm, "hook", false, m_clock);
        refuse_at(carrier, *journal, now);
    };
    hook_carrier_refuses_at(1'000'000);
    EXPECT_EQ(reconfigures(), 1);
    hook_carrier_refuses_at(1'024'000);
    hook_carrier_refuses_at(1'048'000);
    EXPECT_EQ(reconfigures(), 1) << "24 s apart, as SuspendTime had it: postponed";
    hook_carrier_refuses_at(1'301'000);
    EXPECT_EQ(reconfigures(), 2) << "five minutes on, a new carrier calls it";

    // The owed one is called by whichever carrier or daemon takes next.
    hook_carrier_refuses_at(1'400'000);
    EXPECT_EQ(reconfigures(), 2);
    auto journal = store::Journal::open(config->daemon.journal());
    ASSERT_TRUE(journal) << journal.error();
    Carrier daemon(*config, *journal, slurm, "daemon", false, m_clock);
    m_clock.set_wall(1'602'000);
    ASSERT_TRUE(daemon.take());
    EXPECT_EQ(reconfigures(), 3) << "the owed one, once five minutes have passed";
    m_clock.set_wall(2'000'000);
    ASSERT_TRUE(daemon.take());
    EXPECT_EQ(reconfigures(), 3) << "owed once, called once";
}

TEST_F(StillUp, Slurm2205ReconfiguresAfterEveryRefusal) {
    fake_scontrol("22.05.8");
    auto config = config::load(m_dir / "slumber.toml");
    ASSERT_TRUE(config);
    auto journal = store::Journal::open(config->daemon.journal());
    ASSERT_TRUE(journal) << journal.error();
    const slurm::Scontrol slurm(m_dir, m_dir / "slurm.conf");
    Carrier carrier(*config, *journal, slurm, "daemon", false, m_clock);
    refuse_at(carrier, *journal, 1'000'000);
    refuse_at(carrier, *journal, 1'060'000);
    EXPECT_EQ(reconfigures(), 2) << "reconfigure only re-reads the file there";
}

}  // namespace
}  // namespace slumber::operate
