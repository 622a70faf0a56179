#include "util/process_start.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

namespace slumber::util {

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
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    ::sigemptyset(&default_action.sa_mask);
    // SIGKILL and SIGSTOP cannot be changed, and the C library keeps two
    // real-time signals for itself: sigaction refuses those, harmlessly.
    for (int signal = 1; signal < NSIG; ++signal) ::sigaction(signal, &default_action, nullptr);
}

}  // namespace slumber::util
