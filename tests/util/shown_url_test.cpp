#include "util/shown_url.hpp"

#include <gtest/gtest.h>

namespace slumber::util {
namespace {

TEST(ShownUrl, HostsAndMacsAreNoUrls) {
    EXPECT_EQ(shown_url("10.0.0.5"), "10.0.0.5");
    EXPECT_EQ(shown_url("aa:bb:cc:dd:ee:ff"), "aa:bb:cc:dd:ee:ff");
    EXPECT_FALSE(url_has_hidden_parts("10.0.0.5"));
}

TEST(ShownUrl, UserinfoGoes) {
    EXPECT_EQ(shown_url("http://admin:SuperSecretPW1@127.0.0.1:20950"), "http://127.0.0.1:20950");
    EXPECT_EQ(shown_url("http://u%40x:Pa%3Ass@127.0.0.1:20951/path"), "http://127.0.0.1:20951/path");
    EXPECT_EQ(shown_url("https://admin@bmc:8443/redfish/v1"), "https://bmc:8443/redfish/v1");
    EXPECT_TRUE(url_has_hidden_parts("http://admin:pw@plug"));
}

TEST(ShownUrl, QueryAndFragmentGo) {
    // Tasmota's own form of a login: user= and password= in the query.
    EXPECT_EQ(shown_url("http://127.0.0.1:20951/path?user=admin&password=QueryPW2"), "http://127.0.0.1:20951/path");
    EXPECT_EQ(shown_url("https://bmc:8443/redfish?x=a@b"), "https://bmc:8443/redfish");
    EXPECT_EQ(shown_url("http://plug#password"), "http://plug");
    EXPECT_TRUE(url_has_hidden_parts("http://plug/?a=1"));
}

TEST(ShownUrl, APasswordWithASlashDoesNotShowEither) {
    // RFC 3986 forbids an unencoded '/' in userinfo; people write one anyway.
    EXPECT_EQ(shown_url("http://admin:pa/ss@plug.lan"), "http://plug.lan");
}

TEST(ShownUrl, PlainUrlsStayAsTheyAre) {
    EXPECT_EQ(shown_url("http://plug.lan"), "http://plug.lan");
    EXPECT_EQ(shown_url("https://[fd00::5]:8443/x"), "https://[fd00::5]:8443/x");
    EXPECT_FALSE(url_has_hidden_parts("https://[fd00::5]:8443/x"));
    EXPECT_EQ(shown_url(""), "");
    EXPECT_EQ(shown_url("://@"), "://");
}

}  // namespace
}  // namespace slumber::util
