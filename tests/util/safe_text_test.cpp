#include "util/safe_text.hpp"

#include <gtest/gtest.h>

namespace slumber::util {
namespace {

using namespace std::string_literals;

TEST(SafeText, KeepsPrintableTextOfAnyLanguage) {
    for (const std::string text :
         {"", "password invalid", "Ärger mit dem Netzteil", "電源オフ", "C:\\temp\\x1b", "😀"}) {
        EXPECT_EQ(safe_text(text), text);
        EXPECT_TRUE(is_safe_text(text)) << text;
    }
}

TEST(SafeText, ALineBreakCannotForgeALogLine) {
    EXPECT_EQ(safe_text("off\n2026-11-30 node002: on"), "off\\n2026-11-30 node002: on");
    EXPECT_EQ(safe_text("a\r\nb\tc"), "a\\r\\nb\\tc");
    EXPECT_EQ(safe_text("a\u2028b\u2029c"), "a\\u2028b\\u2029c");
}

TEST(SafeText, TerminalControlsAreShownNotObeyed) {
    EXPECT_EQ(safe_text("\x1b]0;pwned\x07red"), "\\x1b]0;pwned\\x07red");  // OSC: window title
    EXPECT_EQ(safe_text("\x1b[2J"), "\\x1b[2J");                           // clear screen
    EXPECT_EQ(safe_text("nul\0here"s), "nul\\x00here");
    EXPECT_EQ(safe_text("del\x7f"), "del\\x7f");
    EXPECT_EQ(safe_text("csi\xc2\x9b"
                        "2J"),
              "csi\\u009b2J");                                // C1 CSI, as UTF-8
    EXPECT_EQ(safe_text("abc\u202edcba"), "abc\\u202edcba");  // right-to-left override
    EXPECT_EQ(safe_text("\u2066x\u2069"), "\\u2066x\\u2069");
}

TEST(SafeText, InvalidUtf8IsShownByteByByte) {
    EXPECT_EQ(safe_text("\x9b"
                        "2J"),
              "\\x9b2J");  // a lone C1 byte (8-bit CSI)
    EXPECT_EQ(safe_text("\xff\xfe"), "\\xff\\xfe");
    EXPECT_EQ(safe_text("\xc0\xaf"), "\\xc0\\xaf");                    // overlong "/"
    EXPECT_EQ(safe_text("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // a surrogate
    EXPECT_EQ(safe_text("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
    EXPECT_EQ(safe_text("cut \xe2\x82"), "cut \\xe2\\x82");            // a sequence cut short
    EXPECT_FALSE(is_safe_text("\xe2\x82"));
}

TEST(SafeText, IsIdempotent) {
    for (const std::string text : {"a\nb", "\x1b[31m", "\xff", "\xc2\x85", "\\n"}) {
        const std::string once = safe_text(text);
        EXPECT_TRUE(is_safe_text(once)) << once;
        EXPECT_EQ(safe_text(once), once);
    }
}

}  // namespace
}  // namespace slumber::util
