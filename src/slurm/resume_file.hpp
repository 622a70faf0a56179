// SLURM_RESUME_FILE: the JSON file Slurm hands ResumeProgram with the jobs
// behind a resume. Slurm 22.05 writes "all_nodes" and a job's "nodes";
// 23.02 renamed them to "all_nodes_resume" and "nodes_resume" (Slurm's NEWS).
// Both are read. The hostlist argument stays what slumber acts on; the file
// says which job each node is woken for.
#pragma once

#include <cstdint>
#include <expected>
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

}  // namespace slumber::slurm
