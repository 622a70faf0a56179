// One conversation with a target at a time, across the whole process. The
// daemon talks to BMCs and plugs from several places at once — the
// carrier's batches, the reconciler's reads, the devices' keeper, the
// energy sampler — each with its own Executor; a BMC asked twice at once
// may refuse the second session (IPMI BMCs keep a handful) or count it as a
// failed login. Every Executor takes a target's lock for as long as it
// talks to it; the energy sampler only tries, and skips a target that is
// busy, so that a reading never holds up a power action.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace slumber::power {

class TargetLocks {
  public:
    /// The process's locks: shared by every Executor and the sampler.
    static TargetLocks& process();

    /// The lock of `target`, waiting while another call talks to it.
    [[nodiscard]] std::unique_lock<std::mutex> lock(const std::string& target);
    /// The lock of `target` if no call talks to it now; otherwise a lock
    /// that owns nothing (owns_lock() is false), at once.
    [[nodiscard]] std::unique_lock<std::mutex> try_lock(const std::string& target);

  private:
    std::mutex& mutex_for(const std::string& target);
    std::mutex m_guard;
    // Never erased: one mutex per configured target, a few dozen bytes each.
    std::map<std::string, std::unique_ptr<std::mutex>> m_locks;
};

}  // namespace slumber::power
