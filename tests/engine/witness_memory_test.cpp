// The crossed-address watch's memory of a node, in the journal's words.
#include "engine/witness_memory.hpp"

#include <gtest/gtest.h>

namespace slumber::engine {
namespace {

TEST(WitnessMemory, EveryFieldRoundTrips) {
    WitnessMemory memory;
    memory.asleep_at = 1'700'000'000'000;
    memory.asked_up = true;
    memory.asked_since_up = true;
    memory.woke_unasked = UnaskedWake{1'700'000'060'000, 1'700'000'010'000, BootedFrom::running, 1'699'000'000'000};
    memory.seen_up_at = 1'700'000'070'000;
    memory.seen_up_boot_ms = 1'700'000'060'000;
    memory.silent_since = 1'700'000'080'000;
    memory.dark_since = 1'700'000'081'000;
    memory.powering_up_at = 1'700'000'082'000;
    memory.judged_from = 1'700'000'000'500;
    const auto read = witness_memory_from(witness_memory_words(memory));
    ASSERT_TRUE(read) << read.error();
    EXPECT_EQ(*read, memory);

    const auto empty = witness_memory_from(witness_memory_words(WitnessMemory{}));
    ASSERT_TRUE(empty) << empty.error();
    EXPECT_EQ(*empty, WitnessMemory{});
    EXPECT_EQ(witness_memory_words(WitnessMemory{}), "{}");
}

slurm::NodeState node_state(std::string base, std::vector<std::string> flags = {}, std::string reason = {},
                            std::optional<std::int64_t> reason_time = std::nullopt) {
    slurm::NodeState node;
    node.name = "n1";
    node.base = std::move(base);
    node.flags = std::move(flags);
    node.reason = std::move(reason);
    node.reason_time = reason_time;
    return node;
}

// Slurm clears NOT_RESPONDING as it suspends a node it set DOWN for "Not
// responding" (power_save.c): the node is still seen silent.
TEST(WitnessMemory, ANodeSlurmSuspendsAfterItWentSilentIsSeenSilent) {
    constexpr TimeMs kUp = 1'700'000'000'000;
    WitnessMemory memory;
    remember(memory, node_state("MIXED"), kUp);
    ASSERT_EQ(memory.seen_up_at, kUp);
    remember(memory, node_state("DOWN", {"POWERING_DOWN"}, "Not responding", kUp / 1000 + 8), kUp + 20000);
    EXPECT_EQ(memory.silent_since, kUp + 20000);

    // Powering down an idle node that answered: Slurm's own doing, not a silence.
    WitnessMemory idle;
    remember(idle, node_state("IDLE"), kUp);
    remember(idle, node_state("IDLE", {"POWERING_DOWN"}), kUp + 2000);
    EXPECT_FALSE(idle.silent_since);
    // A "Not responding" from before it was last seen up is an old one
    // (ReturnToService=0 keeps a node that answers again DOWN).
    WitnessMemory old;
    remember(old, node_state("DOWN", {}, "Not responding", kUp / 1000 - 60), kUp);
    ASSERT_EQ(old.seen_up_at, kUp);
    remember(old, node_state("DOWN", {"POWERING_DOWN"}, "Not responding", kUp / 1000 - 60), kUp + 2000);
    EXPECT_FALSE(old.silent_since);
}

// A node that woke unasked and was set DOWN and powering down by Slurm
// before anyone looked (a hook's carrier looks only when a hook runs):
// its BootTime says it registered since it was seen asleep.
TEST(WitnessMemory, ANodeThatRegisteredUnseenSinceItSleptWokeUnasked) {
    constexpr TimeMs kAsleep = 1'700'000'000'000;
    constexpr std::int64_t kBoot = kAsleep / 1000 + 2;  // BootTime, Unix s
    const auto at = [](slurm::NodeState node, std::optional<std::int64_t> boot) {
        node.boot_time = boot;
        return node;
    };
    WitnessMemory memory;
    remember(memory, at(node_state("IDLE", {"POWERED_DOWN"}), kAsleep / 1000 - 3600), kAsleep);
    remember(memory, at(node_state("DOWN", {"POWERING_DOWN"}, "Node unexpectedly rebooted"), kBoot), kAsleep + 14000);
    ASSERT_TRUE(memory.woke_unasked);
    EXPECT_EQ(*memory.woke_unasked, (UnaskedWake{kBoot * 1000, kAsleep}));
    // Kept once Slurm has it powered down (down~), which forgets the sleep.
    remember(memory, at(node_state("DOWN", {"POWERED_DOWN"}, "Node unexpectedly rebooted"), kBoot), kAsleep + 30000);
    EXPECT_EQ(*memory.woke_unasked, (UnaskedWake{kBoot * 1000, kAsleep}));

    // Seen asleep again with the boot it had before it slept: no wake.
    WitnessMemory asleep;
    remember(asleep, at(node_state("IDLE", {"POWERED_DOWN"}), kAsleep / 1000 - 3600), kAsleep);
    remember(asleep, at(node_state("IDLE", {"POWERED_DOWN"}), kAsleep / 1000 - 3600), kAsleep + 30000);
    EXPECT_FALSE(asleep.woke_unasked);
    // Powered up by Slurm (seen POWERING_UP), then DOWN and powering down
    // with its new boot: asked, not unasked.
    WitnessMemory asked;
    remember(asked, at(node_state("IDLE", {"POWERED_DOWN"}), kAsleep / 1000 - 3600), kAsleep);
    remember(asked, at(node_state("IDLE", {"POWERING_UP"}), kAsleep / 1000 - 3600), kAsleep + 1000);
    EXPECT_EQ(asked.powering_up_at, kAsleep + 1000) << "its own machine may be booting from then";
    remember(asked, at(node_state("DOWN", {"POWERING_DOWN"}, "Not responding"), kBoot), kAsleep + 20000);
    EXPECT_FALSE(asked.woke_unasked);
}

// Powered down and DOWN counts as asleep (an admin's down, a silent node
// Slurm parked), unless Slurm gave up on its own boot: a late registration
// is that boot's. A tester's admin-downed node was woken through a crossed
// address unnoticed.
TEST(WitnessMemory, ADownNodePoweredDownSleepsUnlessItsBootFailed) {
    constexpr TimeMs kAt = 1'700'000'000'000;
    WitnessMemory downed;
    remember(downed, node_state("DOWN", {"POWERED_DOWN"}, "maintenance"), kAt);
    EXPECT_EQ(downed.asleep_at, kAt);
    WitnessMemory parked;
    remember(parked, node_state("DOWN", {"POWERED_DOWN"}, "Not responding"), kAt);
    EXPECT_EQ(parked.asleep_at, kAt);
    WitnessMemory failed;
    remember(failed, node_state("IDLE", {"POWERED_DOWN"}), kAt - 90000);
    remember(failed, node_state("DOWN", {"POWERED_DOWN"}, "ResumeTimeout reached"), kAt);
    EXPECT_FALSE(failed.asleep_at);
}

TEST(WitnessMemory, UnreadableWordsAreNamed) {
    const std::pair<std::string, std::string> cases[] = {
        {"", "not JSON"},
        {"{\"asleep_at\": 12", "not JSON"},
        {"[1, 2]", "not a JSON object"},
        {R"({"asleep_at": -5})", "\"asleep_at\" is not a time in Unix ms"},
        {R"({"seen_up_at": "soon"})", "\"seen_up_at\" is not a time in Unix ms"},
        {R"({"dark_since": 1.5})", "\"dark_since\" is not a time in Unix ms"},
        {R"({"asked_up": 1})", "\"asked_up\" is not true or false"},
        {R"({"woke_unasked": 7})", "\"woke_unasked\" is not an object"},
        {R"({"woke_unasked": {"boot_ms": 1, "from": "nowhere"}})", "\"from\" is neither"},
        {R"({"woke_unasked": {"boot_ms": -1, "from": "asleep"}})", "in \"woke_unasked\": \"boot_ms\""},
        {R"({"judged_from": 18446744073709551615})", "\"judged_from\" is not a time"},
    };
    for (const auto& [words, error] : cases) {
        const auto read = witness_memory_from(words);
        ASSERT_FALSE(read) << words;
        EXPECT_NE(read.error().find(error), std::string::npos) << words << ": " << read.error();
    }
}

TEST(WitnessMemory, FieldsOfANewerSlumberAreIgnored) {
    const auto read = witness_memory_from(R"({"asleep_at": 5, "tomorrow": {"x": [1]}})");
    ASSERT_TRUE(read) << read.error();
    EXPECT_EQ(read->asleep_at, 5);
}

}  // namespace
}  // namespace slumber::engine
