#include "web/dashboard/assets.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace slumber::web::dashboard {
namespace {

std::string body_of(std::string_view path) {
    const auto asset = find_asset(path);
    return asset ? std::string(asset->body) : std::string();
}

TEST(DashboardAssets, ThePageAndItsFilesAreServedWithTheirTypes) {
    const auto page = find_asset("/");
    ASSERT_TRUE(page);
    EXPECT_EQ(page->content_type, "text/html; charset=utf-8");
    EXPECT_TRUE(page->body.starts_with("<!doctype html>"));
    ASSERT_TRUE(find_asset("/index.html"));
    EXPECT_EQ(find_asset("/index.html")->body, page->body);
    ASSERT_TRUE(find_asset("/dashboard.js"));
    EXPECT_EQ(find_asset("/dashboard.js")->content_type, "text/javascript; charset=utf-8");
    ASSERT_TRUE(find_asset("/dashboard.css"));
    EXPECT_EQ(find_asset("/dashboard.css")->content_type, "text/css; charset=utf-8");
    EXPECT_EQ(assets().front().path, "/");
}

TEST(DashboardAssets, NothingOutsideThePageIsServed) {
    for (const char* path : {"", "/nope", "/../etc/passwd", "/dashboard.js/", "//dashboard.js", "/api/nodes",
                             "/DASHBOARD.JS", "dashboard.js"}) {
        EXPECT_FALSE(find_asset(path)) << path;
    }
}

TEST(DashboardAssets, ThePageRefersOnlyToItsOwnFiles) {
    const std::string page = body_of("/");
    const std::regex reference(R"re((src|href)="([^"]*)")re");
    int references = 0;
    for (auto match = std::sregex_iterator(page.begin(), page.end(), reference); match != std::sregex_iterator();
         ++match) {
        if ((*match)[2].str().starts_with("data:")) continue;  // no icon: no request
        ++references;
        EXPECT_TRUE(find_asset((*match)[2].str())) << (*match)[0].str();
    }
    EXPECT_EQ(references, 2);
}

// The Content-Security-Policy forbids inline script: the page must have
// none, or it would not run at all.
TEST(DashboardAssets, ThePageHasNoInlineScriptOrStyle) {
    const std::string page = body_of("/");
    EXPECT_FALSE(std::regex_search(page, std::regex(R"(<script(?![^>]*\bsrc=)[^>]*>)")));
    EXPECT_FALSE(std::regex_search(page, std::regex(R"(\son[a-z]+\s*=)", std::regex::icase)));
    EXPECT_FALSE(std::regex_search(page, std::regex(R"(\sstyle\s*=)", std::regex::icase)));
    EXPECT_EQ(page.find("javascript:"), std::string::npos);
    EXPECT_EQ(page.find("<style"), std::string::npos);
}

// Text from Slurm, BMCs and the journal is untrusted: the script builds
// elements and sets textContent, and never parses a string as markup or code.
TEST(DashboardAssets, TheScriptNeverTurnsTextIntoMarkupOrCode) {
    const std::string script = body_of("/dashboard.js");
    ASSERT_FALSE(script.empty());
    for (const char* sink :
         {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "setTimeout('",
          "DOMParser", "createContextualFragment", "localStorage", "sessionStorage", "document.cookie"}) {
        EXPECT_EQ(script.find(sink), std::string::npos) << sink;
    }
    EXPECT_NE(script.find("textContent"), std::string::npos);
}

TEST(DashboardAssets, TheSecurityPolicyAllowsOnlyTheDaemonsOwnScript) {
    const std::string policy(content_security_policy());
    EXPECT_NE(policy.find("default-src 'none'"), std::string::npos);
    EXPECT_NE(policy.find("script-src 'self'"), std::string::npos);
    EXPECT_NE(policy.find("frame-ancestors 'none'"), std::string::npos);
    EXPECT_EQ(policy.find("unsafe-inline"), std::string::npos);
    EXPECT_EQ(policy.find("unsafe-eval"), std::string::npos);
    EXPECT_EQ(policy.find('*'), std::string::npos);
}

}  // namespace
}  // namespace slumber::web::dashboard
