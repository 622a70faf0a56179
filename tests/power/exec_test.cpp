// The exec driver: templates split safely, fields substituted into words,
// the password on standard input, and every way a site command can fail.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "power/exec/exec_driver.hpp"

namespace slumber::power {
namespace {

using exec::split_words;

TEST(ExecWords, SplitAsAShellWouldWithoutExpanding) {
    using Words = std::vector<std::string>;
    EXPECT_EQ(split_words("pdu --outlet 4 on"), (Words{"pdu", "--outlet", "4", "on"}));
    EXPECT_EQ(split_words("sh -c 'echo $HOME; ls'"), (Words{"sh", "-c", "echo $HOME; ls"}));
    EXPECT_EQ(split_words(R"(a "b \"c\" d" e\ f '')"), (Words{"a", "b \"c\" d", "e f", ""}));
    EXPECT_EQ(split_words("  "), Words{});
    EXPECT_FALSE(split_words("echo 'open"));
    EXPECT_EQ(split_words("echo \"open").error(), "the double quote is never closed");
}

class ExecTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir = std::filesystem::temp_directory_path() / ("slumber-exec-" + std::to_string(::getpid()));
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    void TearDown() override { std::filesystem::remove_all(dir); }

    Result<std::unique_ptr<Driver>> driver(const std::string& name, std::map<std::string, std::string> commands,
                                           std::string password = {}) {
        TargetSettings target;
        target.name = name;
        target.username = "operator";
        target.password = util::Secret(std::move(password));
        target.policy.timeout = std::chrono::milliseconds{2000};
        for (auto& [verb, text] : commands) target.options[verb] = text;
        return make_driver("exec", target);
    }
    // A switch whose state is a file, as a PDU's CLI would keep it.
    std::map<std::string, std::string> pdu() const {
        const std::string state = (dir / "{name}.state").string();
        return {{"on", "sh -c 'echo on > \"$0\"' " + state},
                {"off", "sh -c 'echo off > \"$0\"' " + state},
                {"status", "cat " + state}};
    }
    std::filesystem::path dir;
};

TEST_F(ExecTest, SwitchesThroughTheSitesCommands) {
    auto made = driver("outlet4", pdu());
    ASSERT_TRUE(made) << describe(made.error());
    auto& outlet = **made;
    std::ofstream(dir / "outlet4.state") << "off\n";
    EXPECT_EQ(outlet.status(), PowerState::off);
    ASSERT_TRUE(outlet.on());
    EXPECT_EQ(outlet.status(), PowerState::on);
    std::filesystem::remove(dir / "outlet4.state");
    auto status = outlet.status();
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().kind, ErrorKind::protocol) << describe(status.error());
    auto soft = outlet.soft();
    ASSERT_FALSE(soft);
    EXPECT_EQ(soft.error().kind, ErrorKind::unsupported);
}

TEST_F(ExecTest, ANameNeverBecomesASecondCommand) {
    auto made = driver("a;touch pwned", {{"on", "touch " + (dir / "{name}").string()}});
    ASSERT_TRUE(made) << describe(made.error());
    ASSERT_TRUE((*made)->on());
    EXPECT_TRUE(std::filesystem::exists(dir / "a;touch pwned"));
    EXPECT_FALSE(std::filesystem::exists("pwned"));
}

TEST_F(ExecTest, ThePasswordComesOnStandardInput) {
    const std::string got = (dir / "got").string();
    auto made = driver("n1", {{"on", "sh -c 'read -r pw; echo \"{user} $pw $#\" > \"$0\"' " + got}}, "pa ss;word");
    ASSERT_TRUE(made) << describe(made.error());
    ASSERT_TRUE((*made)->on());
    std::ifstream in(got);
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "operator pa ss;word 0") << "the password was read, and is no argument";
}

TEST_F(ExecTest, BadTemplatesAreConfigurationErrors) {
    for (const auto& [text, words] :
         {std::pair{"pdu {outlet} on", "unknown field {outlet}"}, {"pdu 'on", "quote is never closed"}}) {
        auto made = driver("n1", {{"on", text}});
        ASSERT_FALSE(made) << text;
        EXPECT_EQ(made.error().kind, ErrorKind::config);
        EXPECT_NE(made.error().message.find(words), std::string::npos) << made.error().message;
    }
    EXPECT_FALSE(driver("n1", {}));
}

TEST_F(ExecTest, FailuresSayWhatTheCommandSaid) {
    auto made = driver(
        "n1",
        {{"on", "sh -c 'echo outlet locked >&2; exit 3'"}, {"off", "/nonexistent/pdu off"}, {"cycle", "sleep 10"}});
    ASSERT_TRUE(made);
    auto on = (*made)->on();
    ASSERT_FALSE(on);
    EXPECT_EQ(on.error().kind, ErrorKind::protocol);
    EXPECT_EQ(on.error().bmc_said, "outlet locked");
    EXPECT_NE(on.error().message.find("exit 3"), std::string::npos);
    EXPECT_EQ((*made)->off().error().kind, ErrorKind::config);
    EXPECT_EQ((*made)->cycle().error().kind, ErrorKind::timeout);
}

}  // namespace
}  // namespace slumber::power
