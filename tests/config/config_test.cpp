#include <gtest/gtest.h>
#include <algorithm>

#include "config/addresses.hpp"
#include "config/config.hpp"

namespace slumber::config {
namespace {

// A header that satisfies the ipmi driver's need for credentials without a
// file on disk: load_text() reads credentials only when all else is valid, so
// tests of other problems never reach it.
constexpr const char* kDefaults = R"(
[defaults]
driver = "ipmi"
credentials = "/nonexistent/ipmi.secret"
)";

std::vector<ConfigError> errors_of(const std::string& text) {
    auto loaded = load_text(text, "test.toml");
    if (loaded) return {};
    return loaded.error();
}

// Expects exactly one problem, on `line`, whose key, message and fix contain
// the given words.
void expect_problem(const std::string& text, int line, const std::string& key, const std::string& message,
                    const std::string& fix = "") {
    const auto errors = errors_of(text);
    ASSERT_EQ(errors.size(), 1U) << "for:\n" << text << "\nfirst: " << (errors.empty() ? "" : format(errors[0]));
    const ConfigError& e = errors.front();
    EXPECT_EQ(e.file, "test.toml");
    EXPECT_EQ(e.line, line) << format(e);
    EXPECT_NE(e.key.find(key), std::string::npos) << format(e);
    EXPECT_NE(e.message.find(message), std::string::npos) << format(e);
    EXPECT_NE(e.fix.find(fix), std::string::npos) << format(e);
}

// The journal's rows are one line: a hook's config error there too.
TEST(Config, AnErrorOnOneLineForTheJournal) {
    const ConfigError error{"/etc/slumber/slumber.toml", 7, "thermal.limit", "100 is out of range", "use 0 to 80"};
    EXPECT_EQ(format(error), "/etc/slumber/slumber.toml:7: thermal.limit: 100 is out of range\n    fix: use 0 to 80");
    EXPECT_EQ(format_line(error), "/etc/slumber/slumber.toml:7: thermal.limit: 100 is out of range; fix: use 0 to 80");
    EXPECT_EQ(format_line({"f.toml", 0, "", "empty", ""}), "f.toml: empty");
}

TEST(Config, ExpandsNodeGroupsWithBmcsInStep) {
    auto loaded = load_text(R"(
[slurm]
exclude = "head01"
[[node]]
names = "node[001-003]"
driver = "exec"
on = "/usr/local/bin/pdu on {name}"
[[node]]
names = "gpu[1-2]"
driver = "tasmota"
bmc = "http://10.0.0.[1-2]"
retries = 5
timeout = "1m30s"
)",
                            "test.toml");
    ASSERT_TRUE(loaded) << format(loaded.error().front());
    ASSERT_EQ(loaded->nodes.size(), 5U);
    EXPECT_EQ(loaded->nodes[0].name, "node001");
    EXPECT_EQ(loaded->nodes[0].driver, "exec");
    EXPECT_EQ(std::get<std::string>(loaded->nodes[0].options.at("on")), "/usr/local/bin/pdu on {name}");
    EXPECT_EQ(loaded->nodes[4].name, "gpu2");
    EXPECT_EQ(loaded->nodes[4].address, "http://10.0.0.2");
    EXPECT_EQ(loaded->nodes[4].policy.retries, 5);
    EXPECT_EQ(loaded->nodes[4].policy.timeout, std::chrono::seconds(90));
    EXPECT_EQ(loaded->nodes[4].line, 8);
    EXPECT_TRUE(loaded->excluded("head01"));
    EXPECT_FALSE(loaded->excluded("node001"));
    EXPECT_EQ(loaded->find("gpu1")->address, "http://10.0.0.1");
}

// An IPv6 literal in brackets is one address, not a hostlist range (a
// tester could not write "[fe80::1]:623": "'f' inside brackets").
TEST(Config, AnIpv6AddressInBracketsIsOneAddress) {
    auto loaded = load_text(R"(
[[node]]
names = "plug[1-3]"
driver = "tasmota"
bmc = ["http://[fe80::1]:8080", "http://10.0.0.[2-3]"]
)",
                            "test.toml");
    ASSERT_TRUE(loaded) << format(loaded.error().front());
    ASSERT_EQ(loaded->nodes.size(), 3U);
    EXPECT_EQ(loaded->nodes[0].address, "http://[fe80::1]:8080");
    EXPECT_EQ(loaded->nodes[2].address, "http://10.0.0.3");
}

TEST(Config, DefaultsAndDriverDefaultsApplyUnlessOverridden) {
    auto loaded = load_text(R"(
[defaults]
driver = "tasmota"
timeout = "2s"
[defaults.tasmota]
relay = 2
[[node]]
names = "a[1-2]"
bmc = ["http://a1", "http://a2"]
[[node]]
names = "b1"
bmc = "http://b1"
relay = 3
timeout = "9s"
)",
                            "test.toml");
    ASSERT_TRUE(loaded) << format(loaded.error().front());
    EXPECT_EQ(std::get<std::int64_t>(loaded->nodes[0].options.at("relay")), 2);
    EXPECT_EQ(loaded->nodes[0].policy.timeout, std::chrono::seconds(2));
    EXPECT_EQ(std::get<std::int64_t>(loaded->nodes[2].options.at("relay")), 3);
    EXPECT_EQ(loaded->nodes[2].policy.timeout, std::chrono::seconds(9));
}

TEST(Config, BmcPatternFields) {
    auto loaded = load_text(R"(
[[node]]
names = "n[008-010]"
driver = "tasmota"
bmc_pattern = "http://10.0.0.{number}/{name}/{suffix}"
)",
                            "test.toml");
    ASSERT_TRUE(loaded) << format(loaded.error().front());
    EXPECT_EQ(loaded->nodes[0].address, "http://10.0.0.8/n008/008");
    EXPECT_EQ(loaded->nodes[2].address, "http://10.0.0.10/n010/010");
}

// A login in a plug's URL would sit in slumber.toml, which others may read,
// and travel into every error that names the device: refused, and the error
// does not repeat it either (it reaches a reload's log).
TEST(Config, CredentialsInAnAddressAreRefusedWithoutBeingRepeated) {
    const auto in_url = errors_of(R"(
[[node]]
names = "p1"
driver = "tasmota"
bmc = "http://admin:SuperSecretPW1@127.0.0.1:20950"
)");
    ASSERT_EQ(in_url.size(), 1U);
    EXPECT_NE(in_url[0].message.find("credentials go in the credentials file"), std::string::npos) << format(in_url[0]);
    EXPECT_NE(in_url[0].message.find("http://127.0.0.1:20950"), std::string::npos) << format(in_url[0]);
    const auto in_query = errors_of(R"(
[[device]]
name = "pdu1"
driver = "shelly"
address = "http://127.0.0.1:20951/path?user=admin&password=QueryPW2"
)");
    ASSERT_EQ(in_query.size(), 1U);
    EXPECT_NE(in_query[0].message.find("has a query or fragment"), std::string::npos) << format(in_query[0]);
    const auto in_host = errors_of(R"(
[[node]]
names = "n1"
driver = "ipmi"
credentials = "/etc/slumber/ipmi.secret"
bmc = "root:HostPW3@10.0.0.1"
)");
    ASSERT_EQ(in_host.size(), 1U);
    EXPECT_NE(in_host[0].message.find("credentials go in the credentials file"), std::string::npos)
        << format(in_host[0]);
    for (const auto& errors : {in_url, in_query, in_host}) {
        for (const std::string secret : {"SuperSecretPW1", "QueryPW2", "HostPW3"}) {
            EXPECT_EQ(format(errors[0]).find(secret), std::string::npos) << format(errors[0]);
        }
    }
}

TEST(Config, DevicesAndDependencies) {
    auto loaded = load_text(R"(
[[node]]
names = "n[1-2]"
driver = "exec"
[[device]]
name = "ibswitch"
driver = "shelly"
address = "http://switch-plug"
settle = "30s"
generation = 1
[[dependency]]
device = "ibswitch"
nodes = "n[1-2]"
)",
                            "test.toml");
    ASSERT_TRUE(loaded) << format(loaded.error().front());
    ASSERT_EQ(loaded->devices.size(), 1U);
    EXPECT_EQ(loaded->devices[0].settle, std::chrono::seconds(30));
    EXPECT_EQ(loaded->devices[0].kind, TargetKind::device);
    ASSERT_EQ(loaded->dependencies.size(), 1U);
    EXPECT_EQ(loaded->dependencies[0].off_after, std::chrono::minutes(10));
    EXPECT_EQ(loaded->dependencies[0].nodes, (std::vector<std::string>{"n1", "n2"}));
}

TEST(Config, TheSimulatorsClusterLivesBesideTheRest) {
    auto loaded = load_text(R"(
[simulate]
nodes = 64
cores_per_node = 48
allocation = "processors"
idle_watts = 120.5
busy_watts = 400
boot_time = "4m"
)",
                            "test.toml");
    ASSERT_TRUE(loaded) << format(loaded.error().front());
    EXPECT_EQ(loaded->simulate.nodes, 64);
    EXPECT_EQ(loaded->simulate.cores_per_node, 48);
    EXPECT_EQ(loaded->simulate.whole_nodes, false);
    EXPECT_EQ(loaded->simulate.idle_watts, 120.5);
    EXPECT_EQ(loaded->simulate.busy_watts, 400);
    EXPECT_EQ(loaded->simulate.boot_time, std::chrono::minutes(4));
    EXPECT_FALSE(loaded->simulate.off_watts);
}

TEST(Config, TheWebServerIsOffAndLocalUnlessToldOtherwise) {
    auto defaults = load_text("", "test.toml");
    ASSERT_TRUE(defaults) << format(defaults.error().front());
    EXPECT_FALSE(defaults->web.enabled);
    EXPECT_EQ(defaults->web.listen, "127.0.0.1");
    EXPECT_EQ(defaults->web.port, 8817);
    EXPECT_FALSE(defaults->web.token_file);
    auto loaded = load_text(
        "[web]\nenabled = true\nlisten = \"::\"\nport = 9999\ntoken_file = \"/etc/slumber/web.token\"\n", "test.toml");
    ASSERT_TRUE(loaded) << format(loaded.error().front());
    EXPECT_TRUE(loaded->web.enabled);
    EXPECT_EQ(loaded->web.listen, "::");
    EXPECT_EQ(loaded->web.port, 9999);
    EXPECT_EQ(loaded->web.token_file, std::filesystem::path("/etc/slumber/web.token"));
    expect_problem("[web]\nlisten = \"localhost\"\n", 2, "listen", "address");
    expect_problem("[web]\nport = 70000\n", 2, "port", "");
    expect_problem("[web]\ntoken_file = \"web.token\"\n", 2, "token_file", "relative");
    expect_problem("[web]\nportt = 1\n", 2, "portt", "");
}

TEST(Config, TheThermalGuardIsOffUntilGivenALimitAndResumesBelowIt) {
    auto defaults = load_text("", "test.toml");
    ASSERT_TRUE(defaults) << format(defaults.error().front());
    EXPECT_FALSE(defaults->thermal.limit);
    EXPECT_FALSE(defaults->thermal.power_down_idle);
    auto limit_only = load_text("[thermal]\nlimit = 30\n", "test.toml");
    ASSERT_TRUE(limit_only) << format(limit_only.error().front());
    EXPECT_EQ(limit_only->thermal.limit, 30);
    EXPECT_EQ(limit_only->thermal.resume, 27) << "three degrees below the limit";
    auto loaded = load_text("[thermal]\nlimit = 32.5\nresume = 28\npower_down_idle = true\n", "test.toml");
    ASSERT_TRUE(loaded) << format(loaded.error().front());
    EXPECT_EQ(loaded->thermal.limit, 32.5);
    EXPECT_EQ(loaded->thermal.resume, 28);
    EXPECT_TRUE(loaded->thermal.power_down_idle);
    expect_problem("[thermal]\nlimit = 30\nresume = 30\n", 3, "resume", "not below limit");
    expect_problem("[thermal]\nresume = 25\n", 2, "resume", "without limit");
    expect_problem("[thermal]\nlimit = 95\n", 2, "limit", "");
    expect_problem("[thermal]\nlimit = \"hot\"\n", 2, "limit", "");
    expect_problem("[thermal]\nlimitt = 30\n", 2, "limitt", "");
}

TEST(Config, DrainedNodesAndPowerLosses) {
    auto defaults = load_text("", "test.toml");
    ASSERT_TRUE(defaults) << format(defaults.error().front());
    EXPECT_FALSE(defaults->daemon.keep_drained_on) << "drained nodes are switched off unless kept on";
    EXPECT_EQ(defaults->daemon.power_loss_window, std::chrono::hours(1));
    auto loaded = load_text("[daemon]\nkeep_drained_on = true\npower_loss_window = \"30m\"\n", "test.toml");
    ASSERT_TRUE(loaded) << format(loaded.error().front());
    EXPECT_TRUE(loaded->daemon.keep_drained_on);
    EXPECT_EQ(loaded->daemon.power_loss_window, std::chrono::minutes(30));
    expect_problem("[daemon]\nkeep_drained_on = \"yes\"\n", 2, "keep_drained_on", "");
}

TEST(Config, NodesLeftOnWhileSlurmCountsThemAsleep) {
    auto defaults = load_text("", "test.toml");
    ASSERT_TRUE(defaults) << format(defaults.error().front());
    EXPECT_EQ(defaults->daemon.late_off_grace, std::chrono::minutes(1));
    auto loaded = load_text("[daemon]\nlate_off_grace = \"5m\"\n", "test.toml");
    ASSERT_TRUE(loaded) << format(loaded.error().front());
    EXPECT_EQ(loaded->daemon.late_off_grace, std::chrono::minutes(5));
    expect_problem("[daemon]\nlate_off_grace = 30\n", 2, "late_off_grace", "duration");
}

TEST(Config, JournalRetention) {
    auto defaults = load_text("", "test.toml");
    ASSERT_TRUE(defaults) << format(defaults.error().front());
    EXPECT_EQ(defaults->daemon.journal_keep, std::chrono::days(90));
    auto loaded = load_text("[daemon]\njournal_keep = \"30d\"\n", "test.toml");
    ASSERT_TRUE(loaded) << format(loaded.error().front());
    EXPECT_EQ(loaded->daemon.journal_keep, std::chrono::days(30));
    auto forever = load_text("[daemon]\njournal_keep = \"0s\"\n", "test.toml");
    ASSERT_TRUE(forever) << format(forever.error().front());
    EXPECT_EQ(forever->daemon.journal_keep.count(), 0);
    expect_problem("[daemon]\njournal_keep = \"2000d\"\n", 2, "journal_keep", "longer than a year");
}

TEST(Config, IdlePoll) {
    auto defaults = load_text("", "test.toml");
    ASSERT_TRUE(defaults) << format(defaults.error().front());
    EXPECT_EQ(defaults->daemon.idle_poll, std::chrono::seconds(30));
    auto loaded = load_text("[daemon]\nidle_poll = \"2m\"\n", "test.toml");
    ASSERT_TRUE(loaded) << format(loaded.error().front());
    EXPECT_EQ(loaded->daemon.idle_poll, std::chrono::minutes(2));
    expect_problem("[daemon]\nidle_poll = \"1s\"\n", 2, "idle_poll", "outside 2s to 10m", "30s");
    expect_problem("[daemon]\nidle_poll = \"1h\"\n", 2, "idle_poll", "outside 2s to 10m");
}

TEST(Config, Fanout) {
    auto defaults = load_text("", "test.toml");
    ASSERT_TRUE(defaults) << format(defaults.error().front());
    EXPECT_EQ(defaults->daemon.fanout, 256);
    auto loaded = load_text("[daemon]\nfanout = 1024\n", "test.toml");
    ASSERT_TRUE(loaded) << format(loaded.error().front());
    EXPECT_EQ(loaded->daemon.fanout, 1024);
    expect_problem("[daemon]\nfanout = 0\n", 2, "fanout", "0 is out of range", "use 1 to 4096");
    expect_problem("[daemon]\nfanout = 5000\n", 2, "fanout", "5000 is out of range", "use 1 to 4096");
}

TEST(Config, Controller) {
    auto defaults = load_text("", "test.toml");
    ASSERT_TRUE(defaults) << format(defaults.error().front());
    EXPECT_EQ(defaults->daemon.controller, "") << "this host's name";
    auto loaded = load_text("[daemon]\ncontroller = \"ctl2.example.org\"\n", "test.toml");
    ASSERT_TRUE(loaded) << format(loaded.error().front());
    EXPECT_EQ(loaded->daemon.controller, "ctl2.example.org");
    expect_problem("[daemon]\ncontroller = \"ctl 2\"\n", 2, "controller", "is no host name", "SlurmctldHost");
    expect_problem("[daemon]\ncontroller = \"\"\n", 2, "controller", "is no host name");
}

TEST(ConfigErrors, SimulateSection) {
    expect_problem("[simulate]\nallocation = \"shared\"\n", 2, "allocation", "not an allocation", "processors");
    expect_problem("[simulate]\nidle_watts = -3\n", 2, "idle_watts", "out of range");
    expect_problem("[simulate]\noff_watts = 100\n", 2, "off_watts", "saves nothing", "below idle_watts");
    expect_problem("[simulate]\nboot_time = 152\n", 2, "boot_time", "duration");
    // A tester's boot_time = "0s" was taken, and slumber report charged every
    // boot 0 W (19030 J over 0 whole seconds), counting boots as savings.
    expect_problem("[simulate]\nboot_time = \"0s\"\n", 2, "boot_time", "the 19030 J of boot_energy", "at least 1s");
    expect_problem("[simulate]\nshutdown_time = \"500ms\"\nshutdown_energy = 700\n", 2, "shutdown_time",
                   "under a second", "shutdown_energy = 0");
    auto instant = load_text("[simulate]\nboot_time = \"0s\"\nboot_energy = 0\n", "test.toml");
    EXPECT_TRUE(instant) << "a boot that takes no time and no energy: " << format(instant.error().front());
}

TEST(ConfigErrors, TomlSyntax) { expect_problem("[[node]]\nnames = \"a\nx", 2, "", "not valid TOML"); }

TEST(ConfigErrors, UnknownSection) { expect_problem("[slurn]\n", 1, "slurn", "unknown section", "\"slurm\""); }

TEST(ConfigErrors, UnknownKeySuggestsTheNearest) {
    expect_problem(std::string(kDefaults) + "[[node]]\nnames = \"n1\"\nbmc = \"b1\"\ncipher_suit = 3\n", 8,
                   "[[node]] #1, cipher_suit", "unknown key", "did you mean \"cipher_suite\"?");
}

// A command template is checked when the file is read, not first when a node
// needs it (found by trying it: `config check` passed "{bogus" and the power-on
// failed with a config error at night).
TEST(ConfigErrors, ExecTemplatesAreCheckedWhenRead) {
    expect_problem("[[device]]\nname = \"sw\"\ndriver = \"exec\"\non = \"pdu {bogus} on\"\n", 4, "on",
                   "unknown field {bogus}", "{name} and {user}");
    expect_problem("[[device]]\nname = \"sw\"\ndriver = \"exec\"\noff = \"pdu 'off\"\n", 4, "off",
                   "quote is never closed");
    expect_problem("[[device]]\nname = \"sw\"\ndriver = \"exec\"\nstatus = \"  \"\n", 4, "status", "empty");
    expect_problem(
        "[[node]]\nnames = \"n1\"\ndriver = \"wol\"\nbmc = \"aa:bb:cc:dd:ee:ff\"\n"
        "off_command = \"ssh {host} poweroff\"\n",
        5, "off_command", "unknown field {host}");
}

// A key is the file's text: an escape sequence in it must reach the admin's
// terminal as visible text, never as a colour change or a forged line.
TEST(ConfigErrors, KeysFromTheFileAreShownEscaped) {
    const auto errors = errors_of("[daemon]\n\"bad\\u001b[31mkey\\nfix: none\" = 1\n");
    ASSERT_EQ(errors.size(), 1U);
    const std::string shown = format(errors.front());
    EXPECT_EQ(shown.find('\x1b'), std::string::npos) << shown;
    EXPECT_NE(shown.find("bad\\x1b[31mkey\\nfix: none"), std::string::npos) << shown;
    EXPECT_EQ(std::count(shown.begin(), shown.end(), '\n'), 1) << shown;  // only the line before "fix:"
}

TEST(ConfigErrors, NodeWrittenAsTableInsteadOfList) {
    expect_problem("[node]\nnames = \"n1\"\n", 1, "node", "list of tables", "[[node]]");
}

TEST(ConfigErrors, MissingNames) {
    expect_problem(std::string(kDefaults) + "[[node]]\nbmc = \"b\"\n", 5, "names", "is missing", "names =");
}

TEST(ConfigErrors, WrongType) {
    expect_problem(std::string(kDefaults) + "[[node]]\nnames = 5\n", 6, "names", "expected a string");
}

TEST(ConfigErrors, MalformedHostlistNamesTheCharacter) {
    expect_problem(std::string(kDefaults) + "[[node]]\nnames = \"n[1-3\"\nbmc = \"b\"\n", 6, "names",
                   "never closed with ']' (at character 2)", "node[001-004,010]");
}

TEST(ConfigErrors, MissingDriver) {
    expect_problem("[[node]]\nnames = \"n1\"\n", 1, "driver", "is missing", "[defaults]");
}

TEST(ConfigErrors, UnknownDriver) {
    expect_problem("[[node]]\nnames = \"n1\"\ndriver = \"redfsh\"\n", 3, "driver", "unknown driver",
                   "did you mean \"redfish\"?");
}

TEST(ConfigErrors, BmcCountDiffersFromNames) {
    expect_problem(std::string(kDefaults) + "[[node]]\nnames = \"n[1-5]\"\nbmc = \"b[1-4]\"\n", 7, "bmc",
                   "4 addresses for 5 node names", "one BMC address per name");
}

TEST(ConfigErrors, BmcAndPatternTogether) {
    expect_problem(std::string(kDefaults) + "[[node]]\nnames = \"n1\"\nbmc = \"b\"\nbmc_pattern = \"{name}\"\n", 8,
                   "bmc_pattern", "together with bmc", "one of the two");
}

TEST(ConfigErrors, MissingBmc) {
    expect_problem(std::string(kDefaults) + "[[node]]\nnames = \"n1\"\n", 5, "bmc", "needs a host[:port] per node",
                   "bmc_pattern");
}

TEST(ConfigErrors, PatternFieldUnknown) {
    expect_problem(std::string(kDefaults) + "[[node]]\nnames = \"n1\"\nbmc_pattern = \"{nmae}-bmc\"\n", 7,
                   "bmc_pattern", "unknown or unclosed field", "{name}");
}

TEST(ConfigErrors, PatternNumberOnNameWithoutDigits) {
    expect_problem(std::string(kDefaults) + "[[node]]\nnames = \"head\"\nbmc_pattern = \"10.0.0.{number}\"\n", 7,
                   "bmc_pattern", "\"head\" has none");
}

TEST(ConfigErrors, UrlGivenToIpmi) {
    expect_problem(std::string(kDefaults) + "[[node]]\nnames = \"n1\"\nbmc = \"https://bmc1\"\n", 7, "bmc", "is a URL");
}

TEST(ConfigErrors, BadPort) {
    expect_problem(std::string(kDefaults) + "[[node]]\nnames = \"n1\"\nbmc = \"bmc1:99999\"\n", 7, "bmc",
                   "port after ':'");
}

TEST(ConfigErrors, PlugNeedsUrl) {
    expect_problem("[[device]]\nname = \"sw\"\ndriver = \"tasmota\"\naddress = \"sw-plug\"\n", 4, "address",
                   "not an http:// or https:// URL");
}

TEST(ConfigErrors, BadMac) {
    expect_problem("[[node]]\nnames = \"n1\"\ndriver = \"wol\"\nbmc = \"52:54:00:12:34\"\n", 4, "bmc",
                   "not a MAC address");
}

TEST(ConfigErrors, OptionOutOfRange) {
    expect_problem(std::string(kDefaults) + "[[node]]\nnames = \"n1\"\nbmc = \"b\"\ncipher_suite = 42\n", 8,
                   "cipher_suite", "42 is out of range", "0 to 17");
}

TEST(ConfigErrors, OptionNotAChoice) {
    expect_problem(std::string(kDefaults) + "[[node]]\nnames = \"n1\"\nbmc = \"b\"\nprivilege = \"operater\"\n", 8,
                   "privilege", "not a valid value", "did you mean \"operator\"?");
}

TEST(ConfigErrors, WorkaroundNotKnown) {
    expect_problem(std::string(kDefaults) + "[[node]]\nnames = \"n1\"\nbmc = \"b\"\nworkarounds = [\"opensess\"]\n", 8,
                   "workarounds", "not a valid value");
}

TEST(ConfigErrors, DurationWithoutUnit) {
    expect_problem(std::string(kDefaults) + "[[node]]\nnames = \"n1\"\nbmc = \"b\"\ntimeout = \"10\"\n", 8, "timeout",
                   "needs a unit");
}

TEST(ConfigErrors, RetriesOutOfRange) {
    expect_problem(std::string(kDefaults) + "[[node]]\nnames = \"n1\"\nbmc = \"b\"\nretries = 100\n", 8, "retries",
                   "out of range");
}

TEST(ConfigErrors, RelativeCredentialsPath) {
    expect_problem("[[node]]\nnames = \"n1\"\ndriver = \"ipmi\"\nbmc = \"b\"\ncredentials = \"ipmi.secret\"\n", 5,
                   "credentials", "relative path", "absolute path");
}

TEST(ConfigErrors, CaFileRelativeOrMissing) {
    const std::string node =
        "[[node]]\nnames = \"n1\"\ndriver = \"redfish\"\nbmc = \"b\"\n"
        "credentials = \"/nonexistent/redfish.secret\"\n";
    expect_problem(node + "ca_file = \"bmc.pem\"\n", 6, "ca_file", "\"bmc.pem\" is a relative path", "absolute path");
    expect_problem(node + "ca_file = \"/nonexistent/bmc.pem\"\n", 6, "ca_file",
                   "\"/nonexistent/bmc.pem\" does not exist");
    expect_problem(node + "ca_file = \"/tmp\"\n", 6, "ca_file", "is not a file");
}

TEST(ConfigErrors, IpmiWithoutCredentials) {
    expect_problem("[[node]]\nnames = \"n1\"\ndriver = \"ipmi\"\nbmc = \"b\"\n", 1, "credentials",
                   "the ipmi driver logs in", "credentials =");
}

TEST(ConfigErrors, NameDefinedTwice) {
    expect_problem("[[node]]\nnames = \"n[1-3]\"\ndriver = \"exec\"\n[[device]]\nname = \"n2\"\ndriver = \"exec\"\n", 4,
                   "n2", "defined twice: also in the [[node]] at line 1");
}

// Blades behind one chassis manager, relays of one power strip: one address,
// several targets. Only the same address with the same system (relay …) is
// one target twice.
TEST(Config, TargetsBehindOneAddressAreToldApartByTheirSystemOrRelay) {
    const std::string blades = R"(
[defaults.redfish]
verify_tls = true
[[node]]
names = "blade1"
driver = "redfish"
bmc = "cmm01"
credentials = "/nonexistent/redfish.secret"
system = "Blade1"
[[node]]
names = "blade2"
driver = "redfish"
bmc = "cmm01"
credentials = "/nonexistent/redfish.secret"
system = "Blade2"
[[device]]
name = "switch-a"
driver = "tasmota"
address = "http://strip.lan"
relay = 1
[[device]]
name = "switch-b"
driver = "tasmota"
address = "http://strip.lan"
relay = 2
)";
    auto errors = errors_of(blades);
    for (const ConfigError& error : errors) {
        EXPECT_EQ(error.message.find("both have the address"), std::string::npos) << format(error);
    }
    std::string crossed = blades;
    crossed.replace(crossed.find("Blade2"), 6, "Blade1");
    crossed.replace(crossed.find("relay = 2"), 9, "relay = 1");
    errors = errors_of(crossed);
    std::vector<std::string> duplicates;
    for (const ConfigError& error : errors) {
        if (error.message.find("both have the address") != std::string::npos) duplicates.push_back(error.message);
    }
    EXPECT_EQ(duplicates, (std::vector<std::string>{"blade1 and blade2 both have the address cmm01 (system Blade1)",
                                                    "switch-a and switch-b both have the address http://strip.lan "
                                                    "(relay 1)"}));
}

TEST(ConfigErrors, TwoNodesOnOneBmc) {
    expect_problem(std::string(kDefaults) + "[[node]]\nnames = \"n[1-2]\"\nbmc = [\"b1\", \"b1\"]\n", 5, "n2",
                   "n1 and n2 both have the address b1");
}

// One BMC written two ways is one BMC: host names ignore case.
TEST(ConfigErrors, TwoNodesOnOneBmcWrittenTwoWays) {
    expect_problem(std::string(kDefaults) + "[[node]]\nnames = \"n[1-2]\"\nbmc = [\"BMC1.lan.\", \"bmc1.lan\"]\n", 5,
                   "n2", "n1 and n2 both have the address BMC1.lan. (written bmc1.lan for n2)");
}

// The resolver reads an IPv4 address as inet_aton(3) does: "10.0.0.010" is
// 10.0.0.8, another node's BMC. Only the plain dotted quad is taken.
TEST(ConfigErrors, AnIpv4AddressTheResolverReadsAnotherWay) {
    const std::string node = std::string(kDefaults) + "[[node]]\nnames = \"n10\"\n";
    expect_problem(node + "bmc = \"10.0.0.010\"\n", 7, "bmc", "\"10.0.0.010\" is read as 10.0.0.8 by the resolver",
                   "an IPv4 address as four decimal numbers");
    expect_problem(std::string(kDefaults) + "[[node]]\nnames = \"n010\"\nbmc_pattern = \"10.0.0.{suffix}\"\n", 7, "bmc",
                   "is read as 10.0.0.8");
    expect_problem(node + "bmc = \"127.1:623\"\n", 7, "bmc", "\"127.1\" is read as 127.0.0.1");
    expect_problem(node + "bmc = \"0x7f.0.0.1\"\n", 7, "bmc", "is read as 127.0.0.1");
    expect_problem(node + "bmc = \"10.0.0.256\"\n", 7, "bmc", "\"10.0.0.256\" is not an IPv4 address");
    expect_problem(node + "bmc = \"10.0.0.09\"\n", 7, "bmc", "is not an IPv4 address");
    expect_problem(node + "driver = \"tasmota\"\nbmc = \"http://010.0.0.1/\"\n", 8, "bmc",
                   "\"010.0.0.1\" is read as 8.0.0.1");
    // An IPv6 address the resolver would not take fails here, not at the
    // first power call (a tester's "::ffff:10.0.0.010" was accepted).
    for (const char* wrong : {"::ffff:10.0.0.010", "fe80::1::2", "[fe80::g]:623", "[::1"}) {
        EXPECT_NE(check_address(power::AddressKind::host, wrong), std::nullopt) << wrong;
    }
    EXPECT_NE(check_address(power::AddressKind::url, "http://[::ffff:10.0.0.010]/"), std::nullopt);
    EXPECT_NE(check_address(power::AddressKind::host, "[::1]x"), std::nullopt);
    // Names and the written quad go through, zeros of a name too.
    for (const char* fine : {"10.0.0.10", "10.0.0.0", "node010-ipmi", "0bmc", "[fe80::1]:623", "10.0.0.10:623",
                             "::ffff:10.0.0.10", "fe80::1%eth0", "[::1]"}) {
        EXPECT_EQ(check_address(power::AddressKind::host, fine), std::nullopt) << fine;
    }
    EXPECT_EQ(check_address(power::AddressKind::url, "http://10.0.0.10:8080/base"), std::nullopt);
    EXPECT_EQ(check_address(power::AddressKind::url, "http://[fe80::1]:8080"), std::nullopt);
}

TEST(Addresses, AreComparedAsTheControllerTheyReach) {
    using power::AddressKind;
    EXPECT_EQ(address_identity(AddressKind::host, "127.211.1"), "127.211.0.1");
    EXPECT_EQ(address_identity(AddressKind::host, "0x7f.1:623"), "127.0.0.1:623");
    EXPECT_EQ(address_identity(AddressKind::host, "0177.0.0.1"), "127.0.0.1");
    EXPECT_EQ(address_identity(AddressKind::host, "Node1-IPMI.Example.ORG."), "node1-ipmi.example.org");
    EXPECT_EQ(address_identity(AddressKind::host, "fe80:0:0::1"), "[fe80::1]");
    EXPECT_EQ(address_identity(AddressKind::host, "[FE80::1]:623"), "[fe80::1]:623");
    EXPECT_EQ(address_identity(AddressKind::url, "HTTP://Strip.LAN/"), "http://strip.lan");
    EXPECT_EQ(address_identity(AddressKind::url, "http://10.1:8080/base/"), "http://10.0.0.1:8080/base");
    EXPECT_EQ(address_identity(AddressKind::mac, "AA-BB-CC-DD-EE-FF"), "aa:bb:cc:dd:ee:ff");
    // Distinct ones stay distinct, and a port is kept as written.
    EXPECT_NE(address_identity(AddressKind::host, "10.0.0.1"), address_identity(AddressKind::host, "10.0.0.1:623"));
    EXPECT_NE(address_identity(AddressKind::host, "bmc1"), address_identity(AddressKind::host, "bmc1.lan"));
}

TEST(ConfigErrors, DependencyOnUnknownDevice) {
    expect_problem(
        "[[device]]\nname = \"ibswitch\"\ndriver = \"exec\"\n[[dependency]]\ndevice = \"ibswitsh\"\n"
        "nodes = \"n1\"\n[[node]]\nnames = \"n1\"\ndriver = \"exec\"\n",
        4, "device", "no [[device]] is named \"ibswitsh\"", "did you mean \"ibswitch\"?");
}

TEST(ConfigErrors, DependencyOnUnknownNodes) {
    expect_problem(
        "[[device]]\nname = \"sw\"\ndriver = \"exec\"\n[[dependency]]\ndevice = \"sw\"\n"
        "nodes = \"n[1-4]\"\n[[node]]\nnames = \"n[1-2]\"\ndriver = \"exec\"\n",
        4, "nodes", "n[3-4] not defined in any [[node]] group");
}

TEST(ConfigErrors, DeviceNameMustBeOneName) {
    expect_problem("[[device]]\nname = \"sw[1-2]\"\ndriver = \"exec\"\n", 2, "name", "not a single device name");
}

TEST(ConfigErrors, ExecTakesNoAddress) {
    expect_problem("[[device]]\nname = \"sw\"\ndriver = \"exec\"\naddress = \"x\"\n", 4, "address", "takes no address");
}

TEST(ConfigErrors, EveryProblemIsReportedInLineOrder) {
    const auto errors =
        errors_of("[[node]]\nnames = \"n1\"\ndriver = \"nope\"\n[slurm]\nexclude = \"h[\"\nbin_dir = 3\n");
    ASSERT_EQ(errors.size(), 3U);
    EXPECT_EQ(errors[0].line, 3);
    EXPECT_EQ(errors[1].line, 5);
    EXPECT_EQ(errors[2].line, 6);
}

TEST(ConfigErrors, MissingFileSaysSo) {
    auto loaded = load("/nonexistent/slumber.toml");
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.error().front().message, "does not exist");
    EXPECT_NE(loaded.error().front().fix.find("-c FILE"), std::string::npos);
}

TEST(ConfigErrors, ADirectoryIsNotAConfiguration) {
    auto loaded = load("/tmp");
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.error().front().message, "is a directory, not a file");
}

TEST(ConfigErrors, FormatNamesFileLineKeyAndFix) {
    const ConfigError e{"/etc/slumber/slumber.toml", 12, "[[node]] #2, bmc", "4 addresses for 5 node names",
                        "give one BMC address per name"};
    EXPECT_EQ(format(e),
              "/etc/slumber/slumber.toml:12: [[node]] #2, bmc: 4 addresses for 5 node names\n"
              "    fix: give one BMC address per name");
}

TEST(Config, EnergySampling) {
    auto defaults = load_text("", "test.toml");
    ASSERT_TRUE(defaults) << format(defaults.error().front());
    EXPECT_EQ(defaults->energy.interval, std::chrono::minutes(1));
    EXPECT_EQ(defaults->energy.price_per_kwh, 0);
    EXPECT_TRUE(defaults->energy.temperature_sensor.empty());
    auto loaded = load_text(
        "[energy]\ninterval = \"30s\"\nprice_per_kwh = 0.25\ncurrency = \"EUR\"\ntemperature_sensor = \"Inlet "
        "Temp\"\n",
        "test.toml");
    ASSERT_TRUE(loaded) << format(loaded.error().front());
    EXPECT_EQ(loaded->energy.interval, std::chrono::seconds(30));
    EXPECT_EQ(loaded->energy.price_per_kwh, 0.25);
    EXPECT_EQ(loaded->energy.currency, "EUR");
    EXPECT_EQ(loaded->energy.temperature_sensor, "Inlet Temp");
    auto off = load_text("[energy]\ninterval = \"0s\"\n", "test.toml");
    ASSERT_TRUE(off) << format(off.error().front());
    EXPECT_EQ(off->energy.interval.count(), 0);
}

TEST(Config, DoctorAsksNodesForTheirUuidOnlyWhenGivenACommand) {
    auto defaults = load_text("", "test.toml");
    ASSERT_TRUE(defaults) << format(defaults.error().front());
    EXPECT_TRUE(defaults->doctor.node_uuid_command.empty());
    auto loaded =
        load_text("[doctor]\nnode_uuid_command = \"ssh {node} cat /sys/class/dmi/id/product_uuid\"\n", "test.toml");
    ASSERT_TRUE(loaded) << format(loaded.error().front());
    EXPECT_EQ(loaded->doctor.node_uuid_command, "ssh {node} cat /sys/class/dmi/id/product_uuid");
}

TEST(ConfigErrors, DoctorSection) {
    expect_problem("[doctor]\nnode_uuid_command = \"ssh {name} cat x\"\n", 2, "node_uuid_command", "{node}",
                   "product_uuid");
    expect_problem("[doctor]\nnode_uuid_command = \"ssh '{node}\"\n", 2, "node_uuid_command", "");
    expect_problem("[doctor]\nnode_uuid_command = \" \"\n", 2, "node_uuid_command", "no words");
    expect_problem("[doctor]\nnode_uuid = \"x\"\n", 2, "node_uuid", "unknown key");
    expect_problem("doctor = 3\n", 1, "doctor", "must be a table");
}

TEST(ConfigErrors, EnergySection) {
    expect_problem("[energy]\ninterval = \"1s\"\n", 2, "interval", "hammered", "5s");
    expect_problem("[energy]\nprice_per_kwh = -1\n", 2, "price_per_kwh", "out of range");
    expect_problem("[energy]\nintervall = \"1m\"\n", 2, "intervall", "unknown key", "interval");
    expect_problem("energy = 3\n", 1, "energy", "must be a table");
}

}  // namespace
}  // namespace slumber::config
