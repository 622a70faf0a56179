#include "slurm/slurm_conf.hpp"

#include <gtest/gtest.h>

namespace slumber::slurm {
namespace {

TEST(SlurmConf, ReadsAGlobalOptionAsSlurmctldDoes) {
    constexpr std::string_view kText =
        "# SlurmUser=nobody in a comment does not count\n"
        "ClusterName=lab\n"
        "slurmuser = slurm   # keys are case-insensitive\n"
        "NodeName=n[1-4] CPUs=2\n";
    EXPECT_EQ(conf_option(kText, "SlurmUser"), "slurm");
    EXPECT_EQ(conf_option(kText, "ClusterName"), "lab");
    EXPECT_FALSE(conf_option(kText, "SuspendTime").has_value());
    EXPECT_EQ(conf_option("SlurmUser=a\nSlurmUser=b", "SlurmUser"), "b") << "the last setting wins";
}

}  // namespace
}  // namespace slumber::slurm
