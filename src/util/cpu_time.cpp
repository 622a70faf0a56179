#include "util/cpu_time.hpp"

#include <sys/resource.h>
#include <sys/time.h>

namespace slumber::util {
namespace {

std::chrono::microseconds used(int who) {
    struct rusage usage {};
    ::getrusage(who, &usage);
    const auto of = [](const timeval& time) {
        return std::chrono::seconds(time.tv_sec) + std::chrono::microseconds(time.tv_usec);
    };
    return of(usage.ru_utime) + of(usage.ru_stime);
}

}  // namespace

std::chrono::microseconds thread_and_children_cpu() { return used(RUSAGE_THREAD) + used(RUSAGE_CHILDREN); }

}  // namespace slumber::util
