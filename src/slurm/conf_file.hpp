// slurm.conf as slurmctld reads it, with where each setting was written:
// Include lines followed, every key=value pair of a line kept, NodeName and
// PartitionName lines as records. For `slumber doctor`, which must point at
// the file and line to change; slurm_conf.hpp's conf_option() stays the
// quick look-up of one option in one file's text.
//
// Facts from slurm.conf(5) (22.05.8 and 24.11.3): keys are case-insensitive,
// node and partition names are not; "#" starts a comment; a line that
// begins with the word "Include" and whitespace names a file included
// inline, "%c" in it standing for ClusterName, a relative name being looked
// for in slurm.conf's own directory (INCLUDE MODIFIERS); for a global option
// the last setting wins; a line that is not `Key=Value` (a global one holds
// exactly one) or whose key Slurm does not know makes slurmctld refuse the
// file and not start.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "slurm/conf_keys.hpp"

namespace slumber::slurm {

/// `text` without the blanks slurm.conf allows around its words (spaces,
/// tabs, the CR of a file saved on Windows).
std::string_view trim(std::string_view text);

/// Takes the first line off `text` (up to '\n') and returns it trimmed,
/// counting it in `number` (1 for the first): how scontrol's answers are
/// read line by line, errors naming the line.
std::string_view take_line(std::string_view& text, int& number);

/// Whether two slurm.conf keys are the same key: they are case-insensitive
/// (ASCII). Also for "DEFAULT" as a NodeName or PartitionName.
bool same_key(std::string_view a, std::string_view b);

/// Where something was written: a file and a 1-based line.
struct ConfPlace {
    std::filesystem::path file;
    int line = 0;
};

/// An Include line that could not be followed as Slurm follows it.
struct IncludeProblem {
    ConfPlace place;         ///< the Include line
    std::string what;        ///< what is wrong, naming the file; untrusted text (from slurm.conf)
    std::string fix;         ///< what to write instead
    std::string paste = {};  ///< the line to write instead, when there is one
};

/// One global `Key=Value` pair.
struct ConfSetting {
    std::string key;    ///< as written
    std::string value;  ///< as written, quotes removed; untrusted text
    ConfPlace place;
};

/// A NodeName= or PartitionName= line: its pairs in order, the first one
/// naming the record ("NodeName", "node[1-4]").
struct ConfRecord {
    std::vector<std::pair<std::string, std::string>> pairs;
    ConfPlace place;

    [[nodiscard]] const std::string& name() const { return pairs.front().second; }
    /// The value of `key` (case-insensitive) on this line, if set.
    [[nodiscard]] std::optional<std::string> get(std::string_view key) const;
};

/// A line slurmctld refuses, and with it the file: it does not start
/// ("Parse error in file F line N: ..." or "Parsing error at unrecognized
/// key: K"). Slurm reads a global line as one `Key=Value` and a record's
/// line (NodeName=, PartitionName=, ...) as its `Key=Value` pairs.
struct ConfLineFault {
    ConfPlace place;
    std::string line;         ///< comments removed, continuations joined; untrusted text
    std::string unknown_key;  ///< a key Slurm does not know on such a line; empty: `rest` is the fault
    std::string rest;         ///< the text from where no `Key=Value` could be read; empty when none
    ConfLineKind kind = ConfLineKind::global;
};

struct SlurmConf {
    std::vector<ConfSetting> settings;         ///< global settings (one a line), in the order read
    std::vector<ConfRecord> nodes;             ///< NodeName lines (DEFAULT ones too)
    std::vector<ConfRecord> partitions;        ///< PartitionName lines (DEFAULT ones too)
    std::vector<std::filesystem::path> files;  ///< every file read, slurm.conf first
    /// Every line that is neither a record (NodeName, PartitionName,
    /// NodeSet, DownNodes, FrontendName) nor an Include, comments removed,
    /// continuations joined, in the order read: what Slurm's commands need
    /// of the file to reach slurmctld (client_conf.hpp).
    std::vector<std::string> global_lines;
    /// Include lines that could not be followed (a missing file, a loop,
    /// a pattern, a name Slurm versions read differently), in the order read.
    std::vector<IncludeProblem> problems;
    /// Lines Slurm refuses (conf_keys.hpp knows the keys), in the order
    /// read. Their readable part is kept as settings and records all the
    /// same: a global line's first setting, a record's pairs.
    std::vector<ConfLineFault> refused;

    /// The setting in force for `key` (case-insensitive): the last one read.
    [[nodiscard]] const ConfSetting* find(std::string_view key) const;
    /// Every node a NodeName line defines (not DEFAULT), expanded, in the
    /// order written; a NodeName that is no hostlist is skipped.
    [[nodiscard]] std::vector<std::string> node_names() const;
    /// The nodes of partition `name` (its Nodes=, "ALL" meaning every node),
    /// expanded.
    [[nodiscard]] std::vector<std::string> partition_nodes(std::string_view name) const;
};

/// How a file's text is read: nothing when it cannot be.
using ConfReader = std::function<std::optional<std::string>(const std::filesystem::path&)>;

/// Reads `slurm_conf` and every file it includes (at most 16 deep; a file
/// that includes itself is a problem, not a loop). Nothing when
/// `slurm_conf` itself cannot be read. `reader` reads from the disk unless
/// given (tests, fuzzing).
std::optional<SlurmConf> read_slurm_conf(const std::filesystem::path& slurm_conf, const ConfReader& reader = {});

/// One file's text, Include lines not followed (fuzzing).
SlurmConf parse_slurm_conf(std::string_view text, const std::filesystem::path& file);

}  // namespace slumber::slurm
