#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "util/safe_text.hpp"
#include "web/actions.hpp"

namespace slumber::web {
namespace {

class TokenFile : public ::testing::Test {
  protected:
    void SetUp() override {
        m_file = std::filesystem::temp_directory_path() /
                 ("slumber-token-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
        std::filesystem::remove(m_file);
    }
    void TearDown() override { std::filesystem::remove(m_file); }
    void write(const std::string& text, mode_t mode) {
        std::ofstream(m_file, std::ios::trunc) << text;
        ASSERT_EQ(::chmod(m_file.c_str(), mode), 0);
    }
    std::filesystem::path m_file;
};

TEST_F(TokenFile, ReadByItsOwnerOnlyWithoutItsNewline) {
    write("s3cret-token-0123456789\n", 0600);
    const auto token = Token::read(m_file);
    ASSERT_TRUE(token) << token.error();
    EXPECT_TRUE(token->matches("s3cret-token-0123456789"));
    EXPECT_FALSE(token->matches("s3cret-token-012345678"));
    EXPECT_FALSE(token->matches("s3cret-token-01234567890"));
    EXPECT_FALSE(token->matches(""));
    EXPECT_FALSE(token->matches("S3cret-token-0123456789"));
    write("s3cret-token-0123456789", 0600);
    EXPECT_TRUE(Token::read(m_file)) << "no newline at all is fine too";
}

// A tester's token files that could never work were taken as they were,
// and every request was then "wrong token": two lines, a 1-character
// token, a space, "Bearer …", control characters. Each is refused, saying
// why and how to make one, never quoting the content.
TEST_F(TokenFile, ContentThatCannotBeATokenIsRefused) {
    const std::vector<std::pair<std::string, std::string>> refused{
        {"tok1-0123456789abcdef\ntok2-0123456789abcdef\n", "more than one line"},
        {"x\n", "shorter than 16 characters"},
        {"abcdefghijkl mnopqrstuvwxyz\n", "a space"},
        {"Bearer 0123456789abcdef0123\n", "not \"Bearer TOKEN\""},
        {"  s3cret-token-0123456789\n", "a space"},
        {"s3cret-token-0123456789\r\n", "not printable ASCII"},
        {"s3cret\x1b[2Jtoken-0123456789\n", "not printable ASCII"},
        {"s3cret\ttoken-0123456789\n", "not printable ASCII"},
        {"\n\n", "empty"},
    };
    for (const auto& [text, why] : refused) {
        write(text, 0600);
        const auto token = Token::read(m_file);
        ASSERT_FALSE(token) << util::safe_text(text);
        EXPECT_NE(token.error().find(why), std::string::npos) << token.error();
        EXPECT_NE(token.error().find("openssl rand -hex 32 > " + m_file.string()), std::string::npos) << token.error();
        EXPECT_EQ(token.error().find("s3cret"), std::string::npos) << "never the content";
    }
}

// The error goes into the daemon's log line and the 403's JSON sentence:
// one line (the JSON held a literal "\\n    fix:"), the key said once (the
// log said "[web] token_file: [web] token_file: …").
TEST_F(TokenFile, RefusedWhenOthersMayReadItInOneLineSayingTheKeyOnce) {
    write("s3cret-token-0123456789\n", 0644);
    const auto token = Token::read(m_file);
    ASSERT_FALSE(token);
    EXPECT_EQ(token.error(), m_file.string() +
                                 ": [web] token_file: is accessible by group or others (mode 0644); slumber refuses "
                                 "to use it; fix: chmod 600 " +
                                 m_file.string());
}

// A missing token file was given a credentials file's advice ("create it
// with username = … and password = …"); it gets the token's.
TEST_F(TokenFile, EmptyOrMissingIsAnErrorWithTheTokensAdvice) {
    write(" \n", 0600);
    const auto empty = Token::read(m_file);
    ASSERT_FALSE(empty);
    EXPECT_NE(empty.error().find("is empty"), std::string::npos) << empty.error();
    std::filesystem::remove(m_file);
    const auto missing = Token::read(m_file);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().find("[web] token_file: cannot be opened: No such file or directory; fix: openssl rand "
                                   "-hex 32 > " +
                                   m_file.string()),
              std::string::npos)
        << missing.error();
    EXPECT_EQ(missing.error().find("password"), std::string::npos) << missing.error();
    EXPECT_EQ(missing.error().find('\n'), std::string::npos) << missing.error();
}

TEST_F(TokenFile, NotThroughASymbolicLink) {
    write("s3cret-token-0123456789\n", 0600);
    const std::filesystem::path link = m_file.string() + ".link";
    std::filesystem::remove(link);
    std::filesystem::create_symlink(m_file, link);
    EXPECT_FALSE(Token::read(link));
    std::filesystem::remove(link);
}

}  // namespace
}  // namespace slumber::web
