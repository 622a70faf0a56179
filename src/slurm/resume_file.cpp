#include "slurm/resume_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

namespace slumber::slurm {
namespace {

using nlohmann::json;

// The value of the first key present, as a string; "" when none is, an error
// when one holds something else.
std::expected<std::string, std::string> text_field(const json& object, std::initializer_list<const char*> keys,
                                                   std::string_view where) {
    for (const char* key : keys) {
        const auto it = object.find(key);
        if (it == object.end() || it->is_null()) continue;
        if (!it->is_string()) return std::unexpected(fmt::format("{}: \"{}\" is not a string", where, key));
        return it->get_ref<const std::string&>();
    }
    return std::string();
}

}  // namespace

std::expected<ResumeFile, std::string> parse_resume_file(std::string_view text) {
    const json document = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (document.is_discarded()) return std::unexpected("not JSON");
    if (!document.is_object()) return std::unexpected("not a JSON object");
    ResumeFile file;
    auto all = text_field(document, {"all_nodes_resume", "all_nodes"}, "the file");
    if (!all) return std::unexpected(all.error());
    file.all_nodes = std::move(*all);
    const auto jobs = document.find("jobs");
    if (jobs == document.end() || jobs->is_null()) return file;
    if (!jobs->is_array()) return std::unexpected("\"jobs\" is not a list");
    for (std::size_t i = 0; i < jobs->size(); ++i) {
        const json& job = (*jobs)[i];
        const std::string where = fmt::format("jobs[{}]", i);
        if (!job.is_object()) return std::unexpected(where + " is not an object");
        ResumeJob entry;
        const auto id = job.find("job_id");
        if (id == job.end() || !id->is_number_integer()) {
            return std::unexpected(where + ": no integer \"job_id\"");
        }
        entry.job_id = id->get<std::int64_t>();
        auto nodes = text_field(job, {"nodes_resume", "nodes"}, where);
        if (!nodes) return std::unexpected(nodes.error());
        entry.nodes = std::move(*nodes);
        auto partition = text_field(job, {"partition"}, where);
        if (!partition) return std::unexpected(partition.error());
        entry.partition = std::move(*partition);
        file.jobs.push_back(std::move(entry));
    }
    return file;
}

std::expected<ResumeFile, std::string> read_resume_file(const std::filesystem::path& path) {
    // O_NONBLOCK: a FIFO put there by mistake must not hang the hook.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return std::unexpected(fmt::format("cannot open: {}", std::strerror(errno)));
    struct FdCloser {
        int fd;
        ~FdCloser() { ::close(fd); }
    } closer{fd};
    struct stat status {};
    if (::fstat(fd, &status) != 0) return std::unexpected(fmt::format("cannot read: {}", std::strerror(errno)));
    if (!S_ISREG(status.st_mode)) return std::unexpected("not a regular file");
    if (static_cast<std::uintmax_t>(status.st_size) > kMaxResumeFileBytes) {
        return std::unexpected(fmt::format("larger than {} MiB", kMaxResumeFileBytes >> 20));
    }
    std::string text;
    std::array<char, 65536> buffer{};
    for (;;) {
        const ssize_t got = ::read(fd, buffer.data(), buffer.size());
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return std::unexpected(fmt::format("cannot read: {}", std::strerror(errno)));
        if (got == 0) break;
        text.append(buffer.data(), static_cast<std::size_t>(got));
        if (text.size() > kMaxResumeFileBytes) {
            return std::unexpected(fmt::format("larger than {} MiB", kMaxResumeFileBytes >> 20));
        }
    }
    return parse_resume_file(text);
}

}  // namespace slumber::slurm
