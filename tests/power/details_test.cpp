// What `power info` reads from a target, and how its identity reads as text.
#include "power/details.hpp"

#include <gtest/gtest.h>

namespace slumber::power {
namespace {

TEST(IdentityText, LeavesOutWhatTheDeviceDidNotSay) {
    EXPECT_EQ(identity_text({"IANA 343", "product 0x0f02", "9.08"}), "IANA 343, product 0x0f02, firmware 9.08");
    EXPECT_EQ(identity_text({"", "", "1.0"}), "firmware 1.0");
    EXPECT_EQ(identity_text({"Contoso", "", ""}), "Contoso");
    EXPECT_EQ(identity_text({"", "", ""}), "not reported");
}

// A device whose identity and sensor names try to control the terminal.
class HostileDevice final : public Driver {
  public:
    Result<void> on() override { return {}; }
    Result<void> off() override { return {}; }
    Result<void> soft() override { return {}; }
    Result<void> cycle() override { return {}; }
    Result<PowerState> status() override { return PowerState::on; }
    [[nodiscard]] std::uint32_t capabilities() const override { return kIdentity | kGuid | kSensors; }
    Result<Identity> identity() override {
        return Identity{"Evil\x1b]0;owned\x07", "X\nnode002: off",
                        "\x9b"
                        "2J"};
    }
    Result<std::string> guid() override { return std::string("\x1b[2J"); }
    Result<std::vector<SensorReading>> sensors() override {
        return std::vector<SensorReading>{{"Inlet\r\n", 20, "C\x1b"}};
    }
};

TEST(ReadDetails, DeviceTextIsSafeToPrint) {
    HostileDevice device;
    const Details details = read_details("node001", device);
    ASSERT_TRUE(details.identity && *details.identity);
    EXPECT_EQ(identity_text(**details.identity), "Evil\\x1b]0;owned\\x07, X\\nnode002: off, firmware \\x9b2J");
    EXPECT_EQ(**details.guid, "\\x1b[2J");
    EXPECT_EQ((**details.sensors)[0].name, "Inlet\\r\\n");
    EXPECT_EQ((**details.sensors)[0].unit, "C\\x1b");
}

}  // namespace
}  // namespace slumber::power
