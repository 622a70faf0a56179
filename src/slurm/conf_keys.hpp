// The keys a slurm.conf line may hold, as Slurm 22.05 and 24.11 know them:
// slurmctld refuses a file with any other ("Parsing error at unrecognized
// key: NoSuchKey") and does not start. One list, conf_keys.cpp, which names
// its sources.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace slumber::slurm {

/// What a line of slurm.conf describes, told by its first key: a record
/// (NodeName=, PartitionName=, NodeSet=, DownNodes=, FrontendName=), whose
/// other keys are that record's own, or one global setting.
enum class ConfLineKind { global, node, partition, node_set, down_nodes, frontend };

/// The kind of line whose first key is `first_key` (case-insensitive).
ConfLineKind line_kind(std::string_view first_key);

/// The Slurm versions whose parser knows a key.
enum class KeyVersions { both, only_22_05, only_24_11 };

/// Which of Slurm 22.05 and 24.11 know `key` (case-insensitive, as Slurm
/// reads keys) on a line of `kind` after its first key; nothing when
/// neither does. slumber cannot tell which Slurm reads the file, so a key
/// either one knows passes.
std::optional<KeyVersions> known_key(ConfLineKind kind, std::string_view key);

/// The key of `kind` nearest to `key`, spelt as slurm.conf(5) spells it,
/// when it is close enough to be a typo ("SuspendProgramm"); else nothing.
std::optional<std::string> nearest_key(ConfLineKind kind, std::string_view key);

}  // namespace slumber::slurm
