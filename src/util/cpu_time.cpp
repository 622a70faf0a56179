#include "util/cpu_time.hpp"

#include <sys/resource.h>
#include <sys/time.h>

namespace slumber::util {
namespace {

// What the calling thread's commands and helper threads used.
thread_local std::chrono::microseconds t_elsewhere{0};

}  // namespace

std::chrono::microseconds work_cpu() {
    struct rusage usage {};
    ::getrusage(RUSAGE_THREAD, &usage);
    const auto of = [](const timeval& time) {
        return std::chrono::seconds(time.tv_sec) + std::chrono::microseconds(time.tv_usec);
    };
    return of(usage.ru_utime) + of(usage.ru_stime) + t_elsewhere;
}

void add_work_cpu(std::chrono::microseconds elsewhere) { t_elsewhere += elsewhere; }

}  // namespace slumber::util
