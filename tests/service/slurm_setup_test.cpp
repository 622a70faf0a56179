// What slurm-config (and next `doctor`) checks, without Slurm: what a user
// who is not root may reach, and the ResumeTimeout that journaled boots call
// for.
#include "service/slurm_setup.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <fstream>

#include "../support/temp_dir.hpp"
#include "store/journal.hpp"

namespace slumber::service {
namespace {

namespace fs = std::filesystem;

class SlurmSetupTest : public ::testing::Test {
  protected:
    void SetUp() override { ::chmod(dir.c_str(), 0755); }

    slumber::testing::TempDir m_temp{"slumber-setup"};
    std::filesystem::path dir = m_temp.path();
    // An account that is neither the files' owner nor in their group.
    slurm::SlurmUser stranger{"slumber-test-nobody", 65534, 65534, "the test"};
};

TEST_F(SlurmSetupTest, WhatAUserMayReachIsDecidedAsTheKernelDoes) {
    const fs::path file = dir / "slumber.toml";
    std::ofstream(file) << "x\n";
    ::chmod(file.c_str(), 0644);
    EXPECT_TRUE(access_for(file, stranger, kRead).ok());
    EXPECT_EQ(access_for(file, stranger, kReadWrite).verdict, Access::Verdict::denied);

    ::chmod(file.c_str(), 0600);
    const Access denied = access_for(file, stranger, kRead);
    EXPECT_EQ(denied.verdict, Access::Verdict::denied);
    EXPECT_NE(denied.where.find(fmt::format("{} is ", file.string())), std::string::npos) << denied.where;
    EXPECT_NE(denied.where.find(" 0600"), std::string::npos) << denied.where;

    EXPECT_EQ(access_for(dir / "missing.toml", stranger, kRead).verdict, Access::Verdict::missing);

    // A directory above that may not be searched hides even a file anyone may read.
    ::chmod(file.c_str(), 0644);
    ::chmod(dir.c_str(), 0700);
    const Access hidden = access_for(file, stranger, kRead);
    EXPECT_EQ(hidden.verdict, Access::Verdict::unreachable);
    EXPECT_NE(hidden.where.find(fmt::format("{} is ", dir.string())), std::string::npos) << hidden.where;
    EXPECT_EQ(hidden.fix, fmt::format("chmod o+x {} (lets everyone, {} among them, pass through it, not list it)",
                                      dir.string(), stranger.name));
    // Its owner, or a member of its group, is held by those bits: o+x would
    // change nothing for either (a tester applied it and was told it again).
    if (::geteuid() == 0) {  // to give the directory to another owner and group
        ASSERT_EQ(::chown(dir.c_str(), 65533, 65533), 0);
        ::chmod(dir.c_str(), 0671);
        const slurm::SlurmUser owning{"owning", 65533, 65534, "the test"};
        const Access by_owner = access_for(file, owning, kRead);
        EXPECT_EQ(by_owner.verdict, Access::Verdict::unreachable);
        EXPECT_EQ(by_owner.fix, fmt::format("chmod u+x {} (lets its owner owning pass through it)", dir.string()));
        ::chmod(dir.c_str(), 0761);
        const slurm::SlurmUser member{"member", 65534, 65533, "the test"};
        const Access by_group = access_for(file, member, kRead);
        EXPECT_EQ(by_group.verdict, Access::Verdict::unreachable);
        EXPECT_EQ(by_group.fix, fmt::format("chmod g+x {} (lets its group, member among them, pass through it; "
                                            "others still may not)",
                                            dir.string()));
        ASSERT_EQ(::chown(dir.c_str(), 0, 0), 0);
        ::chmod(dir.c_str(), 0700);
    }

    // The owner's bits count for the owner, and root may always.
    const slurm::SlurmUser owner{"owner", ::geteuid(), ::getegid(), "the test"};
    EXPECT_TRUE(access_for(file, owner, kReadWrite).ok());
    const slurm::SlurmUser root{"root", 0, 0, "the test"};
    EXPECT_TRUE(access_for(file, root, kReadWriteSearch).ok());
}

// slurm-config said "ok" for a credentials file of mode 0640 root:slurm
// (SlurmUser reads it through its group) that slumber itself refuses.
TEST_F(SlurmSetupTest, ACredentialsFileSlumberRefusesIsRefusedWhoeverMayReadIt) {
    const fs::path file = dir / "ipmi.secret";
    std::ofstream(file) << "password = \"x\"\n";
    ::chmod(file.c_str(), 0640);
    // In the file's group, as SlurmUser is in root:slurm's.
    const slurm::SlurmUser member{"member", 65534, ::getegid(), "the test"};
    EXPECT_TRUE(access_for(file, member, kRead).ok()) << "the kernel lets it read";
    const Access refused = access_for(file, member, kRead, PathKind::credentials);
    EXPECT_EQ(refused.verdict, Access::Verdict::refused);
    EXPECT_NE(refused.where.find(fmt::format("{} is accessible by group or others (mode 0640)", file.string())),
              std::string::npos)
        << refused.where;
    EXPECT_TRUE(refused.fix.starts_with("chmod 600 " + file.string())) << refused.fix;
    EXPECT_NE(refused.fix.find("chown member " + file.string()), std::string::npos) << "SlurmUser: " << refused.fix;
    const slurm::SlurmUser root{"root", 0, 0, "the test"};
    EXPECT_EQ(access_for(file, root, kRead, PathKind::credentials).verdict, Access::Verdict::refused);

    // Mode 600: its owner may use it; others are denied by the kernel, as before.
    ::chmod(file.c_str(), 0600);
    const slurm::SlurmUser owner{"owner", ::geteuid(), ::getegid(), "the test"};
    EXPECT_TRUE(access_for(file, owner, kRead, PathKind::credentials).ok());
    EXPECT_EQ(access_for(file, stranger, kRead, PathKind::credentials).verdict, Access::Verdict::denied);
    EXPECT_EQ(access_for(dir / "absent", stranger, kRead, PathKind::credentials).verdict, Access::Verdict::missing);
}

// What slurm-config prints for SlurmUser, as typed values: the
// configuration file, the state directory and each credentials file once.
TEST_F(SlurmSetupTest, SlurmUserNeedsTheFileTheStateDirectoryAndEachCredentialsFileOnce) {
    const fs::path config_file = dir / "slumber.toml";
    std::ofstream(config_file) << "x\n";
    ::chmod(config_file.c_str(), 0644);
    const fs::path secret = dir / "b.secret";
    std::ofstream(secret) << "password = \"x\"\n";
    ::chmod(secret.c_str(), 0640);
    const std::string text = fmt::format(
        "[daemon]\nstate_dir = \"{0}/state\"\n[slurm]\nbin_dir = \"{0}\"\n"
        "[[node]]\nnames = \"n[1-2]\"\ndriver = \"tasmota\"\nbmc_pattern = \"http://{{name}}\"\ncredentials = \"{1}\"\n"
        "[[device]]\nname = \"sw\"\ndriver = \"tasmota\"\naddress = \"http://sw\"\ncredentials = \"{0}/a.secret\"\n",
        dir.string(), secret.string());
    const auto loaded = config::load_text(text, config_file, {.credentials = false});
    ASSERT_TRUE(loaded) << config::format(loaded.error().front());

    const SlurmUserNeeds needs = slurm_user_needs(*loaded, config_file, stranger);
    EXPECT_EQ(needs.user.name, stranger.name);
    EXPECT_TRUE(needs.config_file.ok());
    EXPECT_EQ(needs.state_dir, dir / "state");
    EXPECT_EQ(needs.state.verdict, Access::Verdict::missing);
    ASSERT_EQ(needs.credentials.size(), 2U);
    EXPECT_EQ(needs.credentials[0].first, dir / "a.secret");
    EXPECT_EQ(needs.credentials[0].second.verdict, Access::Verdict::missing);
    EXPECT_EQ(needs.credentials[1].first, secret);
    EXPECT_EQ(needs.credentials[1].second.verdict, Access::Verdict::refused) << "mode 0640, slumber's own rule";

    // A state directory only its owner may enter.
    fs::create_directory(dir / "state");
    ::chmod((dir / "state").c_str(), 0700);
    const SlurmUserNeeds later = slurm_user_needs(*loaded, config_file, stranger);
    EXPECT_EQ(later.state.verdict, Access::Verdict::denied);
    EXPECT_NE(later.state.where.find(" 0700"), std::string::npos) << later.state.where;
}

TEST_F(SlurmSetupTest, ResumeTimeoutAdviceFollowsTheSlowestMeasuredBoot) {
    auto loaded = config::load_text(fmt::format(R"(
[daemon]
state_dir = "{0}/state"

[slurm]
bin_dir = "{0}"  # no scontrol: SlurmUser is looked up in slurm.conf only

[[node]]
names = "n[1-2]"
driver = "exec"
on = "true"
off = "true"
)",
                                                dir.string()),
                                    "test.toml");
    ASSERT_TRUE(loaded) << config::format(loaded.error().front());
    EXPECT_FALSE(resume_timeout_advice(*loaded)) << "no boot measured yet";
    {
        auto journal = store::Journal::open(loaded->daemon.journal());
        ASSERT_TRUE(journal) << journal.error();
        // n1 booted in 30 s and 50 s, n2 in 130 s: 1.5 x 130 s is 195 s, 240 s in whole minutes.
        for (const auto& [node, on, registered] :
             {std::tuple{"n1", 1'000'000, 1'030'000}, {"n1", 2'000'000, 2'050'000}, {"n2", 1'000'000, 1'130'000}}) {
            ASSERT_TRUE(journal->boot_started(node, on));
            ASSERT_TRUE(journal->boot_registered(node, registered));
        }
    }
    const auto advice = resume_timeout_advice(*loaded);
    ASSERT_TRUE(advice);
    EXPECT_EQ(advice->seconds, 240);
    EXPECT_EQ(advice->all.count, 3);
    EXPECT_EQ(advice->all.max_ms, 130'000);
    EXPECT_TRUE(advice->all.node.empty());
}

}  // namespace
}  // namespace slumber::service
