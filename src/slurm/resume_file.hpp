// SLURM_RESUME_FILE: the JSON file Slurm hands ResumeProgram with the jobs
// behind a resume. Slurm 22.05 writes "all_nodes" and a job's "nodes";
// 23.02 renamed them to "all_nodes_resume" and "nodes_resume" (Slurm's NEWS).
// Both are read. The hostlist argument stays what slumber acts on; the file
// says which job each node is woken for.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace slumber::slurm {

struct ResumeJob {
    std::int64_t job_id = 0;
    std::string nodes;  ///< hostlist of this job's nodes being resumed
    std::string partition;
};

struct ResumeFile {
    std::string all_nodes;  ///< hostlist of every node being resumed
    std::vector<ResumeJob> jobs;
};

/// Parses the file's text; an error names what is wrong (not JSON, a field
/// of the wrong type). Unknown fields are ignored: Slurm adds them.
std::expected<ResumeFile, std::string> parse_resume_file(std::string_view text);

/// Largest SLURM_RESUME_FILE read: a job->node map this large is not one.
inline constexpr std::uintmax_t kMaxResumeFileBytes = 64U << 20;

/// Reads and parses the file. An error says what went wrong in the words of
/// the system ("cannot open: Permission denied", "not a regular file",
/// "larger than 64 MiB") or of parse_resume_file(). Slurm 22.05 writes a
/// file under its StateSaveLocation; 23.02 and later pass a memfd
/// (/proc/<slurmctld pid>/fd/<n>), which reads the same way.
std::expected<ResumeFile, std::string> read_resume_file(const std::filesystem::path& path);

}  // namespace slumber::slurm
