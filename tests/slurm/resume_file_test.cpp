// SLURM_RESUME_FILE in the shapes Slurm 22.05 and 23.02+ write.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "slurm/resume_file.hpp"

namespace slumber::slurm {
namespace {

TEST(ResumeFile, Slurm2302Shape) {
    auto file = parse_resume_file(R"({"all_nodes_resume": "node[1-3]", "jobs": [
        {"extra": null, "features": "c1", "job_id": 140814, "nodes_alloc": "node[1-4]",
         "nodes_resume": "node[1-3]", "oversubscribe": "OK", "partition": "batch", "reservation": null}]})");
    ASSERT_TRUE(file) << file.error();
    EXPECT_EQ(file->all_nodes, "node[1-3]");
    ASSERT_EQ(file->jobs.size(), 1U);
    EXPECT_EQ(file->jobs[0].job_id, 140814);
    EXPECT_EQ(file->jobs[0].nodes, "node[1-3]");
    EXPECT_EQ(file->jobs[0].partition, "batch");
}

TEST(ResumeFile, Slurm2205Shape) {
    auto file = parse_resume_file(R"({"all_nodes": "node[1-2]", "jobs": [{"job_id": 7, "nodes": "node1"},
                                                                        {"job_id": 8, "nodes": "node2"}]})");
    ASSERT_TRUE(file) << file.error();
    EXPECT_EQ(file->all_nodes, "node[1-2]");
    ASSERT_EQ(file->jobs.size(), 2U);
    EXPECT_EQ(file->jobs[1].job_id, 8);
    EXPECT_EQ(file->jobs[1].nodes, "node2");
}

TEST(ResumeFile, GarbageIsAnErrorSayingWhat) {
    EXPECT_EQ(parse_resume_file("{\"all_nodes_resume\": \"n1\"").error(), "not JSON");
    EXPECT_EQ(parse_resume_file("[1]").error(), "not a JSON object");
    EXPECT_EQ(parse_resume_file(R"({"all_nodes_resume": 5})").error(),
              "the file: \"all_nodes_resume\" is not a string");
    EXPECT_EQ(parse_resume_file(R"({"jobs": {}})").error(), "\"jobs\" is not a list");
    EXPECT_EQ(parse_resume_file(R"({"jobs": [{"job_id": "7"}]})").error(), "jobs[0]: no integer \"job_id\"");
    auto empty = parse_resume_file("{}");
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->jobs.empty());
}

TEST(ResumeFile, AFileThatCannotBeReadSaysWhyInTheSystemsWords) {
    const auto dir = std::filesystem::temp_directory_path() / ("slumber-resume-file-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    EXPECT_EQ(read_resume_file(dir / "missing.json").error(), "cannot open: No such file or directory");
    EXPECT_EQ(read_resume_file(dir).error(), "not a regular file");
    std::ofstream(dir / "resume.json")
        << R"({"all_nodes_resume": "n1", "jobs": [{"job_id": 7, "nodes_resume": "n1"}]})";
    auto file = read_resume_file(dir / "resume.json");
    ASSERT_TRUE(file) << file.error();
    EXPECT_EQ(file->jobs.at(0).job_id, 7);
    std::ofstream(dir / "bad.json") << "{";
    EXPECT_EQ(read_resume_file(dir / "bad.json").error(), "not JSON");
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace slumber::slurm
