#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "vcluster/spec.hpp"

namespace slumber::vcluster {
namespace {

TEST(VclusterSpec, NodeNamesAreZeroPaddedToTheLargestNumber) {
    Spec spec;
    spec.nodes = 4;
    EXPECT_EQ(spec.node_names(), (std::vector<std::string>{"vnode001", "vnode002", "vnode003", "vnode004"}));
    EXPECT_EQ(spec.node_hostlist(), "vnode[001-004]");
    spec.nodes = 1200;
    EXPECT_EQ(spec.node_name(0), "vnode0001");
    EXPECT_EQ(spec.node_hostlist(), "vnode[0001-1200]");
    spec.nodes = 1;
    EXPECT_EQ(spec.node_hostlist(), "vnode001");
}

TEST(VclusterSpec, BmcAddressesSkipNetworkAndBroadcastOctets) {
    Spec spec;
    spec.bmc_subnet = 7;
    EXPECT_EQ(spec.bmc_address(0), "127.7.0.1");
    EXPECT_EQ(spec.bmc_address(253), "127.7.0.254");
    EXPECT_EQ(spec.bmc_address(254), "127.7.1.1");
}

TEST(VclusterSpec, IndexOfFindsOnlyTheClustersNodes) {
    Spec spec;
    EXPECT_EQ(spec.index_of("vnode003"), 2);
    EXPECT_EQ(spec.index_of("vnode005"), -1);
    EXPECT_EQ(spec.index_of("vnode3"), -1);
    EXPECT_EQ(spec.slurmd_port(0), spec.slurmctld_port + 1);
}

TEST(VclusterSpec, ValidationNamesTheOption) {
    auto error_of = [](auto change) {
        Spec spec;
        change(spec);
        auto ok = validate(spec);
        return ok ? std::string("valid") : ok.error();
    };
    EXPECT_EQ(error_of([](Spec&) {}), "valid");
    EXPECT_NE(error_of([](Spec& s) { s.nodes = 0; }).find("--nodes 0"), std::string::npos);
    EXPECT_NE(error_of([](Spec& s) { s.slurmctld_port = 65534; }).find("--port"), std::string::npos);
    EXPECT_NE(error_of([](Spec& s) { s.bmc_subnet = 0; }).find("--bmc-subnet"), std::string::npos);
    EXPECT_NE(error_of([](Spec& s) { s.return_to_service = 3; }).find("0, 1 or 2"), std::string::npos);
    EXPECT_NE(error_of([](Spec& s) { s.resume_timeout = Duration{500}; }).find("--resume-timeout"), std::string::npos);
    EXPECT_NE(error_of([](Spec& s) { s.resume_program = "hooks/resume"; }).find("absolute path"), std::string::npos);
    EXPECT_NE(error_of([](Spec& s) { s.deployment = "cloud"; }).find("--deployment cloud: give root or site"),
              std::string::npos);
    EXPECT_NE(error_of([](Spec& s) {
                  s.hooks = "slumber";
                  s.installed = "usr";
              }).find("--installed usr: give an absolute prefix"),
              std::string::npos);
    EXPECT_NE(error_of([](Spec& s) { s.installed = "/usr"; }).find("--installed needs --hooks slumber"),
              std::string::npos);
    EXPECT_NE(error_of([](Spec& s) { s.web_port = 28890; }).find("--web needs --daemon"), std::string::npos);
    const std::string three = error_of([](Spec& s) { s.controllers = 3; });
    EXPECT_NE(three.find("--controllers 3: give 1"), std::string::npos) << three;
    EXPECT_NE(three.find(" or 2 "), std::string::npos) << three;
    EXPECT_NE(error_of([](Spec& s) { s.controllers = 0; }).find("--controllers 0"), std::string::npos);
    EXPECT_NE(error_of([](Spec& s) { s.slurmctld_timeout = Duration{500}; }).find("--slurmctld-timeout"),
              std::string::npos);
    EXPECT_EQ(error_of([](Spec& s) { s.controllers = 2; }), "valid");
}

TEST(VclusterSpec, ControllersAreNamedAndAddressedInOrder) {
    Spec spec;
    EXPECT_EQ(spec.controller_name(0), "localhost");
    spec.controllers = 2;
    EXPECT_EQ(spec.controller_name(0), "vctl1");
    EXPECT_EQ(spec.controller_name(1), "vctl2");
    EXPECT_EQ(spec.controller_address(1), "127.0.0.2");
    EXPECT_EQ(spec.controller_index("vctl2"), 1);
    EXPECT_EQ(spec.controller_index("localhost"), -1);
}

TEST(VclusterSpec, SavedSpecLoadsBackTheSame) {
    const RunDir dir{std::filesystem::temp_directory_path() / "slumber-spec-test"};
    std::filesystem::create_directories(dir.root);
    Spec spec;
    spec.nodes = 7;
    spec.boot_delay = Duration{4500};
    spec.return_to_service = 2;
    spec.resume_program = "/usr/local/sbin/resume";
    spec.deployment = "site";
    spec.hooks = "slumber";
    spec.installed = "/usr";
    spec.controllers = 2;
    spec.slurmctld_timeout = Duration{7000};
    ASSERT_TRUE(save(spec, dir));
    auto loaded = load(dir);
    ASSERT_TRUE(loaded) << loaded.error();
    EXPECT_EQ(loaded->nodes, 7);
    EXPECT_EQ(loaded->boot_delay, Duration{4500});
    EXPECT_EQ(loaded->return_to_service, 2);
    EXPECT_EQ(loaded->resume_program, "/usr/local/sbin/resume");
    EXPECT_TRUE(loaded->site());
    EXPECT_EQ(loaded->installed, "/usr");
    EXPECT_EQ(loaded->controllers, 2);
    EXPECT_EQ(loaded->slurmctld_timeout, Duration{7000});

    std::ofstream(dir.spec_file()) << "nodes = [";
    auto broken = load(dir);
    ASSERT_FALSE(broken);
    EXPECT_NE(broken.error().find(dir.spec_file().string()), std::string::npos) << broken.error();
    // A run directory from an older slumber: fields added since take defaults.
    std::ofstream(dir.spec_file()) << "nodes = 3\n";
    auto older = load(dir);
    ASSERT_TRUE(older) << older.error();
    EXPECT_EQ(older->nodes, 3);
    EXPECT_EQ(older->hooks, "ipmitool");
    EXPECT_EQ(older->deployment, "root");
    EXPECT_EQ(older->controllers, 1);
    std::ofstream(dir.spec_file()) << "name_prefix = \"n\"\n";
    auto partial = load(dir);
    ASSERT_FALSE(partial);
    EXPECT_NE(partial.error().find("no nodes"), std::string::npos) << partial.error();
    std::filesystem::remove_all(dir.root);
}

}  // namespace
}  // namespace slumber::vcluster
