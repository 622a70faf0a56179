#include "util/process_start.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <limits>

namespace slumber::util {
namespace {

// As the process started; written once, before any thread, and read by
// children between fork and exec.
struct rlimit g_started_files {
    RLIM_INFINITY, RLIM_INFINITY
};
bool g_raised = false;

}  // namespace

int open_closed_standard_fds() {
    int closed = 0;
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) >= 0) continue;
        closed |= 1 << fd;
        // open() returns the lowest free descriptor: this one, since those
        // below it are open by now.
        const int opened = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (opened >= 0 && opened != fd) {
            ::dup2(opened, fd);
            ::close(opened);
        }
    }
    return closed;
}

void reset_signals() {
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    ::sigemptyset(&default_action.sa_mask);
    // SIGKILL and SIGSTOP cannot be changed, and the C library keeps two
    // real-time signals for itself: sigaction refuses those, harmlessly.
    for (int signal = 1; signal < NSIG; ++signal) ::sigaction(signal, &default_action, nullptr);
    // Unblocked last: a signal pending in a child that shares its parent's
    // memory (command.cpp) must not run one of the parent's handlers there.
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

long raise_open_files_limit() {
    struct rlimit limit {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
    if (!g_raised) {
        g_started_files = limit;
        g_raised = true;
    }
    // An unlimited hard limit: the kernel refuses more than fs.nr_open
    // (1,048,576 unless set otherwise).
    constexpr rlim_t kMostFiles = rlim_t{1} << 20;
    if (const rlim_t wanted = std::min(limit.rlim_max, kMostFiles); limit.rlim_cur < wanted) {
        limit.rlim_cur = wanted;
        (void)::setrlimit(RLIMIT_NOFILE, &limit);
    }
    return open_files_limit();
}

long open_files_limit() {
    struct rlimit limit {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
    return limit.rlim_cur == RLIM_INFINITY ? std::numeric_limits<long>::max() : static_cast<long>(limit.rlim_cur);
}

void restore_open_files_limit() {
    if (g_raised) (void)::setrlimit(RLIMIT_NOFILE, &g_started_files);
}

}  // namespace slumber::util
