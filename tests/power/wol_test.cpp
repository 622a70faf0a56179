// Wake-on-LAN: the magic packet on the wire (received on loopback), status
// from a TCP probe, and off through the site's command.
#include <gtest/gtest.h>
#include <poll.h>

#include <fmt/format.h>

#include <filesystem>

#include "../support/listeners.hpp"
#include "power/factory.hpp"
#include "power/wol/wol_driver.hpp"

namespace slumber::power {
namespace {

using slumber::testing::Listener;

// A UDP socket on 127.0.0.1 standing in for the sleeping machine's NIC.
struct Nic {
    Nic() {
        fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in address = Listener::loopback(0);
        socklen_t length = sizeof address;
        ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
        port = ntohs(address.sin_port);
    }
    ~Nic() { ::close(fd); }
    Nic(const Nic&) = delete;
    Nic& operator=(const Nic&) = delete;
    // The packets that arrived within `wait`.
    std::vector<std::vector<std::uint8_t>> received(int wait_ms = 200) const {
        std::vector<std::vector<std::uint8_t>> packets;
        pollfd ready{fd, POLLIN, 0};
        while (::poll(&ready, 1, wait_ms) > 0) {
            std::vector<std::uint8_t> packet(512);
            const ssize_t got = ::recv(fd, packet.data(), packet.size(), 0);
            packet.resize(static_cast<std::size_t>(std::max<ssize_t>(got, 0)));
            packets.push_back(std::move(packet));
        }
        return packets;
    }
    int fd = -1;
    int port = 0;
};

TEST(Wol, MacAddressesAndTheMagicPacket) {
    const auto mac = wol::parse_mac("00:1A:2b:3c:4D:5e");
    ASSERT_TRUE(mac);
    EXPECT_EQ((*mac)[1], 0x1A);
    EXPECT_EQ(wol::parse_mac("00-1a-2b-3c-4d-5e"), mac);
    EXPECT_FALSE(wol::parse_mac("00:1a:2b:3c:4d"));
    EXPECT_FALSE(wol::parse_mac("00:1a:2b:3c:4d:5g"));
    EXPECT_FALSE(wol::parse_mac("00:1a:2b:3c:4d.5e"));
    const auto packet = wol::magic_packet(*mac);
    for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(packet[i], 0xFF);
    EXPECT_EQ(packet[6], 0x00);
    EXPECT_EQ(packet[101], 0x5e);
}

class WolTest : public ::testing::Test {
  protected:
    std::unique_ptr<Driver> driver(int probe_port, std::string off_command = {}) {
        TargetSettings target;
        target.name = "old-node";
        target.address = "00:1a:2b:3c:4d:5e";
        target.options["broadcast"] = std::string("127.0.0.1");
        target.options["port"] = std::int64_t{nic.port};
        target.options["probe"] = fmt::format("127.0.0.1:{}", probe_port);
        if (!off_command.empty()) target.options["off_command"] = off_command;
        target.policy.timeout = std::chrono::milliseconds{300};
        auto made = make_driver("wol", target);
        EXPECT_TRUE(made) << (made ? "" : describe(made.error()));
        return made ? std::move(*made) : nullptr;
    }
    Nic nic;
};

TEST_F(WolTest, ASleepingMachineGetsTheMagicPacket) {
    Listener asleep(0);  // answers nothing, as a machine that is off
    asleep.fill_queue();
    auto machine = driver(asleep.port);
    EXPECT_EQ(machine->status(), PowerState::off);
    ASSERT_TRUE(machine->on());
    const auto packets = nic.received();
    ASSERT_FALSE(packets.empty());
    const auto expected = wol::magic_packet(*wol::parse_mac("00:1a:2b:3c:4d:5e"));
    EXPECT_EQ(packets[0], std::vector<std::uint8_t>(expected.begin(), expected.end()));
}

TEST_F(WolTest, AMachineThatAnswersIsOnAndIsNotWokenAgain) {
    const Listener ssh;
    auto machine = driver(ssh.port);
    EXPECT_EQ(machine->status(), PowerState::on);
    ASSERT_TRUE(machine->on());
    EXPECT_TRUE(nic.received(100).empty());
    int closed = 0;
    {
        const Listener gone;
        closed = gone.port;
    }
    EXPECT_EQ(driver(closed)->status(), PowerState::on) << "refused: its kernel answered, so it is up";
}

TEST_F(WolTest, OffNeedsTheSitesCommand) {
    const Listener ssh;
    auto off = driver(ssh.port)->off();
    ASSERT_FALSE(off);
    EXPECT_EQ(off.error().kind, ErrorKind::unsupported);
    const auto marker = std::filesystem::temp_directory_path() / fmt::format("slumber-wol-{}", ::getpid());
    ASSERT_TRUE(driver(ssh.port, "touch " + marker.string() + "-{name}")->soft());
    EXPECT_TRUE(std::filesystem::exists(marker.string() + "-old-node"));
    std::filesystem::remove(marker.string() + "-old-node");
}

TEST_F(WolTest, BadSettingsAreConfigurationErrors) {
    TargetSettings target;
    target.name = "n1";
    target.address = "not-a-mac";
    EXPECT_EQ(make_driver("wol", target).error().kind, ErrorKind::config);
    target.address = "00:1a:2b:3c:4d:5e";
    target.options["probe"] = std::string("n1");
    EXPECT_EQ(make_driver("wol", target).error().kind, ErrorKind::config);
}

}  // namespace
}  // namespace slumber::power
