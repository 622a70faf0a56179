// Where the lists come from, and how they were checked:
//
// - The keys slurm.conf(5) documents, in its PARAMETERS, NODE
//   CONFIGURATION, PARTITION CONFIGURATION, NODESET CONFIGURATION, DOWN NODE
//   CONFIGURATION and FRONTEND NODE CONFIGURATION sections, of Slurm 22.05.8
//   (Debian 12's slurm-client, December 2022) and 24.11.5 (Debian 13's, April
//   2025): every `.TP` entry of a section. Those entries hold the values of a
//   key too (DebugFlags' "Backfill", SelectTypeParameters' "CR_Core"), so
//   only those that each Slurm's own parser takes as a key on such a line
//   were kept: `scontrol show config` with SLURM_CONF naming a file with
//   that one line more ("Key=1", "NodeName=n9 Key=1", ...) fails with
//   "Parsing error at unrecognized key" for a word that is no key.
// - Keys that the parsers (libslurmfull of 22.05.8 and 24.11.5) take though
//   slurm.conf(5) of neither lists them (a deprecated FastSchedule, the
//   24.11 parser's TLSType ahead of its documentation): every word of the
//   libraries' strings tried the same way, on a global, NodeName and
//   PartitionName line. A key these list is not flagged, since slurmctld
//   starts with it.
//
// Each key carries the versions whose parser knows it. slumber does not ask
// which Slurm reads the file (doctor asks no slurmctld), so doctor accepts
// the union: SuspendExcStates (23.02 and later) passes on a 22.05 site, whose
// slurmctld refuses it. The first key of a record's line (NodeName,
// PartitionName, NodeSet, DownNodes, FrontendName) is not in these lists:
// line_kind() tells it.
#include "slurm/conf_keys.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <span>
#include <vector>

#include "slurm/conf_file.hpp"
#include "util/suggest.hpp"

namespace slumber::slurm {
namespace {

constexpr KeyVersions kBoth = KeyVersions::both;
constexpr KeyVersions k2205 = KeyVersions::only_22_05;
constexpr KeyVersions k2411 = KeyVersions::only_24_11;

struct KnownKey {
    std::string_view name;
    KeyVersions versions;
};

// Global settings: slurm.conf(5), PARAMETERS.
constexpr KnownKey kGlobalKeys[] = {
    {"AccountingStorageBackupHost", kBoth},
    {"AccountingStorageEnforce", kBoth},
    {"AccountingStorageExternalHost", kBoth},
    {"AccountingStorageHost", kBoth},
    {"AccountingStorageParameters", kBoth},
    {"AccountingStoragePass", kBoth},
    {"AccountingStoragePort", kBoth},
    {"AccountingStorageTRES", kBoth},
    {"AccountingStorageType", kBoth},
    {"AccountingStorageUser", kBoth},
    {"AccountingStoreFlags", kBoth},
    {"AcctGatherEnergyType", kBoth},
    {"AcctGatherFilesystemType", kBoth},
    {"AcctGatherInterconnectType", kBoth},
    {"AcctGatherNodeFreq", kBoth},
    {"AcctGatherProfileType", kBoth},
    {"AllowSpecResourcesUsage", kBoth},
    {"AuthAltParameters", kBoth},
    {"AuthAltTypes", kBoth},
    {"AuthInfo", kBoth},
    {"AuthType", kBoth},
    {"BackupAddr", kBoth},
    {"BackupController", kBoth},
    {"BatchStartTimeout", kBoth},
    {"BcastExclude", kBoth},
    {"BcastParameters", kBoth},
    {"BurstBufferType", kBoth},
    {"CliFilterPlugins", kBoth},
    {"ClusterName", kBoth},
    {"CommunicationParameters", kBoth},
    {"CompleteWait", kBoth},
    {"ControlAddr", kBoth},
    {"ControlMachine", kBoth},
    {"CoreSpecPlugin", kBoth},
    {"CpuFreqDef", kBoth},
    {"CpuFreqGovernors", kBoth},
    {"CredType", kBoth},
    {"DebugFlags", kBoth},
    {"DefCpuPerGPU", kBoth},
    {"DefMemPerCPU", kBoth},
    {"DefMemPerGPU", kBoth},
    {"DefMemPerNode", kBoth},
    {"DependencyParameters", kBoth},
    {"DisableRootJobs", kBoth},
    {"EioTimeout", kBoth},
    {"EnforcePartLimits", kBoth},
    {"Epilog", kBoth},
    {"EpilogMsgTime", kBoth},
    {"EpilogSlurmctld", kBoth},
    {"ExtSensorsFreq", kBoth},
    {"ExtSensorsType", kBoth},
    {"FairShareDampeningFactor", kBoth},
    {"FederationParameters", kBoth},
    {"FirstJobId", kBoth},
    {"GetEnvTimeout", kBoth},
    {"GresTypes", kBoth},
    {"GroupUpdateForce", kBoth},
    {"GroupUpdateTime", kBoth},
    {"HashPlugin", k2411},
    {"HealthCheckInterval", kBoth},
    {"HealthCheckNodeState", kBoth},
    {"HealthCheckProgram", kBoth},
    {"InactiveLimit", kBoth},
    {"InteractiveStepOptions", kBoth},
    {"JobAcctGatherFrequency", kBoth},
    {"JobAcctGatherParams", kBoth},
    {"JobAcctGatherType", kBoth},
    {"JobCompHost", kBoth},
    {"JobCompLoc", kBoth},
    {"JobCompParams", kBoth},
    {"JobCompPass", kBoth},
    {"JobCompPort", kBoth},
    {"JobCompType", kBoth},
    {"JobCompUser", kBoth},
    {"JobContainerType", kBoth},
    {"JobFileAppend", kBoth},
    {"JobRequeue", kBoth},
    {"JobSubmitPlugins", kBoth},
    {"KillOnBadExit", kBoth},
    {"KillWait", kBoth},
    {"LaunchParameters", kBoth},
    {"LaunchType", kBoth},
    {"Licenses", kBoth},
    {"LogTimeFormat", kBoth},
    {"MailDomain", kBoth},
    {"MailProg", kBoth},
    {"MaxArraySize", kBoth},
    {"MaxBatchRequeue", k2411},
    {"MaxDBDMsgs", kBoth},
    {"MaxJobCount", kBoth},
    {"MaxJobId", kBoth},
    {"MaxMemPerCPU", kBoth},
    {"MaxMemPerNode", kBoth},
    {"MaxNodeCount", kBoth},
    {"MaxStepCount", kBoth},
    {"MaxTasksPerNode", kBoth},
    {"MCSParameters", kBoth},
    {"MCSPlugin", kBoth},
    {"MessageTimeout", kBoth},
    {"MinJobAge", kBoth},
    {"MpiDefault", kBoth},
    {"MpiParams", kBoth},
    {"NodeFeaturesPlugins", kBoth},
    {"OverTimeLimit", kBoth},
    {"PluginDir", kBoth},
    {"PlugStackConfig", kBoth},
    {"PowerParameters", kBoth},
    {"PowerPlugin", kBoth},
    {"PreemptExemptTime", kBoth},
    {"PreemptMode", kBoth},
    {"PreemptParameters", k2411},
    {"PreemptType", kBoth},
    {"PrEpParameters", kBoth},
    {"PrEpPlugins", kBoth},
    {"PriorityCalcPeriod", kBoth},
    {"PriorityDecayHalfLife", kBoth},
    {"PriorityFavorSmall", kBoth},
    {"PriorityFlags", kBoth},
    {"PriorityMaxAge", kBoth},
    {"PriorityParameters", kBoth},
    {"PrioritySiteFactorParameters", kBoth},
    {"PrioritySiteFactorPlugin", kBoth},
    {"PriorityType", kBoth},
    {"PriorityUsageResetPeriod", kBoth},
    {"PriorityWeightAge", kBoth},
    {"PriorityWeightAssoc", kBoth},
    {"PriorityWeightFairshare", kBoth},
    {"PriorityWeightJobSize", kBoth},
    {"PriorityWeightPartition", kBoth},
    {"PriorityWeightQOS", kBoth},
    {"PriorityWeightTRES", kBoth},
    {"PrivateData", kBoth},
    {"ProctrackType", kBoth},
    {"Prolog", kBoth},
    {"PrologEpilogTimeout", kBoth},
    {"PrologFlags", kBoth},
    {"PrologSlurmctld", kBoth},
    {"PropagatePrioProcess", kBoth},
    {"PropagateResourceLimits", kBoth},
    {"PropagateResourceLimitsExcept", kBoth},
    {"RebootProgram", kBoth},
    {"ReconfigFlags", kBoth},
    {"RequeueExit", kBoth},
    {"RequeueExitHold", kBoth},
    {"ResumeFailProgram", kBoth},
    {"ResumeProgram", kBoth},
    {"ResumeRate", kBoth},
    {"ResumeTimeout", kBoth},
    {"ResvEpilog", kBoth},
    {"ResvOverRun", kBoth},
    {"ResvProlog", kBoth},
    {"ReturnToService", kBoth},
    {"RoutePlugin", kBoth},
    {"SchedulerParameters", kBoth},
    {"SchedulerTimeSlice", kBoth},
    {"SchedulerType", kBoth},
    {"ScronParameters", kBoth},
    {"SelectType", kBoth},
    {"SelectTypeParameters", kBoth},
    {"SlurmctldAddr", kBoth},
    {"SlurmctldDebug", kBoth},
    {"SlurmctldHost", kBoth},
    {"SlurmctldLogFile", kBoth},
    {"SlurmctldParameters", kBoth},
    {"SlurmctldPidFile", kBoth},
    {"SlurmctldPlugstack", k2205},
    {"SlurmctldPort", kBoth},
    {"SlurmctldPrimaryOffProg", kBoth},
    {"SlurmctldPrimaryOnProg", kBoth},
    {"SlurmctldSyslogDebug", kBoth},
    {"SlurmctldTimeout", kBoth},
    {"SlurmdDebug", kBoth},
    {"SlurmdLogFile", kBoth},
    {"SlurmdParameters", kBoth},
    {"SlurmdPidFile", kBoth},
    {"SlurmdPort", kBoth},
    {"SlurmdSpoolDir", kBoth},
    {"SlurmdSyslogDebug", kBoth},
    {"SlurmdTimeout", kBoth},
    {"SlurmdUser", kBoth},
    {"SlurmSchedLogFile", kBoth},
    {"SlurmSchedLogLevel", kBoth},
    {"SlurmUser", kBoth},
    {"SrunEpilog", kBoth},
    {"SrunPortRange", kBoth},
    {"SrunProlog", kBoth},
    {"StateSaveLocation", kBoth},
    {"SuspendExcNodes", kBoth},
    {"SuspendExcParts", kBoth},
    {"SuspendExcStates", k2411},
    {"SuspendProgram", kBoth},
    {"SuspendRate", kBoth},
    {"SuspendTime", kBoth},
    {"SuspendTimeout", kBoth},
    {"SwitchParameters", kBoth},
    {"SwitchType", kBoth},
    {"TaskEpilog", kBoth},
    {"TaskPlugin", kBoth},
    {"TaskPluginParam", kBoth},
    {"TaskProlog", kBoth},
    {"TCPTimeout", kBoth},
    {"TmpFS", kBoth},
    {"TopologyParam", kBoth},
    {"TopologyPlugin", kBoth},
    {"TrackWCKey", kBoth},
    {"TreeWidth", kBoth},
    {"UnkillableStepProgram", kBoth},
    {"UnkillableStepTimeout", kBoth},
    {"UsePAM", kBoth},
    {"VSizeFactor", kBoth},
    {"WaitTime", kBoth},
    {"X11Parameters", kBoth},
};

// Global settings the parsers take that slurm.conf(5) does not list.
constexpr KnownKey kGlobalParserOnly[] = {
    {"AccountingStorageLoc", kBoth},
    {"AccountingStoreJobComment", kBoth},
    {"AcctGatherInfinibandType", kBoth},
    {"BurstBufferParameters", kBoth},
    {"CertmgrParameters", k2411},
    {"CertmgrType", k2411},
    {"CryptoType", kBoth},
    {"DataParserParameters", k2411},
    {"FastSchedule", kBoth},
    {"GpuFreqDef", kBoth},
    {"JobCredentialPrivateKey", kBoth},
    {"JobCredentialPublicCertificate", kBoth},
    {"KeepAliveTime", kBoth},
    {"SallocDefaultCommand", kBoth},
    {"SbcastParameters", kBoth},
    {"SchedulerAuth", k2205},
    {"TLSParameters", k2411},
    {"TLSType", k2411},
};

// A NodeName line: NODE CONFIGURATION; Feature and TRESWeights from the
// parsers alone.
constexpr KnownKey kNodeKeys[] = {
    {"BcastAddr", kBoth},
    {"Boards", kBoth},
    {"CoreSpecCount", kBoth},
    {"CoresPerSocket", kBoth},
    {"CpuBind", kBoth},
    {"CPUs", kBoth},
    {"CpuSpecList", kBoth},
    {"Features", kBoth},
    {"Gres", kBoth},
    {"MemSpecLimit", kBoth},
    {"NodeAddr", kBoth},
    {"NodeHostname", kBoth},
    {"Port", kBoth},
    {"Procs", kBoth},
    {"RealMemory", kBoth},
    {"Reason", kBoth},
    {"RestrictedCoresPerGPU", k2411},
    {"Sockets", kBoth},
    {"SocketsPerBoard", kBoth},
    {"State", kBoth},
    {"ThreadsPerCore", kBoth},
    {"TmpDisk", kBoth},
    {"Weight", kBoth},
    {"Feature", kBoth},
    {"TRESWeights", kBoth},
};

// A PartitionName line: PARTITION CONFIGURATION; Priority from the parsers
// alone.
constexpr KnownKey kPartitionKeys[] = {
    {"AllocNodes", kBoth},
    {"AllowAccounts", kBoth},
    {"AllowGroups", kBoth},
    {"AllowQos", kBoth},
    {"Alternate", kBoth},
    {"CpuBind", kBoth},
    {"Default", kBoth},
    {"DefaultTime", kBoth},
    {"DefCpuPerGPU", kBoth},
    {"DefMemPerCPU", kBoth},
    {"DefMemPerGPU", kBoth},
    {"DefMemPerNode", kBoth},
    {"DenyAccounts", kBoth},
    {"DenyQos", kBoth},
    {"DisableRootJobs", kBoth},
    {"ExclusiveTopo", k2411},
    {"ExclusiveUser", kBoth},
    {"GraceTime", kBoth},
    {"Hidden", kBoth},
    {"LLN", kBoth},
    {"MaxCPUsPerNode", kBoth},
    {"MaxCPUsPerSocket", k2411},
    {"MaxMemPerCPU", kBoth},
    {"MaxMemPerNode", kBoth},
    {"MaxNodes", kBoth},
    {"MaxTime", kBoth},
    {"MinNodes", kBoth},
    {"Nodes", kBoth},
    {"OverSubscribe", kBoth},
    {"OverTimeLimit", kBoth},
    {"PowerDownOnIdle", k2411},
    {"PreemptMode", kBoth},
    {"PriorityJobFactor", kBoth},
    {"PriorityTier", kBoth},
    {"QOS", kBoth},
    {"ReqResv", kBoth},
    {"ResumeTimeout", kBoth},
    {"RootOnly", kBoth},
    {"SelectTypeParameters", kBoth},
    {"Shared", kBoth},
    {"State", kBoth},
    {"SuspendTime", kBoth},
    {"SuspendTimeout", kBoth},
    {"TRESBillingWeights", kBoth},
    {"Priority", kBoth},
};

// A NodeSet line: NODESET CONFIGURATION.
constexpr KnownKey kNodeSetKeys[] = {{"Feature", kBoth}, {"Nodes", kBoth}};

// A DownNodes line: DOWN NODE CONFIGURATION.
constexpr KnownKey kDownNodesKeys[] = {{"Reason", kBoth}, {"State", kBoth}};

// A FrontendName line: FRONTEND NODE CONFIGURATION, in both man pages. Not
// tried on a parser: Debian builds Slurm without --enable-front-end, and
// there any FrontendName line is fatal.
constexpr KnownKey kFrontendKeys[] = {
    {"AllowGroups", kBoth},  {"AllowUsers", kBoth}, {"DenyGroups", kBoth}, {"DenyUsers", kBoth},
    {"FrontendAddr", kBoth}, {"Port", kBoth},       {"Reason", kBoth},     {"State", kBoth},
};

struct RecordKind {
    std::string_view first_key;
    ConfLineKind kind;
};
constexpr RecordKind kRecords[] = {
    {"NodeName", ConfLineKind::node},         {"PartitionName", ConfLineKind::partition},
    {"NodeSet", ConfLineKind::node_set},      {"DownNodes", ConfLineKind::down_nodes},
    {"FrontendName", ConfLineKind::frontend},
};

std::vector<std::span<const KnownKey>> keys_of(ConfLineKind kind) {
    switch (kind) {
        case ConfLineKind::global:
            return {kGlobalKeys, kGlobalParserOnly};
        case ConfLineKind::node:
            return {kNodeKeys};
        case ConfLineKind::partition:
            return {kPartitionKeys};
        case ConfLineKind::node_set:
            return {kNodeSetKeys};
        case ConfLineKind::down_nodes:
            return {kDownNodesKeys};
        case ConfLineKind::frontend:
            return {kFrontendKeys};
    }
    return {};
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

}  // namespace

ConfLineKind line_kind(std::string_view first_key) {
    for (const RecordKind& record : kRecords) {
        if (same_key(first_key, record.first_key)) return record.kind;
    }
    return ConfLineKind::global;
}

std::optional<KeyVersions> known_key(ConfLineKind kind, std::string_view key) {
    for (const auto& list : keys_of(kind)) {
        for (const KnownKey& known : list) {
            if (same_key(known.name, key)) return known.versions;
        }
    }
    return std::nullopt;
}

std::optional<std::string> nearest_key(ConfLineKind kind, std::string_view key) {
    std::vector<std::string> names;
    std::vector<std::string_view> spelt;
    for (const auto& list : keys_of(kind)) {
        for (const KnownKey& known : list) {
            names.push_back(lower(known.name));
            spelt.push_back(known.name);
        }
    }
    // A misspelt record key ("NodeNames=n1 CPUs=2") makes a global line
    // to Slurm: the record keys are suggested there too.
    if (kind == ConfLineKind::global) {
        for (const RecordKind& record : kRecords) {
            names.push_back(lower(record.first_key));
            spelt.push_back(record.first_key);
        }
    }
    const std::vector<std::string_view> candidates(names.begin(), names.end());
    const auto match = util::closest_match(lower(key), candidates);
    if (!match) return std::nullopt;
    const auto at = std::find(names.begin(), names.end(), *match);
    return std::string(spelt[static_cast<std::size_t>(at - names.begin())]);
}

}  // namespace slumber::slurm
