#include "daemon/log.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

namespace slumber::daemon {
namespace {

// systemd says that stderr is the journal's stream in JOURNAL_STREAM,
// "device:inode" of the stream; elsewhere the prefix would be noise.
bool stderr_is_journal() {
    const char* stream = std::getenv("JOURNAL_STREAM");
    struct stat status {};
    if (stream == nullptr || ::fstat(STDERR_FILENO, &status) != 0) return false;
    return fmt::format("{}:{}", status.st_dev, status.st_ino) == stream;
}

}  // namespace

void log(Priority priority, const std::string& line) {
    static const bool journal = stderr_is_journal();
    if (journal) {
        fmt::print(stderr, "<{}>{}\n", static_cast<int>(priority), line);
    } else {
        fmt::print(stderr, "slumberd: {}\n", line);
    }
    std::fflush(stderr);
}

}  // namespace slumber::daemon
