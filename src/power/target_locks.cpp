#include "power/target_locks.hpp"

namespace slumber::power {

TargetLocks& TargetLocks::process() {
    static TargetLocks locks;
    return locks;
}

std::mutex& TargetLocks::mutex_for(const std::string& target) {
    const std::lock_guard guard(m_guard);
    auto& mutex = m_locks[target];
    if (!mutex) mutex = std::make_unique<std::mutex>();
    return *mutex;
}

std::unique_lock<std::mutex> TargetLocks::lock(const std::string& target) {
    return std::unique_lock(mutex_for(target));
}

std::unique_lock<std::mutex> TargetLocks::try_lock(const std::string& target) {
    return {mutex_for(target), std::try_to_lock};
}

}  // namespace slumber::power
