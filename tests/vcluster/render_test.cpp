#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "config/config.hpp"
#include "vcluster/machine.hpp"
#include "vcluster/render.hpp"

namespace slumber::vcluster {
namespace {

bool has(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

TEST(VclusterRender, SlurmConfHasOnePortPerNodeAndPowerSaving) {
    Spec spec;
    spec.nodes = 3;
    spec.slurmctld_port = 30000;
    spec.suspend_time = Duration{90000};
    spec.return_to_service = 2;
    const std::string conf = render_slurm_conf(spec, RunDir{"/run/vc"});
    EXPECT_TRUE(has(conf, "SlurmctldPort=30000\n"));
    EXPECT_TRUE(has(conf, "NodeName=vnode[001-003] NodeHostname=localhost NodeAddr=127.0.0.1 Port=[30001-30003]"));
    EXPECT_TRUE(has(conf, "SlurmdSpoolDir=/run/vc/spool/%n\n"));
    EXPECT_TRUE(has(conf, "SuspendTime=90\n"));
    EXPECT_TRUE(has(conf, "ReturnToService=2\n"));
    EXPECT_TRUE(has(conf, "SuspendProgram=/run/vc/hooks/suspend\n"));
    EXPECT_TRUE(has(conf, "ResumeProgram=/run/vc/hooks/resume\n"));
    EXPECT_TRUE(has(conf, "ResumeFailProgram=/run/vc/hooks/resume-fail\n"));
}

// SuspendExcStates is 23.02's: 22.05 refuses a slurm.conf with it.
TEST(VclusterRender, DrainedNodesAreLeftAloneFromSlurm2302) {
    EXPECT_FALSE(has(render_slurm_conf(Spec{}, RunDir{"/run/vc"}, slurm::Version{22, 5, 8}), "SuspendExcStates"));
    EXPECT_FALSE(has(render_slurm_conf(Spec{}, RunDir{"/run/vc"}), "SuspendExcStates"));
    EXPECT_TRUE(
        has(render_slurm_conf(Spec{}, RunDir{"/run/vc"}, slurm::Version{24, 11, 3}), "SuspendExcStates=drain\n"));
}

TEST(VclusterRender, RootDeploymentRunsSlurmAsRootWithoutAuthentication) {
    const std::string conf = render_slurm_conf(Spec{}, RunDir{"/run/vc"});
    EXPECT_TRUE(has(conf, "SlurmUser=root\n"));
    EXPECT_TRUE(has(conf, "AuthType=auth/none\n"));
    EXPECT_FALSE(has(conf, "AuthInfo"));
}

// As sites run it: slurmctld as SlurmUser slurm, munge through the
// cluster's own munged (slurm.conf(5) AuthInfo socket=, 22.05 and 24.11).
TEST(VclusterRender, SiteDeploymentRunsSlurmctldAsSlurmWithMunge) {
    Spec spec;
    spec.deployment = "site";
    const std::string conf = render_slurm_conf(spec, RunDir{"/run/vc"});
    // SlurmUser in an Include'd file: slumber must ask slurmctld for it.
    EXPECT_TRUE(has(conf, "Include /run/vc/slurm-user.conf\nSlurmdUser=root\n"));
    EXPECT_TRUE(has(render_slurm_user_conf(), "\nSlurmUser=slurm\n"));
    EXPECT_FALSE(has(conf, "SlurmUser=slurm"));
    EXPECT_TRUE(has(conf, "AuthType=auth/munge\nCredType=cred/munge\nAuthInfo=socket=/run/vc/munge/munge.socket.2\n"));
    // slurmctld, as slurm, writes its PID file where it may.
    EXPECT_TRUE(has(conf, "SlurmctldPidFile=/run/vc/slurmctld-state/slurmctld.pid\n"));
    EXPECT_FALSE(has(conf, "auth/none"));
}

// Slurm 24.11's slurmd starts its cgroup plugin even with proctrack/linuxproc
// and stops on a hybrid hierarchy; 22.05's would not know the value.
TEST(VclusterRender, CgroupConfTurnsSlurmsCgroupsOffFrom2405) {
    EXPECT_FALSE(needs_cgroup_conf(slurm::Version{22, 5, 8}));
    EXPECT_FALSE(needs_cgroup_conf(slurm::Version{23, 11, 4}));
    EXPECT_TRUE(needs_cgroup_conf(slurm::Version{24, 5, 0}));
    EXPECT_TRUE(needs_cgroup_conf(slurm::Version{24, 11, 5}));
    EXPECT_TRUE(has(render_cgroup_conf(), "\nCgroupPlugin=disabled\n"));
}

TEST(VclusterRender, EachBmcHasItsAddressGuidAndChassisProgram) {
    Spec spec;
    const std::string first = render_lan_conf(spec, 0, 0, "pw1", "/run/vc/bmc-chassis");
    const std::string second = render_lan_conf(spec, 1, 1, "pw1", "/run/vc/bmc-chassis");
    EXPECT_TRUE(has(first, "addr 127.1.0.1 623\n"));
    EXPECT_TRUE(has(second, "addr 127.1.0.2 623\n"));
    EXPECT_TRUE(has(first, "chassis_control \"/run/vc/bmc-chassis vnode001\""));
    const auto guid = [](const std::string& conf) { return conf.substr(conf.find("guid "), 38); };
    EXPECT_NE(guid(first), guid(second));
    EXPECT_TRUE(has(first, "\"operator\" \"pw1\" operator"));
}

// The `crossed` fault: the BMC at vnode001's address is vnode002's, with
// vnode002's GUID and chassis, and its sensors.
TEST(VclusterRender, CrossedBmcIsTheOtherMachinesAtItsOwnAddress) {
    Spec spec;
    const RunDir dir{"/run/vc"};
    const std::string crossed = render_lan_conf(spec, 0, 1, "pw1", "/run/vc/bmc-chassis");
    const std::string second = render_lan_conf(spec, 1, 1, "pw1", "/run/vc/bmc-chassis");
    EXPECT_TRUE(has(crossed, "addr 127.1.0.1 623\n"));
    EXPECT_TRUE(has(crossed, "chassis_control \"/run/vc/bmc-chassis vnode002\""));
    EXPECT_TRUE(has(crossed, "# BMC of vnode002, at vnode001's address (fault crossed)"));
    const auto guid = [](const std::string& conf) { return conf.substr(conf.find("guid "), 38); };
    EXPECT_EQ(guid(crossed), guid(second));
    EXPECT_TRUE(has(render_bmc_emu(spec, dir, 1), "/run/vc/nodes/vnode002/sensor.watts"));
}

// A node's own UUID is its BMC's GUID (uncrossed), so that doctor's
// node-uuid-mismatch check finds nothing on a healthy virtual cluster.
TEST(VclusterRender, NodeUuidIsItsBmcsGuidAndAnswersOnlyWhileOn) {
    Spec spec;
    const std::string conf = render_lan_conf(spec, 1, 1, "pw1", "/run/vc/bmc-chassis");
    std::string uuid = smbios_uuid(spec, 1);
    std::erase(uuid, '-');
    EXPECT_TRUE(has(conf, "guid " + uuid + "\n")) << uuid;
    EXPECT_NE(smbios_uuid(spec, 0), smbios_uuid(spec, 1));
    const std::string program = render_node_uuid_program(RunDir{"/run/vc"}, "/sys/fs/cgroup/vc");
    EXPECT_TRUE(has(program, "read -r pid < /sys/fs/cgroup/vc/\"$1\"/cgroup.procs"));
    EXPECT_TRUE(has(program, "exec /bin/cat /run/vc/nodes/\"$1\"/product_uuid\n"));
    EXPECT_TRUE(has(render_slumber_conf(spec, RunDir{"/run/vc"}), "node_uuid_command = \"/run/vc/node-uuid {node}\""));
}

TEST(VclusterRender, ChassisProgramAnswersStatusItselfAndHandsChangesOn) {
    const std::string program =
        render_chassis_program(RunDir{"/run/vc"}, "/build/slumber-vcluster", "/sys/fs/cgroup/vc");
    EXPECT_TRUE(has(program, "read -r pid < /sys/fs/cgroup/vc/\"$node\"/cgroup.procs"));
    EXPECT_TRUE(has(program, "exec /build/slumber-vcluster chassis /run/vc \"$node\" \"$@\"\n"));
}

TEST(VclusterRender, DefaultHooksUseIpmitoolWithThePasswordFile) {
    Spec spec;
    const RunDir dir{"/run/vc"};
    const std::string suspend = render_hook(spec, dir, Hook::suspend, {"/build/slumber", "x"});
    EXPECT_TRUE(has(suspend, "-f /run/vc/ipmi.password chassis power off"));
    EXPECT_TRUE(has(render_hook(spec, dir, Hook::resume, {"/build/slumber", "x"}), "chassis power on"));
    EXPECT_TRUE(has(suspend, "/usr/bin/scontrol show hostnames"));
    EXPECT_FALSE(has(suspend, " -P ")) << "no password on a command line";
    // Slurm 22.05 starts hooks with SIGCHLD blocked: a shell's wait never returns.
    EXPECT_FALSE(has(suspend, "wait")) << suspend;
    EXPECT_TRUE(has(suspend, "/usr/bin/xargs --max-procs=0")) << suspend;
    EXPECT_FALSE(has(render_hook(spec, dir, Hook::resume_fail, {"/build/slumber", "x"}), "ipmitool"));

    spec.resume_program = "/opt/site/resume";
    EXPECT_TRUE(has(render_hook(spec, dir, Hook::resume, {"/build/slumber", "x"}), "exec /opt/site/resume \"$@\"\n"));
}

// With --hooks slumber, Slurm's hooks run the slumber the rig was given (the
// one beside slumber-vcluster), never the rig itself.
TEST(VclusterRender, SlumberHooksRunTheSlumberBinary) {
    Spec spec;
    spec.hooks = "slumber";
    const RunDir dir{"/run/vc"};
    EXPECT_TRUE(has(render_hook(spec, dir, Hook::suspend, {"/build/slumber", "suspend"}),
                    "exec /build/slumber suspend --config /run/vc/slumber.toml \"$@\"\n"));
    EXPECT_TRUE(has(render_hook(spec, dir, Hook::resume_fail, {"/build/slumber", "resume-fail"}),
                    "exec /build/slumber resume-fail --config /run/vc/slumber.toml \"$@\"\n"));
    // Installed (slumber-vcluster up --installed /usr): the links a package puts in sbin.
    EXPECT_TRUE(has(render_hook(spec, dir, Hook::resume, {"/usr/sbin/slumber-resume"}),
                    "exec /usr/sbin/slumber-resume --config /run/vc/slumber.toml \"$@\"\n"));
}

TEST(VclusterRender, InstalledSlumberIsRunThroughItsLinks) {
    Spec spec;
    spec.hooks = "slumber";
    spec.installed = "/usr";
    EXPECT_EQ(slumber_command(spec, "resume-fail"), (std::vector<std::string>{"/usr/sbin/slumber-resume-fail"}));
    EXPECT_EQ(slumber_command(spec, "daemon"), (std::vector<std::string>{"/usr/sbin/slumberd"}));
    EXPECT_EQ(slumber_command(spec, "carry"), (std::vector<std::string>{"/usr/bin/slumber", "carry"}));
    spec.installed.clear();
    EXPECT_EQ(slumber_command(spec, "suspend").at(1), "suspend");
}

TEST(VclusterRender, SlumberInventoryNamesEveryBmc) {
    Spec spec;
    spec.nodes = 4;
    const std::string conf = render_slumber_conf(spec, RunDir{"/run/vc"});
    EXPECT_TRUE(has(conf, "names = \"vnode[001-004]\"\n"));
    EXPECT_TRUE(has(conf, "bmc = \"127.1.0.[1-4]\"\n"));
    EXPECT_TRUE(has(conf, "credentials = \"/run/vc/ipmi.secret\"\n"));
    EXPECT_EQ(render_bmc_table(spec).substr(0, 24), "vnode001 127.1.0.1 623\nv");
}

TEST(VclusterRender, TheWebServerOnlyWhenAsked) {
    Spec spec;
    EXPECT_FALSE(has(render_slumber_conf(spec, RunDir{"/run/vc"}), "[web]"));
    spec.web_port = 28890;
    const std::string conf = render_slumber_conf(spec, RunDir{"/run/vc"});
    EXPECT_TRUE(has(conf, "[web]\nenabled = true\nport = 28890\ntoken_file = \"/run/vc/web.token\"")) << conf;
}

TEST(VclusterRender, RedfishNodesAndTheFabricSwitchInTheInventory) {
    Spec spec;
    spec.nodes = 5;
    spec.redfish_nodes = 2;
    spec.fabric_switch = 1;
    spec.switch_off_after = std::chrono::seconds{30};
    const std::string conf = render_slumber_conf(spec, RunDir{"/run/vc"});
    ASSERT_TRUE(has(conf, "names = \"vnode[001-003]\"\ndriver = \"ipmi\"\nbmc = \"127.1.0.[1-3]\"\n")) << conf;
    EXPECT_TRUE(has(conf, "names = \"vnode[004-005]\"\ndriver = \"redfish\"\nbmc = \"127.1.0.[4-5]\"\n"));
    EXPECT_TRUE(has(conf, "ca_file = \"/run/vc/redfish.pem\""));
    EXPECT_TRUE(has(conf, "nodes = \"vnode[001-005]\"\noff_after = \"30000ms\"\n"));
    // What slumber reads: valid, every node once, the switch a device (with
    // the credentials files and the certificate that `up` writes beside it:
    // a ca_file must exist).
    const auto root = std::filesystem::temp_directory_path() / fmt::format("slumber-render-{}", ::getpid());
    std::filesystem::create_directories(root);
    for (const char* file : {"ipmi.secret", "redfish.secret"}) {
        std::ofstream(root / file) << "username = \"root\"\npassword = \"x\"\n";
        std::filesystem::permissions(root / file,
                                     std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    }
    std::ofstream(root / "redfish.pem") << "-----BEGIN CERTIFICATE-----\n";
    auto loaded = config::load_text(render_slumber_conf(spec, RunDir{root}), "slumber.toml");
    std::filesystem::remove_all(root);
    ASSERT_TRUE(loaded) << config::format(loaded.error().front());
    EXPECT_EQ(loaded->nodes.size(), 5U);
    EXPECT_EQ(loaded->nodes.back().driver, "redfish");
    ASSERT_EQ(loaded->dependencies.size(), 1U);
    EXPECT_EQ(loaded->dependencies[0].device, "ibswitch");
}

// One controller keeps slurm.conf as it was before high availability.
TEST(VclusterRender, OneControllerIsLocalhost) {
    const std::string conf = render_slurm_conf(Spec{}, RunDir{"/run/vc"});
    EXPECT_TRUE(has(conf, "ClusterName=vcluster\nSlurmctldHost=localhost(127.0.0.1)\nSlurmctldPort=26817\nSlurmUser="));
    EXPECT_TRUE(has(conf, "SlurmctldPidFile=/run/vc/pids/slurmctld.slurm-pid\n"));
    EXPECT_TRUE(has(conf, "SlurmctldLogFile=/run/vc/log/slurmctld.log\n"));
    EXPECT_FALSE(has(conf, "SlurmctldTimeout"));
    EXPECT_FALSE(has(conf, "CommunicationParameters"));
}

// Slurm's high availability (slurm.conf(5) SlurmctldHost, given twice: the
// primary first), both slurmctld on one machine, each on its own address.
TEST(VclusterRender, TwoControllersArePrimaryAndBackupOnTheirOwnAddresses) {
    Spec spec;
    spec.controllers = 2;
    spec.slurmctld_timeout = std::chrono::seconds{12};
    const std::string conf = render_slurm_conf(spec, RunDir{"/run/vc"});
    EXPECT_TRUE(has(conf, "\nSlurmctldHost=vctl1(127.0.0.1)\nSlurmctldHost=vctl2(127.0.0.2)\nSlurmctldPort=26817\n"))
        << conf;
    EXPECT_FALSE(has(conf, "localhost(127.0.0.1)"));
    EXPECT_TRUE(has(conf, "\nSlurmctldTimeout=12\n"));
    // Each binds the address its name resolves to: both share SlurmctldPort.
    EXPECT_TRUE(has(conf, "\nCommunicationParameters=NoCtldInAddrAny\n"));
    // One state for both; PID file and log on each host's own disk.
    EXPECT_TRUE(has(conf, "\nStateSaveLocation=/run/vc/slurmctld-state\n"));
    EXPECT_TRUE(has(conf, "\nSlurmctldPidFile=/run/vc/controller/slurmctld.pid\n"));
    EXPECT_TRUE(has(conf, "\nSlurmctldLogFile=/run/vc/controller/slurmctld.log\n"));
    EXPECT_EQ(RunDir{"/run/vc"}.controller_dir(spec.controller_name(1)), "/run/vc/controllers/vctl2");
    // The site deployment's PID file is no exception.
    spec.deployment = "site";
    EXPECT_TRUE(has(render_slurm_conf(spec, RunDir{"/run/vc"}), "SlurmctldPidFile=/run/vc/controller/slurmctld.pid\n"));
}

TEST(VclusterRender, ControllerHostsNameEachControllerAtItsAddress) {
    Spec spec;
    spec.controllers = 2;
    const std::string hosts = render_controller_hosts(spec);
    EXPECT_TRUE(has(hosts, "\n127.0.0.1 localhost\n127.0.0.1 vctl1\n127.0.0.2 vctl2\n")) << hosts;
    EXPECT_EQ(controller_names(spec), (std::vector<std::string>{"vctl1", "vctl2"}));
}

// Each controller's daemon has its own state; the same nodes.
TEST(VclusterRender, EachControllerHasItsOwnSlumberConfig) {
    Spec spec;
    spec.controllers = 2;
    spec.nodes = 2;
    spec.hooks = "slumber";
    spec.daemon = 1;
    spec.web_port = 28890;
    const RunDir dir{"/run/vc"};
    EXPECT_EQ(slumber_conf_of(spec, dir, 0), "/run/vc/slumber-vctl1.toml");
    EXPECT_EQ(slumber_conf_of(spec, dir, 1), "/run/vc/slumber-vctl2.toml");
    const std::string first = render_slumber_conf(spec, dir, 0);
    const std::string second = render_slumber_conf(spec, dir, 1);
    EXPECT_TRUE(has(first, "[daemon]\nstate_dir = \"/run/vc/slumber-state-vctl1\"\n")) << first;
    EXPECT_TRUE(has(second, "[daemon]\nstate_dir = \"/run/vc/slumber-state-vctl2\"\n")) << second;
    EXPECT_TRUE(has(first, "names = \"vnode[001-002]\"\n"));
    EXPECT_TRUE(has(second, "names = \"vnode[001-002]\"\n"));
    // Both daemons serve: the primary's on the port given, the backup's on the next.
    EXPECT_TRUE(has(first, "port = 28890\n"));
    EXPECT_TRUE(has(second, "port = 28891\n"));
    // Each daemon knows which controller it runs beside (docs/ha.md).
    EXPECT_TRUE(has(second, "controller = \"vctl2\"")) << second;
    EXPECT_TRUE(daemon_controller_line("vctl2").starts_with("controller = \"vctl2\""));
    // One controller: slumber.toml and slumber-state, as before.
    spec.controllers = 1;
    EXPECT_EQ(slumber_conf_of(spec, dir, 0), "/run/vc/slumber.toml");
    EXPECT_TRUE(has(render_slumber_conf(spec, dir), "state_dir = \"/run/vc/slumber-state\"\n"));
}

// What slumber reads of each: a valid configuration.
TEST(VclusterRender, EachControllersSlumberConfigLoads) {
    Spec spec;
    spec.controllers = 2;
    spec.hooks = "slumber";
    const auto root = std::filesystem::temp_directory_path() / fmt::format("slumber-render-ha-{}", ::getpid());
    std::filesystem::create_directories(root);
    std::ofstream(root / "ipmi.secret") << "username = \"admin\"\npassword = \"x\"\n";
    std::filesystem::permissions(root / "ipmi.secret",
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    for (int i = 0; i < spec.controllers; ++i) {
        auto loaded = config::load_text(render_slumber_conf(spec, RunDir{root}, i), "slumber-vctl.toml");
        ASSERT_TRUE(loaded) << config::format(loaded.error().front());
        EXPECT_EQ(loaded->nodes.size(), 4U);
    }
    std::filesystem::remove_all(root);
}

// Slurm runs the hooks from the slurmctld in control; its children share its
// host name, which picks that controller's slumber config.
TEST(VclusterRender, HooksOfTwoControllersPickTheConfigByHostName) {
    Spec spec;
    spec.controllers = 2;
    spec.hooks = "slumber";
    const std::string hook = render_hook(spec, RunDir{"/run/vc"}, Hook::resume, {"/build/slumber", "resume"});
    EXPECT_TRUE(has(hook, "read -r host < /proc/sys/kernel/hostname\n")) << hook;
    EXPECT_TRUE(has(hook, "  vctl1|vctl2) ;;\n"));
    EXPECT_TRUE(has(hook, "exec /build/slumber resume --config /run/vc/slumber-$host.toml \"$@\"\n"));
    EXPECT_TRUE(has(hook, " resume $1 on $host\" >> /run/vc/log/hooks.log\n"));
    // The hand-written hooks log whose slurmctld ran them, too.
    spec.hooks = "ipmitool";
    EXPECT_TRUE(has(render_hook(spec, RunDir{"/run/vc"}, Hook::suspend, {}), " suspend $1 on $host\""));
}

}  // namespace
}  // namespace slumber::vcluster
