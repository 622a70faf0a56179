// The driver table: every driver the catalog lists (and so configuration
// accepts) is built through its own row, and the IPMI workaround names the
// catalog accepts are the ones the driver turns into FreeIPMI's flags.
#include <freeipmi/freeipmi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "power/catalog.hpp"
#include "power/factory.hpp"
#include "power/ipmi/workarounds.hpp"

namespace slumber::power {
namespace {

TEST(Catalog, DriverNamesAreUnique) {
    std::set<std::string_view> names;
    for (const DriverInfo& driver : drivers()) EXPECT_TRUE(names.insert(driver.name).second) << driver.name;
    EXPECT_EQ(names.size(), drivers().size());
}

TEST(Catalog, EveryListedDriverIsBuiltByItsRow) {
    for (const DriverInfo& driver : drivers()) {
        ASSERT_NE(driver.make, nullptr) << driver.name;
        // Empty settings: a driver may refuse them (no address, no user
        // name), but never as a name make_driver does not know.
        TargetSettings settings;
        settings.name = "node001";
        const auto made = make_driver(driver.name, settings);
        if (!made) {
            EXPECT_EQ(made.error().message.find("unknown driver"), std::string::npos)
                << driver.name << ": " << made.error().message;
        }
        EXPECT_EQ(find_driver(driver.name), &driver);
    }
}

TEST(Catalog, UnknownDriverIsAConfigErrorNamingIt) {
    const auto made = make_driver("ipmii", TargetSettings{});
    ASSERT_FALSE(made);
    EXPECT_EQ(made.error().kind, ErrorKind::config);
    EXPECT_EQ(made.error().message, "unknown driver \"ipmii\"");
    EXPECT_EQ(find_driver("ipmii"), nullptr);
}

TEST(Catalog, IpmiWorkaroundChoicesAreTheDriversTable) {
    const DriverInfo* driver = find_driver("ipmi");
    ASSERT_NE(driver, nullptr);
    const OptionSpec* option = find_option(*driver, "workarounds");
    ASSERT_NE(option, nullptr);
    ASSERT_EQ(option->choices.size(), ipmi::kWorkarounds.size());
    for (std::size_t i = 0; i < ipmi::kWorkarounds.size(); ++i) {
        EXPECT_EQ(option->choices[i], ipmi::kWorkarounds[i].name);
    }
}

TEST(Catalog, IpmiWorkaroundNamesAreUniqueAndTheirFlagsDistinct) {
    std::set<std::string_view> names;
    std::set<unsigned> flags;
    for (const ipmi::Workaround& workaround : ipmi::kWorkarounds) {
        EXPECT_TRUE(names.insert(workaround.name).second) << workaround.name;
        if (workaround.session_flag != 0) {
            EXPECT_TRUE(flags.insert(workaround.session_flag).second) << workaround.name;
        }
    }
    // Every IPMI 2.0 flag FreeIPMI 1.6 defines has its name.
    EXPECT_EQ(flags.size(), 7U);
}

TEST(Catalog, IpmiWorkaroundFlagsAreFreeipmis) {
    EXPECT_EQ(ipmi::workaround_flag("opensesspriv"), IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE);
    EXPECT_EQ(ipmi::workaround_flag("authcap"), IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_AUTHENTICATION_CAPABILITIES);
    EXPECT_EQ(ipmi::workaround_flag("nochecksumcheck"), IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_NO_CHECKSUM_CHECK);
    EXPECT_EQ(ipmi::workaround_flag("idzero"), 0U);  // IPMI 1.5 only
    EXPECT_EQ(ipmi::workaround_flag("none-such"), 0U);
}

}  // namespace
}  // namespace slumber::power
