// A power-on Slurm asked for, against a scripted BMC and a stand-in scontrol
// (a script printing Slurm's view): a node that is on but not registered is
// power-cycled once; an off node, a registered one, or a BMC that cannot
// read is switched on as before.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "operate/fresh_boot.hpp"
#include "slurm/scontrol.hpp"

namespace slumber::operate {
namespace {

namespace fs = std::filesystem;

class CountingDriver final : public power::Driver {
  public:
    power::Result<power::PowerState> state = power::PowerState::off;
    int ons = 0;
    int cycles = 0;
    power::Result<void> on() override {
        ++ons;
        state = power::PowerState::on;
        return {};
    }
    power::Result<void> off() override { return {}; }
    power::Result<void> soft() override { return {}; }
    power::Result<void> cycle() override {
        ++cycles;
        return {};
    }
    power::Result<power::PowerState> status() override { return state; }
};

class FreshBoot : public ::testing::Test {
  protected:
    void SetUp() override {
        m_dir = fs::temp_directory_path() / fmt::format("slumber-fresh-boot-{}", ::getpid());
        fs::create_directories(m_dir);
        std::ofstream(m_dir / "slurm.conf");  // scontrol is given one, as on a controller
        // waking's NodeAddr is loopback, where nothing listens on port 1:
        // the connection is refused, as by a machine that runs without
        // slurmd. dark's address is the test's probe's.
        std::ofstream(m_dir / "scontrol")
            << "#!/bin/sh\n"
               "echo 'NodeName=waking NodeAddr=127.0.0.1 Port=1 State=IDLE+POWERED_DOWN+POWERING_UP CPUAlloc=0'\n"
               "echo 'NodeName=dark NodeAddr=10.1.2.3 State=IDLE+POWERED_DOWN+POWERING_UP CPUAlloc=0'\n"
               "echo 'NodeName=up State=IDLE CPUAlloc=0'\n";
        fs::permissions(m_dir / "scontrol", fs::perms::owner_all);
    }
    void TearDown() override { fs::remove_all(m_dir); }
    [[nodiscard]] slurm::Scontrol scontrol() const { return {m_dir, m_dir / "slurm.conf"}; }

    static engine::PowerOnFacts asked() {
        engine::PowerOnFacts facts;
        facts.asked_by_slurm = true;
        return facts;
    }
    fs::path m_dir;
};

TEST_F(FreshBoot, ANodeOnButNotRegisteredIsCycledOnce) {
    const auto slurm = scontrol();
    RegisteredNodes registered(slurm);
    CountingDriver bmc;
    bmc.state = power::PowerState::on;
    FreshBootDriver driver(bmc, "waking", asked(), 60000, 0, registered);
    EXPECT_TRUE(driver.on());
    EXPECT_EQ(bmc.cycles, 1);
    EXPECT_EQ(bmc.ons, 0);
    EXPECT_TRUE(driver.cycled());
    EXPECT_TRUE(driver.on()) << "a retry";
    EXPECT_EQ(bmc.cycles, 1) << "never a second cycle: the first may have taken effect";
}

// A tester's: Slurm woke a node whose BMC address drove another node's
// running machine; the cycle restarted that machine under its job. Nothing
// answering at the node's own address, the BMC's "on" may be another
// machine's: refused, with a block (ErrorKind::crossed), nothing switched.
TEST_F(FreshBoot, ANodeOnAtItsBmcWhoseAddressIsDarkIsNotCycled) {
    const auto slurm = scontrol();
    RegisteredNodes registered(slurm);
    CountingDriver bmc;
    bmc.state = power::PowerState::on;
    std::string probed;
    FreshBootDriver driver(bmc, "dark", asked(), 60000, 0, registered, [&](const slurm::NodeState& node) {
        probed = node.address;
        return util::ProbeResult{util::Reach::silent, "no answer"};
    });
    const auto result = driver.on();
    ASSERT_FALSE(result);
    EXPECT_EQ(probed, "10.1.2.3");
    EXPECT_EQ(result.error().kind, power::ErrorKind::crossed);
    EXPECT_NE(result.error().message.find("nothing answers at its NodeAddr (10.1.2.3:6818: no answer): that BMC may "
                                          "drive another node's running machine"),
              std::string::npos)
        << result.error().message;
    EXPECT_EQ(bmc.cycles, 0);
    EXPECT_EQ(bmc.ons, 0);
    EXPECT_FALSE(driver.cycled());
    // A reboot Slurm asked for is of a node that registered: not probed.
    engine::PowerOnFacts reboot = asked();
    reboot.reboot = true;
    probed.clear();
    FreshBootDriver rebooting(bmc, "dark", reboot, 60000, 0, registered, [&](const slurm::NodeState& node) {
        probed = node.name;
        return util::ProbeResult{util::Reach::silent, ""};
    });
    EXPECT_TRUE(rebooting.on());
    EXPECT_EQ(bmc.cycles, 1);
    EXPECT_TRUE(probed.empty());
}

TEST_F(FreshBoot, AnOffNodeARegisteredOneAndAnUnknownOneAreSwitchedOn) {
    const auto slurm = scontrol();
    RegisteredNodes registered(slurm);
    CountingDriver off;
    FreshBootDriver waking(off, "waking", asked(), 60000, 0, registered);
    EXPECT_TRUE(waking.on());
    EXPECT_EQ(off.ons, 1);
    CountingDriver on;
    on.state = power::PowerState::on;
    FreshBootDriver up(on, "up", asked(), 60000, 0, registered);
    EXPECT_TRUE(up.on());
    FreshBootDriver unknown(on, "elsewhere", asked(), 60000, 0, registered);
    EXPECT_TRUE(unknown.on());
    EXPECT_EQ(on.cycles, 0) << "registered, or not in Slurm's view: never reset blind";
    EXPECT_EQ(on.ons, 2);
}

TEST_F(FreshBoot, ABmcThatCannotReadSwitchesOnOrFails) {
    const auto slurm = scontrol();
    RegisteredNodes registered(slurm);
    CountingDriver wol;
    wol.state = power::fail(power::ErrorKind::unsupported, "no status from this driver");
    FreshBootDriver magic_packet(wol, "waking", asked(), 60000, 0, registered);
    EXPECT_TRUE(magic_packet.on());
    EXPECT_EQ(wol.ons, 1);
    CountingDriver locked;
    locked.state = power::fail(power::ErrorKind::auth_failed, "password rejected");
    FreshBootDriver rejected(locked, "waking", asked(), 60000, 0, registered);
    const auto result = rejected.on();
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().kind, power::ErrorKind::auth_failed);
    EXPECT_EQ(locked.ons, 0) << "one login refused, not two";
}

TEST_F(FreshBoot, SlurmCannotBeAskedNoResetIsDone) {
    const slurm::Scontrol nowhere(m_dir / "missing", m_dir / "slurm.conf");
    RegisteredNodes registered(nowhere);
    CountingDriver bmc;
    bmc.state = power::PowerState::on;
    FreshBootDriver driver(bmc, "waking", asked(), 60000, 0, registered);
    EXPECT_TRUE(driver.on());
    EXPECT_EQ(bmc.cycles, 0);
}

}  // namespace
}  // namespace slumber::operate
