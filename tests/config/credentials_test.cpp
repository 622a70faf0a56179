#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "../support/temp_dir.hpp"
#include "config/config.hpp"

namespace slumber::config {
namespace {

namespace fs = std::filesystem;

class CredentialsFile : public ::testing::Test {
  protected:
    fs::path write(const std::string& name, const std::string& text, mode_t mode) {
        const fs::path path = m_dir / name;
        std::ofstream(path) << text;
        ::chmod(path.c_str(), mode);
        return path;
    }

    slumber::testing::TempDir m_temp{"slumber-credentials"};
    std::filesystem::path m_dir = m_temp.path();
};

TEST_F(CredentialsFile, ReadsUserPasswordAndKey) {
    auto credentials =
        read_credentials(write("ok", "username = \"admin\"\npassword = \"s3cret\"\nk_g = \"key\"\n", 0600));
    ASSERT_TRUE(credentials) << format(credentials.error());
    EXPECT_EQ(credentials->username, "admin");
    EXPECT_EQ(credentials->password.reveal(), "s3cret");
    EXPECT_EQ(credentials->k_g.reveal(), "key");
}

TEST_F(CredentialsFile, ReadableByOthersIsRefusedWithTheChmod) {
    const fs::path path = write("open", "password = \"s3cret\"\n", 0644);
    auto credentials = read_credentials(path);
    ASSERT_FALSE(credentials);
    EXPECT_NE(credentials.error().message.find("mode 0644"), std::string::npos);
    EXPECT_TRUE(credentials.error().fix.starts_with("chmod 600 " + path.string())) << credentials.error().fix;
}

// 0640 root:slurm is refused too (docs/slurm.md): hooks that must read it
// without a daemon get it as SlurmUser's own file, which the fix says.
TEST_F(CredentialsFile, ReadableByGroupIsRefusedSayingHowSlurmUserGetsIt) {
    const fs::path path = write("group", "password = \"x\"\n", 0640);
    auto credentials = read_credentials(path);
    ASSERT_FALSE(credentials);
    // The configuration alone does not know SlurmUser: no account is
    // guessed (it said "slurm" whatever slurm.conf says).
    EXPECT_NE(credentials.error().fix.find("make it SlurmUser's: chown <SlurmUser> " + path.string()),
              std::string::npos)
        << credentials.error().fix;
    struct stat status {};
    ASSERT_EQ(::lstat(path.c_str(), &status), 0);
    const auto named = refuse_credentials_file(path, status, "nobody");
    ASSERT_TRUE(named);
    EXPECT_NE(named->fix.find("chown nobody " + path.string()), std::string::npos) << named->fix;
}

TEST_F(CredentialsFile, MissingFileSaysHowToCreateIt) {
    auto credentials = read_credentials(m_dir / "absent");
    ASSERT_FALSE(credentials);
    EXPECT_NE(credentials.error().message.find("No such file"), std::string::npos);
    EXPECT_NE(credentials.error().fix.find("chmod 600"), std::string::npos);
}

TEST_F(CredentialsFile, SymlinkIsNotFollowed) {
    const fs::path target = write("real", "password = \"x\"\n", 0600);
    fs::create_symlink(target, m_dir / "link");
    EXPECT_FALSE(read_credentials(m_dir / "link"));
}

TEST_F(CredentialsFile, SyntaxErrorsNeverQuoteTheSecret) {
    auto credentials = read_credentials(write("bad", "password = \"hunter2\n", 0600));
    ASSERT_FALSE(credentials);
    EXPECT_EQ(format(credentials.error()).find("hunter2"), std::string::npos) << format(credentials.error());
    EXPECT_NE(credentials.error().message.find("not shown"), std::string::npos);
}

TEST_F(CredentialsFile, PasswordIsRequiredAndUnknownKeysRefused) {
    EXPECT_FALSE(read_credentials(write("nopw", "username = \"admin\"\n", 0600)));
    auto typo = read_credentials(write("typo", "password = \"x\"\nusrname = \"a\"\n", 0600));
    ASSERT_FALSE(typo);
    EXPECT_NE(typo.error().fix.find("username"), std::string::npos);
}

TEST_F(CredentialsFile, ConfigLoadsCredentialsOnceAndNeverPrintsThem) {
    const fs::path secret = write("ipmi.secret", "username = \"admin\"\npassword = \"hunter2\"\n", 0600);
    auto loaded = load_text(fmt::format("[defaults]\ncredentials = \"{}\"\n[[node]]\nnames = \"n[1-2]\"\n"
                                        "driver = \"ipmi\"\nbmc = \"b[1-2]\"\n",
                                        secret.string()),
                            "test.toml");
    ASSERT_TRUE(loaded) << format(loaded.error().front());
    ASSERT_EQ(loaded->credentials.size(), 1U);
    EXPECT_EQ(loaded->credentials.at(secret).password.reveal(), "hunter2");
    EXPECT_EQ(fmt::format("{}", loaded->credentials.at(secret).password), "<secret>");
}

TEST_F(CredentialsFile, ConfigReportsAnOpenCredentialsFileOnce) {
    const fs::path secret = write("ipmi.secret", "password = \"x\"\n", 0666);
    auto loaded = load_text(fmt::format("[defaults]\ncredentials = \"{}\"\n[[node]]\nnames = \"n[1-3]\"\n"
                                        "driver = \"ipmi\"\nbmc = \"b[1-3]\"\n",
                                        secret.string()),
                            "test.toml");
    ASSERT_FALSE(loaded);
    ASSERT_EQ(loaded.error().size(), 1U);
    EXPECT_NE(loaded.error().front().key.find("credentials of n1"), std::string::npos);
}

// `slumber status` exited 3 on a credentials file of mode 0640 (root:slurm,
// a site's setup): those who only look load with refused_credentials, and
// the file is set aside with the refusal; the others' loads still fail.
TEST_F(CredentialsFile, ALookersLoadSetsARefusedFileAsideWithTheRefusal) {
    const fs::path secret = write("ipmi.secret", "username = \"admin\"\npassword = \"x\"\n", 0640);
    const std::string text = fmt::format(
        "[[node]]\nnames = \"n[1-2]\"\ndriver = \"ipmi\"\nbmc = \"b[1-2]\"\ncredentials = \"{}\"\n"
        "[[node]]\nnames = \"n3\"\ndriver = \"exec\"\non = \"true\"\n",
        secret.string());
    auto looker = load_text(text, "test.toml", {.unreadable_credentials = true, .refused_credentials = true});
    ASSERT_TRUE(looker) << format(looker.error().front());
    ASSERT_EQ(looker->refused_credentials.size(), 1U);
    const ConfigError& refusal = looker->refused_credentials.at(secret);
    EXPECT_NE(refusal.message.find("mode 0640"), std::string::npos) << refusal.message;
    EXPECT_TRUE(refusal.fix.starts_with("chmod 600 " + secret.string())) << refusal.fix;
    EXPECT_FALSE(looker->credentials.contains(secret));
    EXPECT_EQ(looker->nodes.size(), 3U);

    // The rule is the one read_credentials() applies, from the file's status.
    struct stat status {};
    ASSERT_EQ(::lstat(secret.c_str(), &status), 0);
    const auto rule = refuse_credentials_file(secret, status);
    ASSERT_TRUE(rule);
    EXPECT_EQ(rule->message, read_credentials(secret).error().message);

    // Whoever switches nodes with it still fails, as before.
    EXPECT_FALSE(load_text(text, "test.toml", {.unreadable_credentials = true}));
    EXPECT_FALSE(load_text(text, "test.toml"));
}

TEST_F(CredentialsFile, ABmcAccountWithoutAUsernameIsAnErrorNamingTheFileAndTheFix) {
    const fs::path secret = write("ipmi.secret", "password = \"x\"\n", 0600);
    auto loaded = load_text(fmt::format("[defaults]\ncredentials = \"{}\"\n[[node]]\nnames = \"n[1-3]\"\n"
                                        "driver = \"ipmi\"\nbmc = \"b[1-3]\"\n",
                                        secret.string()),
                            "test.toml");
    ASSERT_FALSE(loaded);
    ASSERT_EQ(loaded.error().size(), 1U) << "said once for the file";
    const ConfigError& error = loaded.error().front();
    EXPECT_EQ(error.file, secret.string());
    EXPECT_NE(error.key.find("credentials of n1"), std::string::npos) << error.key;
    EXPECT_NE(error.message.find("no username"), std::string::npos) << error.message;
    EXPECT_NE(error.fix.find("username = "), std::string::npos) << error.fix;
    EXPECT_EQ(format(error).find("\"x\""), std::string::npos) << "the secret is never shown";

    // A plug's password alone is enough (Tasmota's user name defaults to admin).
    auto plug = load_text(fmt::format("[[device]]\nname = \"sw\"\ndriver = \"tasmota\"\n"
                                      "address = \"http://plug\"\ncredentials = \"{}\"\n",
                                      secret.string()),
                          "test.toml");
    EXPECT_TRUE(plug) << format(plug.error().front());
}

// `slumber config check` and the daemon check [web] token_file as the web
// server reads it: a tester's check passed a token at mode 644 that the
// daemon then refused.
TEST_F(CredentialsFile, TheWebTokenIsCheckedAsTheDaemonReadsIt) {
    const auto with_token = [&](const fs::path& token, bool enabled = true) {
        return fmt::format("[web]\nenabled = {}\ntoken_file = \"{}\"\n", enabled, token.string());
    };
    const fs::path open = write("open.token", "0123456789abcdef\n", 0644);
    auto refused = load_text(with_token(open), "slumber.toml", {.web_token = true});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().front().file, open.string());
    EXPECT_NE(refused.error().front().message.find("mode 0644"), std::string::npos);
    EXPECT_EQ(refused.error().front().fix, "chmod 600 " + open.string());
    EXPECT_TRUE(load_text(with_token(open), "slumber.toml")) << "only those that serve or check the web read it";
    EXPECT_TRUE(load_text(with_token(open, false), "slumber.toml", {.web_token = true})) << "no web server, no token";

    auto empty = load_text(with_token(write("empty.token", "\n", 0600)), "slumber.toml", {.web_token = true});
    ASSERT_FALSE(empty);
    EXPECT_NE(empty.error().front().message.find("empty"), std::string::npos);
    auto missing = load_text(with_token(m_dir / "absent.token"), "slumber.toml", {.web_token = true});
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().front().fix.find("openssl rand -hex 32"), std::string::npos);
    const fs::path good = write("web.token", "0123456789abcdef\n", 0600);
    EXPECT_TRUE(load_text(with_token(good), "slumber.toml", {.web_token = true}));
}

// A token file whose content could never work was accepted, and every
// request was then "wrong token": `config check` (exit 3) and the daemon's
// start refuse it now, as the web server does at a reload.
TEST_F(CredentialsFile, AWebTokenThatCannotWorkIsRefused) {
    const std::vector<std::pair<std::string, std::string>> refused{
        {"tok1-0123456789abcdef\ntok2-0123456789abcdef\n", "more than one line"},
        {"x\n", "shorter than 16 characters"},
        {"abc def\n", "a space"},
        {"Bearer xyz\n", "a space"},
        {"0123456789\aabcdef\n", "not printable ASCII"},
    };
    for (const auto& [text, why] : refused) {
        const fs::path token = write("web.token", text, 0600);
        auto loaded = load_text(fmt::format("[web]\nenabled = true\ntoken_file = \"{}\"\n", token.string()),
                                "slumber.toml", {.web_token = true});
        ASSERT_FALSE(loaded) << why;
        const ConfigError& error = loaded.error().front();
        EXPECT_EQ(error.file, token.string());
        EXPECT_EQ(error.key, "[web] token_file of slumber.toml");
        EXPECT_NE(error.message.find(why), std::string::npos) << error.message;
        EXPECT_EQ(error.fix, fmt::format("openssl rand -hex 32 > {0} && chmod 600 {0}", token.string()));
    }
}

}  // namespace
}  // namespace slumber::config
