#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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

TEST_F(TokenFile, ReadByItsOwnerOnlyAndTrimmed) {
    write("  s3cret-token\n", 0600);
    const auto token = Token::read(m_file);
    ASSERT_TRUE(token) << token.error();
    EXPECT_TRUE(token->matches("s3cret-token"));
    EXPECT_FALSE(token->matches("s3cret-toke"));
    EXPECT_FALSE(token->matches("s3cret-token2"));
    EXPECT_FALSE(token->matches(""));
    EXPECT_FALSE(token->matches("S3cret-token"));
}

TEST_F(TokenFile, RefusedWhenOthersMayReadIt) {
    write("s3cret-token\n", 0644);
    const auto token = Token::read(m_file);
    ASSERT_FALSE(token);
    EXPECT_NE(token.error().find("[web] token_file"), std::string::npos) << token.error();
    EXPECT_NE(token.error().find("chmod 600"), std::string::npos) << token.error();
    EXPECT_EQ(token.error().find("s3cret"), std::string::npos) << "never the content";
}

TEST_F(TokenFile, EmptyOrMissingIsAnError) {
    write(" \n", 0600);
    EXPECT_FALSE(Token::read(m_file));
    std::filesystem::remove(m_file);
    EXPECT_FALSE(Token::read(m_file));
}

TEST_F(TokenFile, NotThroughASymbolicLink) {
    write("s3cret-token\n", 0600);
    const std::filesystem::path link = m_file.string() + ".link";
    std::filesystem::remove(link);
    std::filesystem::create_symlink(m_file, link);
    EXPECT_FALSE(Token::read(link));
    std::filesystem::remove(link);
}

}  // namespace
}  // namespace slumber::web
