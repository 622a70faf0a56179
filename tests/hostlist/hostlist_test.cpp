// Expected values were printed by Slurm 22.05's scontrol (show hostnames,
// show hostlist, show hostlistsorted); see tests/integration for the
// randomized comparison against the real thing.
#include "hostlist/hostlist.hpp"

#include <gtest/gtest.h>

namespace slumber::hostlist {
namespace {

struct Case {
    const char* expression;
    const char* names;  // space-separated
    const char* compressed;
    const char* sorted;
};

constexpr Case kCases[] = {
    {"node[001-004]", "node001 node002 node003 node004", "node[001-004]", "node[001-004]"},
    {"node[1-3,5,7-9]", "node1 node2 node3 node5 node7 node8 node9", "node[1-3,5,7-9]", "node[1-3,5,7-9]"},
    {"rack[1-2]-node[01-03]", "rack1-node01 rack1-node02 rack1-node03 rack2-node01 rack2-node02 rack2-node03",
     "rack1-node[01-03],rack2-node[01-03]", "rack1-node[01-03],rack2-node[01-03]"},
    {"a[1-2]b[3-4]c[5-6]", "a1b3c5 a1b3c6 a2b3c5 a2b3c6 a1b4c5 a1b4c6 a2b4c5 a2b4c6",
     "a1b3c[5-6],a2b3c[5-6],a1b4c[5-6],a2b4c[5-6]", "a1b3c[5-6],a1b4c[5-6],a2b3c[5-6],a2b4c[5-6]"},
    {"n[8-12]", "n8 n9 n10 n11 n12", "n[8-12]", "n[8-12]"},
    {"n[08-12]", "n08 n09 n10 n11 n12", "n[08-12]", "n[08-12]"},
    {"n[001-3]", "n001 n002 n003", "n[001-003]", "n[001-003]"},
    {"n[1-003]", "n1 n2 n3", "n[1-3]", "n[1-3]"},
    {"n9,n10,n11", "n9 n10 n11", "n[9-11]", "n[9-11]"},
    {"n09,n10", "n09 n10", "n[09-10]", "n[09-10]"},
    {"n9,n010", "n9 n010", "n[9,010]", "n[9,010]"},
    {"n1,n1,n2", "n1 n1 n2", "n[1,1-2]", "n[1,1-2]"},
    {"n[1-5],n[3-8]", "n1 n2 n3 n4 n5 n3 n4 n5 n6 n7 n8", "n[1-5,3-8]", "n[1-3,3-4,4-5,5-8]"},
    {"n3,n2,n1", "n3 n2 n1", "n[3,2,1]", "n[1-3]"},
    {"n10,n9,n1,N1,n-1,n_1,m10,m9", "n10 n9 n1 N1 n-1 n_1 m10 m9", "n[10,9,1],N1,n-1,n_1,m[10,9]",
     "N1,m[9-10],n[1,9-10],n-1,n_1"},
    {"n[08-10],n9,n009", "n08 n09 n10 n9 n009", "n[08-10,9,009]", "n[9,08-10,009]"},
    {"a b\tc", "a b c", "a,b,c", "a,b,c"},
    {"a\nb", "a b", "a,b", "a,b"},
    {"n[1-2],,m", "n1 n2 m", "n[1-2],m", "m,n[1-2]"},
    {"[1-3]", "1 2 3", "[1-3]", "[1-3]"},
    {"123,124,x", "123 124 x", "[123-124],x", "[123-124],x"},
    {"n1[1-3]", "n11 n12 n13", "n1[1-3]", "n1[1-3]"},
    {"n[1-2][3-4],n15", "n13 n14 n23 n24 n15", "n1[3-4],n2[3-4],n15", "n15,n1[3-4],n2[3-4]"},
    {"node", "node", "node", "node"},
    {"n0,n00,n000", "n0 n00 n000", "n[0,00,000]", "n[0,00,000]"},
    {"x1y2,x1y3,x2y2", "x1y2 x1y3 x2y2", "x1y[2-3],x2y2", "x1y[2-3],x2y2"},
    {"n[0-2],n[1-3]", "n0 n1 n2 n1 n2 n3", "n[0-2,1-3]", "n[0-1,1-2,2-3]"},
    {"gpu[1-4],cpu[1-4],gpu[5-8]", "gpu1 gpu2 gpu3 gpu4 cpu1 cpu2 cpu3 cpu4 gpu5 gpu6 gpu7 gpu8",
     "gpu[1-4],cpu[1-4],gpu[5-8]", "cpu[1-4],gpu[1-8]"},
    {"n[5],n6", "n5 n6", "n[5-6]", "n[5-6]"},
    {"n[1,3,5],n[2,4]", "n1 n3 n5 n2 n4", "n[1,3,5,2,4]", "n[1-5]"},
    {"127.1.0.[1-3]", "127.1.0.1 127.1.0.2 127.1.0.3", "127.1.0.[1-3]", "127.1.0.[1-3]"},
    {"", "", "", ""},
    // Slurm prints n00018446744073709551615 for the first; slumber keeps the
    // names whole (found by fuzzing: the compressed form must parse again).
    {"n99999999999999999999999", "n99999999999999999999999", "n99999999999999999999999", "n99999999999999999999999"},
    {"n90002890289[02890002890289]", "n9000289028902890002890289", "n9000289028902890002890289",
     "n9000289028902890002890289"},
};

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& name : names) out += (out.empty() ? "" : " ") + name;
    return out;
}

class SlurmCases : public testing::TestWithParam<Case> {};

TEST_P(SlurmCases, ExpandsAsScontrolShowHostnames) {
    auto names = expand(GetParam().expression);
    ASSERT_TRUE(names) << names.error().message;
    EXPECT_EQ(joined(*names), GetParam().names);
}

TEST_P(SlurmCases, CompressesAsScontrolShowHostlist) {
    auto list = Hostlist::parse(GetParam().expression);
    ASSERT_TRUE(list);
    EXPECT_EQ(list->ranged_string(), GetParam().compressed);
}

TEST_P(SlurmCases, SortsAsScontrolShowHostlistsorted) {
    auto list = Hostlist::parse(GetParam().expression);
    ASSERT_TRUE(list);
    const std::size_t before = list->size();
    list->sort();
    EXPECT_EQ(list->ranged_string(), GetParam().sorted);
    EXPECT_EQ(list->size(), before) << "sorting keeps duplicates";
}

TEST_P(SlurmCases, CompressedFormExpandsToTheSameNames) {
    auto list = Hostlist::parse(GetParam().expression);
    ASSERT_TRUE(list);
    auto again = expand(list->ranged_string());
    ASSERT_TRUE(again);
    EXPECT_EQ(joined(*again), GetParam().names);
}

INSTANTIATE_TEST_SUITE_P(Hostlist, SlurmCases, testing::ValuesIn(kCases));

struct BadCase {
    const char* expression;
    std::size_t position;  // 0-based
    const char* words;     // part of the message
};

// Slurm accepts some of these and prints nonsense (n[1- gives "n]", n[ 1-2]
// gives n01 n02); slumber refuses them with the place of the mistake.
constexpr BadCase kBadCases[] = {
    {"n[1-", 1, "never closed"},
    {"n[3-1]", 2, "runs backwards"},
    {"n[1-3]x", 6, "text after the last ']'"},
    {"n[1-2].ib", 6, "text after the last ']'"},
    {"n1-3]", 4, "without a matching '['"},
    {"n[[1-3]", 2, "nested"},
    {"n[1, 2]", 4, "inside brackets"},
    {"n[+1-3]", 2, "inside brackets"},
    {"n[a-b]", 2, "inside brackets"},
    {"n[]", 2, "empty brackets"},
    {"n[1,,2]", 4, "empty item"},
    {"n[1-]", 3, "upper bound"},
    {"n[-3]", 2, "lower bound"},
    {"n[1-2-3]", 5, "one '-'"},
    {"n[0-65536]", 2, "at most 65536"},
    {"n[18446744073709551615]", 2, "too large"},
    {"ok,n\x01", 4, "control character"},
    {"n\r", 1, "control character"},
};

class BadInput : public testing::TestWithParam<BadCase> {};

TEST_P(BadInput, IsRefusedWithThePlace) {
    auto list = Hostlist::parse(GetParam().expression);
    ASSERT_FALSE(list) << "accepted: " << list->ranged_string();
    EXPECT_EQ(list.error().position, GetParam().position) << list.error().message;
    EXPECT_NE(list.error().message.find(GetParam().words), std::string::npos) << list.error().message;
}

INSTANTIATE_TEST_SUITE_P(Hostlist, BadInput, testing::ValuesIn(kBadCases));

TEST(Hostlist, LargestSlurmRangeIsAccepted) {
    auto list = Hostlist::parse("n[0-65535]");
    ASSERT_TRUE(list);
    EXPECT_EQ(list->size(), 65536U);
}

TEST(Hostlist, ExpansionBombIsRefusedBeforeUsingMemory) {
    auto list = Hostlist::parse("a[0-65535]b[0-65535]c[1-2]");
    ASSERT_FALSE(list);
    EXPECT_NE(list.error().message.find("more than"), std::string::npos);
}

TEST(Hostlist, ExpansionStopsAtAMillionNames) {
    auto at_limit = Hostlist::parse("a[0-1023]b[0-1023]");
    ASSERT_TRUE(at_limit);
    EXPECT_EQ(at_limit->size(), kMaxNames);
    auto beyond = Hostlist::parse("a[0-1023]b[0-1024]");
    ASSERT_FALSE(beyond);
    EXPECT_NE(beyond.error().message.find("more than 1048576 hosts"), std::string::npos) << beyond.error().message;
    // The fuzzer's hang of 2026-12-01: 12,373,009 names, refused before any is made.
    EXPECT_FALSE(Hostlist::parse("cb,k[9-1011]11rack[0-4111]-node[01-03]e[01-01]"));
}

TEST(Hostlist, FailedAppendLeavesTheListUnchanged) {
    auto list = Hostlist::parse("n[1-3]");
    ASSERT_TRUE(list);
    EXPECT_FALSE(list->append("m[1-2],x[3-1]"));
    EXPECT_EQ(list->ranged_string(), "n[1-3]");
    EXPECT_TRUE(list->append("n4"));
    EXPECT_EQ(list->ranged_string(), "n[1-4]");
}

TEST(Hostlist, DescribeCountsCharactersFromOne) {
    auto list = Hostlist::parse("n[3-1]");
    ASSERT_FALSE(list);
    EXPECT_EQ(describe(list.error(), "n[3-1]"),
              "invalid hostlist \"n[3-1]\": range 3-1 runs backwards: write the lower number first (at character 3)");
}

// Two corners where scontrol's sort loses names; slumber keeps every name.
TEST(Hostlist, SortKeepsNamesWhereSlurmLosesThem) {
    auto mixed_padding = Hostlist::parse("n[9-10],n06,n[9-10]");  // scontrol: n[9,9-10,10]
    mixed_padding->sort();
    EXPECT_EQ(mixed_padding->ranged_string(), "n[9,9-10,10,06]");

    auto far_apart = Hostlist::parse("n5,n3120600026,n31206392");  // scontrol: n[3120600026,31206392]
    far_apart->sort();
    EXPECT_EQ(far_apart->ranged_string(), "n[5,31206392,3120600026]");
}

TEST(Hostlist, CompressJoinsItemsLikeOneExpression) {
    const std::vector<std::string> items{"n3", "n1", "n2", "m[1-2]"};
    EXPECT_EQ(compress(items, false).value(), "n[3,1-2],m[1-2]");
    EXPECT_EQ(compress(items, true).value(), "m[1-2],n[1-3]");
}

TEST(Hostlist, OnceEachKeepsTheFirstOfEachNameInOrder) {
    EXPECT_EQ(once_each(expand("n2,n1,n2,n[1-3]").value()), (std::vector<std::string>{"n2", "n1", "n3"}));
    EXPECT_EQ(expand("n1,n1").value().size(), 2U) << "a hostlist itself keeps duplicates, as Slurm's does";
}

}  // namespace
}  // namespace slumber::hostlist
